/**
 * Version and tag rules of the images the pipeline publishes.
 *
 * Tags come from templates with placeholders (`{shortSha}-{run}`, `v{version}-{shortSha}-{run}`,
 * `{env}-latest`, `{version}`, `{major}.{minor}`...). Every tag produced is a valid OCI tag
 * (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`); branch and environment names are sanitised; a bad
 * commit, run number, semver or template fails with an InputError naming the argument.
 */
import { InputError } from "../errors.js";
import { parseVersion, type ParsedVersion } from "../inputs.js";

/** The OCI distribution spec's tag grammar. */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Immutable tag of every build: unique per commit and CI run, e.g. `8855235-29`. */
export const IMMUTABLE_TEMPLATE = "{shortSha}-{run}";
/** Immutable tag of a versioned build, e.g. `v1.4.0-8855235-29`. */
export const VERSIONED_TEMPLATE = "v{version}-{shortSha}-{run}";
/** Moving tag of an environment, e.g. `dev-latest`. */
export const ENV_TEMPLATE = "{env}-latest";
/** Semver release tags: `1.4.0`, `1.4`, `1` (the last two only for releases, not pre-releases). */
export const RELEASE_TEMPLATES = ["{version}", "{major}.{minor}", "{major}"] as const;

/** The placeholders a template may use. */
export const PLACEHOLDERS = ["sha", "shortSha", "run", "version", "major", "minor", "patch", "branch", "env"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** What the tags are made from. Only `sha` and `run` are always required. */
export interface TagInputs {
  /** Full or abbreviated git commit (7 to 40 hex digits). */
  sha: string;
  /** CI run number (a positive integer), as a number or decimal string. */
  run: number | string;
  /** Semver of the app (`1.4.0`, `v1.4.0`, `2.0.0-rc.1`); optional. */
  version?: string;
  /** Git branch, sanitised into the `{branch}` placeholder; optional. */
  branch?: string;
  /** Environment (`dev`, `staging`, `prod`) for `{env}-latest`; optional. */
  env?: string;
  /** Also produce the semver release tags (`1.4.0`, `1.4`, `1`); needs `version`. */
  release?: boolean;
}

/** Names of the arguments the inputs come from, so errors name what the user typed. */
export interface TagArgNames {
  sha?: string;
  run?: string;
  version?: string;
  branch?: string;
  env?: string;
  templates?: string;
}

const DEFAULT_NAMES: Required<TagArgNames> = {
  sha: "sha",
  run: "run",
  version: "version",
  branch: "branch",
  env: "environment",
  templates: "tagTemplates",
};

/**
 * Make any string a valid OCI tag fragment: lowercase, every run of characters outside
 * `[a-z0-9._-]` becomes one `-`, leading `.`/`-` and trailing `-` are dropped, at most `max`
 * characters. `feature/Login Page` → `feature-login-page`. May return "" (caller decides).
 */
export function sanitizeTagPart(raw: string, max = 128): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, max)
    .replace(/-+$/, "");
}

/** True when `tag` is a valid OCI tag. */
export function isOciTag(tag: string): boolean {
  return OCI_TAG.test(tag);
}

/** Validate a git commit and return its 7-character short form. */
export function shortSha(sha: string, arg = DEFAULT_NAMES.sha): string {
  const s = sha.trim().toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(s)) {
    throw new InputError(arg, `"${sha}" is not a git commit (7 to 40 hex digits)`, "pass the commit being built, e.g. $(git rev-parse HEAD)");
  }
  return s.slice(0, 7);
}

/** Validate a CI run number (positive integer without leading zeros). */
export function runNumber(run: number | string, arg = DEFAULT_NAMES.run): string {
  const s = String(run).trim();
  if (!/^[1-9][0-9]{0,15}$/.test(s)) {
    throw new InputError(arg, `"${run}" is not a CI run number (a positive integer)`, "pass the CI run number, e.g. $GITHUB_RUN_NUMBER");
  }
  return s;
}

