/**
 * One HTTP exchange with the module's limits, for every request the module's runtime sends with
 * a credential (the forge API, the webhook):
 *
 *   - one overall deadline for the whole exchange, connection, headers and body together (an
 *     idle timeout alone lets a server that sends one byte every 500 ms hold a call forever);
 *   - the response body read up to a cap, never whole (a 300 MB answer must not be buffered);
 *   - no redirect followed: the credential goes only to the host it was given for; a redirect
 *     is a failure that names it (status and the target's origin, never its path or query).
 *
 * Every failure is an `HttpFailure` with a kind and a one-line reason the callers turn into an
 * error naming their argument; nothing here throws anything else.
 */

/** Why an exchange failed. */
export type HttpFailureKind = "redirect" | "deadline" | "too-large" | "network";

/** A failed exchange: what went wrong, in one line without the URL's path or query. */
export class HttpFailure extends Error {
  override readonly name = "HttpFailure";
  constructor(
    readonly kind: HttpFailureKind,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Limits of one exchange. */
export interface HttpLimits {
  /** The whole exchange, in milliseconds. */
  deadlineMs: number;
  /** Most bytes of the body read; more is a failure. */
  maxBytes: number;
}

/** An answer within the limits. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

/** The origin of a Location header (relative ones resolve against `base`), for messages. */
function originOf(location: string | null, base: string): string {
  if (!location) return "no Location";
  try {
    return new URL(location, base).origin;
  } catch {
    return "an invalid Location";
  }
}

/** Why a fetch failed, by code (the messages of some quote the address). */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; name?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : typeof cause?.name === "string" ? cause.name : e instanceof Error ? e.message : "network error";
  return `could not be reached (${code.replace(/[^A-Za-z0-9_. -]/g, "").slice(0, 60)})`;
}

/**
 * Send `init` to `url` within `limits`. Resolves with status and body text of any non-redirect
 * answer (the caller judges the status); rejects only with HttpFailure.
 */
export async function exchange(url: string | URL, init: Omit<RequestInit, "redirect" | "signal">, limits: HttpLimits): Promise<HttpAnswer> {
  const seconds = `${(limits.deadlineMs / 1000).toFixed(limits.deadlineMs % 1000 ? 1 : 0)} s`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limits.deadlineMs);
  try {
    let res: Response;
    try {
      res = await fetch(url, { ...init, redirect: "manual", signal: controller.signal });
    } catch (e) {
      throw timedOut ? new HttpFailure("deadline", `did not answer within ${seconds}`) : new HttpFailure("network", networkReason(e));
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      controller.abort();
      throw new HttpFailure(
        "redirect",
        `answered a redirect (HTTP ${res.status}) to ${originOf(res.headers.get("location"), String(url))}, which is not followed: the credential goes only to the host it was given for`,
      );
    }
    const declared = Number(res.headers.get("content-length") ?? "NaN");
    if (declared > limits.maxBytes) {
      controller.abort();
      throw new HttpFailure("too-large", `answered ${declared} bytes, more than the ${limits.maxBytes} this call reads`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      const reader = res.body?.getReader();
      for (;;) {
        if (!reader) break;
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limits.maxBytes) {
          controller.abort();
          throw new HttpFailure("too-large", `answered more than the ${limits.maxBytes} bytes this call reads`);
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof HttpFailure) throw e;
      throw timedOut ? new HttpFailure("deadline", `did not send its whole answer within ${seconds}`) : new HttpFailure("network", networkReason(e));
    }
    return { status: res.status, statusText: res.statusText, text: Buffer.concat(chunks).toString("utf8") };
  } finally {
    clearTimeout(timer);
  }
}
