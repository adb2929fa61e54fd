/**
 * The smoke check's pieces with the real tools: the sample environment rendered by validate's
 * flow with the pinned helm (render-only port), its runtime settings read by the core, and the
 * prober (core/smoke/prober.ts) run with the pinned Python against the app served by the pinned
 * gunicorn, its answers judged by the core's verdicts. What needs the image (the user, the root
 * filesystem diff) is engine level: docs/verification.md, "Smoke check (engine level)".
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runValidation } from "../../dagger/src/core/validate/validation.js";
import { environmentRendering, renderOnlyPort } from "../../dagger/src/core/smoke/render.js";
import { smokeRuntime, type SmokeRuntime } from "../../dagger/src/core/smoke/runtime.js";
import { parseProberOutput, PROBER_PY, type ProberResult } from "../../dagger/src/core/smoke/prober.js";
import { proberConfig, runVerdicts, smokeRequests } from "../../dagger/src/core/smoke/verdict.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { freePort } from "../helpers/app-server.js";
import { ROOT, tool, toolEnv } from "../helpers/tools.js";
import { localPort } from "./local-validation.js";

async function renderedRuntime(env: string): Promise<SmokeRuntime> {
  const { port, renderings } = renderOnlyPort(localPort(join(ROOT, "gitops")));
  const res = await runValidation(port, {
    environments: [env],
    kubernetesVersion: VERSIONS.kubernetes,
    kubeconform: { binary: "kubeconform", locations: [] },
    kustomizeBinary: "kustomize",
  });
  const rendering = environmentRendering(res, renderings, env, undefined);
  return smokeRuntime(rendering.objects, { where: rendering.file });
}

/** Run the prober with the pinned Python in `cwd`, the runtime's environment on top of `extraEnv`. */
function prober(command: string[], requests: ReturnType<typeof smokeRequests>, cwd: string, env: Record<string, string>, deadline = 20): ProberResult {
  const dir = mkdtempSync(join(tmpdir(), "prober-"));
  writeFileSync(join(dir, "prober.py"), PROBER_PY);
  const r = spawnSync(tool("python3"), ["-I", "-B", join(dir, "prober.py"), JSON.stringify(proberConfig(command, requests, deadline))], {
    cwd,
    env: toolEnv(env),
    encoding: "utf8",
    timeout: 60_000,
  });
  const res = parseProberOutput(r.stdout);
  if (!res) throw new Error(`prober printed no result (exit ${r.status}): ${r.stderr}`);
  return res;
}

/** The runtime on a free loopback port (the container's 8080 would collide on a shared machine). */
function onPort(r: SmokeRuntime, port: number): SmokeRuntime {
  return { ...r, port, probes: r.probes.map((p) => ({ ...p, port })) };
}

describe("smoke: the sample environment's runtime, rendered by helm through validate's flow", () => {
  it("dev: uid 10001, read-only root filesystem, port 8080, /tmp as a 64Mi emptyDir, the chart's probes and environment", async () => {
    const r = await renderedRuntime("dev");
    expect(r).toMatchObject({
      workload: "Deployment/gitops-demo-dev/gitops-demo",
      container: "app",
      runAsUser: 10001,
      runAsGroup: 10001,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      port: 8080,
      tempMounts: [{ path: "/tmp", volume: "tmp", sizeBytes: 64 * 1024 * 1024 }],
      notProvided: [],
    });
    expect(r.probes.map((p) => `${p.kind} ${p.path}`)).toEqual(["startup /healthz", "liveness /healthz", "readiness /readyz"]);
    expect(Object.fromEntries(r.env.map((e) => [e.name, e.value]))).toMatchObject({
      APP_VERSION: "0.1.0",
      LOG_LEVEL: "debug",
      GUNICORN_WORKERS: "1",
      PORT: "8080",
      PROMETHEUS_MULTIPROC_DIR: "/tmp/prometheus",
    });
  });
});

