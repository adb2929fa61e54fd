/**
 * Comment-preserving YAML edits for the GitOps write-back.
 *
 * The yaml Document API locates each target scalar (its exact source range); the new scalar is
 * then spliced into the original text. Re-rendering the document with `toString()` would
 * re-flow long lines, re-indent sequences and normalise spacing in parts of the file nobody
 * asked to touch, so we never do it: every byte outside the edited scalars stays as it was.
 * The result is re-parsed and each target checked before it is returned.
 */
import { isMap, isSeq, type Document, type Node, type Scalar, type YAMLMap } from "yaml";
import { InputError } from "../errors.js";
import { invalidValue, type ValueKind } from "./image-ref.js";
import { unifiedDiff } from "./diff.js";
import { parse, parsePath, renderScalar, resolve, type Segment } from "./yaml-locate.js";
import { refuseAliased } from "./yaml-anchors.js";
import { absent, slice, sliceable, topLevel } from "./yaml-slices.js";

export { parsePath, plainRoundTrips, readImageEntry, renderScalar } from "./yaml-locate.js";
export { readScalar, readScalars } from "./yaml-slices.js";

/** Set the scalar at a dotted path (`image.tag`, `containers[0].image`, `containers.0.image`). */
export interface PathEdit {
  path: string;
  value: string;
  /** The rule the value must satisfy. */
  kind: ValueKind;
  /** Create the key (and missing parent mappings) when absent, instead of failing. */
  create?: boolean;
  /** Skip the edit silently when the key is absent (e.g. clear a digest only where one is kept). */
  ifPresent?: boolean;
  /** Document index in a multi-document file; default: the one document holding the path. */
  doc?: number;
}

/** Set fields of the kustomize `images:` entry whose `name` is `image`. */
export interface ImageEntryEdit {
  image: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  doc?: number;
}

export type YamlEdit = PathEdit | ImageEntryEdit;

/** What one edit did. */
export interface EditOutcome {
  doc: number;
  path: string;
  kind: ValueKind;
  /** Value before the edit; null when the key did not exist or held null. */
  from: string | null;
  to: string;
  changed: boolean;
}

