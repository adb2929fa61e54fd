/**
 * Lint stage: several linters over the app's source, each in its own container from the pinned
 * Python image, run concurrently by the engine and read into one report. Every linter runs with
 * "any exit code": the run holds the reports (data first) and `assert` fails (failure second).
 */
import { dag, ReturnType, type Container, type Directory } from "@dagger.io/dagger";
import { pipInstallArgv } from "../core/app/source.js";
import { LINTER_PACKAGE, lintArgv, lintReport, lintResult, type LinterName } from "../core/app/lint.js";
import { REPORT_DIR, SOURCE_DIR, toolsInstallArgv } from "../core/app/python-tools.js";
import { withRanAt } from "../core/run.js";
import type { ToolPins as Toolchain } from "../core/toolchain.js";
import { ranAt } from "../provenance.js";
import { Run } from "../run.js";
import { DETECT, installFailure, pythonBase, readProject, withDependencies, withSource, type Project, type ProjectOptions } from "./python.js";

/** Where the lint container writes the linter's stdout (its machine-readable report). */
export const LINT_REPORT = `${REPORT_DIR}/lint-report`;

/** File name of each linter's report among the stage's outputs. */
export const LINT_REPORT_NAME: Record<LinterName, string> = {
  ruff: "ruff.json",
  "ruff-format": "ruff-format.json",
  flake8: "flake8.txt",
  pylint: "pylint.json",
};

/** pylint imports the app's modules and needs its dependencies; the others only parse. */
const needsDependencies = (linter: LinterName) => linter === "pylint";

/** argv installing one linter: alone, or beside the project's packages without breaking their pins. */
export function linterInstallArgv(tools: Toolchain, linter: LinterName): string[] {
  const pkg = LINTER_PACKAGE[linter];
  return needsDependencies(linter) ? toolsInstallArgv({ [pkg]: tools.python[pkg] }) : pipInstallArgv({ pinFiles: [], tools: { [pkg]: tools.python[pkg] } });
}

/**
 * One linter's container: linter installed (for pylint, after the project's dependencies), source
 * added, linter run (any exit code). ruff needs no project: it runs on the pinned default image.
 */
export function lintContainer(tools: Toolchain, source: Directory, linter: LinterName, project?: Project): Container {
  const install = linterInstallArgv(tools, linter);
  if (!project)
    return pythonBase(tools.pythonImage)
      .withExec(install)
      .withDirectory(SOURCE_DIR, source)
      .withDirectory(REPORT_DIR, dag.directory())
      .withExec(lintArgv(linter), { expect: ReturnType.Any, redirectStdout: LINT_REPORT });
  const deps = needsDependencies(linter) ? project.deps : { ...project.deps, files: [], steps: [], srcLayout: project.deps.srcLayout };
  return withSource(withDependencies(pythonBase(project.python.image), deps, install), source, deps)
    .withDirectory(REPORT_DIR, dag.directory())
    .withExec(lintArgv(linter), { expect: ReturnType.Any, redirectStdout: LINT_REPORT });
}

/** ruff parses on its own; flake8 and pylint run on the project's Python (the project is read only for them). */
const needsProject = (linter: LinterName) => linter === "pylint" || linter === "flake8";

/** The lint stage's containers, one per linter, and the project when one of them needed it. */
export async function lintContainers(
  tools: Toolchain,
  source: Directory,
  linters: readonly LinterName[],
  o: ProjectOptions = DETECT,
): Promise<{ containers: Container[]; project?: Project }> {
  const project = linters.some(needsProject) ? await readProject(tools, source, o) : undefined;
  return { containers: linters.map((l) => lintContainer(tools, source, l, needsProject(l) ? project : undefined)), ...(project ? { project } : {}) };
}

/** Run the lint stage: every linter's container, read into one report; pylint's failed install is a failed run. */
export async function runLint(tools: Toolchain, source: Directory, linters: readonly LinterName[], o: ProjectOptions = DETECT): Promise<Run> {
  const { containers, project } = await lintContainers(tools, source, linters, o);
  try {
    const [results, ran] = await Promise.all([
      Promise.all(
        containers.map(async (c, i) => {
          const [code, report, stderr] = await Promise.all([c.exitCode(), c.file(LINT_REPORT).contents(), c.stderr()]);
          return lintResult(linters[i]!, code, report, SOURCE_DIR, stderr);
        }),
      ),
      Promise.all(containers.map(ranAt)),
    ]);
    const report = lintReport(results);
    const artifacts = linters.reduce((d, l, i) => d.withFile(LINT_REPORT_NAME[l], containers[i]!.file(LINT_REPORT)), dag.directory());
    return Run.of(withRanAt(report, Math.min(...ran)), artifacts);
  } catch (e) {
    const failed = project && installFailure("lint", e, project.deps, linterInstallArgv(tools, "pylint"));
    if (failed) return Run.of(failed);
    throw e;
  }
}
