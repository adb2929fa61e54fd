/**
 * The lint stage's verdict: each linter's run judged from its exit code and report, and the one
 * report of several linters run together. The linters themselves (argv, parser, pin) are the
 * registry's, in linters/; the stage runs exactly their argv, as do the contract tests.
 */
import { countBySeverity, formatFinding, type Finding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import { linter, type LinterName } from "./linters/index.js";

/** argv of one linter over `paths`, writing a machine-readable report to stdout. */
export function lintArgv(name: LinterName, paths: readonly string[] = ["."]): string[] {
  return linter(name).argv(paths);
}

/** Findings of `name`'s report (the stdout of `lintArgv(name)`). */
export function parseLintReport(name: LinterName, report: string, root = ""): Finding[] {
  return linter(name).parse(report, root);
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
