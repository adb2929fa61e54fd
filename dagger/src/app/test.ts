/**
 * Test stage: pytest with coverage and a minimum-coverage gate, in the project's Python image.
 * The project's dependencies are installed from its declaration files alone (pip cache volume),
 * the pipeline's pytest and pytest-cov beside them without breaking their pins, then the source is
 * added, so a one-line source change never re-runs the install. pytest runs with "any exit code"
 * and finds the tests as it would on a laptop (the project's own configuration); the run is judged
 * from the JUnit and coverage XML and from pytest's stdout and stderr.
 */
import { dag, ReturnType, type Container, type Directory } from "@dagger.io/dagger";
import { REPORT_DIR, testArgv, toolsInstallArgv } from "../core/app/python-tools.js";
import { testReport, testResult } from "../core/app/test-report.js";
import { withRanAt } from "../core/run.js";
import type { ToolPins as Toolchain } from "../core/toolchain.js";
import { ranAt } from "../core/ran-at.js";
import { Run } from "../run.js";
import { DETECT, installFailure, pythonBase, readProject, withDependencies, withSource, type Project, type ProjectOptions } from "./python.js";

/** Report files of the test stage. */
export const JUNIT_XML = `${REPORT_DIR}/junit.xml`;
export const COVERAGE_XML = `${REPORT_DIR}/coverage.xml`;

/** argv installing the pipeline's pytest and pytest-cov beside the project's packages. */
export const testToolsArgv = (tools: Toolchain) => toolsInstallArgv({ pytest: tools.python.pytest, "pytest-cov": tools.python["pytest-cov"] });

/** The test container: dependencies, tools, then source, then pytest (any exit code). */
export function testContainer(tools: Toolchain, source: Directory, minCoverage: number, project: Project): Container {
  const argv = testArgv({ minCoverage, reportDir: REPORT_DIR, unittestFiles: !project.pytestConfigured });
  return withSource(withDependencies(pythonBase(project.python.image), project.deps, testToolsArgv(tools)), source, project.deps)
    .withEnvVariable("COVERAGE_FILE", "/tmp/.coverage") // keep the data file out of the source tree
    .withEnvVariable("PY_COLORS", "0") // plain tracebacks in the JUnit report, whatever FORCE_COLOR the image sets
    .withDirectory(REPORT_DIR, dag.directory())
    .withExec(argv, { expect: ReturnType.Any });
}

/** Run the test stage: read the project, run pytest, judge its reports and output; a failed install is a failed run. */
export async function runTests(tools: Toolchain, source: Directory, minCoverage: number, o: ProjectOptions = DETECT): Promise<Run> {
  const project = await readProject(tools, source, o);
  const c = testContainer(tools, source, minCoverage, project);
  const reports = c.directory(REPORT_DIR);
  let outputs: [number, string[], string, string, number];
  try {
    outputs = await Promise.all([c.exitCode(), reports.entries(), c.stdout(), c.stderr(), ranAt(c)]);
  } catch (e) {
    const failed = installFailure("test", e, project.deps, testToolsArgv(tools));
    if (failed) return Run.of(failed);
    throw e;
  }
  const [exitCode, entries, stdout, stderr, ran] = outputs;
  const read = (name: string) => (entries.includes(name) ? reports.file(name).contents() : Promise.resolve(undefined));
  const [junitXml, coverageXml] = await Promise.all([read("junit.xml"), read("coverage.xml")]);
  const result = testResult({ exitCode, minCoverage, stdout, stderr, ...(junitXml ? { junitXml } : {}), ...(coverageXml ? { coverageXml } : {}) });
  const report = testReport(result, { python: project.python, dependencies: project.deps });
  return Run.of(withRanAt(report, ran), reports);
}
