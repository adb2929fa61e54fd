/**
 * Notifications from the module: the webhook secret is read here, at post time, and handed to
 * the core (core/notify), which decides, builds the message and posts it with Node's fetch from
 * the module's runtime. `ci` calls `notifyRun`; every run has `notify` (run.ts).
 */
import type { Secret } from "@dagger.io/dagger";
import { readSecret } from "./secret.js";
import { notifyReport, type NotifyOutcome } from "./core/notify/notify.js";
import type { RunReport } from "./core/run.js";

/**
 * Post `report`'s message to the webhook when its outcome matches `on` (failure, success,
 * always); `runUrl` ("" for none) becomes a link to the run. InputError naming `webhook`, `on` or
 * `runUrl` for a bad input or a refused post; the URL is never part of a message.
 */
export async function notifyRun(report: RunReport, webhook: Secret, on: string, runUrl: string): Promise<NotifyOutcome> {
  const readUrl = (): Promise<string> => readSecret(webhook, "webhook", "pass an existing secret, e.g. env:SLACK_WEBHOOK_URL with the variable set");
  const outcome = await notifyReport(report, readUrl, on, runUrl);
  // One line in the call's log, so a skipped notification is not mistaken for a lost one.
  console.error(outcome.posted ? `notify: posted the ${report.stage} run (HTTP ${outcome.status})` : `notify: not posted: ${outcome.reason}`);
  return outcome;
}
