/**
 * HTTP requests to a forge's API, as data: method, URL, the documented endpoint (for errors),
 * headers without the credential, a JSON body. The client that sends them is injected: the
 * module and the contract tests use `httpClient` (Node's fetch), unit tests a function.
 *
 * The token is read at request time, goes into one header, and is cut out of anything the
 * API answers before it can reach an error, a log or a report.
 */
import { InputError, StageError } from "../../errors.js";
import { redact as redactText } from "../../redact.js";
import { exchange, HttpFailure, type HttpAnswer } from "../../http.js";
import type { Provider } from "./config.js";

export type Method = "GET" | "POST" | "PATCH" | "PUT";

/** One API request, credential excluded. */
export interface ApiRequest {
  method: Method;
  /** Full URL, query included. */
  url: string;
  /** The endpoint as the forge documents it, e.g. `GET /repos/{owner}/{repo}/pulls`: named in errors. */
  endpoint: string;
  /** Headers other than the credential. */
  headers: Record<string, string>;
  /** JSON body, for POST / PATCH / PUT. */
  body?: Record<string, unknown>;
}

/** What the API answered: the status and the body (parsed JSON, or the text when it is not JSON). */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** Sends a request with the credential added. */
export type HttpClient = (req: ApiRequest) => Promise<ApiResponse>;

/** The credential header of `provider`: GitHub takes a bearer token, GitLab a PRIVATE-TOKEN. */
export function authHeader(provider: Provider, token: string): [string, string] {
  return provider === "github" ? ["Authorization", `Bearer ${token}`] : ["PRIVATE-TOKEN", token];
}

/** `text` through the module's one redaction, `secret` (the token) included. */
export function redact(text: string, secret: string): string {
  return redactText(text, secret ? [secret] : []);
}

/** One request's whole budget (connection, headers and body). */
export const API_DEADLINE_MS = 30_000;
/** Largest answer read: a page of pull requests is far below it. */
export const API_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The client over Node's fetch (core/http.ts: one deadline for the whole exchange, the body
 * capped, no redirect followed: the credential must not follow one to another host). `token` is
 * called for every request (the module passes the Secret's reader). Every failure is an
 * InputError naming apiUrl, with the endpoint and the reason, never a raw exception.
 */
export function httpClient(provider: Provider, token: () => Promise<string>, opts: { timeoutMs?: number; maxBytes?: number } = {}): HttpClient {
  return async (req) => {
    const secret = await token();
    if (!secret.trim()) throw new InputError("token", "is empty", "pass a forge API token, e.g. --token env:GITHUB_TOKEN");
    const [name, value] = authHeader(provider, secret);
    const headers: Record<string, string> = { ...req.headers, [name]: value };
    if (req.body) headers["Content-Type"] = "application/json";
    let res: HttpAnswer;
    try {
      res = await exchange(
        req.url,
        { method: req.method, headers, ...(req.body ? { body: JSON.stringify(req.body) } : {}) },
        { deadlineMs: opts.timeoutMs ?? API_DEADLINE_MS, maxBytes: opts.maxBytes ?? API_MAX_BYTES },
      );
    } catch (e) {
      const why = e instanceof HttpFailure ? e.reason : String(e);
      const origin = new URL(req.url).origin;
      // GitHub answers 301 for a renamed or transferred repository (same host, new path).
      const fix =
        !(e instanceof HttpFailure) || e.kind !== "redirect"
          ? "check --api-url and that the forge is reachable from where the pipeline runs"
          : why.includes(`to ${origin},`)
            ? "the project moved (renamed or transferred): pass its current path with --project or in the repository URL"
            : "pass the API root the forge answers at directly as --api-url";
      throw new InputError("apiUrl", `${req.endpoint} at ${new URL(req.url).origin}: the API ${redact(why, secret)}`, fix);
    }
    const text = redact(res.text, secret);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's HTML page...): keep the text for the error message.
    }
    return { status: res.status, body };
  };
}

/** The forge's own error message: GitHub's `message` and `errors`, GitLab's `message` or `error`. One line, cut. */
export function apiMessage(body: unknown): string {
  const flat = (v: unknown): string =>
    typeof v === "string"
      ? v
      : Array.isArray(v)
        ? v.map(flat).join("; ")
        : v && typeof v === "object"
          ? Object.entries(v)
              .map(([k, x]) => `${k} ${flat(x)}`)
              .join("; ")
          : String(v ?? "");
  let msg: string;
  if (body && typeof body === "object") {
    const b = body as { message?: unknown; error?: unknown; error_description?: unknown; errors?: { message?: string; code?: string; field?: string }[] };
    const errors = Array.isArray(b.errors) ? b.errors.map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(" ")).filter(Boolean) : [];
    msg = [flat(b.message ?? b.error ?? ""), flat(b.error_description ?? ""), ...errors].filter(Boolean).join(": ");
  } else msg = flat(body);
  msg = msg.replace(/\s+/g, " ").trim() || "no message";
  return msg.length > 300 ? `${msg.slice(0, 299)}…` : msg;
}

/** The error for a non-2xx answer: a refused token names the token; anything else names the endpoint and status. */
export function apiFailure(stage: string, provider: Provider, req: ApiRequest, res: ApiResponse): Error {
  const what = `${req.endpoint} answered ${res.status} (${apiMessage(res.body)})`;
  if (res.status === 401 || res.status === 403) {
    return new InputError(
      "token",
      `the ${provider === "github" ? "GitHub" : "GitLab"} API refused it: ${what}`,
      provider === "github"
        ? "pass a valid token that may read the repository and open pull requests (contents: write, pull requests: write)"
        : "pass a valid token with the api scope and at least Developer access to the project",
    );
  }
  return new StageError(stage, what);
}

/** Send `req` and return the body of a 2xx answer; anything else throws apiFailure. */
export async function call(http: HttpClient, stage: string, provider: Provider, req: ApiRequest): Promise<unknown> {
  const res = await http(req);
  if (res.status < 200 || res.status > 299) throw apiFailure(stage, provider, req, res);
  return res.body;
}
