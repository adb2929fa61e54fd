/**
 * Notifications: whether a run posts, the message and the post, as one function the Dagger shell
 * calls once it has read the webhook secret.
 */
import { parseInputs } from "../inputs.js";
import { rememberSecret } from "../redact.js";
import type { RunReport } from "../run.js";
import { slackPayload } from "./payload.js";
import { postWebhook, POST_TIMEOUT_MS } from "./post.js";
import { checkWebhookUrl } from "./webhook-url.js";
import { notifyInputs, shouldNotify } from "./when.js";

/** What a notification did: posted (with the HTTP status) or skipped (and why). */
export type NotifyOutcome = { posted: true; status: number } | { posted: false; reason: string };

/**
 * Validate `on` and `runUrl`, read the webhook URL (empty: not configured, nothing posted) and check it — on every run, so a broken webhook
 * shows on the first passing run rather than on the failure it was meant to report — then post
 * the run's message when its outcome matches `on`. Nothing is posted when an input is invalid.
 */
export async function notifyReport(
  report: RunReport,
  readUrl: () => Promise<string>,
  on: string,
  runUrl: string,
  timeoutMs = POST_TIMEOUT_MS,
): Promise<NotifyOutcome> {
  const i = parseInputs(notifyInputs, { on, runUrl });
  const raw = await readUrl();
  // CI templates pass env:// references; an empty variable means notifications are not configured (as for every optional secret here).
  if (raw.trim() === "") return { posted: false, reason: "the webhook secret is empty (notifications not configured)" };
  const url = checkWebhookUrl(raw);
  // The URL is the credential: its path and each query value are cut from every text, as the whole URL is.
  rememberSecret(url.href);
  if (url.pathname.length > 1) rememberSecret(url.pathname);
  for (const v of url.searchParams.values()) rememberSecret(v);
  if (!shouldNotify(i.on, report.passed)) return { posted: false, reason: `the run ${report.passed ? "passed" : "failed"} and --on is ${i.on}` };
  return { posted: true, status: await postWebhook(url, slackPayload(report, i.runUrl), timeoutMs) };
}
