/** verify's wait loop with a fake clock: intervals, timeout, fail-fast, the Degraded grace window, the probe, API errors. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../../dagger/src/core/errors.js";
import { argoCdApplicationUrl, errorMessage, isTlsError, kubernetesApplicationUrl } from "../../dagger/src/core/verify/api.js";
import { verifyReport } from "../../dagger/src/core/verify/report.js";
import { DEGRADED_GRACE_MS, POLL_INTERVAL_MS, waitForDeployment, type Fetched, type ProbeSeen, type WaitOptions } from "../../dagger/src/core/verify/wait.js";
import { networkError } from "../../dagger/src/verify/http.js";
import { FIXTURES, NEW_REVISION } from "../helpers/argocd.js";

const fixture = (name: string): Fetched => ({ kind: "ok", application: JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) });
const OPTS: WaitOptions = {
  application: "gitops-demo-dev",
  environment: "dev",
  revision: NEW_REVISION,
  timeoutMs: 300_000,
  probeUrl: "",
  server: "https://argocd.example.com",
  credential: "token",
  api: "argocd",
};

/** A fake world: answers in order (the last repeats), a clock that only sleeping moves. */
function world(answers: Fetched[], probes: ProbeSeen[] = [{ status: 200 }]) {
  let t = 0;
  const fetched: boolean[] = [];
  const slept: number[] = [];
  let p = 0;
  return {
    fetched,
    slept,
    deps: {
      fetch: async (refresh: boolean) => {
        fetched.push(refresh);
        return answers[Math.min(fetched.length - 1, answers.length - 1)]!;
      },
      probe: async () => probes[Math.min(p++, probes.length - 1)]!,
      now: () => t,
      sleep: async (ms: number) => {
        slept.push(ms);
        t += ms;
      },
    },
  };
}