/** The default templates for the given inputs: immutable always, the rest when their input is set. */
export function defaultTemplates(inputs: Pick<TagInputs, "version" | "env" | "release">): string[] {
  const t = [IMMUTABLE_TEMPLATE];
  if (inputs.version) t.push(VERSIONED_TEMPLATE);
  if (inputs.env) t.push(ENV_TEMPLATE);
  if (inputs.release && inputs.version) t.push(...RELEASE_TEMPLATES);
  return t;
}

/** Placeholders used by a template; InputError for an unknown one or a stray brace. */
export function templatePlaceholders(template: string, arg = DEFAULT_NAMES.templates): Placeholder[] {
  const used: Placeholder[] = [];
  const rest = template.replace(/\{([^{}]*)\}/g, (_m, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new InputError(arg, `template "${template}" uses unknown placeholder {${name}}`, `use only ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`);
    }
    used.push(name as Placeholder);
    return "";
  });
  if (/[{}]/.test(rest)) {
    throw new InputError(arg, `template "${template}" has an unmatched brace`, "write placeholders as {name}, e.g. {shortSha}-{run}");
  }
  return used;
}

/**
 * Render the tags for `inputs` from `templates` (default: `defaultTemplates(inputs)`), in order,
 * without duplicates. Fails with an InputError naming the argument when an input is malformed,
 * a template needs an input that was not given, or a rendered tag is not a valid OCI tag.
 * Semver build metadata (`+build.1`) becomes `_build.1`: `+` is not allowed in OCI tags.
 */
export function renderTags(inputs: TagInputs, templates?: readonly string[], names: TagArgNames = {}): string[] {
  const n = { ...DEFAULT_NAMES, ...names };
  const short = shortSha(inputs.sha, n.sha);
  const values: Partial<Record<Placeholder, string>> = {
    sha: inputs.sha.trim().toLowerCase(),
    shortSha: short,
    run: runNumber(inputs.run, n.run),
  };
  let parsed: ParsedVersion | undefined;
  if (inputs.version !== undefined && inputs.version !== "") {
    parsed = parseVersion(inputs.version, n.version);
    Object.assign(values, {
      version: parsed.version.replace(/\+/g, "_"),
      major: String(parsed.major),
      minor: String(parsed.minor),
      patch: String(parsed.patch),
    });
  }
  for (const key of ["branch", "env"] as const) {
    const raw = inputs[key];
    if (raw === undefined || raw === "") continue;
    const clean = sanitizeTagPart(raw, 63);
    if (!clean) throw new InputError(n[key], `"${raw}" has no character usable in an image tag`, "use letters, digits, '.', '_' or '-'");
    values[key] = clean;
  }
  const list = templates ?? defaultTemplates(inputs);
  if (list.length === 0) throw new InputError(n.templates, "no tag template given", `pass at least one, e.g. ${IMMUTABLE_TEMPLATE}`);
  const tags: string[] = [];
  for (const template of list) {
    const used = templatePlaceholders(template, n.templates);
    const missing = used.find((p) => values[p] === undefined);
    if (missing) {
      const input = missing === "major" || missing === "minor" || missing === "patch" ? "version" : missing;
      throw new InputError(
        n.templates,
        `template "${template}" needs {${missing}} but no ${n[input as keyof TagArgNames]} was given`,
        `pass ${n[input as keyof TagArgNames]} or drop the template`,
      );
    }
    // Release aliases (`1`, `1.4`) of a pre-release would point users at an unreleased build.
    const alias = used.some((p) => p === "major" || p === "minor" || p === "patch") && !used.includes("version");
    if (parsed?.prerelease && alias) continue;
    const tag = template.replace(/\{([^{}]*)\}/g, (_m, name: string) => values[name as Placeholder]!);
    if (!isOciTag(tag)) {
      throw new InputError(
        n.templates,
        `template "${template}" renders "${tag}", not a valid OCI tag`,
        "a tag is 1-128 characters of [A-Za-z0-9._-] and cannot start with '.' or '-'",
      );
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  return tags;
}
