import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lintArgv } from "../../dagger/src/core/app/lint.js";
import { LINTERS } from "../../dagger/src/core/app/linters/index.js";
import { testArgv } from "../../dagger/src/core/app/python-tools.js";
import { ROOT, runArgv } from "../helpers/tools.js";
import { startApp, type AppServer } from "../helpers/app-server.js";

const APP = join(ROOT, "app");

describe("app: the pipeline's lint and test argv on app/ with the pinned tools", () => {
  for (const linter of LINTERS) {
    it(`${linter} passes`, () => {
      const r = runArgv(lintArgv(linter), APP);
      expect(r.error).toBeUndefined();
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });
  }

  it("pytest passes with coverage above 95 % and writes JUnit and coverage XML", () => {
    const reports = mkdtempSync(join(tmpdir(), "reports-"));
    const r = runArgv(testArgv({ minCoverage: 95, reportDir: reports }), APP);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const junit = readFileSync(join(reports, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testsuite [^>]*failures="0"/);
    const rate = Number(/<coverage [^>]*line-rate="([\d.]+)"/.exec(readFileSync(join(reports, "coverage.xml"), "utf8"))?.[1]);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });
});

describe("app served by gunicorn on loopback (the image's entrypoint and config)", () => {
  let app: AppServer;
  let base: string;

  beforeAll(async () => {
    app = await startApp({ APP_VERSION: "1.2.3", APP_COMMIT: "abc1234", GUNICORN_WORKERS: "2" });
    base = app.base;
  });

  afterAll(async () => {
    await app?.stop();
  });

  it("/healthz is 200 {status: ok}", async () => {
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "ok" });
  });

  it("/readyz is 200", async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it("/ gives JSON when asked and HTML otherwise", async () => {
    const j = await fetch(`${base}/`, { headers: { Accept: "application/json" } });
    expect(await j.json()).toEqual({ name: "gitops-demo", version: "1.2.3", commit: "abc1234" });
    const h = await fetch(`${base}/`, { headers: { Accept: "text/html" } });
    expect(h.headers.get("content-type")).toMatch(/text\/html/);
    expect(await h.text()).toContain("1.2.3");
  });

  it("unknown paths give a JSON 404", async () => {
    const r = await fetch(`${base}/does-not-exist`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { status: number }).status).toBe(404);
  });

  it("/metrics is Prometheus text aggregated over both workers", async () => {
    for (let i = 0; i < 20; i++) await fetch(`${base}/healthz`);
    const r = await fetch(`${base}/metrics`);
    expect(r.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await r.text();
    const count = Number(/http_requests_total\{method="GET",route="\/healthz",status="200"\} ([\d.]+)/.exec(text)?.[1]);
    expect(count).toBeGreaterThanOrEqual(20);
  });

  it("writes JSON access logs to stdout", async () => {
    await fetch(`${base}/readyz`);
    await new Promise((r) => setTimeout(r, 200));
    const line = app
      .logs()
      .split("\n")
      .find((l) => l.includes('"path": "/readyz"'));
    expect(line, app.logs()).toBeDefined();
    expect(JSON.parse(line!).status).toBe(200);
  });
});
