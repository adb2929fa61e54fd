/**
 * The argv and paths of the Python tools the test stage runs (the lint stage's are in lint.ts).
 * The stages run exactly these lists in their containers; the contract tests run the same lists
 * against the real tools.
 */
import { InputError } from "../errors.js";

/** Where the lint and test stages write their machine-readable reports inside the container. */
export const REPORT_DIR = "/reports";

/** Where the lint and test stages put the app's source inside the container (their workdir). */
export const SOURCE_DIR = "/src";

/** pip's cache inside the lint and test containers (a cache volume). */
export const PIP_CACHE_DIR = "/root/.cache/pip";

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
    throw new InputError("minCoverage", `${opts.minCoverage} is not a percentage`, "pass a number from 0 to 100, e.g. 90");
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

/** `path` relative to `root` (the directory the linter ran in), without a leading `./`. */
export function relativeTo(path: string, root = ""): string {
  const r = root.replace(/\/+$/, "");
  const rel = r && path.startsWith(`${r}/`) ? path.slice(r.length + 1) : path;
  return rel.replace(/^(\.\/)+/, "");
}

