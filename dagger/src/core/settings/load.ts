/**
 * The one loader of the pipeline's YAML files (gitops-pipeline.yaml in the gitops tree,
 * gitops-pipeline.settings.yaml in the app directory): YAML syntax, then the file's zod schema.
 * Every problem is an InputError naming the file and the YAML path (`file: scan.severity`), what
 * is wrong and what to do, so both files fail the same way.
 */
import type { z } from "zod";
import { parseDocument } from "yaml";
import { InputError } from "../errors.js";

/** Where a file's keys are documented: the fix of a problem that has no better one. */
export interface FileDocs {
  /** e.g. "see docs/settings.md for the keys". */
  hint: string;
}

/** The YAML text as plain data; syntax errors and alias bombs are InputErrors naming the file. */
export function readYaml(text: string, file: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new InputError(file, `is not valid YAML${line ? ` (line ${line})` : ""}: ${e.message.split("\n")[0]}`, "fix the YAML syntax");
  }
  try {
    // yaml refuses more than maxAliasCount alias expansions (a "billion laughs" file) with a ReferenceError.
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new InputError(
      file,
      `cannot be read (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
      "write the file without deeply nested YAML aliases (*name)",
    );
  }
}

/** The field schema at `path` inside `schema` (objects, records, arrays, optionals, defaults), for its `.describe()` text. */
function fieldAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const k of path) {
    s = unwrap(s);
    if (!s) return undefined;
    const def = (s as { def?: { type?: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType } }).def;
    if (def?.type === "object") s = def.shape?.[String(k)];
    else if (def?.type === "record") s = def.valueType;
    else if (def?.type === "array") s = def.element;
    else return undefined;
  }
  return s;
}

/** The schema under optional/default/nullable/pipe wrappers. */
function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  for (let i = 0; cur && i < 8; i++) {
    const def = (cur as { def?: { type?: string; innerType?: z.ZodType; in?: z.ZodType } }).def;
    if (def?.type === "optional" || def?.type === "default" || def?.type === "nullable" || def?.type === "prefault") cur = def.innerType;
    else if (def?.type === "pipe") cur = def.in;
    else return cur;
  }
  return cur;
}

/** The description of the field at `path` (its own, or the one of the schema it wraps). */
function describedAt(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  const f = fieldAt(schema, path);
  return f?.description ?? unwrap(f)?.description;
}

/** The YAML path of a zod issue, as a user finds it in the file: `scan.severity`, `apps.0.environments`. */
export function yamlPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** `file: path` (or just `file` at the top). */
export function where(file: string, path: readonly PropertyKey[]): string {
  return path.length ? `${file}: ${yamlPath(path)}` : file;
}

/** A zod failure as the InputError of `file`: its first issue, with the file and the YAML path. */
export function fileError(error: z.ZodError, schema: z.ZodType, file: string, docs: FileDocs): InputError {
  const issue = error.issues[0]!;
  let path: PropertyKey[] = [...issue.path];
  let message = issue.message;
  // A misspelt key is reported at the key itself, with the keys that are known there.
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    path = [...path, key];
    const known = Object.keys((unwrap(fieldAt(schema, issue.path)) as { def?: { shape?: object } } | undefined)?.def?.shape ?? {});
    message = `is not a known key${known.length ? ` (known here: ${known.join(", ")})` : ""}`;
  }
  const described = describedAt(schema, path);
  const fix = (issue as { params?: { fix?: string } }).params?.fix ?? (described ? `expected: ${described} (${docs.hint})` : docs.hint);
  return new InputError(where(file, path), message, fix);
}

/** Parse `text` as `file` with `schema`: readable YAML, then the schema; the first problem is an InputError naming file, path and fix. */
export function loadYaml<S extends z.ZodType>(text: string, file: string, schema: S, docs: FileDocs, raw: unknown = readYaml(text, file)): z.output<S> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw fileError(r.error, schema, file, docs);
  return r.data;
}
