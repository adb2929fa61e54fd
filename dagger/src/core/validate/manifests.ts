/**
 * Kubernetes manifests as data: multi-document YAML (helm template output, plain manifest
 * files) parsed into objects that remember where they came from — the `# Source:` template
 * helm writes above each document, or the file — so every finding can point back at it.
 */
import { parseAllDocuments } from "yaml";
import { InputError } from "../errors.js";
import type { Finding } from "../findings.js";

/** One Kubernetes object of a rendered or plain manifest stream. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The template helm rendered it from (`templates/deployment.yaml`), else the file it was read from. */
  source: string;
  /** Index of its document in the stream (0-based, empty documents counted). */
  doc: number;
  /** The whole object. */
  body: Record<string, unknown>;
  /**
   * Its hook types when it is a hook (`helm.sh/hook`, `argocd.argoproj.io/hook`): Argo CD runs it
   * around a sync, it is not a synced resource. Absent for ordinary objects.
   */
  hook?: string[];
}

/** The hook types an object's annotations declare (Helm's and Argo CD's), lower-cased, in order. */
export function hookTypes(body: Record<string, unknown>): string[] {
  const ann = asObj(asObj(body.metadata).annotations);
  return ["helm.sh/hook", "argocd.argoproj.io/hook"]
    .flatMap((k) => (typeof ann[k] === "string" ? (ann[k] as string).split(",") : []))
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/** `Kind/namespace/name`, or `Kind/name` for objects without a namespace. */
export function objectId(m: Pick<Manifest, "kind" | "name" | "namespace">): string {
  return m.namespace ? `${m.kind}/${m.namespace}/${m.name}` : `${m.kind}/${m.name}`;
}

/** Result of parsing a stream: the objects, and a finding for every document that is not one. */
export interface ParsedManifests {
  objects: Manifest[];
  findings: Finding[];
}

/** A field of untyped YAML as a map: the value when it is one, else {} (so field reads chain). */
export function asObj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A field of untyped YAML as trimmed text: "" when it is not a string. */
export function asText(v: unknown): string {
  return typeof v === "string" ? v.trim() : "";
}

const SOURCE = /^# Source: (?:[^/\n]+\/)?(.+?)[ \t]*$/gm;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parse a multi-document YAML stream. `file` names the stream in findings; `namespace` is the
 * namespace objects without one land in (helm's `--namespace`), recorded for ids only.
 */
export function parseManifests(text: string, file: string, namespace?: string): ParsedManifests {
  const objects: Manifest[] = [];
  const findings: Finding[] = [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return { objects, findings }; // an empty stream
  let prevEnd = 0;
  docs.forEach((doc, index) => {
    // helm writes `# Source: <chart>/templates/x.yaml` between a document's `---` and its body.
    const end = doc.contents?.range?.[0] ?? doc.range?.[1] ?? prevEnd;
    const header = text.slice(prevEnd, end);
    prevEnd = Math.max(prevEnd, doc.contents?.range?.[2] ?? doc.range?.[1] ?? end);
    const source = [...header.matchAll(SOURCE)].pop()?.[1] ?? file;
    if (doc.errors.length > 0) {
      findings.push({
        source: "manifests",
        rule: "YAML",
        severity: "error",
        file,
        message: `document ${index} (${source}) is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`,
      });
      return;
    }
    const body: unknown = doc.toJS({ maxAliasCount: 100 });
    if (body === null || body === undefined) return; // empty document (a disabled template)
    if (!isRecord(body) || typeof body.kind !== "string" || typeof body.apiVersion !== "string") {
      findings.push({
        source: "manifests",
        rule: "NOT-AN-OBJECT",
        severity: "error",
        file,
        message: `document ${index} (${source}) has no apiVersion and kind`,
      });
      return;
    }
    const meta = isRecord(body.metadata) ? body.metadata : {};
    const ns = typeof meta.namespace === "string" ? meta.namespace : namespace;
    const hook = hookTypes(body);
    objects.push({
      apiVersion: body.apiVersion,
      kind: body.kind,
      name: typeof meta.name === "string" ? meta.name : "",
      ...(ns ? { namespace: ns } : {}),
      source,
      doc: index,
      body,
      ...(hook.length ? { hook } : {}),
    });
  });
  return { objects, findings };
}

/** Parse one YAML input file (values, Argo CD manifest...); invalid YAML is an InputError naming the file. */
export function parseYamlInput(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line;
      throw new InputError(line ? `${file}:${line}` : file, `is not valid YAML (${e.message.split("\n")[0]})`, "fix the YAML syntax of this file");
    }
  }
  return docs.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
}

/** A values file must be one YAML mapping (or empty); anything else is an InputError naming it. */
export function checkValuesFile(text: string, file: string): void {
  const docs = parseYamlInput(text, file).filter((d) => d !== null && d !== undefined);
  if (docs.length > 1) throw new InputError(file, "holds several YAML documents", "keep one mapping per values file");
  if (docs.length === 1 && !isRecord(docs[0])) throw new InputError(file, "is not a YAML mapping of values", "write `key: value` pairs at the top level");
}

/** Read a field by dotted path segments; undefined when any step is missing. */
export function getPath(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}
