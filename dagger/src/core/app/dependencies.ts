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
  /** Contents of each file `declarationFiles(entries)` names. */
  contents: Readonly<Record<string, string>>;
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
    if (need && !has(need)) throw new InputError("dependencies", `is ${override} but the source has no ${need}`, `pass the app directory that holds ${need}, or another of ${DEPENDENCY_SOURCES.join(", ")}`);
    if (override === "requirements" && pinFiles(d.entries).length === 0) throw new InputError("dependencies", "is requirements but the source has no requirements*.txt at its top", `pass another of ${DEPENDENCY_SOURCES.join(", ")}`);
    return { source: override, why: `--dependencies ${override}` };
  }
  if (has("uv.lock")) return { source: "uv", why: "uv.lock found" };
  if (has("poetry.lock")) return { source: "poetry", why: "poetry.lock found" };
  if (pinFiles(d.entries).length) return { source: "requirements", why: `${pinFiles(d.entries).join(", ")} found` };
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
    plan.files.push({ path, contents: requirementsText(pyproject.requirements, `from pyproject.toml: [project] dependencies and the ${TEST_GROUPS.join("/")} extras and groups`) });
    return ["-r", path];
  };
  switch (source) {
    case "none":
      break;
    case "requirements": {
      const args: string[] = [];
      for (const f of pinFiles(d.entries)) {
        const lines = (d.contents[f] ?? "").split("\n");
        const self = lines.filter((l) => SELF_INSTALL.test(l));
        if (self.length) plan.notes.push(`${f}: "${self[0]!.trim()}" installs the project itself; the pipeline tests it from the source directory instead`);
        plan.files.push({ path: f, contents: lines.filter((l) => !SELF_INSTALL.test(l)).join("\n") });
        args.push("-r", f);
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
