/**
 * Test stage: pytest with coverage and a minimum-coverage gate, in the pinned Python image. The
 * app's dependencies are installed from its pin files alone (pip cache volume), then the source
 * is added, so a one-line source change never re-runs the install. pytest runs with "any exit
 * code"; the run object reads the JUnit and coverage XML and judges them.
 */
import { dag, func, object, ReturnType, type Container, type Directory, type File } from "@dagger.io/dagger";
import { pipInstallArgv, requireTests } from "../core/app/source.js";
import { REPORT_DIR, testArgv } from "../core/app/python-tools.js";
import { testReport, testResult } from "../core/app/test-report.js";
import { assertRun, reportJson, type RunReport } from "../core/run.js";
import type { Toolchain } from "../core/toolchain.js";
import { Finding, findingsOf } from "../finding.js";
import { ranAt } from "../provenance.js";
import { pythonBase, readPins, withDependencies, type PinSet } from "./python.js";

/** Report files of the test stage. */
export const JUNIT_XML = `${REPORT_DIR}/junit.xml`;
export const COVERAGE_XML = `${REPORT_DIR}/coverage.xml`;

/** The test container: dependencies from the pins, then source, then pytest (any exit code). */
export function testContainer(tools: Toolchain, source: Directory, minCoverage: number, pins: PinSet): Container {
  const argv = testArgv({ minCoverage, reportDir: REPORT_DIR });
  const install = pipInstallArgv({ pinFiles: pins.files, pinContents: pins.contents, tools: { pytest: tools.python.pytest, "pytest-cov": tools.python["pytest-cov"] } });
  return withDependencies(pythonBase(tools.pythonImage), source, pins, install)
    .withEnvVariable("COVERAGE_FILE", "/tmp/.coverage") // keep the data file out of the source tree
    .withDirectory(REPORT_DIR, dag.directory())
    .withExec(argv, { expect: ReturnType.Any });
}

/** Run the test stage: refuse a source without tests (InputError naming `source`), read the pins, return the run. */
export async function runTests(tools: Toolchain, source: Directory, minCoverage: number): Promise<TestRun> {
  requireTests(await source.glob("**/*.py"));
  return new TestRun(minCoverage, testContainer(tools, source, minCoverage, await readPins(source)));
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

  /** True when every test passed and coverage reached the gate. */
  @func()
  async passed(): Promise<boolean> {
    return (await this.result()).passed;
  }

  /** One line: counts and the coverage figure against the gate. */
  @func()
  async summary(): Promise<string> {
    return (await this.result()).summary;
  }

  /** Each failed test with file and line (and pytest's output when the reports do not explain a failure). */
  @func()
  async details(): Promise<string> {
    return (await this.result()).details;
  }

  /** Failed tests and a missed coverage gate, typed. */
  @func()
  async findings(): Promise<Finding[]> {
    return findingsOf((await this.result()).findings);
  }

  /** The whole run as JSON (test-report.json): totals, coverage, failed tests. */
  @func()
  async report(): Promise<File> {
    return dag.directory().withNewFile("test-report.json", reportJson(await this.result())).file("test-report.json");
  }

  /** Return the summary; fail with it and the details when a test failed or coverage is below the gate. */
  @func()
  async assert(): Promise<string> {
    return assertRun(await this.result());
  }

  /** pytest's own reports as a directory: junit.xml and coverage.xml (Cobertura). */
  @func()
  reports(): Directory {
    return this.container.directory(REPORT_DIR);
  }

  /** Unix time at which pytest ran (earlier than the call: replayed from the engine's cache). */
  async ranAt(): Promise<number> {
    return ranAt(this.container);
  }

  private async result(): Promise<RunReport> {
    const reports = this.reports();
    const [exitCode, entries, output] = await Promise.all([this.container.exitCode(), reports.entries(), this.container.stdout()]);
    const read = (name: string) => (entries.includes(name) ? reports.file(name).contents() : Promise.resolve(undefined));
    const [junitXml, coverageXml] = await Promise.all([read("junit.xml"), read("coverage.xml")]);
    return testReport(testResult({ exitCode, minCoverage: this.minCoverage, output, ...(junitXml ? { junitXml } : {}), ...(coverageXml ? { coverageXml } : {}) }));
  }
}
