/**
 * Posting a message to a webhook with Node's fetch (no Dagger: the module's runtime posts it, as
 * a contract test does from a plain Node process). The URL is a secret: no error message holds
 * it, nor the host and port a network error would quote.
 */
import { InputError } from "../errors.js";
import type { SlackPayload } from "./payload.js";

/** Time budget of one post. */
export const POST_TIMEOUT_MS = 10_000;

/** Longest piece of a refusal's body an error quotes. */
const BODY_LINE_MAX = 200;

const FIX_REFUSED = "check that the webhook URL is current (revoked or mistyped webhooks answer 403/404) and that the message is accepted";

/** The first non-empty line of a response body, without the URL (some relays echo it), cut short. */
export function firstLine(body: string, url: string): string {
  let line = body.split(/\r?\n/).find((l) => l.trim() !== "")?.trim() ?? "";
  for (const secret of [url, new URL(url).pathname].filter((x) => x.length > 1)) line = line.split(secret).join("<webhook URL>");
  line = line.replace(/[\u0000-\u001f\u007f]/g, " ");
  return line.length > BODY_LINE_MAX ? `${line.slice(0, BODY_LINE_MAX - 1)}…` : line;
}

/** Why a fetch failed, by code only (its messages quote the address). */
function networkReason(err: unknown): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return "did not answer in time";
  const cause = (err as { cause?: { code?: unknown; name?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : typeof cause?.name === "string" ? cause.name : "network error";
  return `could not be reached (${code.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 60)})`;
}

/**
 * POST `payload` as JSON to `url` (checked already by checkWebhookUrl). Resolves with the HTTP
 * status of a 2xx answer. A timeout, a network or TLS failure, a redirect or any other status is
 * an InputError naming `arg`, with the status and the first line of the answer, never the URL.
 */
export async function postWebhook(url: URL, payload: SlackPayload, timeoutMs = POST_TIMEOUT_MS, arg = "webhook"): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify(payload),
      // A redirect could lead the next request anywhere, over http even: refused, not followed.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new InputError(arg, `${networkReason(err)} (the URL is not shown: it is a secret)`, "check the webhook URL's host and that the machine running the engine can reach it over https");
  }
  let body = "";
  try {
    body = await res.text();
  } catch {
    body = "";
  }
  if (res.status >= 200 && res.status < 300) return res.status;
  const said = firstLine(body, url.href);
  throw new InputError(arg, `answered HTTP ${res.status}${res.statusText ? ` ${res.statusText.slice(0, 60)}` : ""}${said ? `: ${said}` : ""}`, FIX_REFUSED);
}
