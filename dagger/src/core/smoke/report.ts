/**
 * The smoke run under the run-object contract: one line per probe as details, every failed probe
 * a finding whose rule is the probe's name, the summary naming the failed probes.
 */
import { oneLine, runReport, type RunReport } from "../run.js";
import type { SmokeVerdict } from "./verdict.js";

/** What one smoke run did. */
export interface SmokeOutcome {
  environment: string;
  version: string;
  /** `Deployment/namespace/name` and container that ran. */
  workload: string;
  container: string;
  verdicts: SmokeVerdict[];
  /** What Kubernetes would provide that the check could not. */
  notProvided: string[];
  /** Seconds the prober ran (app start to stop). */
  elapsedSeconds?: number;
}

/** The report of a smoke run. */
export function smokeReport(o: SmokeOutcome): RunReport {
  const failed = o.verdicts.filter((v) => !v.ok);
  const passed = failed.length === 0 && o.verdicts.length > 0;
  const lines = o.verdicts.map((v) => `${v.ok ? "ok  " : "FAIL"}  ${v.probe}: ${v.detail}`);
  const notes = o.notProvided.map((n) => `note  ${n}`);
  const what = `${o.workload} container ${o.container} (${o.environment} values, version ${o.version})`;
  const summary = passed
    ? `smoke passed: ${o.verdicts.map((v) => v.probe).join(", ")} on ${what}${o.elapsedSeconds !== undefined ? ` in ${o.elapsedSeconds.toFixed(1)} s` : ""}`
    : `smoke failed: ${failed.map((v) => `${v.probe} (${oneLine(v.detail, 120)})`).join("; ")}`;
  return runReport({
    stage: "smoke",
    passed,
    summary,
    details: [`${what}`, ...lines, ...notes].join("\n"),
    findings: failed.map((v) => ({
      source: "smoke",
      rule: v.probe,
      severity: "error" as const,
      message: v.detail,
      object: o.workload,
      environment: o.environment,
    })),
    data: { environment: o.environment, version: o.version, workload: o.workload, container: o.container, probes: o.verdicts, notProvided: o.notProvided },
  });
}
