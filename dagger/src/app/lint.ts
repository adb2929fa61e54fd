/**
 * Lint stage: one linter (ruff, flake8 or pylint) over the app's source, in the pinned Python
 * image. The linter runs with "any exit code", so the run object holds the report and the exit
 * code (data first) and `assert()` fails with the summary (failure second).
 */
import { dag, object, func, ReturnType, type Container, type Directory, type File } from "@dagger.io/dagger";
import { pinFiles, pipInstallArgv } from "../core/app/source.js";
import { StageError } from "../core/errors.js";
import type { Finding } from "../core/findings.js";
import { PIP_CACHE_DIR, REPORT_DIR, SOURCE_DIR, lintArgv, lintResult, type LintResult } from "../core/app/python-tools.js";

/** The linter the lint stage runs. */
export enum Linter {
  /** ruff: fast, reads the app's [tool.ruff] config (default). */
  Ruff = "ruff",
  /** flake8: reads the app's .flake8 / setup.cfg. */
  Flake8 = "flake8",
  /** pylint: imports the app's modules, so the app's dependencies are installed first. */
  Pylint = "pylint",
}

/** The pins of the Python stages (a subset of the GitopsPipeline constructor's). */
export interface PythonPins {
  pythonImage: string;
  ruff: string;
  flake8: string;
  pylint: string;
  pytest: string;
  pytestCov: string;
}

/** The app's dependency pin files and their contents. */
export interface PinSet {
  files: string[];
  contents: string[];
}

/** No pin files: the install step then depends on the tool version only. */
export const NO_PINS: PinSet = { files: [], contents: [] };

/** Where the lint stage writes the linter's stdout (its machine-readable report). */
export const LINT_REPORT = `${REPORT_DIR}/lint-report`;

/** Read the pin files at the top of `source` (two small engine reads, no container). */
export async function readPins(source: Directory): Promise<PinSet> {
  const files = pinFiles(await source.entries());
  const contents = await Promise.all(files.map((f) => source.file(f).contents()));
  return { files, contents };
}

/** The pinned Python image with pip's cache volume and the source directory as workdir. */
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
 * Install dependencies, then add the source. The install step sees only the pin files (copied
 * alone first), so its cache key is their content: a source edit never re-runs it.
 */
export function withDependencies(base: Container, source: Directory, pins: PinSet, installArgv: string[]): Container {
  // An empty include list would copy everything: copy nothing when there is no pin file.
  const withPins = pins.files.length ? base.withDirectory(SOURCE_DIR, source, { include: pins.files }) : base;
  return withPins.withExec(installArgv).withDirectory(SOURCE_DIR, source);
}

/** The lint container: linter installed, source added, linter run (any exit code). */
export function lintContainer(p: PythonPins, source: Directory, linter: Linter, pins: PinSet = NO_PINS): Container {
  const version = { ruff: p.ruff, flake8: p.flake8, pylint: p.pylint }[linter];
  // pylint imports the app's modules and needs its dependencies; ruff and flake8 only parse.
  const deps = linter === Linter.Pylint ? pins : NO_PINS;
  const install = pipInstallArgv({ pinFiles: deps.files, pinContents: deps.contents, tools: { [linter]: version } });
  return withDependencies(pythonBase(p.pythonImage), source, deps, install)
    .withDirectory(REPORT_DIR, dag.directory())
    .withExec(lintArgv(linter), { expect: ReturnType.Any, redirectStdout: LINT_REPORT });
}

/** Run the lint stage: read the pins when the linter needs them, and return the run. */
export async function runLint(p: PythonPins, source: Directory, linter: Linter): Promise<LintRun> {
  const pins = linter === Linter.Pylint ? await readPins(source) : NO_PINS;
  return new LintRun(linter, lintContainer(p, source, linter, pins));
}

/** One issue reported by the linter. */
@object()
export class LintIssue {
  /** File, relative to the app directory. */
  @func()
  file: string;

  /** Line (1-based; 0 when the linter gave none). */
  @func()
  line: number;

  /** Column (0 when the linter gave none). */
  @func()
  column: number;

  /** Rule code, e.g. F401 or "W0611 unused-import". */
  @func()
  rule: string;

  /** The linter's message. */
  @func()
  message: string;

  /** error, warning or info. */
  @func()
  severity: string;

  /**
   * @param file File, relative to the app directory.
   * @param line Line (1-based; 0 when the linter gave none).
   * @param column Column (0 when the linter gave none).
   * @param rule Rule code.
   * @param message The linter's message.
   * @param severity error, warning or info.
   */
  constructor(file: string, line: number, column: number, rule: string, message: string, severity: string) {
    this.file = file;
    this.line = line;
    this.column = column;
    this.rule = rule;
    this.message = message;
    this.severity = severity;
  }

  /** Build from a core finding. */
  static of(f: Finding): LintIssue {
    return new LintIssue(f.file ?? "", f.line ?? 0, f.column ?? 0, f.rule, f.message, f.severity);
  }
}

/** A finished lint run: report and issues first, failure only when `assert` is called. */
@object()
export class LintRun {
  /** The linter that ran. */
  @func()
  linter: Linter;

  /** The container the linter ran in (after the run). */
  @func()
  container: Container;

  /**
   * @param linter The linter that ran.
   * @param container The container the linter ran in (after the run).
   */
  constructor(linter: Linter, container: Container) {
    this.linter = linter;
    this.container = container;
  }

  /** The linter's machine-readable report: ruff JSON, flake8 text, or pylint json2. */
  @func()
  report(): File {
    return this.container.file(LINT_REPORT);
  }

  /** The linter's exit code (0: no issues). */
  @func()
  async exitCode(): Promise<number> {
    return this.container.exitCode();
  }

  /** Every issue, with file, line, column, rule and message. */
  @func()
  async issues(): Promise<LintIssue[]> {
    return (await this.result()).findings.map((f) => LintIssue.of(f));
  }

  /** Counts, then one line per issue (`file:line:col rule message`). */
  @func()
  async summary(): Promise<string> {
    return (await this.result()).summary;
  }

  /** True when the run found nothing that fails it (what `assert` checks). */
  @func()
  async passed(): Promise<boolean> {
    return (await this.result()).ok;
  }

  /** Fail with the summary when the linter found issues or could not run. */
  @func()
  async assert(): Promise<void> {
    const r = await this.result();
    if (!r.ok) throw new StageError("lint", r.summary);
  }

  private async result(): Promise<LintResult> {
    const [code, report, stderr] = await Promise.all([this.container.exitCode(), this.report().contents(), this.container.stderr()]);
    return lintResult(this.linter, code, report, SOURCE_DIR, stderr);
  }
}
