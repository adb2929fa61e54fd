/**
 * verify's HTTP calls, made from the module's runtime with node's own client: GET an
 * Application (bearer token or client certificate, the kubeconfig's CA or the system's) and GET
 * the app's URL for the probe. Credentials arrive as strings at request time only and appear
 * in no message. No Dagger import: the contract tests run it against a real server.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { errorMessage, isTlsError } from "../core/verify/api.js";
import type { Fetched, ProbeSeen } from "../core/verify/wait.js";

/** How to talk to one server. */
export interface HttpAuth {
  token?: string;
  cert?: string;
  key?: string;
  ca?: string;
  serverName?: string;
  /** Skip TLS verification (a self-signed Argo CD). */
  insecure: boolean;
}

/** Largest body read: an Application with thousands of resources stays far below it. */
const MAX_BODY = 32 * 1024 * 1024;
/** One request's budget: a refresh makes Argo CD compare with git before it answers. */
export const REQUEST_TIMEOUT_MS = 30_000;

interface Answer {
  status: number;
  body: string;
}

function get(url: string, auth: HttpAuth, timeoutMs: number, accept: string): Promise<Answer> {
  const u = new URL(url);
  const headers: Record<string, string> = { Accept: accept, "User-Agent": "gitops-pipeline-verify" };
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  const opts: RequestOptions = {
    method: "GET",
    headers,
    timeout: timeoutMs,
    ...(u.protocol === "https:"
      ? {
          rejectUnauthorized: !auth.insecure,
          ...(auth.ca ? { ca: auth.ca } : {}),
          ...(auth.cert ? { cert: auth.cert } : {}),
          ...(auth.key ? { key: auth.key } : {}),
          ...(auth.serverName ? { servername: auth.serverName } : {}),
        }
      : {}),
  };
  const send = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // One deadline for the whole exchange: node's `timeout` only fires on an idle socket, and a
    // server sending a byte every 500 ms would keep the call pending for ever.
    const deadline = setTimeout(
      () => req.destroy(Object.assign(new Error(`no complete answer within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })),
      timeoutMs,
    );
    const done =
      <T>(fn: (v: T) => void) =>
      (v: T) => {
        clearTimeout(deadline);
        fn(v);
      };
    resolve = done(resolve);
    reject = done(reject);
    const req = send(u, opts, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304) {
        // Never followed: the credential goes only to the host it was given for.
        let to = "no Location";
        try {
          to = res.headers.location ? new URL(res.headers.location, u).origin : to;
        } catch {
          to = "an invalid Location";
        }
        req.destroy(
          Object.assign(
            new Error(`answered a redirect (HTTP ${status}) to ${to}, which is not followed: the credential goes only to the host it was given for`),
            { code: "EREDIRECT" },
          ),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(Object.assign(new Error("answer larger than 32 MiB"), { code: "ETOOBIG" }));
        else chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
}

/** A socket error as one line, without a stack: `ECONNREFUSED (connect ECONNREFUSED 10.0.0.1:443)`. */
export function networkError(e: unknown): { message: string; tls: boolean; redirect?: boolean } {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === "string" ? err.code : "";
  if (code === "EREDIRECT") return { message: String(err.message), tls: false, redirect: true };
  // Node appends advice about its own flags to certificate errors; the user cannot pass those here.
  const message = typeof err.message === "string" ? err.message.split("\n")[0]!.replace(/; if the root CA is installed locally.*$/, "") : String(e);
  return { message: code && !message.includes(code) ? `${code} (${message})` : message, tls: isTlsError(code) };
}

/** GET an Application object; never throws. */
export async function fetchApplication(url: string, auth: HttpAuth, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Fetched> {
  let answer: Answer;
  try {
    answer = await get(url, auth, timeoutMs, "application/json");
  } catch (e) {
    return { kind: "network", ...networkError(e) };
  }
  if (answer.status !== 200)
    return {
      kind: "http",
      status: answer.status,
      message: errorMessage(
        answer.body,
        [auth.token, auth.key].filter((x): x is string => Boolean(x)),
      ),
    };
  try {
    const application = JSON.parse(answer.body) as unknown;
    const kind = (application as { kind?: unknown } | null)?.kind;
    // The Argo CD API leaves kind out; the Kubernetes API sets it. Anything else is not an Application.
    if (!application || typeof application !== "object" || (kind !== undefined && kind !== "Application")) {
      return { kind: "http", status: 200, message: `the answer is not an Application${typeof kind === "string" ? ` (kind ${kind})` : ""}` };
    }
    return { kind: "ok", application };
  } catch {
    return { kind: "http", status: 200, message: "the answer is not JSON" };
  }
}

/** GET the app's URL once for the probe; the status code, or why there was none. */
export async function probeOnce(url: string, timeoutMs = 10_000): Promise<ProbeSeen> {
  try {
    const a = await get(url, { insecure: false }, timeoutMs, "*/*");
    return { status: a.status };
  } catch (e) {
    return { error: networkError(e).message };
  }
}
