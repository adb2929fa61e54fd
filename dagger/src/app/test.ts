/**
 * Test stage: pytest with coverage and a minimum-coverage gate, in the pinned Python image. The
 * app's dependencies are installed from its pin files alone (pip cache volume), then the source
 * is added, so a one-line source change never re-runs the install. pytest runs with "any exit
 * code"; the run is judged from the JUnit and coverage XML, which are its artifacts.
 */
import { dag, ReturnType, type Container, type Directory } from "@dagger.io/dagger";
import { pipInstallArgv, requireTests } from "../core/app/source.js";
import { REPORT_DIR, testArgv } from "../core/app/python-tools.js";
import { testReport, testResult } from "../core/app/test-report.js";
import { withRanAt } from "../core/run.js";
import type { Toolchain } from "../core/toolchain.js";
import { ranAt } from "../provenance.js";
import { Run } from "../run.js";
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

/** Run the test stage: refuse a source without tests (InputError naming `source`), read the pins, run pytest, judge its reports. */
export async function runTests(tools: Toolchain, source: Directory, minCoverage: number): Promise<Run> {
  requireTests(await source.glob("**/*.py"));
  const c = testContainer(tools, source, minCoverage, await readPins(source));
  const reports = c.directory(REPORT_DIR);
  const [exitCode, entries, output, ran] = await Promise.all([c.exitCode(), reports.entries(), c.stdout(), ranAt(c)]);
  const read = (name: string) => (entries.includes(name) ? reports.file(name).contents() : Promise.resolve(undefined));
  const [junitXml, coverageXml] = await Promise.all([read("junit.xml"), read("coverage.xml")]);
  const report = testReport(testResult({ exitCode, minCoverage, output, ...(junitXml ? { junitXml } : {}), ...(coverageXml ? { coverageXml } : {}) }));
  return Run.of(withRanAt(report, ran), reports);
}
