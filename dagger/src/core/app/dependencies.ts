/**
 * Where a Python project declares its dependencies and how the lint and test stages install
 * them: requirements files, pyproject.toml (`[project]` dependencies, test/dev extras, dependency
 * groups), uv.lock (exported by uv) or poetry.lock (read here). Detected from the top-level
 * listing, or chosen with `--dependencies`.
 *
 * The install's only inputs are the declaration files' contents, written into the container as
 * new files (never a copy of the source directory, whose cache key is the whole tree), so a source
 * edit never re-runs it.
 */
import { posix } from "node:path";
import { InputError } from "../errors.js";
import { poetryPins, readPyproject, requirementsText, TEST_GROUPS, type PyprojectInfo } from "./pyproject.js";
import { pinFiles } from "./source.js";

/** How the dependencies can be declared; `auto` detects. */
export const DEPENDENCY_SOURCES = ["auto", "requirements", "pyproject", "uv", "poetry", "none"] as const;
export type DependencyChoice = (typeof DEPENDENCY_SOURCES)[number];
export type DependencySource = Exclude<DependencyChoice, "auto">;

/** Top-level files, besides the requirements files, that the detection and the install read (and pytest's configuration files). */
export const DECLARATION_FILES = ["pyproject.toml", "uv.lock", "poetry.lock", ".python-version", "pytest.ini", ".pytest.ini", "setup.cfg", "tox.ini"] as const;

/** Where generated requirement lists go in the container (outside the source tree). */
export const DEPS_DIR = "/tmp/pipeline-deps";

/** The files of the top-level listing whose contents the stages read: requirements files and DECLARATION_FILES. */
export function declarationFiles(entries: readonly string[]): string[] {
  return [...pinFiles(entries), ...DECLARATION_FILES.filter((f) => entries.includes(f))];
}

/** The project's declaration files, as read from its source directory. */
export interface ProjectDeclarations {
  /** Top-level listing of the source directory (directories end with `/`). */
  entries: readonly string[];
  /** Listing of `requirements/` (file names), read when the top level has no requirements file. */
  requirementsDir?: readonly string[];
  /** Contents of each file `declarationFiles(entries)` names, and of every requirements file they include (`-r`, `-c`). */
  contents: Readonly<Record<string, string>>;
}

/** The directory some projects keep their requirements files in, when none sits at the top. */
export const REQUIREMENTS_DIR = "requirements";

/** Files of requirements/ the test stage installs when present: the development/test sets (they usually `-r base.txt`). */
const DEV_REQUIREMENTS = /^(dev|develop|development|test|tests|testing|local|ci)\.txt$/;

/** At most this many requirements files are followed through `-r`/`-c` (a loop or a generated tree is refused, not followed forever). */
const MAX_REQUIREMENTS_FILES = 64;

/**
 * The requirements files the install starts from: the top-level requirements*.txt; else, in
 * requirements/, its development/test files (dev.txt, test.txt, ...), else every .txt there.
 */
export function rootRequirements(d: Pick<ProjectDeclarations, "entries" | "requirementsDir">): string[] {
  const top = pinFiles(d.entries);
  if (top.length || !d.requirementsDir) return top;
  const txt = d.requirementsDir.filter((f) => f.endsWith(".txt")).sort();
  const dev = txt.filter((f) => DEV_REQUIREMENTS.test(f));
  return (dev.length ? dev : txt).map((f) => `${REQUIREMENTS_DIR}/${f}`);
}

/**
 * The files a requirements file includes, as pip reads them: `-r`/`--requirement` and
 * `-c`/`--constraint`, relative to the including file's directory. URLs are left to pip; a path
 * leaving the app directory is refused (the install sees only the app's files).
 */
export function requirementIncludes(file: string, text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    const m = /^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=^-[rc]))(\S+)$/.exec(line);
    if (!m) continue;
    const ref = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) continue;
    const path = posix.normalize(posix.join(posix.dirname(file), ref));
    if (posix.isAbsolute(ref) || path.startsWith("../") || path === "..")
      throw new InputError(file, `includes ${ref}, which is outside the app directory`, "keep the requirements files it includes inside the app directory");
    out.push(path);
  }
  return out;
}

/** Whether reading the declarations needs the listing of requirements/ (no requirements file at the top, and the directory exists). */
export function needsRequirementsDir(entries: readonly string[]): boolean {
  return pinFiles(entries).length === 0 && entries.includes(`${REQUIREMENTS_DIR}/`);
}

