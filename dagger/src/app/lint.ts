/**
 * Lint stage: several linters over the app's source, each in its own container from the pinned
 * Python image, run concurrently by the engine and read into one report. Every linter runs with
 * "any exit code": the run holds the reports (data first) and `assert` fails (failure second).
 */
import { dag, ReturnType, type Container, type Directory } from "@dagger.io/dagger";
import { pipInstallArgv } from "../core/app/source.js";
import { LINTER_PACKAGE, lintArgv, lintReport, lintResult, type LinterName } from "../core/app/lint.js";
import { REPORT_DIR, SOURCE_DIR } from "../core/app/python-tools.js";
import { withRanAt } from "../core/run.js";
import type { Toolchain } from "../core/toolchain.js";
import { ranAt } from "../provenance.js";
import { Run } from "../run.js";
import { NO_PINS, pythonBase, readPins, withDependencies, type PinSet } from "./python.js";

/** Where the lint container writes the linter's stdout (its machine-readable report). */
export const LINT_REPORT = `${REPORT_DIR}/lint-report`;

/** File name of each linter's report among the stage's outputs. */
export const LINT_REPORT_NAME: Record<LinterName, string> = {
  ruff: "ruff.json",
  "ruff-format": "ruff-format.json",
  flake8: "flake8.txt",
  pylint: "pylint.json",
};

/** One linter's container: linter installed, source added, linter run (any exit code). */
export function lintContainer(tools: Toolchain, source: Directory, linter: LinterName, pins: PinSet = NO_PINS): Container {
  const pkg = LINTER_PACKAGE[linter];
  // pylint imports the app's modules and needs its dependencies; the others only parse.
  const deps = linter === "pylint" ? pins : NO_PINS;
  const install = pipInstallArgv({ pinFiles: deps.files, pinContents: deps.contents, tools: { [pkg]: tools.python[pkg] } });
  return withDependencies(pythonBase(tools.pythonImage), source, deps, install)
    .withDirectory(REPORT_DIR, dag.directory())
    .withExec(lintArgv(linter), { expect: ReturnType.Any, redirectStdout: LINT_REPORT });
}

/** The lint stage's containers, one per linter; the app's pins are read only when pylint needs them. */
export async function lintContainers(tools: Toolchain, source: Directory, linters: readonly LinterName[]): Promise<Container[]> {
  const pins = linters.includes("pylint") ? await readPins(source) : NO_PINS;
  return linters.map((l) => lintContainer(tools, source, l, pins));
}

/** Run the lint stage: every linter's container, read into one report. */
export async function runLint(tools: Toolchain, source: Directory, linters: readonly LinterName[]): Promise<Run> {
  const containers = await lintContainers(tools, source, linters);
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
}
