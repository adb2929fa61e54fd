/**
 * The app's Trivy ignore file (waivers): `.trivyignore` (one ID a line, optional `exp:YYYY-MM-DD`)
 * or `.trivyignore.yaml` (ids by kind, with paths, expiry and a statement). Trivy applies it; the
 * pipeline reads it only to show every waiver in the run, so none goes unnoticed.
 */
import { parse } from "yaml";
import { InputError } from "../errors.js";

/** The names Trivy's ignore file may have in the app directory (YAML recognised by the extension). */
export const IGNORE_FILES = [".trivyignore", ".trivyignore.yaml", ".trivyignore.yml"] as const;

/** One waiver of the ignore file. */
export interface IgnoreEntry {
  /** CVE/GHSA id, secret rule id, misconfiguration id or license name. */
  id: string;
  /** vulnerabilities, secrets, misconfigurations or licenses (YAML form only). */
  kind?: string;
  /** Date after which Trivy no longer applies it (YYYY-MM-DD). */
  expires?: string;
  /** Why it is waived (YAML form only). */
  statement?: string;
  /** Files or packages it is limited to (YAML form only). */
  paths?: string[];
}

/** The ignore file among the app directory's top-level entries; InputError when there are several (Trivy reads one). */
export function pickIgnoreFile(entries: readonly string[]): string | undefined {
  const found = IGNORE_FILES.filter((n) => entries.includes(n));
  if (found.length > 1) {
    throw new InputError("source", `has ${found.join(" and ")}; Trivy reads only one ignore file`, "keep the waivers in one of them and delete the other");
  }
  return found[0];
}

/** `exp:2027-01-31` → `2027-01-31`. */
function expiry(field: string): string | undefined {
  return field.startsWith("exp:") ? field.slice(4) : undefined;
}

/** Entries of the plain-text form: `ID [exp:YYYY-MM-DD]`, `#` comments. */
function parseText(text: string): IgnoreEntry[] {
  const out: IgnoreEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    const end = fields.findIndex((f) => f.startsWith("#"));
    const [id, ...rest] = end === -1 ? fields : fields.slice(0, end);
    if (!id) continue;
    const expires = rest.map(expiry).find((e) => e !== undefined);
    out.push({ id, ...(expires ? { expires } : {}) });
  }
  return out;
}

const KINDS = ["vulnerabilities", "secrets", "misconfigurations", "licenses"] as const;

/** Entries of the YAML form: a list per kind of `{ id, paths, expired_at, statement }`. */
function parseYaml(name: string, text: string): IgnoreEntry[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new InputError(
      "source",
      `${name} is not valid YAML (${(e as Error).message.split("\n")[0]})`,
      "fix the file; see Trivy's documentation of .trivyignore.yaml",
    );
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== "object" || Array.isArray(doc)) throw new InputError("source", `${name} is not a mapping`, `use the keys ${KINDS.join(", ")}`);
  const out: IgnoreEntry[] = [];
  for (const kind of KINDS) {
    const list = (doc as Record<string, unknown>)[kind];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new InputError("source", `${name}: ${kind} is not a list`, "list entries as `- id: CVE-...`");
    for (const item of list as unknown[]) {
      const e = (item ?? {}) as Record<string, unknown>;
      if (typeof e.id !== "string" || e.id.trim() === "") throw new InputError("source", `${name}: an entry of ${kind} has no id`, "give every entry an id");
      const paths = Array.isArray(e.paths) ? e.paths.map(String) : [];
      const expires =
        e.expired_at === undefined || e.expired_at === null
          ? ""
          : e.expired_at instanceof Date
            ? e.expired_at.toISOString().slice(0, 10)
            : String(e.expired_at);
      out.push({
        id: e.id.trim(),
        kind,
        ...(expires ? { expires } : {}),
        ...(typeof e.statement === "string" && e.statement.trim() ? { statement: e.statement.trim() } : {}),
        ...(paths.length ? { paths } : {}),
      });
    }
  }
  return out;
}

/** The waivers of the ignore file `name`. */
export function parseIgnoreFile(name: string, text: string): IgnoreEntry[] {
  return /\.ya?ml$/.test(name) ? parseYaml(name, text) : parseText(text);
}

/** One line per waiver for the run's details; expired ones say so (Trivy no longer applies them). */
export function waiverLines(name: string, entries: readonly IgnoreEntry[], today: string): string[] {
  if (entries.length === 0) return [`${name}: no waivers`];
  return [
    `${name}: ${entries.length} waiver${entries.length === 1 ? "" : "s"}`,
    ...entries.map((e) => {
      const parts = [e.kind ? `${e.kind} ${e.id}` : e.id];
      if (e.paths) parts.push(`in ${e.paths.join(", ")}`);
      if (e.expires) parts.push(e.expires < today ? `expired ${e.expires}, no longer applied` : `until ${e.expires}`);
      if (e.statement) parts.push(`: ${e.statement}`);
      return `  waived ${parts.join(" ").replace(" :", ":")}`;
    }),
  ];
}
