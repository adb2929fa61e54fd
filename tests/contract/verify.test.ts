/**
 * verify against a real server: argocd-server.mjs, a separate process on a loopback socket,
 * playing Application objects (fixtures written from Argo CD's CRD schema, validated here with
 * the pinned kubeconform) as the Argo CD API (bearer token, self-signed HTTPS) and as the
 * Kubernetes API (HTTPS with a CA made by openssl for this run; token or client certificate from
 * a kubeconfig). No Argo CD or Kubernetes runs here: this is the level verify's client reaches.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Secret } from "@dagger.io/dagger";
import { InputError } from "../../dagger/src/core/errors.js";
import { DEFAULT_GITOPS_CONFIG } from "../../dagger/src/core/gitops-config.js";
import type { RunReport } from "../../dagger/src/core/run.js";
import { verifyReportOf, type ArgoConnection, type VerifyRequest } from "../../dagger/src/verify/verify.js";
import { FIXTURES, NEW_REVISION, OLD_REVISION, kubeconfigText, makePki, startArgoServer, type ArgoServer, type Pki } from "../helpers/argocd.js";
import { tool } from "../helpers/tools.js";
import { crdSchemaDir } from "./local-validation.js";

const TOKEN = "argocd-token-5e8f0a";
const FORBIDDEN = "readonly-token-without-apps";
const secret = (v: string): Secret => ({ plaintext: async () => v }) as unknown as Secret;
const FAST = { intervalMs: 50, probeIntervalMs: 50, degradedGraceMs: 300 };
const SEQUENCE = ["dev-1-synced-old.json", "dev-2-outofsync-new.json", "dev-3-progressing-new.json", "dev-4-healthy-new.json"];

const request = (o: Partial<VerifyRequest> = {}): VerifyRequest => ({
  environment: "dev",
  revision: NEW_REVISION,
  timeout: 20,
  probeUrl: "",
  application: "",
  ...o,
});
const data = (r: RunReport) => r.data as Record<string, unknown>;
async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});

describe("fixtures: real-shaped Application objects", () => {
  it("every fixture validates against Argo CD's Application CRD schema (kubeconform -strict)", () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThanOrEqual(7);
    const r = spawnSync(
      tool("kubeconform"),
      ["-strict", "-summary", "-schema-location", `${crdSchemaDir()}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`, ...files],
      { cwd: FIXTURES, encoding: "utf8" },
    );
    expect(r.stdout + r.stderr).toContain(`Valid: ${files.length}, Invalid: 0, Errors: 0, Skipped: 0`);
    expect(r.status).toBe(0);
  });

  it("the schema check can fail: a misspelt status field is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "verify-bad-fixture-"));
    const app = JSON.parse(readFileSync(join(FIXTURES, "dev-4-healthy-new.json"), "utf8"));
    app.status.sync.revison = app.status.sync.revision;
    writeFileSync(join(dir, "bad.json"), JSON.stringify(app));
    const r = spawnSync(
      tool("kubeconform"),
      ["-strict", "-summary", "-schema-location", `${crdSchemaDir()}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`, "bad.json"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/revison/);
  });
});

describe("Argo CD API (bearer token, self-signed HTTPS with --insecure)", () => {
  let server: ArgoServer;
  let plain: ArgoServer;
  beforeAll(async () => {
    server = await startArgoServer({
      api: "argocd",
      tls: { key: pki.serverKey, cert: pki.serverCert },
      tokens: { [TOKEN]: "allow", [FORBIDDEN]: "forbid" },
      apps: {
        "gitops-demo-dev": { steps: SEQUENCE },
        "gitops-demo-staging": { steps: ["staging-multi-source-healthy.json"] },
        "stays-old": { steps: ["dev-1-synced-old.json"] },
        "goes-degraded": { steps: ["dev-3-progressing-new.json", "dev-degraded-new.json"] },
        "sync-fails": { steps: ["dev-2-outofsync-new.json", "dev-sync-failed-new.json"] },
        "short-sha": { steps: ["dev-2-outofsync-new.json", "dev-4-healthy-new.json"] },
        "any-revision": { steps: ["dev-1-synced-old.json"] },
        "in-apps-namespace": { namespace: "apps", steps: ["dev-4-healthy-new.json"] },
        probed: { steps: ["dev-4-healthy-new.json"] },
        "probed-404": { steps: ["dev-4-healthy-new.json"] },
      },
    });
    // A plain HTTP one as the app the probe GETs (its /_test/requests answers 200, /healthz 404).
    plain = await startArgoServer({ api: "argocd", tokens: {}, apps: {} });
  });
  afterAll(async () => {
    await server?.close();
    await plain?.close();
  });
  const conn = (o: Partial<ArgoConnection> = {}): ArgoConnection => ({ server: server.url, token: secret(TOKEN), namespace: "argocd", insecure: true, ...o });

  it("waits through OutOfSync and Progressing until Synced and Healthy at the pushed revision", async () => {
    const r = await verifyReportOf(conn(), request(), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed, r.details).toBe(true);
    expect(r.summary).toMatch(/^verify passed: gitops-demo-dev \(dev\) is Synced and Healthy at 1a2b3c4/);
    expect(data(r)).toMatchObject({
      application: "gitops-demo-dev",
      environment: "dev",
      revisionWanted: NEW_REVISION,
      revisionSeen: NEW_REVISION,
      sync: "Synced",
      health: "Healthy",
      operationPhase: "Succeeded",
      polls: 4,
      api: "argocd",
    });
    expect(r.details.split("\n").filter((l) => /^\+\d/.test(l))).toHaveLength(4);
    const seen = (await server.requests()).filter((q) => q.path === "/api/v1/applications/gitops-demo-dev");
    expect(seen).toHaveLength(4);
    // Only the first request asks Argo CD to refresh; every one carries the token.
    expect(seen.map((q) => q.query.refresh ?? "")).toEqual(["normal", "", "", ""]);
    expect(seen.every((q) => q.bearer)).toBe(true);
  });

  it("accepts a short sha (first 7 digits) for the revision", async () => {
    const r = await verifyReportOf(conn(), request({ revision: NEW_REVISION.slice(0, 7), application: "short-sha" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed, r.details).toBe(true);
    expect(data(r).polls).toBe(2);
  });

  it("with no revision, any Synced and Healthy revision passes at once", async () => {
    const r = await verifyReportOf(conn(), request({ revision: "", application: "any-revision" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed).toBe(true);
    expect(data(r)).toMatchObject({ revisionSeen: OLD_REVISION, polls: 1 });
  });

  it("times out naming the last sync, health and revision seen", async () => {
    const r = await verifyReportOf(conn(), request({ timeout: 1, application: "stays-old" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed).toBe(false);
    expect(r.summary).toMatch(/not deployed within 1\.0 s; last seen Synced\/Healthy at 8e1f3c0 \(operation Succeeded\): not at 1a2b3c4 yet/);
    expect(r.findings[0]).toMatchObject({ rule: "VERIFY-TIMEOUT", environment: "dev", object: "Application/stays-old" });
    expect(data(r).waitedMs as number).toBeGreaterThanOrEqual(1000);
  });

  it("fails once Degraded outlasts the grace window after the revision synced, naming the unhealthy resource", async () => {
    const r = await verifyReportOf(conn(), request({ application: "goes-degraded" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed).toBe(false);
    expect(r.findings[0]!.rule).toBe("VERIFY-DEGRADED");
    expect(r.summary).toMatch(/exceeded its progress deadline/);
    expect(data(r).waitedMs as number).toBeLessThan(5_000);
  });

  it("fails fast when the sync operation of the revision ended Failed, quoting Argo CD and its conditions", async () => {
    const r = await verifyReportOf(conn(), request({ application: "sync-fails" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed).toBe(false);
    expect(r.findings[0]!.rule).toBe("VERIFY-SYNC-FAILED");
    expect(r.summary).toMatch(/the sync operation for 1a2b3c4 ended Failed: one or more objects failed to apply/);
    expect(data(r)).toMatchObject({ polls: 2, operationPhase: "Failed", sync: "OutOfSync" });
    expect(data(r).conditions).toEqual([expect.objectContaining({ type: "SyncError" })]);
    expect(r.details).toMatch(/condition SyncError: Failed sync attempt/);
  });

  it("reads a multi-source Application's sync.revisions", async () => {
    const r = await verifyReportOf(conn(), request({ environment: "staging" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed, r.details).toBe(true);
    expect(data(r).revisionSeen).toBe(`0.4.1,${NEW_REVISION}`);
  });

  it("addresses an Application outside argocd by appNamespace", async () => {
    const r = await verifyReportOf(conn({ namespace: "apps" }), request({ application: "in-apps-namespace" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed, r.details).toBe(true);
    const q = (await server.requests()).filter((x) => x.path.endsWith("/in-apps-namespace"));
    expect(q[0]!.query).toEqual({ refresh: "normal", appNamespace: "apps" });
  });

  it("probes the app after Synced and Healthy and reports its status code", async () => {
    const r = await verifyReportOf(conn(), request({ application: "probed", probeUrl: `${plain.url}/_test/requests` }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed, r.details).toBe(true);
    expect(data(r).probe).toEqual({ url: `${plain.url}/_test/requests`, status: 200 });
  });

  it("fails when the probe never answers 2xx in the time left, naming the last status", async () => {
    const r = await verifyReportOf(conn(), request({ application: "probed-404", probeUrl: `${plain.url}/healthz`, timeout: 1 }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed).toBe(false);
    expect(r.findings[0]!.rule).toBe("VERIFY-PROBE");
    expect(r.summary).toMatch(/did not answer 2xx .* last HTTP 404/);
    expect(data(r).probe).toMatchObject({ status: 404 });
  });

  it("a token the API rejects is an InputError naming token, without the token", async () => {
    const e = await inputError(verifyReportOf(conn({ token: secret("wrong-token-123") }), request(), DEFAULT_GITOPS_CONFIG, FAST));
    expect(e.input).toBe("token");
    expect(e.message).toMatch(/refused the token \(HTTP 401/);
    expect(e.message).not.toContain("wrong-token-123");
  });

  it("a token without the right to get the app (403) is an InputError naming token", async () => {
    const e = await inputError(verifyReportOf(conn({ token: secret(FORBIDDEN) }), request(), DEFAULT_GITOPS_CONFIG, FAST));
    expect(e.input).toBe("token");
    expect(e.message).toMatch(/HTTP 403/);
  });

  it("an unknown Application is an InputError naming the application and the environment", async () => {
    const e = await inputError(verifyReportOf(conn(), request({ application: "nope" }), DEFAULT_GITOPS_CONFIG, FAST));
    expect(e.input).toBe("application");
    expect(e.problem).toMatch(/Application 'nope' of environment 'dev' was not found .*HTTP 404/);
  });

  it("an environment gitops-pipeline.yaml does not declare is an InputError naming environment, before any request", async () => {
    const before = (await server.requests()).length;
    const e = await inputError(verifyReportOf(conn(), request({ environment: "qa" }), DEFAULT_GITOPS_CONFIG, FAST));
    expect(e.input).toBe("environment");
    expect(e.problem).toMatch(/declares dev, staging, prod/);
    expect((await server.requests()).length).toBe(before);
  });

  it("without --insecure a self-signed server is an InputError naming server and the fix", async () => {
    const e = await inputError(verifyReportOf(conn({ insecure: false }), request(), DEFAULT_GITOPS_CONFIG, FAST));
    expect(e.input).toBe("server");
    expect(e.message).toMatch(/TLS verification .* failed .*--insecure/);
    // Node's advice about its own command-line flags is no use to a dagger call user.
    expect(e.message).not.toMatch(/use-system-ca|Node\.js/);
  });

  it("a server nothing listens on gives a failed run naming it at once, not a stack and not after the timeout", async () => {
    const dead = `https://127.0.0.1:${server.port === 1 ? 2 : 1}`;
    const r = await verifyReportOf(conn({ server: dead }), request({ timeout: 60 }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed).toBe(false);
    expect(r.findings[0]!.rule).toBe("VERIFY-UNREACHABLE");
    expect(r.summary).toContain(`cannot reach ${dead}: connect ECONNREFUSED`);
    expect(r.summary).not.toMatch(/\n|at .*\.js:\d+/);
    expect(data(r).waitedMs as number).toBeLessThan(5_000);
  });
});

describe("Kubernetes API (kubeconfig: CA, token or client certificate)", () => {
  let server: ArgoServer;
  beforeAll(async () => {
    server = await startArgoServer({
      api: "kubernetes",
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca },
      tokens: { [TOKEN]: "allow", [FORBIDDEN]: "forbid" },
      apps: {
        "gitops-demo-dev": { steps: SEQUENCE },
        "by-cert": { steps: ["dev-2-outofsync-new.json", "dev-4-healthy-new.json"] },
        "sync-fails": { steps: ["dev-sync-failed-new.json"] },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  const kube = (o: Parameters<typeof kubeconfigText>[1]): ArgoConnection => ({
    server: "",
    kubeconfig: secret(kubeconfigText(server.url, o)),
    namespace: "argocd",
    insecure: false,
  });

  it("token auth: waits for Synced and Healthy at the revision, reading the custom resource", async () => {
    const r = await verifyReportOf(kube({ ca: pki.ca, token: TOKEN }), request(), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed, r.details).toBe(true);
    expect(data(r)).toMatchObject({ api: "kubernetes", server: server.url, polls: 4, sync: "Synced", health: "Healthy" });
    const seen = (await server.requests()).filter((q) => q.path === "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/gitops-demo-dev");
    expect(seen).toHaveLength(4);
    expect(seen.every((q) => q.bearer && Object.keys(q.query).length === 0)).toBe(true);
  });

  it("client-certificate auth: no token is sent, the certificate authenticates", async () => {
    const r = await verifyReportOf(
      kube({ ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }),
      request({ application: "by-cert" }),
      DEFAULT_GITOPS_CONFIG,
      FAST,
    );
    expect(r.passed, r.details).toBe(true);
    const seen = (await server.requests()).filter((q) => q.path.endsWith("/by-cert"));
    expect(seen.length).toBe(2);
    expect(seen.every((q) => q.clientCert && !q.bearer)).toBe(true);
  });

  it("a failed sync is reported the same way as on the Argo CD API", async () => {
    const r = await verifyReportOf(kube({ ca: pki.ca, token: TOKEN }), request({ application: "sync-fails" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.findings[0]!.rule).toBe("VERIFY-SYNC-FAILED");
  });

  it.each([
    ["a rejected token (401)", { token: "not-a-token" }, /refused the kubeconfig's credentials \(HTTP 401/],
    ["a user RBAC forbids (403)", { token: FORBIDDEN }, /HTTP 403/],
    ["a server certificate the kubeconfig's CA did not sign", { token: TOKEN, caOverride: true }, /TLS verification .* failed/],
  ])("%s is an InputError naming kubeconfig", async (_what, o, message) => {
    const { caOverride, ...auth } = o as { token: string; caOverride?: boolean };
    const e = await inputError(verifyReportOf(kube({ ca: caOverride ? pki.otherCa : pki.ca, ...auth }), request(), DEFAULT_GITOPS_CONFIG, FAST));
    expect(e.input).toBe("kubeconfig");
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(auth.token);
  });

  it("an unknown Application (404) is an InputError naming the application", async () => {
    const e = await inputError(verifyReportOf(kube({ ca: pki.ca, token: TOKEN }), request({ application: "missing-app" }), DEFAULT_GITOPS_CONFIG, FAST));
    expect(e.input).toBe("application");
    expect(e.message).toMatch(/applications\.argoproj\.io "missing-app" not found/);
  });

  it("insecure-skip-tls-verify in the kubeconfig skips the CA check", async () => {
    const r = await verifyReportOf(kube({ insecure: true, token: TOKEN }), request({ revision: "", application: "by-cert" }), DEFAULT_GITOPS_CONFIG, FAST);
    expect(r.passed, r.details).toBe(true);
  });
});
