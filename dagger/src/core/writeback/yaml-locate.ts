/**
 * Locating things in YAML text with the yaml Document API: dotted paths, the node at a path,
 * scalar rendering that keeps a value's type, and readers. Used by yaml-edit.ts.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node, type Scalar, type YAMLMap } from "yaml";
import { InputError } from "../errors.js";

/** One step of a path: a mapping key or a sequence index. */
export type Segment = string | number;

/** Parse `a.b[0].c` / `a.b.0.c` into segments; numbers index sequences. */
export function parsePath(path: string): Segment[] {
  if (!/^[A-Za-z0-9_\-/]+(\[\d+\])*(\.[A-Za-z0-9_\-/]+(\[\d+\])*)*$/.test(path)) {
    throw new InputError(path, "is not a dotted key path", "write it like image.tag or containers[0].image");
  }
  const out: Segment[] = [];
  for (const part of path.split(".")) {
    const [key, ...idx] = part.split("[");
    out.push(/^\d+$/.test(key!) ? Number(key) : key!);
    for (const i of idx) out.push(Number(i.slice(0, -1)));
  }
  return out;
}

/**
 * Parse every document of `file`; invalid YAML is an InputError with line and column.
 *
 * The yaml library's own duplicate-key check compares each key with every earlier key of its
 * mapping (quadratic: a 1 MB values file took 16 s); it is turned off and `duplicateKey` does the
 * same check with one set per mapping.
 */
export function parse(file: string, text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(docs)) return [];
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      const at = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : "";
      throw new InputError(file, `is not valid YAML${at}: ${e.message.split("\n")[0]}`, "fix the file by hand, then run the write-back again");
    }
    const dup = duplicateKey(d);
    if (dup !== undefined) {
      const { line, col } = linePos(text, dup);
      throw new InputError(
        file,
        `is not valid YAML (line ${line}, column ${col}): Map keys must be unique`,
        "fix the file by hand, then run the write-back again",
      );
    }
  }
  return docs;
}

/** Line and column (1-based) of offset `at` in `text`. */
export function linePos(text: string, at: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: at - start + 1 };
}

/**
 * The offset of the first key that repeats an earlier scalar key of its mapping (the rule of the
 * yaml library's check: equal parsed values), or undefined. Linear: one set per mapping.
 */
export function duplicateKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        if (!isScalar(k) || (typeof k.value === "number" && Number.isNaN(k.value))) continue;
        const id = `${typeof k.value}:${String(k.value)}`;
        if (seen.has(id)) {
          found = k.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(id);
      }
      return undefined;
    },
  });
  return found;
}

/** Child of a collection by key or index, or undefined. */
function child(node: unknown, seg: Segment): { node: Node | null; pair?: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    return pair ? { node: (pair.value as Node | null) ?? null, pair } : undefined;
  }
  if (isSeq(node) && typeof seg === "number") {
    const item = node.items[seg];
    return item === undefined ? undefined : { node: item as Node | null };
  }
  return undefined;
}

const typeName = (n: unknown): string => (isMap(n) ? "a mapping" : isSeq(n) ? "a sequence" : isScalar(n) ? "a scalar" : "an alias or tag");

/**
 * Walk `segs` in `root`; returns the scalar, or how far it got (for creation), and `chain`: every
 * node the walk went through (the collections, then the scalar), whose anchors an edit must check.
 */
export function resolve(
  root: unknown,
  segs: Segment[],
  at: string,
  readAliasIn?: Document.Parsed,
): { scalar?: Scalar; parent?: YAMLMap; depth: number; chain: Node[] } {
  let node: unknown = root;
  const chain: Node[] = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (!isMap(node) && !isSeq(node)) {
      throw new InputError(
        at,
        `${segs.slice(0, i).join(".") || "the document"} is ${typeName(node)}, not a mapping or sequence`,
        "check the path against the file",
      );
    }
    chain.push(node);
    const next = child(node, seg);
    if (!next) return { parent: isMap(node) ? node : undefined, depth: i, chain };
    node = next.node;
    if (i === segs.length - 1) {
      // A reader may follow an alias at the leaf (`appVersion: *t` reads as the anchored value);
      // an edit never does: it would change the anchored value, and every other alias of it.
      if (readAliasIn && isAlias(node)) node = node.resolve(readAliasIn) ?? null;
      if (node !== null && !isScalar(node)) {
        throw new InputError(at, `holds ${typeName(node)}, not a scalar`, "point the path at the tag/digest value itself");
      }
      if (node) chain.push(node);
      return { scalar: (node ?? undefined) as Scalar | undefined, depth: i + 1, chain };
    }
  }
  return { depth: segs.length, chain };
}

/**
 * Does `value` written without quotes read back as exactly this string, under YAML 1.2 and
 * under YAML 1.1 too? Helm and kustomize read YAML through go-yaml v2 (1.1), where `yes`, `on`,
 * `n` are booleans and `0755` is octal, so those get quotes.
 */
export function plainRoundTrips(value: string): boolean {
  if (value === "" || value.trim() !== value || /[\n,[\]{}]|: | #|:$/.test(value)) return false;
  return (["1.2", "1.1"] as const).every((version) => {
    const [d] = parseAllDocuments(`${value}\n`, { version }) as Document.Parsed[];
    return !!d && d.errors.length === 0 && isScalar(d.contents) && d.contents.value === value;
  });
}

/** Render `value` in `style`, keeping the file's quoting style unless that would change its type. */
export function renderScalar(value: string, style: Scalar.Type | undefined): string {
  if (style === "QUOTE_SINGLE") return `'${value.replace(/'/g, "''")}'`;
  if (style === "QUOTE_DOUBLE") return JSON.stringify(value);
  return plainRoundTrips(value) ? value : JSON.stringify(value);
}

/** Fields of the kustomize `images:` entry named `image` (or the only entry when `image` is undefined). */
export function readImageEntry(file: string, text: string, image?: string): { name: string; newName?: string; newTag?: string; digest?: string } | undefined {
  for (const d of parse(file, text)) {
    const images = isMap(d.contents) ? d.contents.get("images", true) : undefined;
    if (!isSeq(images)) continue;
    const entries = images.items.filter(isMap).map((m) => m.toJSON() as Record<string, unknown>);
    const hit = image === undefined ? (entries.length === 1 ? entries[0] : undefined) : entries.find((e) => e.name === image);
    if (hit) {
      const s = (k: string): string | undefined => (hit[k] === undefined || hit[k] === null ? undefined : String(hit[k]));
      return { name: String(hit.name), newName: s("newName"), newTag: s("newTag"), digest: s("digest") };
    }
  }
  return undefined;
}
