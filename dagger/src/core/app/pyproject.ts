/**
 * Reading what a Python project declares in its TOML files: `pyproject.toml` (`[project]`
 * dependencies, test/dev extras, PEP 735 dependency groups, `requires-python`) and `poetry.lock`
 * (its exact pins, as requirements lines). TOML is parsed with smol-toml; every error names the
 * file.
 */
import { parse } from "smol-toml";
import { InputError } from "../errors.js";

/** Extras and dependency groups the test and lint stages install: the ones projects name for tests and development. */
export const TEST_GROUPS = ["test", "tests", "testing", "dev", "develop", "development"] as const;

const isTestGroup = (name: string) => (TEST_GROUPS as readonly string[]).includes(normaliseName(name));

/** PEP 503 normalised distribution name. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Parse a TOML file; InputError naming the file when it is not TOML. */
export function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    const first = (e as Error).message.split("\n")[0];
    throw new InputError(`source: ${file}`, `is not valid TOML (${first})`, `fix ${file}, or pass --dependencies to choose another declaration`);
  }
}

const table = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** What the test and lint stages need from a pyproject.toml. */
export interface PyprojectInfo {
  /** `[project] name`, normalised ("" when absent). */
  name: string;
  /** `[project] requires-python`, else Poetry's `[tool.poetry.dependencies] python` as PEP 440 ("" when absent). */
  requiresPython: string;
  /** Where requiresPython was read: `requires-python` or `tool.poetry.dependencies.python`. */
  requiresPythonFrom: string;
  /** Whether `[project]` declares anything to install (dependencies, test extras, groups). */
  declaresDependencies: boolean;
  /** The runtime dependencies, the test/dev extras and groups, the project's own name resolved away. */
  requirements: string[];
  /** The extras and dependency groups of TEST_GROUPS the file defines, as it spells them. */
  testExtras: string[];
  testGroups: string[];
}

/** Requirement's distribution name and extras: `flaskr[test] >= 1` → `flaskr`, [`test`]. */
function nameAndExtras(req: string): { name: string; extras: string[] } {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?/.exec(req);
  return {
    name: m ? normaliseName(m[1]!) : "",
    extras: m?.[2]
      ? m[2]
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : [],
  };
}

/**
 * Read a pyproject.toml: the runtime dependencies plus the extras and dependency groups named in
 * TEST_GROUPS. A requirement naming the project itself (`dev = ["app[test]"]`) is expanded into
 * its extras rather than looked up on the index; `{include-group = ...}` is followed (PEP 735).
 */
export function readPyproject(text: string, file = "pyproject.toml"): PyprojectInfo {
  const doc = parseToml(text, file);
  const project = table(doc.project);
  const name = typeof project.name === "string" ? normaliseName(project.name) : "";
  const extras = table(project["optional-dependencies"]);
  const groups = table(doc["dependency-groups"]);
  const out: string[] = [];
  const seenExtras = new Set<string>();
  const seenGroups = new Set<string>();
  const add = (reqs: readonly string[]) => {
    for (const r of reqs) {
      const ne = nameAndExtras(r);
      if (name && ne.name === name) ne.extras.forEach(addExtra);
      else if (!out.includes(r.trim())) out.push(r.trim());
    }
  };
  const addExtra = (extra: string) => {
    const key = Object.keys(extras).find((k) => normaliseName(k) === normaliseName(extra));
    if (key === undefined || seenExtras.has(key)) return;
    seenExtras.add(key);
    add(strings(extras[key]));
  };
  const addGroup = (group: string) => {
    const key = Object.keys(groups).find((k) => normaliseName(k) === normaliseName(group));
    if (key === undefined || seenGroups.has(key)) return;
    seenGroups.add(key);
    for (const item of Array.isArray(groups[key]) ? (groups[key] as unknown[]) : []) {
      if (typeof item === "string") add([item]);
      else if (typeof table(item)["include-group"] === "string") addGroup(table(item)["include-group"] as string);
    }
  };
  add(strings(project.dependencies));
  for (const g of TEST_GROUPS) addExtra(g);
  for (const g of TEST_GROUPS) addGroup(g);
  return {
    name,
    ...pythonRequirement(project, doc),
    declaresDependencies: out.length > 0,
    requirements: out,
    testExtras: Object.keys(extras).filter((k) => isTestGroup(k)),
    testGroups: Object.keys(groups).filter((k) => isTestGroup(k)),
  };
}