/**
 * The files still to read: the top-level declaration files, the root requirements files and
 * every requirements file those read so far include. Reading is a loop (read these, add them with
 * `withDeclarationTexts`, ask again) so the engine and the tests read the same way.
 */
export function declarationsToRead(d: ProjectDeclarations): string[] {
  const need = new Set(declarationFiles(d.entries).filter((f) => d.contents[f] === undefined));
  const seen = new Set<string>();
  const queue = rootRequirements(d);
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (seen.size > MAX_REQUIREMENTS_FILES)
      throw new InputError(file, `is one of more than ${MAX_REQUIREMENTS_FILES} requirements files included from each other`, "include fewer files (-r, -c)");
    const text = d.contents[file];
    if (text === undefined) need.add(file);
    else queue.push(...requirementIncludes(file, text));
  }
  return [...need];
}

/** `d` with the texts of `files` read; a file that does not exist (undefined) is an error naming the file that includes it. */
export function withDeclarationTexts(d: ProjectDeclarations, files: readonly string[], texts: readonly (string | undefined)[]): ProjectDeclarations {
  const contents = { ...d.contents };
  files.forEach((file, i) => {
    const text = texts[i];
    if (text !== undefined) return void (contents[file] = text);
    const by = Object.entries(d.contents).find(([f, t]) => f.endsWith(".txt") && requirementIncludes(f, t).includes(file))?.[0];
    throw new InputError(
      by ?? file,
      by ? `includes ${file}, which is not a file of the app directory` : "cannot be read",
      "add the file, or fix the -r/-c line",
    );
  });
  return { ...d, contents };
}

/** A file the install step sees, written with these contents (its cache key). */
export interface GeneratedFile {
  path: string;
  contents: string;
}

/** How the stage installs the project's dependencies. */
export interface DependencyPlan {
  source: DependencySource;
  /** Why this source: `uv.lock found`, `--dependencies poetry`... */
  why: string;
  /** Files written before the install (relative paths land in the source directory). */
  files: GeneratedFile[];
  /** The install's argv, run in order in the source directory. */
  steps: string[][];
  /** Things the install leaves out, said in the run's details (e.g. `-e .`, path dependencies). */
  notes: string[];
  /** Whether the project keeps its package under src/ (then on PYTHONPATH: the install does not install the project itself). */
  srcLayout: boolean;
}

const pip = (...args: string[]) => ["python", "-m", "pip", "install", ...args];

