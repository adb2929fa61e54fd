/**
 * The argv of the Python tools the lint and test stages run. The stages run exactly these
 * lists in their containers, and the contract tests run the same lists against the real tools.
 */
import { InputError } from "../errors.js";
import { countBySeverity, formatFinding, type Finding, type Severity } from "../findings.js";

/** The linters the lint stage can run. */
export type LinterName = "ruff" | "flake8" | "pylint";

/** Where the lint and test stages write their machine-readable reports inside the container. */
export const REPORT_DIR = "/reports";

/** Where the lint and test stages put the app's source inside the container (their workdir). */
export const SOURCE_DIR = "/src";

/** pip's cache inside the lint and test containers (a cache volume). */
export const PIP_CACHE_DIR = "/root/.cache/pip";

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

// ---- reading the linters' reports --------------------------------------------------------------

/** `path` relative to `root` (the directory the linter ran in), without a leading `./`. */
export function relativeTo(path: string, root = ""): string {
  const r = root.replace(/\/+$/, "");
  const rel = r && path.startsWith(`${r}/`) ? path.slice(r.length + 1) : path;
  return rel.replace(/^(\.\/)+/, "");
}

interface RuffItem {
  code: string | null;
  message: string;
  filename: string;
  location?: { row: number; column: number } | null;
  name?: string;
}

/** ruff `--output-format=json`: an array of issues with absolute file names. */
export function parseRuffJson(report: string, root = ""): Finding[] {
  const items = JSON.parse(report || "[]") as RuffItem[];
  if (!Array.isArray(items)) throw new Error("ruff report is not a JSON array");
  return items.map((i) => ({
    source: "ruff",
    rule: i.code ?? "syntax-error",
    severity: "error" as const,
    message: i.message,
    file: relativeTo(i.filename, root),
    ...(i.location ? { line: i.location.row, column: i.location.column } : {}),
  }));
}

/** flake8 default format: `path:line:col: CODE message`, one issue per line. */
export function parseFlake8(report: string, root = ""): Finding[] {
  const out: Finding[] = [];
  for (const line of report.split("\n")) {
    const m = /^(.+?):(\d+):(\d+): ([A-Z]+\d+) (.*)$/.exec(line.trimEnd());
    if (!m) continue;
    out.push({ source: "flake8", rule: m[4]!, severity: m[4]!.startsWith("W") ? "warning" : "error", message: m[5]!, file: relativeTo(m[1]!, root), line: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}

interface PylintMessage {
  type: string;
  symbol: string;
  message: string;
  messageId: string;
  path: string;
  line: number;
  column: number;
}

const PYLINT_SEVERITY: Record<string, Severity> = { fatal: "error", error: "error", warning: "warning" };

/** pylint `--output-format=json2`: `{ messages: [...], statistics: {...} }`. */
export function parsePylintJson2(report: string, root = ""): Finding[] {
  const doc = JSON.parse(report || '{"messages": []}') as { messages?: PylintMessage[] };
  if (!doc || !Array.isArray(doc.messages)) throw new Error("pylint report has no messages array");
  return doc.messages.map((m) => ({
    source: "pylint",
    rule: `${m.messageId} ${m.symbol}`,
    severity: PYLINT_SEVERITY[m.type] ?? "info",
    message: m.message,
    file: relativeTo(m.path, root),
    line: m.line,
    column: m.column,
  }));
}

/** Findings of `linter`'s report (the stdout of `lintArgv(linter)`). */
export function parseLintReport(linter: LinterName, report: string, root = ""): Finding[] {
  switch (linter) {
    case "ruff":
      return parseRuffJson(report, root);
    case "flake8":
      return parseFlake8(report, root);
    case "pylint":
      return parsePylintJson2(report, root);
  }
}

/** What a lint run found, and whether it passes. */
export interface LintResult {
  linter: LinterName;
  exitCode: number;
  ok: boolean;
  findings: Finding[];
  /** One line of counts, then one line per finding (`file:line:col rule message`), at most `max`. */
  summary: string;
}

/** Shown findings in a summary; the report file has them all. */
export const SUMMARY_MAX_FINDINGS = 25;

/**
 * Judge a lint run from its exit code and report. A non-zero exit with no readable issue is a
 * tool or configuration failure and says so, with the tail of stderr.
 */
export function lintResult(linter: LinterName, exitCode: number, report: string, root = "", stderr = ""): LintResult {
  let findings: Finding[] = [];
  let readError = "";
  try {
    findings = parseLintReport(linter, report, root);
  } catch (e) {
    readError = (e as Error).message;
  }
  const ok = exitCode === 0 && !readError;
  let summary: string;
  if (readError || (exitCode !== 0 && findings.length === 0)) {
    const why = readError ? `its report could not be read (${readError})` : "it reported no issue";
    summary = `${linter} exited ${exitCode} and ${why}: a tool or configuration error. ${stderr.trim().split("\n").slice(-5).join(" | ")}`.trim();
  } else if (findings.length === 0) {
    summary = `${linter}: no issues`;
  } else {
    const files = new Set(findings.map((f) => f.file)).size;
    const lines = findings.slice(0, SUMMARY_MAX_FINDINGS).map(formatFinding);
    if (findings.length > SUMMARY_MAX_FINDINGS) lines.push(`... and ${findings.length - SUMMARY_MAX_FINDINGS} more in the report`);
    summary = [`${linter}: ${countBySeverity(findings)} in ${files} file${files === 1 ? "" : "s"}`, ...lines].join("\n");
  }
  return { linter, exitCode, ok, findings, summary };
}