describe("waitForDeployment", () => {
  it("polls every interval until ready, asking for a refresh only first", async () => {
    const w = world(["dev-1-synced-old.json", "dev-2-outofsync-new.json", "dev-3-progressing-new.json", "dev-4-healthy-new.json"].map(fixture));
    const r = await waitForDeployment(OPTS, w.deps);
    expect(r).toMatchObject({ outcome: "ready", polls: 4, waitedMs: 3 * POLL_INTERVAL_MS });
    expect(w.fetched).toEqual([true, false, false, false]);
    expect(r.timeline.map((l) => l.split(" ")[0])).toEqual(["+0.0s", "+5.0s", "+10.0s", "+15.0s"]);
  });

  it("a timeline line is written only when what is seen changes", async () => {
    const w = world([...Array(5).fill(fixture("dev-2-outofsync-new.json")), fixture("dev-4-healthy-new.json")]);
    const r = await waitForDeployment(OPTS, w.deps);
    expect(r.polls).toBe(6);
    expect(r.timeline).toHaveLength(2);
  });

  it("never waits past the timeout, whatever the interval", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 100, max: 20_000 }), async (timeoutS, interval) => {
        const w = world([fixture("dev-1-synced-old.json")]);
        const r = await waitForDeployment({ ...OPTS, timeoutMs: timeoutS * 1000, intervalMs: interval }, w.deps);
        expect(r.outcome).toBe("timeout");
        expect(r.waitedMs).toBe(timeoutS * 1000);
        expect(r.polls).toBe(Math.ceil((timeoutS * 1000) / interval) + 1);
        expect(r.why).toMatch(/last seen Synced\/Healthy at 8e1f3c0/);
      }),
      { numRuns: 50 },
    );
  });

  it("fails at once when the sync of the revision failed", async () => {
    const w = world(["dev-2-outofsync-new.json", "dev-sync-failed-new.json"].map(fixture));
    const r = await waitForDeployment(OPTS, w.deps);
    expect(r).toMatchObject({ outcome: "failed", polls: 2, waitedMs: POLL_INTERVAL_MS });
  });

  it("Degraded fails only once it outlasts the grace window; a recovery inside it passes", async () => {
    const degraded = fixture("dev-degraded-new.json");
    const stuck = await waitForDeployment(OPTS, world([degraded]).deps);
    expect(stuck.outcome).toBe("degraded");
    expect(stuck.waitedMs).toBe(DEGRADED_GRACE_MS);
    const recovers = await waitForDeployment(OPTS, world([degraded, degraded, fixture("dev-4-healthy-new.json")]).deps);
    expect(recovers.outcome).toBe("ready");
    // Progressing in between restarts the window.
    const flapping = world([degraded, fixture("dev-3-progressing-new.json"), ...Array(12).fill(degraded)]);
    const f = await waitForDeployment(OPTS, flapping.deps);
    expect(f.outcome).toBe("degraded");
    expect(f.waitedMs).toBe(2 * POLL_INTERVAL_MS + DEGRADED_GRACE_MS);
  });

  it("probes after ready until a 2xx, reporting the status", async () => {
    const w = world([fixture("dev-4-healthy-new.json")], [{ error: "ECONNREFUSED" }, { status: 503 }, { status: 200 }]);
    const r = await waitForDeployment({ ...OPTS, probeUrl: "https://dev.example.com/healthz" }, w.deps);
    expect(r).toMatchObject({ outcome: "ready", probe: { url: "https://dev.example.com/healthz", status: 200 } });
    expect(r.timeline.slice(-3).map((l) => l.replace(/^\+\S+ /, ""))).toEqual([
      "probe https://dev.example.com/healthz: ECONNREFUSED",
      "probe https://dev.example.com/healthz: 503",
      "probe https://dev.example.com/healthz: 200",
    ]);
  });

  it("a probe that never answers 2xx fails within the same timeout", async () => {
    const w = world([fixture("dev-4-healthy-new.json")], [{ status: 502 }]);
    const r = await waitForDeployment({ ...OPTS, probeUrl: "https://dev.example.com/", timeoutMs: 30_000 }, w.deps);
    expect(r).toMatchObject({ outcome: "probe", waitedMs: 30_000, probe: { status: 502 } });
    expect(r.why).toMatch(/last HTTP 502/);
  });

  it.each([
    [401, "token", "token"],
    [403, "token", "token"],
    [401, "kubeconfig", "kubeconfig"],
    [404, "token", "application"],
  ] as const)("HTTP %i with a %s is an InputError naming %s", async (status, credential, input) => {
    const w = world([{ kind: "http", status, message: "nope" }]);
    const err = await waitForDeployment({ ...OPTS, credential, api: credential === "token" ? "argocd" : "kubernetes" }, w.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(input);
    if (input === "application") expect((err as InputError).problem).toMatch(/'gitops-demo-dev' of environment 'dev'/);
  });

  it("a 5xx or a dropped connection after the first answer is waited out, not fatal", async () => {
    const w = world([
      fixture("dev-2-outofsync-new.json"),
      { kind: "http", status: 503, message: "upstream connect error" },
      { kind: "network", message: "ECONNRESET", tls: false },
      fixture("dev-4-healthy-new.json"),
    ]);
    const r = await waitForDeployment(OPTS, w.deps);
    expect(r).toMatchObject({ outcome: "ready", polls: 4 });
    expect(r.timeline.join("\n")).toMatch(/HTTP 503 .*upstream connect error[\s\S]*ECONNRESET/);
  });

  it("no answer at all on the first request ends at once as unreachable; a TLS failure is an InputError", async () => {
    const r = await waitForDeployment(OPTS, world([{ kind: "network", message: "connect ECONNREFUSED 10.0.0.1:443", tls: false }]).deps);
    expect(r).toMatchObject({ outcome: "unreachable", polls: 1, waitedMs: 0 });
    const tls = await waitForDeployment(OPTS, world([{ kind: "network", message: "self-signed certificate", tls: true }]).deps).catch((e: unknown) => e);
    expect((tls as InputError).input).toBe("server");
    expect((tls as InputError).fix).toMatch(/--insecure/);
  });
});