describe("smoke: the prober against real apps served by the pinned gunicorn", () => {
  it("the sample app with the dev runtime passes every probe, json-logs included", async () => {
    const port = await freePort();
    const r = onPort(await renderedRuntime("dev"), port);
    const prom = mkdtempSync(join(tmpdir(), "prom-"));
    const env = Object.fromEntries(r.env.map((e) => [e.name, e.value]));
    const requests = smokeRequests(r, "0.1.0");
    const command = [tool("gunicorn"), "--config", "gunicorn.conf.py", "--bind", `127.0.0.1:${port}`, "webapp.wsgi:app"];
    const res = prober(command, requests, join(ROOT, "app"), { ...env, PROMETHEUS_MULTIPROC_DIR: prom });
    const verdicts = runVerdicts(res, requests, command);
    expect(
      verdicts.filter((v) => !v.ok),
      res.stderr,
    ).toEqual([]);
    expect(verdicts.map((v) => v.probe)).toEqual(["start", "startup+liveness-probe", "readiness-probe", "healthz", "version", "metrics", "json-logs"]);
    // Stopped by SIGTERM to its process group, not left running.
    expect(res.exitedEarly).toBeNull();
    expect(res.exitCode).not.toBeNull();
  });

  it("the runs-as-root fixture answers every probe: its only fault is its image's user (engine level)", async () => {
    const port = await freePort();
    const r = onPort(await renderedRuntime("dev"), port);
    const requests = smokeRequests(r, "1.2.3");
    const command = [tool("gunicorn"), "--bind", `127.0.0.1:${port}`, "--workers", "1", "app:app"];
    // The chart's environment, its multiprocess directory (an emptyDir path) not created yet: as the container starts.
    const env = {
      ...Object.fromEntries(r.env.map((e) => [e.name, e.value])),
      APP_VERSION: "1.2.3",
      PROMETHEUS_MULTIPROC_DIR: join(mkdtempSync(join(tmpdir(), "prom-")), "prometheus"),
    };
    const res = prober(command, requests, join(ROOT, "tests", "fixtures", "app-runs-as-root"), env);
    expect(runVerdicts(res, requests, command).filter((v) => !v.ok)).toEqual([]);
  });

  it("a wrong version and a non-JSON log line fail, each named", async () => {
    const port = await freePort();
    const r = onPort(await renderedRuntime("dev"), port);
    const requests = smokeRequests(r, "9.9.9");
    const command = [tool("gunicorn"), "--bind", `127.0.0.1:${port}`, "--workers", "1", "--access-logfile", "-", "app:app"];
    const res = prober(command, requests, join(ROOT, "tests", "fixtures", "app-runs-as-root"), { APP_VERSION: "1.2.3" }, 5);
    const failed = runVerdicts(res, requests, command).filter((v) => !v.ok);
    expect(failed.map((v) => v.probe)).toEqual(["version", "json-logs"]);
    expect(failed[0]!.detail).toBe('GET /: expected version "9.9.9", got "1.2.3"');
    expect(failed[1]!.detail).toMatch(/not a JSON object: '127\.0\.0\.1 - - \[/);
  });

  it("an app that exits at start fails `start` with its exit code and last stderr lines; a missing command says so", async () => {
    const requests = smokeRequests({ port: await freePort(), probes: [] }, "1.2.3");
    const crash = [tool("python3"), "-c", "import sys; print('cannot bind: read-only file system', file=sys.stderr); sys.exit(3)"];
    const res = prober(crash, requests, ROOT, {}, 5);
    expect(runVerdicts(res, requests, crash)[0]).toEqual({
      probe: "start",
      ok: false,
      detail: "the app exited with code 3 before answering: cannot bind: read-only file system",
    });
    const missing = ["/nonexistent/gunicorn", "app:app"];
    const v = runVerdicts(prober(missing, requests, ROOT, {}, 5), requests, missing);
    expect(v).toEqual([{ probe: "start", ok: false, detail: expect.stringMatching(/could not be started: FileNotFoundError/) }]);
  });
});
