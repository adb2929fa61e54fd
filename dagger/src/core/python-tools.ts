/**
 * The argv of the Python tools the lint and test stages run. The stages run exactly these
 * lists in their containers, and the contract tests run the same lists against the real tools.
 */

/** The linters the lint stage can run. */
export type LinterName = "ruff" | "flake8" | "pylint";

/** Where the lint and test stages write their machine-readable reports inside the container. */
export const REPORT_DIR = "/reports";

/** argv of one linter over `paths`, writing a machine-readable report to stdout. */
export function lintArgv(linter: LinterName, paths: readonly string[] = ["."]): string[] {
  switch (linter) {
    case "ruff":
      // JSON with file, row, column and code for every issue; no cache dir in the source tree.
      return ["ruff", "check", "--no-cache", "--output-format=json", ...paths];
    case "flake8":
      // flake8 has no JSON formatter without plugins; its default format is parseable.
      return ["flake8", "--format=default", ...paths];
    case "pylint":
      return ["pylint", "--output-format=json2", "--recursive=y", "--score=n", ...paths];
  }
}

/** Options of the pytest run. */
export interface TestArgvOptions {
  /** Minimum total coverage in percent; pytest-cov fails the run below it. */
  minCoverage: number;
  /** Directory for junit.xml and coverage.xml. */
  reportDir?: string;
  /** Coverage source (package or path); default: the project's coverage config, else `.`. */
  coverageSource?: string;
}

/** argv of the pytest run with coverage, JUnit XML and Cobertura XML reports. */
export function testArgv(opts: TestArgvOptions): string[] {
  const dir = opts.reportDir ?? REPORT_DIR;
  if (!Number.isFinite(opts.minCoverage) || opts.minCoverage < 0 || opts.minCoverage > 100) {
    throw new Error(`minCoverage must be a number from 0 to 100, got ${opts.minCoverage}`);
  }
  return [
    "python",
    "-m",
    "pytest",
    opts.coverageSource ? `--cov=${opts.coverageSource}` : "--cov",
    "--cov-report=term",
    `--cov-report=xml:${dir}/coverage.xml`,
    `--junitxml=${dir}/junit.xml`,
    `--cov-fail-under=${opts.minCoverage}`,
  ];
}
