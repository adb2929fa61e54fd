/**
 * Smoke probes of the deployed app: `/healthz`, `/` (the expected version) and `/metrics`.
 *
 * Pure logic over a fetch-like function, so the same code probes the app through the Kubernetes
 * API server's service proxy in the e2e stage and the app served by gunicorn on loopback in the
 * contract tests. Every probe is retried (a rollout may still be settling) under one total
 * deadline, and every attempt is raced against a timer: the probes never hang.
 */

/** What a probe sees of one HTTP answer. Header names are lower-case. */
export interface ProbeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** GET `path` with `headers`; rejects when there is no HTTP answer at all. */
export type FetchLike = (path: string, headers: Record<string, string>) => Promise<ProbeResponse>;

/** One smoke probe: a path, the request headers, and a check that returns the problem or null. */
export interface Probe {
  name: string;
  path: string;
  headers: Record<string, string>;
  check: (r: ProbeResponse) => string | null;
}

/** The outcome of one probe. */
export interface ProbeResult {
  name: string;
  path: string;
  ok: boolean;
  attempts: number;
  /** `ok`, or the last problem seen (expected vs actual). */
  detail: string;
}

/** The outcome of all probes. */
export interface SmokeReport {
  passed: boolean;
  probes: ProbeResult[];
  elapsedMs: number;
}

/** Time source, injectable so tests can drive it. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Options of a smoke run. */
export interface SmokeOptions {
  /** Version `/` must show (the image's APP_VERSION). */
  expectedVersion: string;
  /** Total time for all probes, retries included. */
  deadlineMs: number;
  /** Longest wait for one answer (capped by what is left of the deadline). Default 5 s. */
  attemptTimeoutMs?: number;
  /** Pause between attempts of one probe. Default 1 s. */
  intervalMs?: number;
  clock?: Clock;
}

const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

function shorten(s: string, max = 200): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function statusProblem(r: ProbeResponse): string | null {
  return r.status === 200 ? null : `expected HTTP 200, got ${r.status}: ${shorten(r.body)}`;
}

// Prometheus text exposition format: comments (# HELP / # TYPE) and `name{labels} value [ts]`.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?\s+(-?[0-9.eE+-]+|[+-]?Inf|NaN)(\s+-?\d+)?$/;

/** Why `body` is not Prometheus text, or null when it is. */
export function prometheusTextProblem(body: string): string | null {
  const lines = body.split("\n").filter((l) => l.trim() !== "");
  const bad = lines.find((l) => !l.startsWith("#") && !SAMPLE.test(l));
  if (bad !== undefined) return `expected Prometheus text, got the line '${shorten(bad, 120)}'`;
  if (!lines.some((l) => l.startsWith("# TYPE "))) return `expected Prometheus text with '# TYPE' lines, got '${shorten(body)}'`;
  return null;
}

/** The three probes of the app, in the order they run (liveness first: it waits for the rollout). */
export function appProbes(expectedVersion: string): Probe[] {
  return [
    {
      name: "healthz",
      path: "/healthz",
      headers: { Accept: "application/json" },
      check: (r) => {
        const p = statusProblem(r);
        if (p) return p;
        const status = (json(r.body) as { status?: unknown } | undefined)?.status;
        return status === "ok" ? null : `expected {"status": "ok"}, got '${shorten(r.body)}'`;
      },
    },
    {
      name: "version",
      path: "/",
      headers: { Accept: "application/json" },
      check: (r) => {
        const p = statusProblem(r);
        if (p) return p;
        const version = (json(r.body) as { version?: unknown } | undefined)?.version;
        if (version === undefined) return `expected JSON with a version, got '${shorten(r.body)}'`;
        return version === expectedVersion ? null : `expected version "${expectedVersion}", got "${String(version)}"`;
      },
    },
    {
      name: "metrics",
      path: "/metrics",
      headers: { Accept: "text/plain" },
      check: (r) => {
        const p = statusProblem(r);
        if (p) return p;
        const type = r.headers["content-type"] ?? "";
        if (!type.startsWith("text/plain")) return `expected Content-Type text/plain, got '${type}'`;
        return prometheusTextProblem(r.body);
      },
    },
  ];
}

