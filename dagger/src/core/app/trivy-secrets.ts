/**
 * Reading the secret scan's Trivy JSON report. A secret finding names the file, the line and the
 * rule, never the secret: Trivy masks the match, but its report also carries the surrounding
 * source lines, so only the rule's metadata and the position are kept, and the report the run
 * hands out is rebuilt from them (redacted), never Trivy's own.
 */
import { formatFinding, type Finding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import { readTrivyJson, waiverReason } from "./trivy-report.js";

/** One secret Trivy found: where and which rule, nothing of the value. */
export interface SecretHit {
  /** Trivy rule id, e.g. aws-access-key-id. */
  rule: string;
  category: string;
  severity: string;
  title: string;
  /** File, relative to the app directory. */
  file: string;
  startLine: number;
  endLine: number;
  /** Why the app's ignore file waived it; absent when it is not waived. */
  waived?: string;
}

const str = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** Only the metadata of a Trivy secret: Match, Code and Offset are dropped. */
function hit(s: Record<string, unknown>, file: string, waived?: string): SecretHit {
  return {
    rule: str(s.RuleID, "unknown-rule"),
    category: str(s.Category),
    severity: str(s.Severity, "UNKNOWN"),
    title: str(s.Title),
    file,
    startLine: num(s.StartLine),
    endLine: num(s.EndLine),
    ...(waived ? { waived } : {}),
  };
}

/** Secrets of a Trivy JSON report (`Results[].Secrets[]`), then the ones the ignore file waived. */
export function parseSecrets(report: string): SecretHit[] {
  const results = readTrivyJson(report).Results ?? [];
  const found = results.flatMap((r) => (r.Secrets ?? []).map((s) => hit(s, r.Target)));
  const waived = results.flatMap((r) =>
    (r.ExperimentalModifiedFindings ?? []).filter((m) => m.Type === "secret" && m.Finding).map((m) => hit(m.Finding!, r.Target, waiverReason(m))),
  );
  return [...found, ...waived];
}

/** A secret as a finding: file, line, rule; the message says what kind of secret, never its value. */
export function secretFinding(h: SecretHit): Finding {
  return {
    source: "trivy-secret",
    rule: h.rule,
    severity: h.waived ? "info" : "error",
    message: `${h.severity} ${h.title || h.rule}${h.category ? ` (${h.category})` : ""}${h.endLine > h.startLine ? `, lines ${h.startLine}-${h.endLine}` : ""}`,
    file: h.file,
    ...(h.startLine ? { line: h.startLine } : {}),
    ...(h.waived ? { waived: h.waived } : {}),
  };
}

/** The report the run hands out: the hits' metadata only (the value and the source lines are not in it). */
export function redactedSecretsJson(hits: readonly SecretHit[]): string {
  return `${JSON.stringify({ redacted: "secret values and source lines removed", secrets: hits }, null, 2)}\n`;
}

/** The secret scan under the run-object contract: any secret not waived fails it, whatever its severity. */
export function secretsReport(
  exitCode: number,
  report: string | undefined,
  stderr: string,
  waivers: readonly string[] = [],
): { report: RunReport; hits: SecretHit[] } {
  const fail = (summary: string) => ({
    report: runReport({ stage: "secrets", passed: false, summary: `secrets failed: ${summary}`, details: waivers.join("\n"), findings: [] }),
    hits: [],
  });
  if (report === undefined) {
    // Trivy's stderr is its log, never the scanned content; the last lines say what went wrong.
    const why = stderr.trim().split("\n").filter(Boolean).slice(-3).join(" | ") || "no output";
    return fail(`trivy exited ${exitCode} without writing a report: ${why}`);
  }
  let hits: SecretHit[];
  try {
    hits = parseSecrets(report);
  } catch (e) {
    return fail(`trivy exited ${exitCode} and its report could not be read (${(e as Error).message})`);
  }
  const found = hits.filter((h) => !h.waived);
  const waived = hits.filter((h) => h.waived);
  const ok = found.length === 0 && exitCode === 0;
  const files = new Set(found.map((h) => h.file)).size;
  const head = ok
    ? `no secrets in the source${waived.length ? ` (${waived.length} waived)` : ""}`
    : found.length
      ? `${found.length} secret${found.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}`
      : `trivy exited ${exitCode} without reporting a secret: a tool error`;
  const findings = hits.map(secretFinding);
  const lines = [
    ...findings.filter((f) => !f.waived).map(formatFinding),
    ...findings.filter((f) => f.waived).map((f) => `waived: ${formatFinding(f)} — ${f.waived}`),
    ...waivers,
  ];
  return {
    report: runReport({
      stage: "secrets",
      passed: ok,
      summary: `secrets ${ok ? "passed" : "failed"}: ${head}`,
      details: lines.join("\n"),
      findings,
      data: { secrets: found.length, waived: waived.length },
    }),
    hits,
  };
}
