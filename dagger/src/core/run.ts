/**
 * The run-object contract shared by lint, test, validate, e2e, scan, bump/promote and ci: data
 * first, failure second. Every run object exposes the same functions with the same types:
 *
 *   passed   Boolean   nothing failed the run
 *   summary  String    exactly one line, with the figures that matter
 *   details  String    the lines behind the summary: one per linter, environment, stage, test...
 *   findings [Finding] every problem found, typed (file, line, rule, object, environment...)
 *   report   File      the whole result as JSON
 *   assert   String    the summary when passed; otherwise fails with the summary and the details
 *
 * One Dagger type, `Run` (run.ts), carries this contract for every stage; this file holds the
 * data side: each stage computes a `RunReport`.
 */
import { StageError } from "./errors.js";
import { redact, redactDeep } from "./redact.js";
import type { Finding } from "./findings.js";

/** The functions every run object exposes, in the order the contract lists them. */
export const RUN_CONTRACT = ["passed", "summary", "details", "findings", "report", "assert"] as const;

/** A finished run, as data. */
export interface RunReport {
  /** What ran: lint, test, validate, e2e, scan, bump, promote, ci. */
  stage: string;
  passed: boolean;
  /** passed or failed; in ci also skipped (not wanted in this run) or blocked (something it needs failed). */
  status?: "passed" | "failed" | "skipped" | "blocked";
  /** Wall time in milliseconds, where the run measured it (ci's stages). */
  durationMs?: number;
  /** True when the engine replayed the work from its cache; absent when that cannot be known. */
  cached?: boolean;
  /** One line. */
  summary: string;
  /** Lines behind the summary ("" when there is nothing to add). */
  details: string;
  findings: Finding[];
  /** Stage-specific data for the JSON report. */
  data?: Record<string, unknown>;
}

/** Longest summary line; the details carry the rest. */
export const SUMMARY_MAX = 240;

/** Collapse `text` to one line (whitespace runs become one space), cut at `max` characters; redacted before the cut, so no credential survives in part. */
export function oneLine(text: string, max = SUMMARY_MAX): string {
  const s = redact(text).replace(/\s+/g, " ").trim();
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** A report with its summary forced to one line. */
export function runReport(r: RunReport): RunReport {
  return { ...r, summary: oneLine(r.summary) };
}

/**
 * The report stamped with when its work ran (unix seconds, from the stage's last container; NaN
 * when unreadable): ci compares it with its own start to tell work done from a cache replay.
 */
export function withRanAt(r: RunReport, ranAt: number): RunReport {
  return { ...r, data: { ...r.data, ranAt } };
}

/** When a report's work ran, as `withRanAt` stamped it; undefined when it was not stamped. */
export function ranAtOf(r: RunReport): number | undefined {
  return (r.data as { ranAt?: number } | undefined)?.ranAt;
}

/** The JSON report file's text (redacted: it leaves the module). */
export function reportJson(report: RunReport): string {
  const r = redactDeep(report);
  const { stage, passed, summary, details, findings, data } = r;
  const extra = {
    ...(r.status ? { status: r.status } : {}),
    ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
    ...(r.cached !== undefined ? { cached: r.cached } : {}),
  };
  return `${JSON.stringify({ stage, passed, ...extra, summary, details: details ? details.split("\n") : [], findings, ...(data ?? {}) }, null, 2)}\n`;
}

/** Most detail lines an assert message carries (the report has them all). */
export const ASSERT_MAX_LINES = 60;

/** What `assert` returns, or the StageError it throws. */
export function assertRun(r: RunReport): string {
  if (r.passed) return r.summary;
  const lines = r.details ? r.details.split("\n") : [];
  const shown = lines.slice(0, ASSERT_MAX_LINES);
  if (lines.length > shown.length) shown.push(`... and ${lines.length - shown.length} more lines (see report)`);
  throw new StageError(r.stage, [r.summary, ...shown].join("\n"));
}