type Attempt = { ok: true; r: ProbeResponse } | { ok: false; problem: string };

async function attempt(fetch: FetchLike, probe: Probe, timeoutMs: number): Promise<Attempt> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Attempt>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, problem: `no answer within ${timeoutMs} ms` }), Math.max(0, timeoutMs));
  });
  const call = fetch(probe.path, probe.headers).then(
    (r): Attempt => ({ ok: true, r }),
    (e: unknown): Attempt => ({
      ok: false,
      problem: `no HTTP answer: ${shorten(e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}` : String(e))}`,
    }),
  );
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run `probes` in order, each retried until it passes or the shared deadline passes. */
export async function runSmoke(fetch: FetchLike, probes: Probe[], opts: Omit<SmokeOptions, "expectedVersion">): Promise<SmokeReport> {
  const clock = opts.clock ?? realClock;
  const start = clock.now();
  const end = start + opts.deadlineMs;
  const perAttempt = opts.attemptTimeoutMs ?? 5_000;
  const interval = opts.intervalMs ?? 1_000;
  const results: ProbeResult[] = [];
  for (const probe of probes) {
    let attempts = 0;
    let detail = "deadline passed before the first attempt";
    let ok = false;
    while (clock.now() < end) {
      attempts++;
      const budget = Math.min(perAttempt, end - clock.now());
      const a = await attempt(fetch, probe, budget);
      const problem = a.ok ? probe.check(a.r) : a.problem;
      if (problem === null) {
        ok = true;
        detail = "ok";
        break;
      }
      // An attempt cut short by the deadline says less than the answer before it: keep that one.
      const cutByDeadline = !a.ok && budget < perAttempt && a.problem.startsWith("no answer within");
      if (!(cutByDeadline && attempts > 1)) detail = problem;
      const left = end - clock.now();
      if (left <= 0) break;
      await clock.sleep(Math.min(interval, left));
    }
    results.push({ name: probe.name, path: probe.path, ok, attempts, detail });
    // Later probes would only fail the same way once the deadline is gone; say so instead.
    if (!ok) {
      for (const rest of probes.slice(probes.indexOf(probe) + 1)) {
        results.push({ name: rest.name, path: rest.path, ok: false, attempts: 0, detail: `not run: ${probe.path} failed` });
      }
      break;
    }
  }
  return { passed: results.every((r) => r.ok), probes: results, elapsedMs: clock.now() - start };
}

/** Probe the app: `/healthz`, then `/` for the expected version, then `/metrics`. */
export function smokeTest(fetch: FetchLike, opts: SmokeOptions): Promise<SmokeReport> {
  return runSmoke(fetch, appProbes(opts.expectedVersion), opts);
}

/** One line per probe: `ok GET /healthz (1 attempt)` or `FAIL GET / (4 attempts): expected ...`. */
export function smokeSummary(report: SmokeReport): string {
  return report.probes
    .map((p) => `${p.ok ? "ok" : "FAIL"} GET ${p.path} (${p.attempts} attempt${p.attempts === 1 ? "" : "s"})${p.ok ? "" : `: ${p.detail}`}`)
    .join("\n");
}

/**
 * Parse `curl -sS -D - URL` output (headers, blank line, body) into a ProbeResponse. Interim
 * 1xx blocks are skipped.
 */
export function parseCurlOutput(out: string): ProbeResponse {
  let rest = out;
  for (;;) {
    const m = /^HTTP\/[\d.]+ (\d{3})[^\r\n]*\r?\n/.exec(rest);
    if (!m) throw new Error(`not an HTTP response: '${shorten(rest, 80)}'`);
    const sep = /\r?\n\r?\n/.exec(rest);
    const head = sep ? rest.slice(0, sep.index) : rest;
    const body = sep ? rest.slice(sep.index + sep[0].length) : "";
    const status = Number(m[1]);
    if (status >= 100 && status < 200 && body.startsWith("HTTP/")) {
      rest = body;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of head.split(/\r?\n/).slice(1)) {
      const i = line.indexOf(":");
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    return { status, headers, body };
  }
}