/** The result of editing one file. */
export interface FileEdit {
  file: string;
  changed: boolean;
  before: string;
  after: string;
  /** Unified diff (`--- a/file` / `+++ b/file`), "" when unchanged. */
  diff: string;
  outcomes: EditOutcome[];
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

const where = (file: string, doc: number, path: string, docs: number): string => (docs > 1 ? `${file}: document ${doc}: ${path}` : `${file}: ${path}`);

function scalarSplice(text: string, scalar: Scalar | undefined, keyEnd: number, value: string, at: string): Splice {
  if (scalar?.type === "BLOCK_LITERAL" || scalar?.type === "BLOCK_FOLDED") {
    throw new InputError(at, "is a block scalar (| or >)", "write the value as a one-line scalar in the file first");
  }
  if (!scalar || !scalar.range || scalar.range[0] === scalar.range[1]) {
    // `key:` with no value: insert after the colon, with the separating space YAML needs.
    const pos = scalar?.range?.[0] ?? keyEnd;
    const sep = /[ \t]/.test(text[pos - 1] ?? "") ? "" : " ";
    return { start: pos, end: pos, text: sep + renderScalar(value, "PLAIN") };
  }
  return { start: scalar.range[0], end: scalar.range[1], text: renderScalar(value, scalar.type) };
}

/** Insert `segs[depth..]` = value as new block-mapping lines at the end of `parent`. */
function createSplice(text: string, parent: YAMLMap | undefined, segs: Segment[], depth: number, value: string, at: string): Splice {
  if (!parent || parent.flow || !parent.range || parent.items.length === 0) {
    throw new InputError(at, "is missing and its parent is not a non-empty block mapping", "add the key by hand once; later write-backs keep it");
  }
  if (segs.slice(depth).some((s) => typeof s === "number")) {
    throw new InputError(at, "is missing and creating sequence items is not supported", "add the list entry by hand");
  }
  const firstKey = parent.items[0]!.key as Node;
  const keyStart = firstKey.range![0];
  const indent = keyStart - (text.lastIndexOf("\n", keyStart - 1) + 1);
  const last = parent.items[parent.items.length - 1]!;
  const lastEnd = Math.max((last.value as Node | null)?.range?.[1] ?? 0, (last.key as Node).range![1]);
  // A nested block mapping's range ends at the start of the next line: insert there, not after it.
  const nl = text[lastEnd - 1] === "\n" ? lastEnd - 1 : text.indexOf("\n", lastEnd);
  const pos = nl === -1 ? text.length : nl + 1;
  const lines = segs.slice(depth).map((s, i, all) => {
    const pad = " ".repeat(indent + 2 * i);
    return i === all.length - 1 ? `${pad}${String(s)}: ${renderScalar(value, "PLAIN")}` : `${pad}${String(s)}:`;
  });
  const body = lines.join("\n") + "\n";
  return { start: pos, end: pos, text: nl === -1 && !text.endsWith("\n") ? "\n" + body : body };
}

const apply = (text: string, splices: Splice[]): string =>
  [...splices].sort((a, b) => b.start - a.start).reduce((t, s) => t.slice(0, s.start) + s.text + t.slice(s.end), text);

/** Expand kustomize image edits into path edits on the matching `images[i]` entry. */
function expand(file: string, docs: Document.Parsed[], edits: YamlEdit[]): PathEdit[] {
  return edits.flatMap((e): PathEdit[] => {
    if ("path" in e) return [e];
    const hits: { doc: number; index: number }[] = [];
    docs.forEach((d, di) => {
      if (e.doc !== undefined && e.doc !== di) return;
      const images = isMap(d.contents) ? d.contents.get("images", true) : undefined;
      if (!isSeq(images)) return;
      images.items.forEach((it, index) => {
        if (isMap(it) && it.get("name") === e.image) hits.push({ doc: di, index });
      });
    });
    if (hits.length !== 1) {
      throw new InputError(
        `${file}: images[name=${e.image}]`,
        hits.length ? "matches several entries" : "has no such entry",
        "list the image once under images: with its name",
      );
    }
    const { doc, index } = hits[0]!;
    const out: PathEdit[] = [];
    const f = (field: string, value: string | undefined, kind: ValueKind): void => {
      if (value !== undefined) out.push({ path: `images[${index}].${field}`, value, kind, create: true, doc });
    };
    f("newName", e.newName, "repository");
    f("newTag", e.newTag, "tag");
    f("digest", e.digest, "digest");
    return out;
  });
}

/** Which document an edit applies to: the given one, or the one document holding the path. */
function pickDoc(file: string, docs: Document.Parsed[], e: PathEdit, segs: Segment[]): number {
  if (e.doc !== undefined) {
    if (e.doc < 0 || e.doc >= docs.length)
      throw new InputError(`${file}: ${e.path}`, `document ${e.doc} does not exist (the file has ${docs.length})`, "pass a document index that exists");
    return e.doc;
  }
  if (docs.length <= 1) return 0;
  const holding = docs.flatMap((d, i) => {
    try {
      return resolve(d.contents, segs, "").depth === segs.length ? [i] : [];
    } catch {
      return [];
    }
  });
  if (holding.length === 1) return holding[0]!;
  if (holding.length === 0 && e.ifPresent) return -1;
  throw new InputError(
    `${file}: ${e.path}`,
    holding.length ? `is in documents ${holding.join(", ")}` : "is in none of the documents",
    "pass the document index of the edit",
  );
}

/**
 * Apply `edits` to `text` (the content of `file`). Pure: nothing is written; on any error an
 * InputError names the file, the path and the problem, and no result exists to write.
 *
 * Fast path: in a single-document file whose top level is a block mapping, each top-level entry
 * starts at a line in column 0 (continuation lines there are a YAML error), so the entries the
 * edits touch are parsed and edited alone. Anything unusual (several documents, directives,
 * kustomize entries, an explicit document, an error) takes the whole-file path, which also
 * produces every error. Whole-file validity is re-checked by `checkWritten` before a push.
 */
export function editYaml(file: string, text: string, edits: YamlEdit[]): FileEdit {
  const r = editBySlices(file, text, edits) ?? editText(file, text, edits);
  const changed = r.after !== text;
  return { file, changed, before: text, after: r.after, diff: changed ? unifiedDiff(file, text, r.after) : "", outcomes: r.outcomes };
}

/** editYaml without the fast path: parses the whole file (the reference the fast path must match). */
export function editYamlWhole(file: string, text: string, edits: YamlEdit[]): FileEdit {
  const r = editText(file, text, edits);
  const changed = r.after !== text;
  return { file, changed, before: text, after: r.after, diff: changed ? unifiedDiff(file, text, r.after) : "", outcomes: r.outcomes };
}

function editBySlices(file: string, text: string, edits: YamlEdit[]): { after: string; outcomes: EditOutcome[] } | undefined {
  if (!sliceable(text)) return undefined;
  const groups = new Map<string, PathEdit[]>();
  for (const e of edits) {
    if (!("path" in e) || e.doc !== undefined) return undefined;
    const top = parsePath(e.path)[0];
    if (typeof top !== "string") return undefined;
    groups.set(top, [...(groups.get(top) ?? []), e]);
  }
  const top = topLevel(text);
  try {
    const parts = [...groups].flatMap(([key, es]) => {
      // Edits of a key the file certainly lacks: only "if present" ones may be skipped here.
      if (absent(top, key) && es.every((e) => e.ifPresent)) return [];
      const s = slice(file, text, key, top);
      if (!s) throw new Error("no single top-level entry");
      // An anchored node on an edited path may be aliased outside the slice: the whole file decides.
      return [{ span: s, ...editText(file, s.text, es, { anchors: "fallback", docs: [s.doc] }) }];
    });
    const after = [...parts].sort((a, b) => b.span.start - a.span.start).reduce((t, p) => t.slice(0, p.span.start) + p.after + t.slice(p.span.end), text);
    return { after, outcomes: parts.flatMap((p) => p.outcomes) };
  } catch {
    return undefined;
  }
}

/** Raised inside a slice when an edited path crosses an anchor: the edit is redone on the whole file. */
class AnchorInSlice extends Error {}

/**
 * Edit `text` (the whole file, or one top-level slice of it with `anchors: "fallback"`: then an
 * anchored node on an edited path throws, and the caller redoes the edit on the whole file).
 */
function editText(
  file: string,
  text: string,
  edits: YamlEdit[],
  o: { anchors?: "refuse" | "fallback"; docs?: Document.Parsed[] } = {},
): { after: string; outcomes: EditOutcome[] } {
  let docs = o.docs ?? parse(file, text);
  const checkAnchors = (doc: number, chain: Node[], at: string): void => {
    if (o.anchors === "fallback") {
      if (chain.some((n) => (n as { anchor?: string }).anchor)) throw new AnchorInSlice(at);
    } else refuseAliased(docs[doc]!, text, chain, at);
  };
  if (docs.length === 0) throw new InputError(file, "is empty", "the file needs the keys the write-back sets");
  const pathEdits = expand(file, docs, edits);
  const seen = new Set<string>();
  for (const e of pathEdits) {
    const problem = invalidValue(e.kind, e.value);
    if (problem) throw new InputError(`${file}: ${e.path}`, problem, `pass a valid ${e.kind}`);
    const key = `${e.doc ?? ""}:${e.path}`;
    if (seen.has(key)) throw new InputError(`${file}: ${e.path}`, "is edited twice in one pass", "set each path once");
    seen.add(key);
  }
  // One parse resolves every edit of an existing key; each creation re-parses, since two creations
  // may share a new parent.
  const plans = pathEdits.map((e) => ({ e, segs: parsePath(e.path) }));
  const outcomes: EditOutcome[] = [];
  const splices: Splice[] = [];
  const creations: typeof plans = [];
  for (const p of plans) {
    const doc = pickDoc(file, docs, p.e, p.segs);
    if (doc < 0) continue;
    const at = where(file, doc, p.e.path, docs.length);
    const r = resolve(docs[doc]!.contents, p.segs, at);
    if (r.depth < p.segs.length) {
      if (p.e.ifPresent) continue;
      if (!p.e.create) throw new InputError(at, "does not exist", "add the key to the file, or ask for it to be created");
      creations.push({ e: { ...p.e, doc }, segs: p.segs });
      continue;
    }
    const current = r.scalar?.value;
    const from =
      current === null || current === undefined
        ? null
        : r.scalar?.type === "PLAIN" && typeof current !== "string"
          ? text.slice(r.scalar.range![0], r.scalar.range![1])
          : String(current);
    // A non-string (`tag: 1.10` is the number 1.1) is rewritten as a string even when it looks
    // equal. A null value and "" both mean "unset" to Helm and kustomize: no change, no commit.
    const changed = typeof current === "string" ? current !== p.e.value : current === null || current === undefined ? p.e.value !== "" : true;
    outcomes.push({ doc, path: p.e.path, kind: p.e.kind, from, to: p.e.value, changed });
    if (changed) {
      checkAnchors(doc, r.chain, at);
      const keyEnd = r.scalar?.range?.[0] ?? 0;
      splices.push(scalarSplice(text, r.scalar, keyEnd, p.e.value, at));
    }
  }
  let after = apply(text, splices);
  for (const p of creations) {
    docs = parse(file, after);
    const doc = p.e.doc!;
    const at = where(file, doc, p.e.path, docs.length);
    const r = resolve(docs[doc]!.contents, p.segs, at);
    if (r.depth === p.segs.length) throw new InputError(at, "is created twice in one pass", "set each path once");
    if (o.anchors === "fallback") {
      if (r.chain.some((n) => (n as { anchor?: string }).anchor)) throw new AnchorInSlice(at);
    } else refuseAliased(docs[doc]!, after, r.chain, at);
    let parent = r.parent;
    if (!parent && r.depth === 0 && isMap(docs[doc]!.contents)) parent = docs[doc]!.contents as YAMLMap;
    after = apply(after, [createSplice(after, parent, p.segs, r.depth, p.e.value, at)]);
    outcomes.push({ doc, path: p.e.path, kind: p.e.kind, from: null, to: p.e.value, changed: true });
  }
  verify(file, after, outcomes);
  return { after, outcomes };
}

/** Re-parse the edited text and check every target reads back as written. */
function verify(file: string, after: string, outcomes: EditOutcome[]): void {
  const docs = parse(file, after);
  for (const o of outcomes) {
    const r = resolve(docs[o.doc]?.contents, parsePath(o.path), `${file}: ${o.path}`);
    const got = r.scalar?.value;
    if (r.depth !== parsePath(o.path).length || (o.changed && got !== o.to)) {
      throw new Error(`yaml-edit bug: ${file}: ${o.path} reads back as ${JSON.stringify(got)}, expected ${JSON.stringify(o.to)}`);
    }
  }
}
