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
import { withoutColour } from "./python-tools.js";

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

/** The exception pytest printed (its `E   ` lines, joined), or "" when there is none. */
export function exceptionOf(text: string): string {
  const lines = [...text.matchAll(/^E\s+(.*\S)\s*$/gm)].map((m) => m[1]!);
  return lines.slice(-3).join(" ");
}

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
    const text = withoutColour(xmlDecode(f[3] ?? ""));
    const frames = [...text.matchAll(/^([^\s:][^:\n]*\.py):(\d+):/gm)];
    // The project's own frames are relative to its root; the interpreter's and libraries' are absolute.
    const own = frames.filter((m) => !m[1]!.startsWith("/") && !m[1]!.includes("site-packages/"));
    const last = own.at(-1) ?? frames.at(-1);
    let message = withoutColour(attrsOf(f[2] ?? "").message ?? text.split("\n")[0] ?? "").split("\n")[0]!;
    // A collection error's message is just "collection failure": the exception is in the text.
    if (/^collection failure$/i.test(message.trim())) message = `collection failure: ${exceptionOf(text) || message}`;
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
  2: "pytest was interrupted (an error during collection)",
  3: "pytest hit an internal error",
  4: "pytest could not start (a usage or configuration error, or a conftest that failed to import)",
  5: "no tests were collected",
};

/** Where pytest looks for tests: said when it collected none. */
export const NO_TESTS_HINT =
  "pytest collected no test: it looks for test_*.py and *_test.py files (and unittest.TestCase classes in them) under its testpaths; a project with tests elsewhere (tests.py) sets python_files/testpaths in its pytest configuration (pyproject.toml [tool.pytest.ini_options], pytest.ini, setup.cfg or tox.ini)";

/**
 * The lines of pytest's output that explain a failure the reports do not: the errors of the short
 * summary (`ERROR tests.py - ModuleNotFoundError...`), a conftest that failed to import, the
 * exception (`E   ...`) and the file of the last frame; then the tail of stderr and stdout.
 */
export function explainOutput(stdout: string, stderr: string): string[] {
  const both = `${stderr}\n${stdout}`;
  const lines = both.split("\n").map((l) => l.trimEnd());
  const out: string[] = [];
  const add = (l: string) => {
    if (l && !out.includes(l)) out.push(l);
  };
  for (const l of lines) {
    if (/^ERROR\s+\S/.test(l) || /^ImportError while (loading conftest|importing test module)/.test(l) || /^(E\s+)?\w+(Error|Exception): /.test(l.trim()))
      add(l.trim());
    if (/^ERROR: /.test(l) || /^(pytest: error|error):/.test(l.trim())) add(l.trim());
    if (/^[^\s/][^:\s]*\.py:\d+: in /.test(l)) add(l.trim());
  }
  const tail = (s: string, n: number) => s.trim().split("\n").slice(-n).join("\n");
  if (stderr.trim()) out.push("stderr:", tail(stderr, 15));
  if (stdout.trim()) out.push("stdout:", tail(stdout, 15));
  return out;
}

/** Inputs of `testResult`: the exit code and the two reports (undefined when not written). */
export interface TestRunOutputs {
  exitCode: number;
  minCoverage: number;
  junitXml?: string;
  coverageXml?: string;
  /** pytest's stdout and stderr, read when the reports do not explain the failure. */
  stdout?: string;
  stderr?: string;
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
  const noTests = o.exitCode === 5 || (junit?.tests === 0 && o.exitCode !== 2 && o.exitCode !== 4);
  if (noTests) problems.push(PYTEST_EXIT[5]!);
  else if (o.exitCode !== 0 && o.exitCode !== 1 && PYTEST_EXIT[o.exitCode]) problems.push(PYTEST_EXIT[o.exitCode]!);
  if (!coverage && !noTests && o.exitCode <= 1) problems.push("no coverage report was written");
  if (o.exitCode !== 0 && problems.length === 0) problems.push(`pytest exited ${o.exitCode}`);
  const ok = o.exitCode === 0 && problems.length === 0;
  const counts = junit ? `${junit.tests} tests, ${junit.failures} failed, ${junit.errors} errors, ${junit.skipped} skipped` : "no JUnit report";
  const cov = coverage ? `coverage ${formatPercent(coverage.percent)} (${gate})` : `coverage unknown (${gate})`;
  const lines = [`${ok ? "passed" : "FAILED"}: ${counts}; ${cov}${problems.length ? ` — ${problems.join("; ")}` : ""}`];
  for (const t of junit?.failed ?? []) {
    const where = t.file ? `${t.file}:${t.line} ` : "";
    lines.push(`${where}${t.name} ${t.kind}: ${t.message}`);
  }
  if (noTests && !ok) lines.push(NO_TESTS_HINT);
  // Failed tests and a missed gate explain themselves; anything else quotes pytest's output.
  const explained = (junit?.failed.length ?? 0) > 0 || (coverage !== undefined && junit !== undefined && o.exitCode <= 1 && !noTests);
  if (!ok && !explained && (o.stdout || o.stderr)) lines.push(...explainOutput(o.stdout ?? "", o.stderr ?? ""));
  return { exitCode: o.exitCode, ok, minCoverage: o.minCoverage, summary: lines.join("\n"), ...(junit ? { junit } : {}), ...(coverage ? { coverage } : {}) };
}

/** What the stage set up for the project: said in the details and the JSON report. */
export interface ProjectContext {
  python: { minor: string; image: string; why: string };
  dependencies: { source: string; why: string; notes: readonly string[] };
}

/** Detail lines naming the project's Python and dependency source (and what the install left out). */
export function projectLines(p: ProjectContext): string[] {
  return [`python: ${p.python.image} (${p.python.why})`, `dependencies: ${p.dependencies.source} (${p.dependencies.why})`, ...p.dependencies.notes];
}

/** The test run under the run-object contract: failed tests and a missed gate are findings. */
export function testReport(r: TestResult, project?: ProjectContext): RunReport {
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
    findings.push({
      source: "coverage",
      rule: "COVERAGE-GATE",
      severity: "error",
      message: `coverage ${formatPercent(r.coverage.percent)} is below the gate ${r.minCoverage}%`,
    });
  }
  return runReport({
    stage: "test",
    passed: r.ok,
    summary: `test ${head.replace(/^FAILED/, "failed")}`,
    details: [...rest, ...(project ? projectLines(project) : [])].join("\n"),
    findings,
    data: {
      exitCode: r.exitCode,
      minCoverage: r.minCoverage,
      ...(project ? { python: project.python, dependencies: { source: project.dependencies.source, why: project.dependencies.why } } : {}),
      ...(r.junit ? { tests: { total: r.junit.tests, failures: r.junit.failures, errors: r.junit.errors, skipped: r.junit.skipped } } : {}),
      ...(r.coverage ? { coverage: r.coverage } : {}),
    },
  });
}
