/**
 * The gitops e2e's run under the run-object contract: the step log as details (with the failure and
 * the diagnostics' tail when it failed), the failed step as a finding.
 */
import { stepsReport } from "../e2e/report.js";
import type { RunReport } from "../run.js";

/** What one gitops e2e run did. */
export interface LocalE2eOutcome {
  passed: boolean;
  environment: string;
  /** Version deployed first, and the one the bump deployed. */
  version: string;
  nextVersion: string;
  /** The commit the bump pushed to the in-pipeline repository ("" before the bump). */
  revision: string;
  failedStep: string;
  detail: string;
  log: string;
  diagnostics?: string;
}

/** The report of a gitops e2e run. */
export function localE2eReport(o: LocalE2eOutcome): RunReport {
  return stepsReport({
    ...o,
    stage: "gitops-e2e",
    label: "gitops e2e",
    passedSummary: `gitops e2e passed: Argo CD synced ${o.environment} at ${o.version} from the in-pipeline git server; after the bump to ${o.nextVersion} (${o.revision.slice(0, 12)}) it synced again and the app answers ${o.nextVersion}`,
    data: { environment: o.environment, version: o.version, nextVersion: o.nextVersion, revision: o.revision, failedStep: o.failedStep },
  });
}
