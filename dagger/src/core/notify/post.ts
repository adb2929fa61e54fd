/**
 * Posting a message to a webhook with Node's fetch (no Dagger: the module's runtime posts it, as
 * a contract test does from a plain Node process). The URL is a secret: no error message holds
 * it, nor the host and port a network error would quote.
 */
import { InputError } from "../errors.js";
import { redact } from "../redact.js";
import { exchange, HttpFailure, type HttpAnswer } from "../http.js";
import type { SlackPayload } from "./payload.js";

/** Time budget of one post. */
export const POST_TIMEOUT_MS = 10_000;

/** Longest piece of a refusal's body an error quotes. */
const BODY_LINE_MAX = 200;

const FIX_REFUSED = "check that the webhook URL is current (revoked or mistyped webhooks answer 403/404) and that the message is accepted";

/** The first non-empty line of a response body, without the URL (some relays echo it), cut short. */
export function firstLine(body: string, url: string): string {
  let line =
    body
      .split(/\r?\n/)
      .find((l) => l.trim() !== "")
      ?.trim() ?? "";
  for (const secret of [url, new URL(url).pathname].filter((x) => x.length > 1)) line = line.split(secret).join("<webhook URL>");
  line = redact(line.replace(/[\u0000-\u001f\u007f]/g, " "), [...new URL(url).searchParams.values()]);
  return line.length > BODY_LINE_MAX ? `${line.slice(0, BODY_LINE_MAX - 1)}…` : line;
}

/** Most bytes of a webhook's answer read (chat services answer "ok" or a short error). */
export const POST_MAX_BYTES = 64 * 1024;

/**
 * POST `payload` as JSON to `url` (checked already by checkWebhookUrl), within one deadline for
 * the whole exchange and reading at most POST_MAX_BYTES of the answer (core/http.ts). Resolves
 * with the HTTP status of a 2xx answer. A timeout, a network or TLS failure, a redirect (never
 * followed: it could lead the URL's credential anywhere), an oversized answer or any other
 * status is an InputError naming `arg`, with the status and the first line of the answer,
 * never the URL.
 */
export async function postWebhook(url: URL, payload: SlackPayload, timeoutMs = POST_TIMEOUT_MS, arg = "webhook", maxBytes = POST_MAX_BYTES): Promise<number> {
  let res: HttpAnswer;
  try {
    res = await exchange(
      url,
      { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(payload) },
      { deadlineMs: timeoutMs, maxBytes },
    );
  } catch (err) {
    const why = err instanceof HttpFailure ? err.reason : "could not be reached";
    throw new InputError(
      arg,
      `${why} (the URL is not shown: it is a secret)`,
      err instanceof HttpFailure && err.kind === "redirect"
        ? "pass the webhook URL the chat service issued, not one that redirects"
        : "check the webhook URL's host and that the machine running the engine can reach it over https",
    );
  }
  if (res.status >= 200 && res.status < 300) return res.status;
  const body = res.text;
  const said = firstLine(body, url.href);
  throw new InputError(
    arg,
    `answered HTTP ${res.status}${res.statusText ? ` ${redact(res.statusText).slice(0, 60)}` : ""}${said ? `: ${said}` : ""}`,
    FIX_REFUSED,
  );
}
