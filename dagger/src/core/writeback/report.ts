/**
 * A bump, promotion or rollback under the run-object contract. A write-back that lands, finds nothing to
 * change or only computes a dry run passes; one whose edited tree fails validation, or whose
 * push keeps losing races, fails with the reason (nothing of it was pushed).
 */
import { formatFinding, type Finding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import type { PullRequestOutcome } from "./pull-request/propose.js";

/** pushed, proposed (pull-request mode), no-op, dry-run, edited (local directory) or failed. */
export type WriteBackStatus = "pushed" | "proposed" | "no-op" | "dry-run" | "edited" | "failed";

/** What one write-back did. */
export interface WriteBackOutcome {
  stage: "bump" | "promote" | "rollback";
  status: WriteBackStatus;
  /** One line: what happened. */
  summary: string;
  /** The pushed commit, or the head the edits were computed on; "" in local mode. */
  commit: string;
  attempts: number;
  /** Unified diff of the edit. */
  diff: string;
  /** Validation summary of the edited tree. */
  validation: string;
  findings: Finding[];
  /** Stage-specific data for the report (a rollback's current and target reference). */
  data?: Record<string, unknown>;
  /** Pull-request mode: the request the run left open. */
  pullRequest?: PullRequestOutcome;
  /** The gate: rendered manifest diff per environment (what Argo CD will change), also for a dry or failed run. */
  renderedDiff?: Record<string, string>;
  /** Errors the tree had before the edit: reported, not blocking. */
  preExisting?: Finding[];
  /** Other environments the edit deploys to (a shared values file, allowed). */
  alsoChanged?: string[];
}

/** The report of a write-back. */
export function writeBackReport(o: WriteBackOutcome): RunReport {
  // A failed write-back says why in its details: each validation error of the edited tree, or the push failure.
  const why = o.status === "failed" ? o.findings.map((f) => `${f.environment ? `[${f.environment}] ` : ""}${formatFinding(f)}`) : [];
  const pr =
    o.pullRequest &&
    `${o.pullRequest.provider === "github" ? "pull request #" : "merge request !"}${o.pullRequest.number} ${o.pullRequest.action}: ${o.pullRequest.url} (branch ${o.pullRequest.branch})`;
  const pre = (o.preExisting ?? []).map((f) => `pre-existing (not blocking): ${f.environment ? `[${f.environment}] ` : ""}${formatFinding(f)}`);
  const also = o.alsoChanged?.length ? `also deploys to ${o.alsoChanged.join(", ")} (shared values file)` : "";
  const rendered = Object.values(o.renderedDiff ?? {})
    .join("")
    .trimEnd();
  const details = [...why, pr, o.validation && `validation: ${o.validation}`, also, ...pre, o.diff.trimEnd(), rendered].filter(Boolean).join("\n");
  return runReport({
    stage: o.stage,
    passed: o.status !== "failed",
    summary: o.summary,
    details,
    findings: o.findings,
    data: {
      ...o.data,
      status: o.status,
      commit: o.commit,
      attempts: o.attempts,
      diff: o.diff,
      ...(o.renderedDiff ? { renderedDiff: o.renderedDiff, preExisting: o.preExisting ?? [], alsoChanged: o.alsoChanged ?? [] } : {}),
      ...(o.pullRequest ? { pullRequest: o.pullRequest } : {}),
    },
  });
}
