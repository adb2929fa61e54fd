/**
 * Lint stage: several linters over the app's source, each in its own container from the pinned
 * Python image, run concurrently by the engine and read into one report. Every linter runs with
 * "any exit code": the run object holds the reports (data first) and `assert` fails with the
 * summary (failure second).
 */
import { dag, func, object, ReturnType, type Container, type Directory, type File } from "@dagger.io/dagger";
import { pipInstallArgv } from "../core/app/source.js";
import { LINTER_PACKAGE, lintArgv, lintReport, lintResult, type LinterName } from "../core/app/lint.js";
import { REPORT_DIR, SOURCE_DIR } from "../core/app/python-tools.js";
import { assertRun, reportJson, type RunReport } from "../core/run.js";
import type { Toolchain } from "../core/toolchain.js";
import { Finding, findingsOf } from "../finding.js";
import { ranAt } from "../provenance.js";
import { NO_PINS, pythonBase, readPins, withDependencies, type PinSet } from "./python.js";

/** A linter of the lint stage. */
export enum Linter {
  /** ruff check: the rules the app's config selects, plus the security rules (S) always. */
  RUFF = "ruff",
  /** ruff format --check: the Black-compatible format check. */
  RUFF_FORMAT = "ruff-format",
  /** flake8: reads the app's .flake8 / setup.cfg. */
  FLAKE8 = "flake8",
  /** pylint: imports the app's modules, so the app's dependencies are installed first. */
  PYLINT = "pylint",
}

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

/** Run the lint stage: one container per linter (pins read only when pylint needs them). */
export async function runLint(tools: Toolchain, source: Directory, linters: readonly LinterName[]): Promise<LintRun> {
  const pins = linters.includes("pylint") ? await readPins(source) : NO_PINS;
  return new LintRun([...linters], linters.map((l) => lintContainer(tools, source, l, pins)));
}

/** A finished lint run: one report of every linter; failure only when `assert` is called. */
@object()
export class LintRun {
  /** The linters that ran, by their enum values (ruff, ruff-format, flake8, pylint). */
  linterNames: string[];

  /** Each linter's container (after its run), in the order of linterNames. */
  containers: Container[];

  /**
   * @param linterNames The linters that ran.
   * @param containers Each linter's container after its run.
   */
  constructor(linterNames: string[], containers: Container[]) {
    this.linterNames = linterNames;
    this.containers = containers;
  }

  /** True when no linter found an issue or failed to run. */
  @func()
  async passed(): Promise<boolean> {
    return (await this.result()).passed;
  }

  /** One line: which linters ran and what they found. */
  @func()
  async summary(): Promise<string> {
    return (await this.result()).summary;
  }

  /** One line per linter, each followed by its issues (file:line:col rule message). */
  @func()
  async details(): Promise<string> {
    return (await this.result()).details;
  }

  /** Every issue of every linter, typed. */
  @func()
  async findings(): Promise<Finding[]> {
    return findingsOf((await this.result()).findings);
  }

  /** The whole run as JSON (lint-report.json): each linter's exit code and summary, every issue. */
  @func()
  async report(): Promise<File> {
    return dag.directory().withNewFile("lint-report.json", reportJson(await this.result())).file("lint-report.json");
  }

  /** Return the summary; fail with it and the details when a linter found issues or could not run. */
  @func()
  async assert(): Promise<string> {
    return assertRun(await this.result());
  }

  /** Each linter's own machine-readable report: ruff.json, ruff-format.json, flake8.txt, pylint.json. */
  @func()
  reports(): Directory {
    return this.linterNames.reduce((d, name, i) => d.withFile(LINT_REPORT_NAME[name as LinterName], this.containers[i]!.file(LINT_REPORT)), dag.directory());
  }

  /** Unix time at which the oldest linter container ran (earlier than the call: replayed from the engine's cache). */
  async ranAt(): Promise<number> {
    return Math.min(...(await Promise.all(this.containers.map(ranAt))));
  }

  private async result(): Promise<RunReport> {
    const results = await Promise.all(
      this.linterNames.map(async (name, i) => {
        const c = this.containers[i]!;
        const [code, report, stderr] = await Promise.all([c.exitCode(), c.file(LINT_REPORT).contents(), c.stderr()]);
        return lintResult(name as LinterName, code, report, SOURCE_DIR, stderr);
      }),
    );
    return lintReport(results);
  }
}