/** requires-python, else Poetry's python constraint translated from its caret/tilde syntax. */
function pythonRequirement(project: Record<string, unknown>, doc: Record<string, unknown>): { requiresPython: string; requiresPythonFrom: string } {
  if (typeof project["requires-python"] === "string") return { requiresPython: project["requires-python"].trim(), requiresPythonFrom: "requires-python" };
  const poetry = table(table(table(doc.tool).poetry).dependencies).python;
  return typeof poetry === "string"
    ? { requiresPython: poetryConstraint(poetry), requiresPythonFrom: "tool.poetry.dependencies.python" }
    : { requiresPython: "", requiresPythonFrom: "" };
}

/** Poetry's version constraint as PEP 440: `^3.11` → `>=3.11,<4`, `~3.11` → `>=3.11,<3.12`, `3.11.*` and comparisons as they are. */
export function poetryConstraint(c: string): string {
  return c
    .split(/\s*(?:,|\s)\s*/)
    .filter(Boolean)
    .map((part) => {
      const m = /^([\^~])(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(part);
      if (!m) return /^\d/.test(part) ? `==${part}` : part;
      const [major, minor, patch] = [Number(m[2]), m[3], m[4]];
      const lower = `>=${[m[2], minor, patch].filter((x) => x !== undefined).join(".")}`;
      if (m[1] === "^") return `${lower},<${major === 0 && minor !== undefined ? `0.${Number(minor) + 1}` : major + 1}`;
      return `${lower},<${minor !== undefined ? `${major}.${Number(minor) + 1}` : major + 1}`;
    })
    .join(",");
}

/** The `requirements.txt` text of a list of requirements (one per line, in order). */
export function requirementsText(reqs: readonly string[], header: string): string {
  return [`# ${header}`, ...reqs].join("\n") + "\n";
}

interface PoetryPackage {
  name?: unknown;
  version?: unknown;
  markers?: unknown;
  groups?: unknown;
  source?: { type?: unknown; url?: unknown; reference?: unknown; resolved_reference?: unknown };
}

/** What a poetry.lock pins, as requirements lines, and what it holds that pip cannot take by name. */
export interface PoetryPins {
  requirements: string[];
  /** Packages left out (path dependencies: their files are not part of the install's inputs). */
  skipped: string[];
}

/**
 * Every package of a poetry.lock (all groups: the tests need the dev group) as `name==version ;
 * markers`, git and URL sources as direct references. Reading the lock needs no Poetry in the
 * container: the lock already is the resolution.
 */
export function poetryPins(text: string, file = "poetry.lock"): PoetryPins {
  const doc = parseToml(text, file);
  const packages = Array.isArray(doc.package) ? (doc.package as PoetryPackage[]) : [];
  if (packages.length === 0 && !doc.metadata)
    throw new InputError(
      `source: ${file}`,
      "has no [[package]] entries and no [metadata]: not a Poetry lock file",
      "regenerate it with `poetry lock`, or pass --dependencies to choose another declaration",
    );
  const requirements: string[] = [];
  const skipped: string[] = [];
  for (const p of packages) {
    if (typeof p.name !== "string" || typeof p.version !== "string") continue;
    const marker = markerOf(p.markers, strings(p.groups));
    const type = typeof p.source?.type === "string" ? p.source.type : "";
    const url = typeof p.source?.url === "string" ? p.source.url : "";
    let req: string;
    if (type === "git") {
      const ref = [p.source?.resolved_reference, p.source?.reference].find((r): r is string => typeof r === "string" && r !== "");
      req = `${p.name} @ git+${url}${ref ? `@${ref}` : ""}`;
    } else if (type === "url") {
      req = `${p.name} @ ${url}`;
    } else if (type === "directory" || type === "file") {
      skipped.push(`${p.name} (${type} ${url})`);
      continue;
    } else {
      req = `${p.name}==${p.version}`;
    }
    requirements.push(marker ? `${req} ; ${marker}` : req);
  }
  return { requirements, skipped };
}

/**
 * A package's markers: a string, or one per group (Poetry 2) joined with `or`; a group the
 * package belongs to without a marker makes it unconditional.
 */
function markerOf(m: unknown, groups: readonly string[]): string {
  if (typeof m === "string") return m.trim();
  if (groups.some((g) => !(g in table(m)))) return "";
  const values = Object.values(table(m)).filter((v): v is string => typeof v === "string" && v.trim() !== "");
  if (values.length === 0) return "";
  const unique = [...new Set(values.map((v) => v.trim()))];
  return unique.length === 1 ? unique[0]! : unique.map((v) => `(${v})`).join(" or ");
}
