/**
 * Top-level slices of a values file: in a single-document file whose top level is a block
 * mapping, each top-level entry starts at a line in column 0 (continuation lines there are a
 * YAML error), so the entry a write-back reads or edits can be parsed alone. Parsing a 5 MB
 * values file whole costs seconds; its `image:` entry, microseconds.
 *
 * Anything unusual (several documents, directives, a key written twice, an entry that does not
 * parse alone, e.g. because it aliases an anchor of another entry) gives `undefined`, and the
 * caller parses the whole file, which also produces every error.
 */
import { isMap, type Document, type Scalar } from "yaml";
import { parse, parsePath, resolve } from "./yaml-locate.js";

/** One top-level entry: where it is in the file, and its text parsed alone. */
export interface Slice {
  start: number;
  end: number;
  text: string;
  doc: Document.Parsed;
}

/** Could the file be cut into top-level slices at all (one document, no directives)? */
export const sliceable = (text: string): boolean => !/^(---|\.\.\.|%)/m.test(text);

/** Where each top-level key's entry is; whether every top-level line is a simple `key:` line. */
export interface TopLevel {
  /** Each key's span (from its key line to the next column-0 line); "duplicate" when written twice. */
  spans: Map<string, { start: number; end: number } | "duplicate">;
  /**
   * Every column-0 line is a plain or simply quoted `key:` line: then a key absent from `spans`
   * is absent from the file (no flow mapping, complex key, tag or anchor could hide it).
   */
  simple: boolean;
}

const COLUMN0 = /^[^\s#].*$/gm;
const KEY_LINE = /^(?:([A-Za-z0-9_][A-Za-z0-9_./-]*)|"([A-Za-z0-9_./ -]*)"|'([A-Za-z0-9_./ -]*)')[ \t]*:(?:\s|$)/;

/** The last scan: one write-back attempt reads, edits and checks the same text several times. */
let last: { text: string; top: TopLevel } | undefined;

/** One pass over the column-0 lines of `text` (remembered for the same text). */
export function topLevel(text: string): TopLevel {
  if (last?.text === text) return last.top;
  const top = scan(text);
  last = { text, top };
  return top;
}

function scan(text: string): TopLevel {
  const spans: TopLevel["spans"] = new Map();
  let simple = true;
  let open: { key: string; start: number } | undefined;
  const close = (end: number): void => {
    if (!open) return;
    spans.set(open.key, spans.has(open.key) ? "duplicate" : { start: open.start, end });
    open = undefined;
  };
  COLUMN0.lastIndex = 0;
  for (let m = COLUMN0.exec(text); m; m = COLUMN0.exec(text)) {
    close(m.index);
    const k = KEY_LINE.exec(m[0]);
    if (k) open = { key: (k[1] ?? k[2] ?? k[3])!, start: m.index };
    else simple = false;
  }
  close(text.length);
  return { spans, simple };
}

/** The span of the one top-level entry `key`, or undefined (absent, written twice, or not a simple key line). */
export function topLevelSpan(text: string, key: string, top = topLevel(text)): { start: number; end: number } | undefined {
  const span = top.spans.get(key);
  return span === "duplicate" ? undefined : span;
}

/** Is the top-level `key` certainly absent (not merely unfound)? */
export const absent = (top: TopLevel, key: string): boolean => top.simple && !top.spans.has(key);

/** The top-level entry `key` parsed alone, or undefined when the file must be parsed whole. */
export function slice(file: string, text: string, key: string, top = topLevel(text)): Slice | undefined {
  if (!sliceable(text)) return undefined;
  const span = topLevelSpan(text, key, top);
  if (!span) return undefined;
  const part = text.slice(span.start, span.end);
  let docs: Document.Parsed[];
  try {
    docs = parse(file, part);
  } catch {
    return undefined;
  }
  const root = docs[0]?.contents;
  if (docs.length !== 1 || !isMap(root) || root.items.length !== 1 || String((root.items[0]!.key as Scalar).value) !== key) return undefined;
  return { ...span, text: part, doc: docs[0]! };
}

/** The string at `path` of document `doc` (default 0), or undefined when absent or null. */
export function readScalar(file: string, text: string, path: string, doc = 0): string | undefined {
  return readScalars(file, text, [{ path, doc }])[0];
}

const str = (s: Scalar | undefined): string | undefined => (s?.value === null || s?.value === undefined ? undefined : String(s.value));

/**
 * Several scalars of one file. Each is read from its top-level entry parsed alone when the file
 * allows it (see above), else from one parse of the whole file (which also proves it is valid YAML).
 */
export function readScalars(file: string, text: string, at: { path: string; doc: number }[]): (string | undefined)[] {
  const fast = at.every((a) => a.doc === 0)
    ? readBySlices(
        file,
        text,
        at.map((a) => a.path),
      )
    : undefined;
  if (fast) return fast;
  const docs = parse(file, text);
  return at.map(({ path, doc }) => str(resolve(docs[doc]?.contents, parsePath(path), `${file}: ${path}`, docs[doc]).scalar));
}

function readBySlices(file: string, text: string, paths: string[]): (string | undefined)[] | undefined {
  if (!sliceable(text)) return undefined;
  const top = topLevel(text);
  const slices = new Map<string, Slice | undefined>();
  const out: (string | undefined)[] = [];
  for (const path of paths) {
    const segs = parsePath(path);
    const key = segs[0];
    if (typeof key !== "string") return undefined;
    if (absent(top, key)) {
      out.push(undefined);
      continue;
    }
    if (!slices.has(key)) slices.set(key, slice(file, text, key, top));
    const s = slices.get(key);
    if (!s) return undefined;
    try {
      out.push(str(resolve(s.doc.contents, segs, `${file}: ${path}`).scalar));
    } catch {
      return undefined; // the whole-file read gives the error, with the file's own line numbers
    }
  }
  return out;
}
