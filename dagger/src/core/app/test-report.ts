/**
 * Reading the test stage's reports: pytest's JUnit XML and coverage.py's Cobertura XML, and the
 * verdict of a run (tests and coverage gate) with a summary that names failing tests by file
 * and line and always states the coverage figure.
 *
 * Both formats are flat and machine-written, so a few regular expressions read them; no XML
 * dependency is needed.
 */
import type { Finding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";

/** One failed or errored test. */
export interface FailedTest {
  /** `tests.test_routes::test_healthz` */
  name: string;
  kind: "failure" | "error";
  message: string;
  /** From the last `path.py:line:` frame of the traceback, when present. */
  file?: string;
  line?: number;
}

/** Totals of a JUnit XML report. */
export interface JunitSummary {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  failed: FailedTest[];
}

/** Totals of a Cobertura coverage report, and the percentage coverage.py gates on. */
export interface CoverageSummary {
  linesValid: number;
  linesCovered: number;
  branchesValid: number;
  branchesCovered: number;
  /** (covered lines + covered branches) / (lines + branches) × 100, as `--cov-fail-under` computes it. */
  percent: number;
}

/** Decode the five XML entities and numeric character references. */
export function xmlDecode(s: string): string {
  return s
    .replace(/&#x([0-9a-fA-F]+);/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Attributes of the first `<tag ...>` in `xml`, decoded; undefined when absent. */
export function attributes(xml: string, tag: string): Record<string, string> | undefined {
  const m = new RegExp(`<${tag}(\\s[^>]*?)?/?>`).exec(xml);
  if (!m) return undefined;
  return attrsOf(m[1] ?? "");
}

function attrsOf(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of s.matchAll(/([A-Za-z_][\w.:-]*)="([^"]*)"/g)) out[a[1]!] = xmlDecode(a[2]!);
  return out;
}

const num = (v: string | undefined): number => (v === undefined || v === "" ? 0 : Number(v));

/** Totals and failed tests of a pytest JUnit XML report (one or more `<testsuite>`). */
export function parseJunit(xml: string): JunitSummary {
  const suites = [...xml.matchAll(/<testsuite(\s[^>]*?)?\/?>/g)].map((m) => attrsOf(m[1] ?? ""));
  if (suites.length === 0) throw new Error("not a JUnit XML report: no <testsuite> element");
  const sum = (k: string) => suites.reduce((n, s) => n + num(s[k]), 0);
  const failed: FailedTest[] = [];
  for (const tc of xml.matchAll(/<testcase(\s[^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = tc[2] ?? "";
    const f = /<(failure|error)(\s[^>]*?)?(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
    if (!f) continue;
    const a = attrsOf(tc[1] ?? "");
    const text = xmlDecode(f[3] ?? "");
    const frames = [...text.matchAll(/^([^\s:][^:\n]*\.py):(\d+):/gm)];
    const last = frames[frames.length - 1];
    const message = (attrsOf(f[2] ?? "").message ?? text.split("\n")[0] ?? "").split("\n")[0]!;
    failed.push({
      name: a.classname ? `${a.classname}::${a.name ?? ""}` : (a.name ?? ""),
      kind: f[1] as "failure" | "error",
      message,
      ...(last ? { file: last[1]!, line: Number(last[2]) } : {}),
    });
  }
  return { tests: sum("tests"), failures: sum("failures"), errors: sum("errors"), skipped: sum("skipped"), failed };
}

/** Totals of a Cobertura XML report written by coverage.py. */
export function parseCoverage(xml: string): CoverageSummary {
  const a = attributes(xml, "coverage");
  if (!a || a["lines-valid"] === undefined) throw new Error("not a Cobertura coverage report: no <coverage lines-valid=...> element");
  const linesValid = num(a["lines-valid"]);
  const linesCovered = num(a["lines-covered"]);
  const branchesValid = num(a["branches-valid"]);
  const branchesCovered = num(a["branches-covered"]);
  const total = linesValid + branchesValid;
  const percent = total === 0 ? 100 : ((linesCovered + branchesCovered) / total) * 100;
  return { linesValid, linesCovered, branchesValid, branchesCovered, percent };
}

/** Coverage as coverage.py prints it: two decimals, e.g. `20.83%`. */
export function formatPercent(p: number): string {
  return `${(Math.floor(p * 100 + 1e-9) / 100).toFixed(2)}%`;
}

/** What a test run produced and whether it passes. */
export interface TestResult {
  exitCode: number;
  ok: boolean;
  junit?: JunitSummary;
  coverage?: CoverageSummary;
  minCoverage: number;
  summary: string;
}

/** pytest's exit codes that are not "tests failed". */
const PYTEST_EXIT: Record<number, string> = {
  2: "pytest was interrupted",
  3: "pytest hit an internal error",
  4: "pytest was called wrongly (usage error)",
  5: "no tests were collected",
};

/** Inputs of `testResult`: the exit code and the two reports (undefined when not written). */
export interface TestRunOutputs {
  exitCode: number;
  minCoverage: number;
  junitXml?: string;
  coverageXml?: string;
  /** Tail of the run's output, quoted when the reports do not explain the failure. */
  output?: string;
}

/**
 * Judge a test run. Passes when pytest exited 0, no test failed and coverage ≥ the gate. The
 * summary always states the coverage figure and the gate; failed tests are named with file:line.
 */
export function testResult(o: TestRunOutputs): TestResult {
  const junit = o.junitXml ? parseJunit(o.junitXml) : undefined;
  const coverage = o.coverageXml ? parseCoverage(o.coverageXml) : undefined;
  const gate = `gate ${o.minCoverage}%`;
  const problems: string[] = [];
  if (junit && (junit.failures > 0 || junit.errors > 0)) problems.push(`${junit.failures} failed, ${junit.errors} errored`);
  if (coverage && coverage.percent + 1e-9 < o.minCoverage) problems.push(`coverage ${formatPercent(coverage.percent)} is below the ${gate}`);
  // With a coverage gate pytest exits 1, not 5, when it collects nothing: read the count too.
  if (o.exitCode === 5 || junit?.tests === 0) problems.push(PYTEST_EXIT[5]!);
  else if (o.exitCode !== 0 && o.exitCode !== 1 && PYTEST_EXIT[o.exitCode]) problems.push(PYTEST_EXIT[o.exitCode]!);
  if (!coverage) problems.push("no coverage report was written");
  if (o.exitCode !== 0 && problems.length === 0) problems.push(`pytest exited ${o.exitCode}`);
  const ok = o.exitCode === 0 && problems.length === 0;
  const counts = junit ? `${junit.tests} tests, ${junit.failures} failed, ${junit.errors} errors, ${junit.skipped} skipped` : "no JUnit report";
  const cov = coverage ? `coverage ${formatPercent(coverage.percent)} (${gate})` : `coverage unknown (${gate})`;
  const lines = [`${ok ? "passed" : "FAILED"}: ${counts}; ${cov}${problems.length ? ` — ${problems.join("; ")}` : ""}`];
  for (const t of junit?.failed ?? []) {
    const where = t.file ? `${t.file}:${t.line} ` : "";
    lines.push(`${where}${t.name} ${t.kind}: ${t.message}`);
  }
  if (!ok && (!junit || !coverage) && o.output) lines.push(o.output.trim().split("\n").slice(-10).join("\n"));
  return { exitCode: o.exitCode, ok, minCoverage: o.minCoverage, summary: lines.join("\n"), ...(junit ? { junit } : {}), ...(coverage ? { coverage } : {}) };
}

/** The test run under the run-object contract: failed tests and a missed gate are findings. */
export function testReport(r: TestResult): RunReport {
  const [head = "", ...rest] = r.summary.split("\n");
  const findings: Finding[] = (r.junit?.failed ?? []).map((t) => ({
    source: "pytest",
    rule: t.kind,
    severity: "error",
    message: `${t.name}: ${t.message}`,
    ...(t.file ? { file: t.file } : {}),
    ...(t.line ? { line: t.line } : {}),
  }));
  if (r.coverage && r.coverage.percent + 1e-9 < r.minCoverage) {
    findings.push({ source: "coverage", rule: "COVERAGE-GATE", severity: "error", message: `coverage ${formatPercent(r.coverage.percent)} is below the gate ${r.minCoverage}%` });
  }
  return runReport({
    stage: "test",
    passed: r.ok,
    summary: `test ${head.replace(/^FAILED/, "failed")}`,
    details: rest.join("\n"),
    findings,
    data: { exitCode: r.exitCode, minCoverage: r.minCoverage, ...(r.junit ? { tests: { total: r.junit.tests, failures: r.junit.failures, errors: r.junit.errors, skipped: r.junit.skipped } } : {}), ...(r.coverage ? { coverage: r.coverage } : {}) },
  });
}