describe("report", () => {
  const target = { application: "gitops-demo-dev", environment: "dev", revision: NEW_REVISION, api: "argocd" as const, server: "https://argocd.example.com" };

  it("a pass: one line, data with what was seen, no findings", async () => {
    const w = world(["dev-2-outofsync-new.json", "dev-4-healthy-new.json"].map(fixture));
    const r = verifyReport(target, await waitForDeployment(OPTS, w.deps));
    expect(r).toMatchObject({ stage: "verify", passed: true, status: "passed", findings: [] });
    expect(r.summary).toBe("verify passed: gitops-demo-dev (dev) is Synced and Healthy at 1a2b3c4 (5.0 s, 2 polls)");
    expect(r.data).toMatchObject({
      revisionWanted: NEW_REVISION,
      revisionSeen: NEW_REVISION,
      sync: "Synced",
      health: "Healthy",
      operationPhase: "Succeeded",
      conditions: [],
      probe: null,
      polls: 2,
      waitedMs: 5000,
    });
    expect(r.details.split("\n")[0]).toBe("Argo CD API https://argocd.example.com, Application gitops-demo-dev");
  });

  it("a failure: one finding with the rule of the outcome, the conditions in the details", async () => {
    const w = world([fixture("dev-sync-failed-new.json")]);
    const r = verifyReport(target, await waitForDeployment(OPTS, w.deps));
    expect(r.passed).toBe(false);
    expect(r.findings).toEqual([
      expect.objectContaining({ source: "argocd", rule: "VERIFY-SYNC-FAILED", severity: "error", object: "Application/gitops-demo-dev", environment: "dev" }),
    ]);
    expect(r.details).toMatch(/condition SyncError/);
    expect(r.summary).not.toMatch(/\n/);
  });
});

describe("API addresses", () => {
  it("Argo CD API: refresh only when asked, appNamespace only outside argocd, names escaped", () => {
    expect(argoCdApplicationUrl("https://argocd.example.com/", "gitops-demo-dev", "argocd", true)).toBe(
      "https://argocd.example.com/api/v1/applications/gitops-demo-dev?refresh=normal",
    );
    expect(argoCdApplicationUrl("https://x/argocd", "a", "argocd", false)).toBe("https://x/argocd/api/v1/applications/a");
    expect(argoCdApplicationUrl("https://x", "a", "team-apps", false)).toBe("https://x/api/v1/applications/a?appNamespace=team-apps");
  });

  it("Kubernetes API: the custom resource in its namespace", () => {
    expect(kubernetesApplicationUrl("https://10.0.0.1:6443", "gitops-demo-dev", "argocd")).toBe(
      "https://10.0.0.1:6443/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/gitops-demo-dev",
    );
  });

  it("reads error bodies of both APIs and never returns HTML", () => {
    expect(errorMessage('{"error":"permission denied","code":7,"message":"permission denied"}')).toBe("permission denied");
    expect(errorMessage('{"kind":"Status","message":"applications.argoproj.io \\"x\\" not found","code":404}')).toBe('applications.argoproj.io "x" not found');
    expect(errorMessage("<html><body>502 Bad Gateway</body></html>")).toBe("");
    expect(errorMessage("x".repeat(500))).toHaveLength(200);
  });

  it("tells certificate errors from connection errors", () => {
    for (const c of [
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "CERT_HAS_EXPIRED",
    ])
      expect(isTlsError(c), c).toBe(true);
    for (const c of ["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", ""]) expect(isTlsError(c), c).toBe(false);
  });
});

describe("socket errors as one line", () => {
  it("drops Node's advice about its own flags (Node 24, the module runtime's), keeps the code", () => {
    const e = Object.assign(
      new Error("unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca"),
      { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" },
    );
    expect(networkError(e)).toEqual({ message: "UNABLE_TO_VERIFY_LEAF_SIGNATURE (unable to verify the first certificate)", tls: true });
    expect(networkError(Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443\n    at TCPConnectWrap.afterConnect"), { code: "ECONNREFUSED" }))).toEqual({
      message: "connect ECONNREFUSED 10.0.0.1:443",
      tls: false,
    });
  });
});
