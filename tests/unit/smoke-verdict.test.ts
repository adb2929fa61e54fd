/**
 * The smoke check's verdicts: the user as the kubelet decides it (and the image's own USER), the
 * prober's answers judged by the e2e probes' checks, json-logs, the root-filesystem writes, and a
 * report that names every failed probe.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  decideUser,
  imageUser,
  jsonLogs,
  proberConfig,
  rootfsVerdict,
  rootfsWrites,
  runVerdicts,
  smokeDeadline,
  smokeRequests,
  writablePaths,
} from "../../dagger/src/core/smoke/verdict.js";
import { parseProberOutput, PROBER_RESULT, type ProberResult } from "../../dagger/src/core/smoke/prober.js";
import { smokeReport } from "../../dagger/src/core/smoke/report.js";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/nonexistent:/usr/sbin/nologin\nsuper:x:0:0::/:/bin/sh\n";
const chart = { runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true };

describe("non-root-user", () => {
  it("resolves the image user: numeric, named through /etc/passwd, empty = root", () => {
    expect(imageUser("10001:10001")).toEqual({ raw: "10001:10001", uid: 10001, named: false });
    expect(imageUser("app", PASSWD)).toEqual({ raw: "app", uid: 10001, named: true });
    expect(imageUser("", PASSWD)).toEqual({ raw: "", uid: 0, named: false });
    expect(imageUser("ghost", PASSWD)).toEqual({ raw: "ghost", named: true });
  });

  it("passes a non-root image under the chart's runAsUser, and runs as that user", () => {
    const d = decideUser(chart, imageUser("10001:10001"));
    expect(d).toMatchObject({ runs: true, execUser: "10001:10001", verdict: { probe: "non-root-user", ok: true } });
  });

  it("fails an image that runs as root even when the chart's runAsUser hides it, and still runs it as the chart says", () => {
    const d = decideUser(chart, imageUser("", PASSWD));
    expect(d.runs).toBe(true);
    expect(d.execUser).toBe("10001:10001");
    expect(d.verdict.ok).toBe(false);
    expect(d.verdict.detail).toMatch(/the image runs as root \(no USER \(root\)\); this chart overrides it with runAsUser 10001/);
    expect(decideUser(chart, imageUser("super", PASSWD)).verdict.detail).toMatch(/USER super, uid 0 in its \/etc\/passwd/);
  });

  it("does not run what the kubelet refuses: runAsNonRoot with a root or a named image user and no runAsUser, or runAsUser 0", () => {
    const noUser = { runAsNonRoot: true };
    expect(decideUser(noUser, imageUser(""))).toMatchObject({ runs: false, verdict: { ok: false } });
    expect(decideUser(noUser, imageUser("")).verdict.detail).toMatch(/kubelet would refuse.*runAsNonRoot, but it runs as root/);
    expect(decideUser(noUser, imageUser("app", PASSWD)).verdict.detail).toMatch(/non-numeric USER app and no runAsUser/);
    expect(decideUser({ runAsNonRoot: true, runAsUser: 0 }, imageUser("10001")).runs).toBe(false);
  });

  it("without runAsUser the image's own user runs (no withUser)", () => {
    const d = decideUser({ runAsNonRoot: false }, imageUser("10001"));
    expect(d).toMatchObject({ runs: true, verdict: { ok: true, detail: "runs as uid 10001; image USER 10001" } });
    expect(d.execUser).toBeUndefined();
  });
});

const RUNTIME = {
  port: 8080,
  probes: [
    { kind: "startup" as const, path: "/healthz", port: 8080, budgetSeconds: 60 },
    { kind: "liveness" as const, path: "/healthz", port: 8080, budgetSeconds: 30 },
    { kind: "readiness" as const, path: "/readyz", port: 8080, budgetSeconds: 15 },
  ],
};

describe("requests", () => {
  it("the container's probes once per path, then the e2e app probes on the app's port", () => {
    const reqs = smokeRequests(RUNTIME, "1.2.3");
    expect(reqs.map((r) => [r.name, r.path, r.port])).toEqual([
      ["startup+liveness-probe", "/healthz", 8080],
      ["readiness-probe", "/readyz", 8080],
      ["healthz", "/healthz", 8080],
      ["version", "/", 8080],
      ["metrics", "/metrics", 8080],
    ]);
    const cfg = proberConfig(["gunicorn"], reqs, 30);
    expect(cfg.requests[3]).toEqual({ name: "version", path: "/", port: 8080, headers: { Accept: "application/json" } });
    expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
  });
});

const ok = (body: string, type = "application/json") => ({ attempts: 1, status: 200, headers: { "content-type": type }, body });
const METRICS = "# TYPE x counter\nx 1\n";
const LOGS = '{"level":"info","path":"/healthz"}\n{"level":"info","path":"/"}\n';

function result(over: Partial<ProberResult> = {}): ProberResult {
  const reqs = smokeRequests(RUNTIME, "1.2.3");
  const bodies = ['{"status":"ok"}', '{"status":"ready"}', '{"status":"ok"}', '{"version":"1.2.3"}', METRICS];
  return {
    started: true,
    answers: reqs.map((r, i) => ({
      name: r.name,
      path: r.path,
      port: r.port,
      ...ok(bodies[i]!, r.name === "metrics" ? "text/plain; version=0.0.4" : "application/json"),
    })),
    stdout: LOGS,
    stderr: "",
    exitedEarly: null,
    exitCode: 0,
    elapsedSeconds: 2.5,
    startedAt: 1,
    ...over,
  };
}

describe("deadline", () => {
  it("what the kubelet gives the app to start (startup probe, else liveness) plus 15 s, within 30-300 s", () => {
    expect(smokeDeadline(RUNTIME)).toBe(75);
    expect(smokeDeadline({ probes: RUNTIME.probes.slice(1) })).toBe(45);
    expect(smokeDeadline({ probes: [] })).toBe(30);
    expect(smokeDeadline({ probes: [{ ...RUNTIME.probes[0]!, budgetSeconds: 3600 }] })).toBe(300);
  });
});

describe("run verdicts", () => {
  const reqs = smokeRequests(RUNTIME, "1.2.3");
  const cmd = ["gunicorn", "app:app"];

  it("all pass on a well-behaved app", () => {
    const v = runVerdicts(result(), reqs, cmd);
    expect(v.map((x) => [x.probe, x.ok])).toEqual([
      ["start", true],
      ["startup+liveness-probe", true],
      ["readiness-probe", true],
      ["healthz", true],
      ["version", true],
      ["metrics", true],
      ["json-logs", true],
    ]);
  });

  it("names the probe that failed, with expected and actual", () => {
    const r = result();
    r.answers[3] = { ...r.answers[3]!, body: '{"version":"0.1.0"}' };
    r.answers[1] = { ...r.answers[1]!, status: 503, body: '{"status":"draining"}' };
    const failed = runVerdicts(r, reqs, cmd).filter((x) => !x.ok);
    expect(failed).toEqual([
      { probe: "readiness-probe", ok: false, detail: "GET /readyz: expected HTTP 200-399 (the kubelet's rule), got 503" },
      { probe: "version", ok: false, detail: 'GET /: expected version "1.2.3", got "0.1.0"' },
    ]);
  });

  it("start fails when the command cannot start, or the app exits before answering (with its last stderr lines)", () => {
    expect(runVerdicts({ ...result(), started: false, startError: "FileNotFoundError: gunicorn", answers: [] }, reqs, cmd)).toEqual([
      { probe: "start", ok: false, detail: 'the container\'s command ["gunicorn","app:app"] could not be started: FileNotFoundError: gunicorn' },
    ]);
    const crashed = runVerdicts(
      result({
        answers: [{ name: reqs[0]!.name, path: "/healthz", port: 8080, attempts: 3, error: "ConnectionRefusedError" }],
        exitedEarly: 1,
        stderr: "Traceback\nOSError: [Errno 30] Read-only file system: '/app/x'\n",
        stdout: "",
      }),
      reqs,
      cmd,
    );
    expect(crashed[0]).toEqual({
      probe: "start",
      ok: false,
      detail: "the app exited with code 1 before answering: Traceback | OSError: [Errno 30] Read-only file system: '/app/x'",
    });
    expect(crashed.find((x) => x.probe === "healthz")!.detail).toMatch(/not run: an earlier request found the app stopped/);
  });

  it("json-logs: every stdout line a JSON object, at least one", () => {
    expect(jsonLogs(LOGS)).toEqual({ probe: "json-logs", ok: true, detail: "2 JSON lines on stdout" });
    expect(jsonLogs("").ok).toBe(false);
    expect(jsonLogs('{"a":1}\n127.0.0.1 - - "GET / HTTP/1.1" 200\n').detail).toMatch(/not a JSON object: '127.0.0.1 - - "GET/);
    expect(jsonLogs("[1,2]\n").ok).toBe(false);
  });

  it("parses the prober's result line among other output", () => {
    const line = `noise\n${PROBER_RESULT}${JSON.stringify(result())}\n`;
    expect(parseProberOutput(line)).toEqual(result());
    expect(parseProberOutput("nothing")).toBeUndefined();
  });
});

describe("read-only-rootfs", () => {
  const mounts = writablePaths({ tempMounts: [{ path: "/tmp", volume: "tmp" }], fileMounts: [{ path: "/etc/app/", files: {}, volume: "c" }] }, [
    "/.gitops-pipeline-smoke",
  ]);

  it("reports root-filesystem writes; mount points, their ancestors and bytecode caches are not writes", () => {
    const changed = [
      "tmp/",
      "tmp/x",
      ".gitops-pipeline-smoke/",
      "etc/",
      "etc/app/",
      "app/",
      "app/visits.log",
      "app/__pycache__/",
      "app/__pycache__/m.cpython-312.pyc",
      "var/",
      "var/cache/",
      "var/cache/new/",
      "tm",
    ];
    expect(rootfsWrites(changed, mounts)).toEqual(["/app/visits.log", "/var/cache/new", "/tm"]);
  });

  it("never reports a path under a writable mount (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z_.]{1,6}(\/[a-z_.]{1,6}){0,3}\/?$/)), (paths) => {
        const out = rootfsWrites(paths, mounts);
        return out.every((p) => !mounts.some((m) => p === m || p.startsWith(`${m}/`)));
      }),
    );
  });

  it("fails naming the paths only when the chart makes the root filesystem read-only", () => {
    expect(rootfsVerdict(true, [])).toEqual({ probe: "read-only-rootfs", ok: true, detail: "nothing written outside the writable mounts" });
    expect(rootfsVerdict(true, ["/app/visits.log"])).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^wrote \/app\/visits.log on the root filesystem/),
    });
    expect(rootfsVerdict(false, ["/app/visits.log"])).toMatchObject({ ok: true, detail: expect.stringMatching(/not required.*wrote \/app\/visits.log/) });
    expect(
      rootfsVerdict(
        true,
        Array.from({ length: 12 }, (_, i) => `/f${i}`),
      ).detail,
    ).toMatch(/… \(12 in all\)/);
  });
});

describe("smoke report", () => {
  const base = {
    environment: "dev",
    version: "1.2.3",
    workload: "Deployment/ns/app",
    container: "app",
    notProvided: ["volume data (persistentVolumeClaim) at /data: not available without a cluster, not mounted"],
  };

  it("passed: one summary line listing the probes; details one line per probe and the notes", () => {
    const r = smokeReport({
      ...base,
      verdicts: [
        { probe: "non-root-user", ok: true, detail: "runs as uid 10001" },
        { probe: "start", ok: true, detail: "answered" },
      ],
      elapsedSeconds: 3.2,
    });
    expect(r.passed).toBe(true);
    expect(r.summary).toBe("smoke passed: non-root-user, start on Deployment/ns/app container app (dev values, version 1.2.3) in 3.2 s");
    expect(r.details.split("\n")).toEqual([
      "Deployment/ns/app container app (dev values, version 1.2.3)",
      "ok    non-root-user: runs as uid 10001",
      "ok    start: answered",
      "note  volume data (persistentVolumeClaim) at /data: not available without a cluster, not mounted",
    ]);
    expect(r.findings).toEqual([]);
  });

  it("failed: the summary names each failed probe; one finding per failed probe, its rule the probe's name", () => {
    const r = smokeReport({
      ...base,
      verdicts: [
        { probe: "non-root-user", ok: false, detail: "the image runs as root (no USER (root))" },
        { probe: "start", ok: true, detail: "answered" },
        { probe: "read-only-rootfs", ok: false, detail: "wrote /app/visits.log on the root filesystem" },
      ],
    });
    expect(r.passed).toBe(false);
    expect(r.summary).toBe(
      "smoke failed: non-root-user (the image runs as root (no USER (root))); read-only-rootfs (wrote /app/visits.log on the root filesystem)",
    );
    expect(r.findings.map((f) => [f.source, f.rule, f.environment, f.object])).toEqual([
      ["smoke", "non-root-user", "dev", "Deployment/ns/app"],
      ["smoke", "read-only-rootfs", "dev", "Deployment/ns/app"],
    ]);
  });
});
