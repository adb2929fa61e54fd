/**
 * Test stage: pytest with coverage and a minimum-coverage gate, in the pinned Python image. The
 * app's dependencies are installed from its pin files alone (pip cache volume), then the source
 * is added, so a one-line source change never re-runs the install. pytest runs with "any exit
 * code"; the run object exports the JUnit and coverage XML and judges them.
 */
import { dag, object, func, ReturnType, type Container, type Directory, type File } from "@dagger.io/dagger";
import { pipInstallArgv, requireTests } from "../core/app/source.js";
import { StageError } from "../core/errors.js";
import { REPORT_DIR, testArgv } from "../core/app/python-tools.js";
import { testResult, type TestResult } from "../core/app/test-report.js";
import { NO_PINS, pythonBase, readPins, withDependencies, type PinSet, type PythonPins } from "./lint.js";

/** Report files of the test stage. */
export const JUNIT_XML = `${REPORT_DIR}/junit.xml`;
export const COVERAGE_XML = `${REPORT_DIR}/coverage.xml`;

/** The test container: dependencies from the pins, then source, then pytest (any exit code). */
export function testContainer(p: PythonPins, source: Directory, minCoverage: number, pins: PinSet = NO_PINS): Container {
  const argv = testArgv({ minCoverage, reportDir: REPORT_DIR }); // validates minCoverage first
  const install = pipInstallArgv({ pinFiles: pins.files, pinContents: pins.contents, tools: { pytest: p.pytest, "pytest-cov": p.pytestCov } });
  return withDependencies(pythonBase(p.pythonImage), source, pins, install)
    .withEnvVariable("COVERAGE_FILE", "/tmp/.coverage") // keep the data file out of the source tree
    .withDirectory(REPORT_DIR, dag.directory())
    .withExec(argv, { expect: ReturnType.Any });
}

/**
 * Run the test stage: refuse a source without tests (InputError naming `source`) before any
 * container runs, read the pins, and return the run.
 */
export async function runTests(p: PythonPins, source: Directory, minCoverage: number): Promise<TestRun> {
  testArgv({ minCoverage }); // an invalid gate fails before the engine is asked anything
  requireTests(await source.glob("**/*.py"));
  return new TestRun(minCoverage, testContainer(p, source, minCoverage, await readPins(source)));
}

/** A finished test run: JUnit and coverage reports first, failure only when `assert` is called. */
@object()
export class TestRun {
  /** Minimum total coverage in percent (lines and branches, as coverage.py counts them). */
  @func()
  minCoverage: number;

  /** The container pytest ran in (after the run). */
  @func()
  container: Container;

  /**
   * @param minCoverage Minimum total coverage in percent.
   * @param container The container pytest ran in (after the run).
   */
  constructor(minCoverage: number, container: Container) {
    this.minCoverage = minCoverage;
    this.container = container;
  }

  /** JUnit XML report of the run. */
  @func()
  junit(): File {
    return this.container.file(JUNIT_XML);
  }

  /** Coverage report of the run (Cobertura XML). */
  @func()
  coverage(): File {
    return this.container.file(COVERAGE_XML);
  }

  /** Both reports as a directory (junit.xml, coverage.xml), to export in one call. */
  @func()
  reports(): Directory {
    return this.container.directory(REPORT_DIR);
  }

  /** pytest's exit code (0 passed, 1 tests failed or coverage below the gate, 5 no tests). */
  @func()
  async exitCode(): Promise<number> {
    return this.container.exitCode();
  }

  /** Counts, the coverage figure against the gate, and each failed test with file and line. */
  @func()
  async summary(): Promise<string> {
    return (await this.result()).summary;
  }

  /** True when the run found nothing that fails it (what `assert` checks). */
  @func()
  async passed(): Promise<boolean> {
    return (await this.result()).ok;
  }

  /** Fail with the summary when a test failed, coverage is below the gate or pytest could not run. */
  @func()
  async assert(): Promise<void> {
    const r = await this.result();
    if (!r.ok) throw new StageError("test", r.summary);
  }

  private async result(): Promise<TestResult> {
    const reports = this.reports();
    const [exitCode, entries, output] = await Promise.all([this.container.exitCode(), reports.entries(), this.container.stdout()]);
    const read = (name: string) => (entries.includes(name) ? reports.file(name).contents() : Promise.resolve(undefined));
    const [junitXml, coverageXml] = await Promise.all([read("junit.xml"), read("coverage.xml")]);
    return testResult({ exitCode, minCoverage: this.minCoverage, output, ...(junitXml ? { junitXml } : {}), ...(coverageXml ? { coverageXml } : {}) });
  }
}
