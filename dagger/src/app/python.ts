/**
 * The Python containers of the lint and test stages: the project's Python (pinned image) with
 * pip's cache volume, the project's dependencies installed from its declaration files alone
 * (written as new files, so a source edit never re-runs the install), the pipeline's tools beside
 * them, then the source.
 */
import { dag, type Container, type Directory } from "@dagger.io/dagger";
import {
  declarationsToRead,
  dependencyPlan,
  needsRequirementsDir,
  pytestConfigured,
  REQUIREMENTS_DIR,
  withDeclarationTexts,
  type DependencyChoice,
  type DependencyPlan,
  type ProjectDeclarations,
} from "../core/app/dependencies.js";
import { installFailedReport } from "../core/app/install-report.js";
import { readPyproject } from "../core/app/pyproject.js";
import { choosePython, type PythonChoice } from "../core/app/python-version.js";
import { PIP_CACHE_DIR, SOURCE_DIR } from "../core/app/python-tools.js";
import { execFailure } from "../core/errors.js";
import type { RunReport } from "../core/run.js";
import type { ToolPins as Toolchain } from "../core/toolchain.js";
import { VERSIONS } from "../core/versions.js";

/** How the app object describes its project: `--python` and `--dependencies` ("" / auto: detect). */
export interface ProjectOptions {
  python: string;
  dependencies: DependencyChoice;
}

/** Detect everything. */
export const DETECT: ProjectOptions = { python: "", dependencies: "auto" };

/** The project as the stages set it up: its Python and its dependency install. */
export interface Project {
  python: PythonChoice;
  deps: DependencyPlan;
  /** Whether the project configures pytest itself (else the test stage also collects tests.py). */
  pytestConfigured: boolean;
}

/** Read the top-level listing, the declaration files and the requirements files they include (small engine reads, no container). */
export async function readDeclarations(source: Directory): Promise<ProjectDeclarations> {
  const entries = await source.entries();
  let d: ProjectDeclarations = { entries, contents: {} };
  if (needsRequirementsDir(entries)) d = { ...d, requirementsDir: await source.directory(REQUIREMENTS_DIR).entries() };
  for (let need = declarationsToRead(d); need.length; need = declarationsToRead(d)) {
    // Top-level files are known to exist from the listing; an included file is looked for first (a missing one is the including file's error).
    const texts = await Promise.all(need.map(async (f) => (entries.includes(f) || (await source.exists(f)) ? source.file(f).contents() : undefined)));
    d = withDeclarationTexts(d, need, texts);
  }
  return d;
}

/**
 * The project's Python and install plan. A `--python-image` other than the pinned default is
 * used as given (an air-gapped mirror, a custom image); otherwise the project's declaration picks
 * among the pinned images.
 */
export function projectOf(tools: Toolchain, d: ProjectDeclarations, o: ProjectOptions = DETECT): Project {
  const deps = dependencyPlan(d, o.dependencies, VERSIONS.uv);
  const configured = pytestConfigured(d);
  if (tools.pythonImage !== VERSIONS.pythonImage && !o.python)
    return { deps, pytestConfigured: configured, python: { minor: "", image: tools.pythonImage, why: "--python-image" } };
  const pyproject = d.contents["pyproject.toml"];
  const { requiresPython, requiresPythonFrom } = pyproject === undefined ? { requiresPython: "", requiresPythonFrom: "" } : readPyproject(pyproject);
  const python = choosePython(
    {
      ...(d.contents[".python-version"] !== undefined ? { pythonVersionFile: d.contents[".python-version"] } : {}),
      ...(requiresPython ? { requiresPython, requiresPythonFrom } : {}),
    },
    o.python,
  );
  return { deps, python, pytestConfigured: configured };
}

/** Read the source's declarations and set the project up. */
export async function readProject(tools: Toolchain, source: Directory, o: ProjectOptions = DETECT): Promise<Project> {
  return projectOf(tools, await readDeclarations(source), o);
}

/** The Python image with pip's cache volume and the source directory as workdir. */
export function pythonBase(pythonImage: string): Container {
  return dag
    .container()
    .from(pythonImage)
    .withEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .withEnvVariable("PIP_ROOT_USER_ACTION", "ignore")
    .withEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
    .withMountedCache(PIP_CACHE_DIR, dag.cacheVolume("gitops-pipeline-pip"))
    .withWorkdir(SOURCE_DIR);
}

/**
 * Install the dependencies, then the tools. The install sees only the declaration files, written
 * as new files from their contents (`withNewFile`): their content is its cache key, where a copy
 * out of the source directory would be keyed on the whole directory.
 */
export function withDependencies(base: Container, plan: DependencyPlan, toolsArgv: string[]): Container {
  const withFiles = plan.files.reduce((c, f) => c.withNewFile(f.path.startsWith("/") ? f.path : `${SOURCE_DIR}/${f.path}`, f.contents), base);
  return [...plan.steps, toolsArgv].reduce((c, argv) => c.withExec(argv), withFiles);
}

/** Add the source (and src/ to the import path for a src layout: the project itself is not installed). */
export function withSource(c: Container, source: Directory, plan: DependencyPlan): Container {
  const withSrc = c.withDirectory(SOURCE_DIR, source);
  return plan.srcLayout ? withSrc.withEnvVariable("PYTHONPATH", `${SOURCE_DIR}/src`) : withSrc;
}

/** The failed run of `stage` when `err` is the failure of one of the install commands; undefined for any other error. */
export function installFailure(stage: string, err: unknown, plan: DependencyPlan, toolsArgv: readonly string[]): RunReport | undefined {
  const x = execFailure(err);
  const same = (a: readonly string[]) => x !== undefined && a.length === x.cmd.length && a.every((s, i) => s === x.cmd[i]);
  if (!x || !(plan.steps.some(same) || same(toolsArgv))) return undefined;
  return installFailedReport(stage, x, plan);
}
