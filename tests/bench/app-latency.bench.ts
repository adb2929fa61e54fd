import { afterAll, beforeAll, expect, it } from "vitest";
import { performance } from "node:perf_hooks";
import { startApp, type AppServer } from "../helpers/app-server.js";

// Short loopback load on the sample app served by gunicorn (2 workers, as in the image):
// 2,000 GET /healthz with 1 and with 8 requests in flight. Prints p50/p95/p99; the goal
// (p50 < 5 ms) is read, not asserted.
let app: AppServer;
beforeAll(async () => {
  app = await startApp({ GUNICORN_WORKERS: "2" });
});
afterAll(async () => {
  await app?.stop();
});

it.each([1, 8])("GET /healthz latency under a short loopback load, %i in flight", async (inFlight) => {
  const total = 2000;
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      const r = await fetch(`${app.base}/healthz`);
      await r.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`/healthz answered ${r.status}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wall = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  console.log(
    `bench app /healthz: ${latencies.length} requests, ${inFlight} in flight, ${(latencies.length / (wall / 1000)).toFixed(0)} req/s, ` +
      `p50 ${pct(50).toFixed(2)} ms, p95 ${pct(95).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms`,
  );
  expect(latencies.length).toBe(total);
});
