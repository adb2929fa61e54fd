/**
 * The lint stage's linters: their argv, their reports read into findings, and the one report of
 * several linters run together. The stage runs exactly these lists in its containers; the
 * contract tests run the same lists against the real tools.
 */
import { countBySeverity, formatFinding, type Finding, type Severity } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import { relativeTo } from "./python-tools.js";

/** The linters the lint stage can run (`ruff-format` is ruff's Black-compatible format check). */
export const LINTERS = ["ruff", "ruff-format", "flake8", "pylint"] as const;
export type LinterName = (typeof LINTERS)[number];

/** The PyPI package each linter comes from. */
export const LINTER_PACKAGE: Record<LinterName, "ruff" | "flake8" | "pylint"> = { ruff: "ruff", "ruff-format": "ruff", flake8: "flake8", pylint: "pylint" };

/**
 * Security rules ruff always checks (its port of bandit, `S`), whatever the app's own config
 * selects: given on the command line, they win over the config's `select`/`ignore`, so an app
 * can add rules but not silently drop these. An app waives one with an inline `# noqa: S…` or a
 * per-file ignore in its config, both visible in review.
 */
export const SECURITY_RULES = "S";

/** Test files: pytest's (test_*.py, *_test.py, conftest.py, tests/) and unittest's single tests.py. */
export const TEST_FILE_GLOBS = ["**/tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py", "**/tests.py"] as const;

/**
 * Security rules that are noise in test files, waived there only: `assert` (S101) is how pytest
 * works, and the hard-coded password rules (S105 string, S106 argument, S107 default argument)
 * fire on the fake credentials every login test needs. A real secret in a test file is still
 * caught by the secret scan (Trivy's rules match key and token formats, not variable names).
 */
export const TEST_FILE_WAIVED_RULES = ["S101", "S105", "S106", "S107"] as const;

/** argv of one linter over `paths`, writing a machine-readable report to stdout. */
export function lintArgv(linter: LinterName, paths: readonly string[] = ["."]): string[] {
  switch (linter) {
    case "ruff":
      // JSON with file, row, column and code for every issue; no cache dir in the source tree.
      return [
        "ruff",
        "check",
        "--no-cache",
        "--output-format=json",
        `--extend-select=${SECURITY_RULES}`,
        "--config",
        `lint.extend-per-file-ignores = {${TEST_FILE_GLOBS.map((g) => `"${g}" = [${TEST_FILE_WAIVED_RULES.map((r) => `"${r}"`).join(", ")}]`).join(", ")}}`,
        ...paths,
      ];
    case "ruff-format":
      // Lists every file that would be reformatted, in ruff's JSON shape (code "unformatted").
      return ["ruff", "format", "--check", "--no-cache", "--output-format=json", ...paths];
    case "flake8":
      // flake8 has no JSON formatter without plugins; its default format is parseable.
      return ["flake8", "--format=default", ...paths];
    case "pylint":
      return ["pylint", "--output-format=json2", "--recursive=y", "--score=n", ...paths];
  }
}

// ---- reading the linters' reports --------------------------------------------------------------

interface RuffItem {
  code: string | null;
  message: string;
  filename: string;
  location?: { row: number; column: number } | null;
  name?: string;
}

/** ruff `--output-format=json` (check and format --check): an array of issues with absolute file names. */
export function parseRuffJson(report: string, root = "", source = "ruff"): Finding[] {
  const items = JSON.parse(report || "[]") as RuffItem[];
  if (!Array.isArray(items)) throw new Error("ruff report is not a JSON array");
  return items.map((i) => ({
    source,
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
    out.push({
      source: "flake8",
      rule: m[4]!,
      severity: m[4]!.startsWith("W") ? "warning" : "error",
      message: m[5]!,
      file: relativeTo(m[1]!, root),
      line: Number(m[2]),
      column: Number(m[3]),
    });
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
    case "ruff-format":
      return parseRuffJson(report, root, "ruff-format");
    case "flake8":
      return parseFlake8(report, root);
    case "pylint":
      return parsePylintJson2(report, root);
  }
}

/** What one linter found, and whether it passes. */
export interface LintResult {
  linter: LinterName;
  exitCode: number;
  ok: boolean;
  findings: Finding[];
  /** One line: `ruff: no issues`, `flake8: 3 errors in 2 files`, or why the tool itself failed. */
  summary: string;
}

/** Findings listed per linter in the details; the report has them all. */
export const DETAIL_MAX_FINDINGS = 25;

/**
 * Judge one linter's run from its exit code and report. A non-zero exit with no readable issue is
 * a tool or configuration failure and says so, with the tail of stderr.
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
    summary = `${linter}: ${countBySeverity(findings)} in ${files} file${files === 1 ? "" : "s"}`;
  }
  return { linter, exitCode, ok, findings, summary };
}

/** One report of several linters: passes when each passes; details list each linter and its findings. */
export function lintReport(results: readonly LintResult[]): RunReport {
  const passed = results.every((r) => r.ok);
  const details: string[] = [];
  for (const r of results) {
    details.push(r.summary);
    details.push(...r.findings.slice(0, DETAIL_MAX_FINDINGS).map((f) => `  ${formatFinding(f)}`));
    if (r.findings.length > DETAIL_MAX_FINDINGS) details.push(`  ... and ${r.findings.length - DETAIL_MAX_FINDINGS} more in the report`);
  }
  const failing = results.filter((r) => !r.ok).map((r) => r.summary);
  const summary = passed ? `lint passed: ${results.map((r) => r.linter).join(", ")}: no issues` : `lint failed: ${failing.join("; ")}`;
  return runReport({
    stage: "lint",
    passed,
    summary,
    details: details.join("\n"),
    findings: results.flatMap((r) => r.findings),
    data: { linters: results.map(({ linter, exitCode, ok, summary }) => ({ linter, exitCode, passed: ok, summary })) },
  });
}
