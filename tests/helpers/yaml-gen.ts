/**
 * fast-check generators of YAML values files with comments, blank lines, mixed quoting and
 * nesting, each leaf's path recorded so a test can edit some and check the rest.
 */
import fc from "fast-check";
import { parse } from "yaml";

export type Style = "plain" | "single" | "double";

export interface Leaf {
  path: string;
  value: string;
  style: Style;
}

export interface GeneratedYaml {
  text: string;
  leaves: Leaf[];
}

interface Node {
  key: string;
  comment?: string;
  trailing?: string;
  blankBefore: boolean;
  leaf?: { value: string; style: Style };
  children?: Node[];
}

const keyArb = fc.constantFrom(
  "image",
  "tag",
  "digest",
  "repository",
  "env",
  "appVersion",
  "replicas",
  "name",
  "service",
  "port",
  "config",
  "labels",
  "x_y",
  "a-b",
);
const commentArb = fc.stringMatching(/^[ A-Za-z0-9.,:#'"-]{0,24}$/);
/** Values that read back as strings in their style. */
const valueArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,15}$/);
const styleArb = fc.constantFrom<Style>("plain", "single", "double");

const nodeArb: fc.Memo<Node> = fc.memo((depth: number) =>
  fc.record({
    key: keyArb,
    comment: fc.option(commentArb, { nil: undefined }),
    trailing: fc.option(commentArb, { nil: undefined }),
    blankBefore: fc.boolean(),
    leaf:
      depth <= 1 ? fc.record({ value: valueArb, style: styleArb }) : fc.option(fc.record({ value: valueArb, style: styleArb }), { nil: undefined, freq: 2 }),
    children: depth <= 1 ? fc.constant(undefined) : fc.array(nodeArb(depth - 1), { minLength: 1, maxLength: 4 }),
  }),
);

/** Independent of the code under test: plain only when YAML 1.2 and 1.1 both read a string. */
export function plainIsString(v: string): boolean {
  return parse(v) === v && parse(v, { version: "1.1" }) === v;
}

function render(v: string, style: Style): string {
  if (style === "single") return `'${v}'`;
  if (style === "double") return `"${v}"`;
  return plainIsString(v) ? v : `"${v}"`;
}

function emit(nodes: Node[], indent: number, prefix: string, out: string[], leaves: Leaf[]): void {
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.key)) continue; // keys must be unique within a mapping
    seen.add(n.key);
    const pad = " ".repeat(indent);
    const path = prefix ? `${prefix}.${n.key}` : n.key;
    if (n.blankBefore) out.push("");
    if (n.comment !== undefined) out.push(`${pad}#${n.comment}`);
    const trailing = n.trailing !== undefined ? `  #${n.trailing}` : "";
    if (n.leaf) {
      const text = render(n.leaf.value, n.leaf.style);
      out.push(`${pad}${n.key}: ${text}${trailing}`);
      leaves.push({ path, value: n.leaf.value, style: text.startsWith('"') ? "double" : n.leaf.style });
    } else {
      out.push(`${pad}${n.key}:${trailing}`);
      emit(n.children ?? [], indent + 2, path, out, leaves);
    }
  }
}

/** A values file with 1–6 top-level keys nested up to 3 levels. */
export const yamlArb: fc.Arbitrary<GeneratedYaml> = fc
  .tuple(fc.array(nodeArb(3), { minLength: 1, maxLength: 6 }), fc.option(commentArb, { nil: undefined }), fc.boolean())
  .map(([nodes, header, finalNewline]) => {
    const out: string[] = [];
    const leaves: Leaf[] = [];
    if (header !== undefined) out.push(`#${header}`);
    emit(nodes, 0, "", out, leaves);
    return { text: out.join("\n") + (finalNewline ? "\n" : ""), leaves };
  })
  .filter((g) => g.leaves.length > 0);

/** A valid image tag, including ones that YAML would read as numbers, booleans or null. */
export const tagArb: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/),
  fc.constantFrom("1.0", "1.10", "true", "null", "No", "0x1F", "1e3", "123", "v1.2.3", "1.2.3-rc.1", "latest"),
);
