/**
 * One verdict from several scans: every platform image of a build (and, for `app scan`, the
 * source's secrets). The summary says what was scanned (how many platforms) and which scan gated.
 */
import { runReport, type RunReport } from "../run.js";

/** One scan and what it scanned (a platform, or the source). */
export interface ScanPart {
  label: string;
  report: RunReport;
}

/** A report's summary without its `stage passed:` / `stage failed:` prefix. */
function headOf(r: RunReport): string {
  return r.summary.replace(/^\S+ (passed|failed): /, "");
}

/** `2 platforms (linux/amd64, linux/arm64)`. */
export function scannedPlatforms(platforms: readonly string[]): string {
  return `${platforms.length} platform${platforms.length === 1 ? "" : "s"} (${platforms.join(", ")})`;
}

/**
 * The scans as one report of `stage`: passed only when every part passed; the summary names what
 * was scanned (`scanned`) and each part that gated; findings say which part they come from.
 */
export function combineScans(stage: string, scanned: string, parts: readonly ScanPart[]): RunReport {
  if (parts.length === 0) throw new Error("combineScans: nothing was scanned");
  const failed = parts.filter((p) => !p.report.passed);
  const heads = [...new Set(parts.map((p) => headOf(p.report)))];
  // Gating parts first, then why (each reason once): the labels survive the one-line cut.
  const why = [...new Set(failed.map((p) => headOf(p.report)))];
  const summary = failed.length
    ? `${stage} failed: scanned ${scanned}; gated by ${failed.map((p) => p.label).join(", ")}: ${why.length === 1 ? why[0] : failed.map((p) => `${p.label}: ${headOf(p.report)}`).join("; ")}`
    : `${stage} passed: scanned ${scanned}: ${heads.length === 1 ? heads[0] : parts.map((p) => `${p.label}: ${headOf(p.report)}`).join("; ")}`;
  const details = parts.flatMap((p) => [`${p.label}: ${p.report.summary}`, ...(p.report.details ? p.report.details.split("\n").map((l) => `  ${l}`) : [])]);
  return runReport({
    stage,
    passed: failed.length === 0,
    summary,
    details: details.join("\n"),
    // With several parts, each finding says which one it comes from.
    findings: parts.flatMap((p) => p.report.findings.map((f) => (parts.length > 1 ? { ...f, message: `[${p.label}] ${f.message}` } : f))),
    data: { scanned: parts.map((p) => ({ label: p.label, passed: p.report.passed, summary: p.report.summary, ...(p.report.data ?? {}) })) },
  });
}
