import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  appProbes,
  parseCurlOutput,
  prometheusTextProblem,
  smokeSummary,
  smokeTest,
  type Clock,
  type FetchLike,
  type ProbeResponse,
} from "../../dagger/src/core/e2e/smoke.js";

/** A clock that jumps instead of sleeping, so retry and deadline logic is tested without waiting. */
function fakeClock(): Clock & { t: number } {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

const METRICS =
  '# HELP http_requests_total Requests\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/healthz",status="200"} 3.0\n';

function app(version: string): FetchLike {
  return async (path, headers): Promise<ProbeResponse> => {
    if (path === "/healthz") return { status: 200, headers: { "content-type": "application/json" }, body: '{"status":"ok"}' };
    if (path === "/" && headers.Accept === "application/json")
      return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "x", version, commit: "c" }) };
    if (path === "/metrics") return { status: 200, headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" }, body: METRICS };
    return { status: 404, headers: {}, body: "{}" };
  };
}

describe("smoke probes (pure, fake clock)", () => {
  it("pass against a healthy app, one attempt each, in order healthz → / → metrics", async () => {
    const seen: string[] = [];
    const fetch: FetchLike = (p, h) => (seen.push(p), app("1.2.3")(p, h));
    const r = await smokeTest(fetch, { expectedVersion: "1.2.3", deadlineMs: 10_000, clock: fakeClock() });
    expect(r.passed).toBe(true);
    expect(seen).toEqual(["/healthz", "/", "/metrics"]);
    expect(smokeSummary(r)).toBe("ok GET /healthz (1 attempt)\nok GET / (1 attempt)\nok GET /metrics (1 attempt)");
  });

  it("a wrong version fails naming both versions", async () => {
    const r = await smokeTest(app("9.9.9"), { expectedVersion: "1.2.3", deadlineMs: 3_000, intervalMs: 1_000, clock: fakeClock() });
    expect(r.passed).toBe(false);
    expect(r.probes[1]).toMatchObject({ path: "/", ok: false, attempts: 3, detail: 'expected version "1.2.3", got "9.9.9"' });
    expect(r.probes[2]).toMatchObject({ path: "/metrics", ok: false, attempts: 0, detail: "not run: / failed" });
  });

  it("retries while the service has no endpoints (503), then passes", async () => {
    let calls = 0;
    const fetch: FetchLike = (p, h) =>
      p === "/healthz" && ++calls < 4 ? Promise.resolve({ status: 503, headers: {}, body: '{"kind":"Status","reason":"ServiceUnavailable"}' }) : app("1")(p, h);
    const r = await smokeTest(fetch, { expectedVersion: "1", deadlineMs: 60_000, clock: fakeClock() });
    expect(r.passed).toBe(true);
    expect(r.probes[0]!.attempts).toBe(4);
  });

  it("connection errors become a clear message; the deadline bounds the retries", async () => {
    const clock = fakeClock();
    const fetch: FetchLike = async () => {
      clock.t += 100;
      throw new Error("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") });
    };
    const r = await smokeTest(fetch, { expectedVersion: "1", deadlineMs: 5_000, clock });
    expect(r.passed).toBe(false);
    expect(r.probes[0]!.detail).toBe("no HTTP answer: fetch failed (connect ECONNREFUSED 127.0.0.1:9)");
    expect(r.elapsedMs).toBeLessThanOrEqual(5_000);
    expect(r.probes.map((p) => p.ok)).toEqual([false, false, false]);
  });

  it("a fetch that never answers is cut off by the attempt timeout (real timers)", async () => {
    const never: FetchLike = () => new Promise(() => {});
    const started = Date.now();
    const r = await smokeTest(never, { expectedVersion: "1", deadlineMs: 300, attemptTimeoutMs: 100, intervalMs: 50 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.passed).toBe(false);
    expect(r.probes[0]!.detail).toMatch(/^no answer within \d+ ms$/);
  });

  it("an attempt cut short by the deadline does not hide the answer before it (real timers)", async () => {
    let calls = 0;
    const fetch: FetchLike = () => (++calls === 1 ? Promise.reject(new Error("connect ECONNREFUSED")) : new Promise(() => {}));
    const r = await smokeTest(fetch, { expectedVersion: "1", deadlineMs: 300, attemptTimeoutMs: 1_000, intervalMs: 50 });
    expect(calls).toBe(2);
    expect(r.probes[0]!.detail).toBe("no HTTP answer: connect ECONNREFUSED");
  });

  it("each probe names expected vs actual", () => {
    const [healthz, version, metrics] = appProbes("1.2.3");
    expect(healthz!.check({ status: 200, headers: {}, body: '{"status":"down"}' })).toBe(`expected {"status": "ok"}, got '{"status":"down"}'`);
    expect(healthz!.check({ status: 500, headers: {}, body: "boom" })).toBe("expected HTTP 200, got 500: boom");
    expect(version!.check({ status: 200, headers: {}, body: "<html>1.2.3</html>" })).toBe("expected JSON with a version, got '<html>1.2.3</html>'");
    expect(metrics!.check({ status: 200, headers: { "content-type": "application/json" }, body: METRICS })).toBe(
      "expected Content-Type text/plain, got 'application/json'",
    );
    expect(metrics!.check({ status: 200, headers: { "content-type": "text/plain" }, body: METRICS })).toBeNull();
  });

  it("recognises Prometheus text and rejects other text", () => {
    expect(prometheusTextProblem(METRICS)).toBeNull();
    expect(prometheusTextProblem('x_total 1 1700000000000\n# TYPE x_total counter\nx_bucket{le="+Inf"} +Inf\n')).toBeNull();
    expect(prometheusTextProblem("<html>metrics</html>")).toMatch(/expected Prometheus text, got the line '<html>metrics<\/html>'/);
    expect(prometheusTextProblem("x 1\n")).toMatch(/'# TYPE' lines/);
  });
});

describe("parseCurlOutput (curl -sS -D - output)", () => {
  it("parses status, lower-cased headers and body, skipping 100 Continue", () => {
    const out = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/2 200 \r\nContent-Type: application/json\r\nX-A: b: c\r\n\r\n{"status":"ok"}\n';
    expect(parseCurlOutput(out)).toEqual({ status: 200, headers: { "content-type": "application/json", "x-a": "b: c" }, body: '{"status":"ok"}\n' });
  });

  it("round-trips any headers and body", () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
    const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 599 }), fc.dictionary(name, value, { maxKeys: 5 }), fc.string(), (status, headers, body) => {
        const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
        if (Object.keys(lower).length !== Object.keys(headers).length) return; // case-colliding names
        const text = `HTTP/1.1 ${status} X\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join("")}\r\n${body}`;
        expect(parseCurlOutput(text)).toEqual({ status, headers: lower, body });
      }),
    );
  });

  it("refuses output that is not an HTTP response", () => {
    expect(() => parseCurlOutput("curl: (7) Failed to connect")).toThrow(/not an HTTP response/);
  });
});