/** A line installing the project itself (`-e .`, `.`, `-e file:.`): it needs the whole source, so the install skips it. */
const SELF_INSTALL = /^\s*(?:(?:-e|--editable)(?:\s+|=))?(?:file:)?\.\/?(?:\[[^\]]*\])?\s*(?:#.*)?$/;

function pyprojectOf(d: ProjectDeclarations): PyprojectInfo | undefined {
  const text = d.contents["pyproject.toml"];
  return text === undefined ? undefined : readPyproject(text);
}

/** The dependency source of a project: the override, else uv.lock, poetry.lock, requirements files, pyproject dependencies, none. */
export function detectSource(d: ProjectDeclarations, override: DependencyChoice = "auto"): { source: DependencySource; why: string } {
  const has = (f: string) => d.entries.includes(f);
  if (override !== "auto") {
    const needs: Partial<Record<DependencySource, string>> = { uv: "uv.lock", poetry: "poetry.lock", pyproject: "pyproject.toml" };
    const need = needs[override];
    if (need && !has(need))
      throw new InputError(
        "dependencies",
        `is ${override} but the source has no ${need}`,
        `pass the app directory that holds ${need}, or another of ${DEPENDENCY_SOURCES.join(", ")}`,
      );
    if (override === "requirements" && rootRequirements(d).length === 0)
      throw new InputError(
        "dependencies",
        "is requirements but the source has no requirements*.txt at its top nor in requirements/",
        `pass another of ${DEPENDENCY_SOURCES.join(", ")}`,
      );
    return { source: override, why: `--dependencies ${override}` };
  }
  if (has("uv.lock")) return { source: "uv", why: "uv.lock found" };
  if (has("poetry.lock")) return { source: "poetry", why: "poetry.lock found" };
  if (rootRequirements(d).length) return { source: "requirements", why: `${rootRequirements(d).join(", ")} found` };
  if (pyprojectOf(d)?.declaresDependencies) return { source: "pyproject", why: "pyproject.toml declares dependencies" };
  return { source: "none", why: "no requirements file, lock file or pyproject dependencies found" };
}

/**
 * The install plan of a project. With requirements files, the pyproject's dependencies and test
 * extras are resolved together with them (one pip call, so pins and declarations agree).
 */
export function dependencyPlan(d: ProjectDeclarations, override: DependencyChoice = "auto", uvVersion = ""): DependencyPlan {
  const { source, why } = detectSource(d, override);
  const pyproject = pyprojectOf(d);
  const srcLayout = d.entries.includes("src/");
  const plan: DependencyPlan = { source, why, files: [], steps: [], notes: [], srcLayout };
  const fromPyproject = () => {
    if (!pyproject?.declaresDependencies) return [];
    const path = `${DEPS_DIR}/pyproject-requirements.txt`;
    plan.files.push({
      path,
      contents: requirementsText(pyproject.requirements, `from pyproject.toml: [project] dependencies and the ${TEST_GROUPS.join("/")} extras and groups`),
    });
    return ["-r", path];
  };
  switch (source) {
    case "none":
      break;
    case "requirements": {
      const args: string[] = [];
      const roots = rootRequirements(d);
      // Every file read (the roots and what they include), at its own path: pip resolves -r/-c relative to the including file.
      const included = Object.keys(d.contents).filter((f) => f.endsWith(".txt") && (roots.includes(f) || isIncluded(d, f)));
      for (const f of [...roots, ...included.filter((f) => !roots.includes(f))]) {
        const lines = (d.contents[f] ?? "").split("\n");
        const self = lines.filter((l) => SELF_INSTALL.test(l));
        if (self.length) plan.notes.push(`${f}: "${self[0]!.trim()}" installs the project itself; the pipeline tests it from the source directory instead`);
        plan.files.push({ path: f, contents: lines.filter((l) => !SELF_INSTALL.test(l)).join("\n") });
        if (roots.includes(f)) args.push("-r", f);
      }
      args.push(...fromPyproject());
      plan.steps.push(pip(...args));
      break;
    }
    case "pyproject": {
      const args = fromPyproject();
      if (args.length) plan.steps.push(pip(...args));
      break;
    }
    case "uv": {
      if (!uvVersion) throw new Error("dependencyPlan: the uv version is required for a uv project");
      plan.files.push({ path: "pyproject.toml", contents: d.contents["pyproject.toml"] ?? "" }, { path: "uv.lock", contents: d.contents["uv.lock"] ?? "" });
      const out = `${DEPS_DIR}/uv-requirements.txt`;
      const groups = testGroupFlags(pyproject);
      plan.steps.push(pip(`uv==${uvVersion}`));
      plan.steps.push(["uv", "export", "--frozen", "--no-emit-project", "--no-hashes", "--format", "requirements.txt", ...groups, "--output-file", out]);
      plan.steps.push(pip("-r", out));
      break;
    }
    case "poetry": {
      const pins = poetryPins(d.contents["poetry.lock"] ?? "");
      const path = `${DEPS_DIR}/poetry-requirements.txt`;
      plan.files.push({ path, contents: requirementsText(pins.requirements, "from poetry.lock: every group") });
      if (pins.skipped.length) plan.notes.push(`poetry.lock: path dependencies not installed: ${pins.skipped.join(", ")}`);
      if (pins.requirements.length) plan.steps.push(pip("-r", path));
      break;
    }
  }
  return plan;
}

/** Whether some requirements file of the declarations includes `file`. */
function isIncluded(d: ProjectDeclarations, file: string): boolean {
  return Object.entries(d.contents).some(([f, t]) => f.endsWith(".txt") && f !== file && requirementIncludes(f, t).includes(file));
}

/** `--extra`/`--group` flags for uv export: the test/dev extras and groups the pyproject defines. */
function testGroupFlags(info: PyprojectInfo | undefined): string[] {
  return [...(info?.testExtras ?? []).flatMap((e) => ["--extra", e]), ...(info?.testGroups ?? []).flatMap((g) => ["--group", g])];
}

/**
 * Whether the project configures pytest (pytest.ini, .pytest.ini, pyproject's [tool.pytest...],
 * setup.cfg's [tool:pytest], tox.ini's [pytest]): then its configuration alone decides which
 * files hold tests. Without one, the test stage adds unittest's conventional `tests.py` to
 * pytest's default file patterns.
 */
export function pytestConfigured(d: ProjectDeclarations): boolean {
  const c = d.contents;
  if (c["pytest.ini"] !== undefined || c[".pytest.ini"] !== undefined) return true;
  if (/^\[tool\.pytest(\.ini_options)?\]/m.test(c["pyproject.toml"] ?? "")) return true;
  return /^\[tool:pytest\]/m.test(c["setup.cfg"] ?? "") || /^\[pytest\]/m.test(c["tox.ini"] ?? "");
}
