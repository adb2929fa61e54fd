/**
 * The e2e run under the run-object contract: the step log as details (with the failure and the
 * tail of the diagnostics when it failed), the failed step as a finding.
 */
import { oneLine, runReport, type RunReport } from "../run.js";

/** What one e2e run did. */
export interface E2eOutcome {
  passed: boolean;
  /** Environment whose values were deployed. */
  environment: string;
  /** Version the app had to report on `/`. */
  version: string;
  /** Name of the step that failed ("" when passed). */
  failedStep: string;
  /** Why it failed: the step's purpose, exit code and last output lines. */
  detail: string;
  /** One line per step and probe, in the order they ran. */
  log: string;
  /** What the diagnostics printed (events, pod status, logs...), on failure. */
  diagnostics?: string;
}

/** Most diagnostics lines the details carry (the artifacts have them all). */
export const DIAGNOSTICS_LINES = 200;

/** The last `lines` lines of `text`. */
export function lastLines(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * A run of ordered steps (the e2e stage, the local gitops e2e) under the run-object contract:
 * passed, the step log as details; failed, `<label> failed at <step>: <first line>`, the log, the
 * failure and the diagnostics' tail as details, the failed step as a finding of `stage`.
 */
export function stepsReport(
  o: Omit<E2eOutcome, "version"> & { stage: string; label: string; passedSummary: string; data: Record<string, unknown> },
): RunReport {
  return runReport({
    stage: o.stage,
    passed: o.passed,
    summary: o.passed ? o.passedSummary : `${o.label} failed at ${o.failedStep}: ${oneLine(o.detail.split("\n")[0] ?? "", 160)}`,
    details: o.passed ? o.log : [o.log, o.detail, o.diagnostics ? lastLines(o.diagnostics, DIAGNOSTICS_LINES) : ""].filter(Boolean).join("\n\n"),
    findings: o.passed ? [] : [{ source: o.stage, rule: o.failedStep, severity: "error", message: o.detail, environment: o.environment }],
    data: o.data,
  });
}

/** The report of an e2e run. */
export function e2eReport(o: E2eOutcome): RunReport {
  return stepsReport({
    ...o,
    stage: "e2e",
    label: "e2e",
    passedSummary: `e2e passed: deployed to kind with the ${o.environment} values; /healthz, / (version ${o.version}), /metrics and helm test passed`,
    data: { environment: o.environment, version: o.version, failedStep: o.failedStep },
  });
}
