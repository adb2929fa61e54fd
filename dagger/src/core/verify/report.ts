/** verify's run report: one summary line, the timeline as details, one finding when it failed. */
import type { Finding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import { shortRevision } from "./status.js";
import { revisionSeen, type Outcome, type WaitResult } from "./wait.js";

export interface VerifyTarget {
  application: string;
  environment: string;
  /** "" = any revision. */
  revision: string;
  api: "argocd" | "kubernetes";
  server: string;
}

/** Finding rule of each way verify fails. */
export const VERIFY_RULES: Record<Exclude<Outcome, "ready">, string> = {
  failed: "VERIFY-SYNC-FAILED",
  degraded: "VERIFY-DEGRADED",
  timeout: "VERIFY-TIMEOUT",
  unreachable: "VERIFY-UNREACHABLE",
  probe: "VERIFY-PROBE",
};

/** The run of one verify. */
export function verifyReport(t: VerifyTarget, r: WaitResult): RunReport {
  const o = r.observed;
  const passed = r.outcome === "ready";
  const app = `${t.application} (${t.environment})`;
  const at = t.revision ? ` at ${shortRevision(t.revision)}` : "";
  const took = `${(r.waitedMs / 1000).toFixed(1)} s, ${r.polls} poll${r.polls === 1 ? "" : "s"}`;
  const probe = r.probe ? `; ${r.probe.url} answered ${r.probe.status ?? r.probe.error ?? "nothing"}` : "";
  const summary = passed
    ? `verify passed: ${app} is Synced and Healthy${at || ` at ${revisionSeen(o).split(",").map(shortRevision).join(",")}`} (${took})${probe}`
    : `verify failed: ${app}${at}: ${r.why} (${took})`;
  const findings: Finding[] = passed
    ? []
    : [
        {
          source: "argocd",
          rule: VERIFY_RULES[r.outcome as Exclude<Outcome, "ready">],
          severity: "error",
          message: r.why,
          object: `Application/${t.application}`,
          environment: t.environment,
        },
      ];
  const conditions = o?.conditions ?? [];
  const details = [
    `${t.api === "argocd" ? "Argo CD API" : "Kubernetes API"} ${t.server}, Application ${t.application}`,
    ...r.timeline,
    ...conditions.map((c) => `condition ${c.type}: ${c.message}`),
    ...(o && !passed ? o.unhealthy.map((u) => `unhealthy ${u}`) : []),
  ].join("\n");
  return runReport({
    stage: "verify",
    passed,
    status: passed ? "passed" : "failed",
    summary,
    details,
    findings,
    data: {
      application: t.application,
      environment: t.environment,
      api: t.api,
      server: t.server,
      revisionWanted: t.revision,
      revisionSeen: revisionSeen(o),
      sync: o?.sync ?? "",
      health: o?.health ?? "",
      operationPhase: o?.operationPhase ?? "",
      conditions,
      probe: r.probe ?? null,
      polls: r.polls,
      waitedMs: Math.round(r.waitedMs),
      outcome: r.outcome,
    },
  });
}
