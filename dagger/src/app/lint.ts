/**
 * Lint stage: several linters over the app's source, each in its own container from the pinned
 * Python image, run concurrently by the engine and read into one report. Every linter runs with
 * "any exit code": the run holds the reports (data first) and `assert` fails (failure second).
 */
import { dag, ReturnType, type Container, type Directory } from "@dagger.io/dagger";
import { pipInstallArgv } from "../core/app/source.js";
import { lintArgv, lintReport, lintResult } from "../core/app/lint.js";
import { linter, type LinterName } from "../core/app/linters/index.js";
import { REPORT_DIR, SOURCE_DIR, toolsInstallArgv } from "../core/app/python-tools.js";
import { withRanAt } from "../core/run.js";
import type { ToolPins as Toolchain } from "../core/toolchain.js";
import { ranAt } from "../core/ran-at.js";
import { Run } from "../run.js";
import { DETECT, installFailure, pythonBase, readProject, withDependencies, withSource, type Project, type ProjectOptions } from "./python.js";

/** Where the lint container writes the linter's stdout (its machine-readable report). */
export const LINT_REPORT = `${REPORT_DIR}/lint-report`;

/** A linter that imports or type-checks the app's modules runs with the project's dependencies installed. */
const needsDependencies = (name: LinterName) => linter(name).needs === "dependencies";

/** A linter that parses on its own runs on the pinned default image; the others on the project's Python. */
const needsProject = (name: LinterName) => linter(name).needs !== "nothing";

/** argv installing one linter: alone, or beside the project's packages without breaking their pins. */
export function linterInstallArgv(tools: Toolchain, name: LinterName): string[] {
  const pkg = linter(name).package;
  return needsDependencies(name) ? toolsInstallArgv({ [pkg]: tools.python[pkg] }) : pipInstallArgv({ pinFiles: [], tools: { [pkg]: tools.python[pkg] } });
}

/**
 * One linter's container: linter installed (after the project's dependencies when it needs them),
 * source added, linter run (any exit code). A linter that needs nothing runs on the pinned default image.
 */
export function lintContainer(tools: Toolchain, source: Directory, name: LinterName, project?: Project): Container {
  const install = linterInstallArgv(tools, name);
  if (!project)
    return pythonBase(tools.pythonImage)
      .withExec(install)
      .withDirectory(SOURCE_DIR, source)
      .withDirectory(REPORT_DIR, dag.directory())
      .withExec(lintArgv(name), { expect: ReturnType.Any, redirectStdout: LINT_REPORT });
  const deps = needsDependencies(name) ? project.deps : { ...project.deps, files: [], steps: [], srcLayout: project.deps.srcLayout };
  return withSource(withDependencies(pythonBase(project.python.image), deps, install), source, deps)
    .withDirectory(REPORT_DIR, dag.directory())
    .withExec(lintArgv(name), { expect: ReturnType.Any, redirectStdout: LINT_REPORT });
}

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

/** Run the lint stage: every linter's container, read into one report; a failed install of the project's dependencies is a failed run. */
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
    const artifacts = linters.reduce((d, l, i) => d.withFile(linter(l).reportName, containers[i]!.file(LINT_REPORT)), dag.directory());
    return Run.of(withRanAt(report, Math.min(...ran)), artifacts);
  } catch (e) {
    // The failed command may be any linter's install or a step of the project's dependencies.
    for (const l of project ? linters : []) {
      const failed = installFailure("lint", e, project!.deps, linterInstallArgv(tools, l));
      if (failed) return Run.of(failed);
    }
    throw e;
  }
}
