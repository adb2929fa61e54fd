/**
 * The e2e stage's smoke-probe logic (core/smoke.ts) against the real app served by the pinned
 * gunicorn on loopback: through Node's fetch, and through curl with the flags the stage uses
 * (`-sS --max-time N -D - -H ...`) parsed by the stage's own parser.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { parseCurlOutput, smokeSummary, smokeTest, type FetchLike } from "../../dagger/src/core/e2e/smoke.js";
import { freePort, startApp, type AppServer } from "../helpers/app-server.js";

function nodeFetch(base: string): FetchLike {
  return async (path, headers) => {
    const r = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(5_000) });
    return { status: r.status, headers: Object.fromEntries(r.headers.entries()), body: await r.text() };
  };
}

/** The stage's probe transport minus the API-server TLS flags: curl, headers + body on stdout. */
function curlFetch(base: string): FetchLike {
  return async (path, headers) => {
    const argv = ["-sS", "--max-time", "5", "-D", "-", ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]), `${base}${path}`];
    const r = spawnSync("curl", argv, { encoding: "utf8" });
    if (r.error) throw new Error(`curl is needed for this contract test (apt-get install curl): ${r.error.message}`);
    if (r.status !== 0) throw new Error(r.stderr.trim() || `curl exited with ${r.status}`);
    return parseCurlOutput(r.stdout);
  };
}

describe("smoke probes against the app served by gunicorn", () => {
  let app: AppServer;

  beforeAll(async () => {
    app = await startApp({ GUNICORN_WORKERS: "1", APP_VERSION: "1.2.3", APP_COMMIT: "abc1234" });
  });

  afterAll(async () => {
    await app?.stop();
  });

  for (const [name, make] of [
    ["fetch", nodeFetch],
    ["curl", curlFetch],
  ] as const) {
    it(`pass with the right version (${name})`, async () => {
      const r = await smokeTest(make(app.base), { expectedVersion: "1.2.3", deadlineMs: 10_000 });
      expect(r.passed, smokeSummary(r) + app.logs()).toBe(true);
      expect(r.probes.map((p) => [p.path, p.ok, p.attempts])).toEqual([
        ["/healthz", true, 1],
        ["/", true, 1],
        ["/metrics", true, 1],
      ]);
    });

    it(`fail with a wrong expected version, naming both versions (${name})`, async () => {
      const r = await smokeTest(make(app.base), { expectedVersion: "9.9.9", deadlineMs: 1_500, intervalMs: 500 });
      expect(r.passed).toBe(false);
      const root = r.probes.find((p) => p.path === "/")!;
      expect(root.ok).toBe(false);
      expect(root.detail).toBe('expected version "9.9.9", got "1.2.3"');
      expect(smokeSummary(r)).toContain("FAIL GET / (");
    });
  }
});

describe("smoke probes when the app is not there", () => {
  it("app stopped: fails with a clear message, within the deadline", async () => {
    const app = await startApp({ GUNICORN_WORKERS: "1", APP_VERSION: "1.2.3" });
    const base = app.base;
    await app.stop();
    const started = Date.now();
    const r = await smokeTest(nodeFetch(base), { expectedVersion: "1.2.3", deadlineMs: 2_000, intervalMs: 200 });
    const elapsed = Date.now() - started;
    expect(r.passed).toBe(false);
    expect(r.probes[0]!.detail).toMatch(/^no HTTP answer: fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
    expect(r.probes[0]!.attempts).toBeGreaterThan(1);
    expect(elapsed).toBeLessThan(2_000 + 1_500); // generous bound: deadline + scheduling slack
  });

  it("app accepts connections but never answers: each attempt is cut off, the run ends within the deadline", async () => {
    const port = await freePort();
    const sockets: import("node:net").Socket[] = [];
    const srv: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => srv.listen(port, "127.0.0.1", () => r()));
    try {
      const started = Date.now();
      const hang: FetchLike = (path, headers) => nodeFetch(`http://127.0.0.1:${port}`)(path, headers);
      const r = await smokeTest(hang, { expectedVersion: "1", deadlineMs: 1_500, attemptTimeoutMs: 400, intervalMs: 100 });
      expect(Date.now() - started).toBeLessThan(1_500 + 1_500);
      expect(r.passed).toBe(false);
      expect(r.probes[0]!.detail).toMatch(/^no answer within \d+ ms$/);
    } finally {
      sockets.forEach((s) => s.destroy());
      srv.close();
    }
  });
});
