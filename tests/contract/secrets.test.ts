/**
 * Secrets with the real tools: the four broken fixtures (over the multi-app sample) each fail
 * validate with exactly one finding naming app, environment, object and file; the real kubeseal
 * (pinned, offline, a test certificate made here with openssl) seals a value through the seal
 * core's argv and writes; the result validates (kubeconform with the Sealed Secrets CRD schema,
 * policy), decrypts with the matching key where it deploys and nowhere else, and the plaintext
 * appears in no output.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { DEFAULT_GITOPS_CONFIG } from "../../dagger/src/core/gitops-config.js";
import { kubesealArgv, parseCiphertext, SEAL_PATHS, sealTarget, sealWrites, type SealScope } from "../../dagger/src/core/secrets/seal.js";
import { helmTemplateArgv, kubeconformArgv } from "../../dagger/src/core/validate/argv.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { evaluatePolicy } from "../../dagger/src/core/validate/policy/index.js";
import { summarize, type ValidationResult } from "../../dagger/src/core/validate/validation.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { ROOT, runArgv, tool } from "../helpers/tools.js";
import { offlineKubeconform, validateLocally } from "./local-validation.js";

const FIXTURES = join(ROOT, "tests", "fixtures");

/** A copy of gitops/ with the multi-app sample and then `fixture` laid over it. */
function multiApp(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${fixture}-`));
  cpSync(join(ROOT, "gitops"), dir, { recursive: true });
  for (const f of ["gitops-multi-app", fixture]) {
    cpSync(join(FIXTURES, f), dir, { recursive: true });
    rmSync(join(dir, "FIXTURE.md"));
  }
  return dir;
}

const oneLine = (r: ValidationResult) => r.findings.map((f) => [f.rule, f.severity, f.app, f.environment, f.object, f.path, f.template]);

describe("the broken secret fixtures: exactly one finding each, naming app, environment, object and file", () => {
  const cases: [string, string, string, string, string][] = [
    ["gitops-secret-plain", "POL-SECRET-PLAINTEXT", "Secret/payments-staging/payments-db", "data", "templates/extra-objects.yaml"],
    [
      "gitops-sealed-secret-wrong-namespace",
      "POL-SEALED-SECRET-SCOPE",
      "SealedSecret/payments-staging/payments-credentials",
      "spec.template.metadata.namespace",
      "templates/sealedsecrets.yaml",
    ],
    [
      "gitops-secret-missing-key",
      "POL-SECRET-KEY",
      "Deployment/payments-staging/payments",
      "spec.template.spec.containers[0].env[6].valueFrom.secretKeyRef",
      "templates/deployment.yaml",
    ],
    [
      "gitops-external-secret-no-store",
      "POL-EXTERNAL-SECRET-STORE",
      "ExternalSecret/payments-staging/payments-credentials",
      "spec.secretStoreRef",
      "templates/extra-objects.yaml",
    ],
  ];
  for (const [fixture, rule, object, path, template] of cases) {
    it(`${fixture}: ${rule}`, async () => {
      const r = await validateLocally(multiApp(fixture));
      expect(oneLine(r), summarize(r)).toEqual([[rule, "error", "payments", "staging", object, path, template]]);
      // The one-line report names the values file to fix.
      expect(summarize(r)).toContain(`[payments staging] `);
      expect(summarize(r)).toContain(`(from ${template} with apps/payments/staging/values.yaml)`);
      // Every object was schema-validated (the CRDs against their schemas), none skipped.
      const staging = r.environments.find((e) => e.app === "payments" && e.name === "staging")!;
      expect(staging.schema).toEqual({ valid: staging.objects, invalid: 0, errors: 0, skipped: 0 });
    });
  }

  it("the plain Secret's finding says how to seal it and quotes no value", async () => {
    const r = await validateLocally(multiApp("gitops-secret-plain"), ["staging"], "payments");
    const text = JSON.stringify(r);
    expect(r.findings[0]!.message).toMatch(/kubeseal --cert/);
    expect(text).not.toContain("Zml4dHVyZS1wYXNzd29yZA");
    expect(text).not.toContain("fixture-password");
  });
});

/** A throwaway sealed-secrets key pair, as the controller would make (RSA 4096, self-signed). */
function testKeyPair(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = spawnSync(
    "openssl",
    ["req", "-x509", "-nodes", "-newkey", "rsa:4096", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=sealed-secret/O=contract-test"],
    { encoding: "utf8" },
  );
  if (r.error || r.status !== 0)
    throw new Error(`openssl is needed to make the test certificate (apt-get install -y openssl): ${r.error?.message ?? r.stderr}`);
  return { cert, key };
}

const PLAINTEXT = "contract-plaintext-7f3a9c";

/** Run kubeseal's argv from the core, with the container paths pointed at local files; no kubeconfig, no cluster. */
function kubeseal(o: { name: string; namespace: string; scope: SealScope; cert: string; valueFile: string; home: string }) {
  const argv = kubesealArgv(o).map((a) => (a === SEAL_PATHS.cert ? o.cert : a === SEAL_PATHS.value ? o.valueFile : a));
  return runArgv(argv, o.home, { HOME: o.home, KUBECONFIG: join(o.home, "no-kubeconfig") });
}

/** `kubeseal --recovery-unseal` of one SealedSecret with the test key: the decrypted data, or the error. */
function unseal(sealed: Record<string, unknown>, key: string, dir: string): { data?: Record<string, string>; error?: string } {
  const file = join(dir, `unseal-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(sealed));
  const r = spawnSync(tool("kubeseal"), ["--recovery-unseal", "--recovery-private-key", key, "-o", "yaml", "-f", file], {
    encoding: "utf8",
    env: { HOME: dir, PATH: process.env.PATH ?? "" },
  });
  if (r.status !== 0) return { error: r.stderr };
  return { data: (parse(r.stdout) as { data: Record<string, string> }).data };
}

describe("seal with the real kubeseal, offline, with a test certificate", () => {
  const dir = mkdtempSync(join(tmpdir(), "seal-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const { cert, key } = testKeyPair(dir);
  const valueFile = join(dir, "value");
  writeFileSync(valueFile, PLAINTEXT, { mode: 0o400 });
  const b64 = Buffer.from(PLAINTEXT).toString("base64");
  const outputs: string[] = [];

  it(`kubeseal ${VERSIONS.kubeseal} is the pinned one and needs no cluster: strict, namespace-wide and cluster-wide give a ciphertext`, () => {
    const v = spawnSync(tool("kubeseal"), ["--version"], { encoding: "utf8" });
    expect(v.stdout.trim()).toBe(`kubeseal version: v${VERSIONS.kubeseal}`);
    for (const scope of ["strict", "namespace-wide", "cluster-wide"] as const) {
      const r = kubeseal({ name: "gitops-demo-credentials", namespace: "gitops-demo-prod", scope, cert, valueFile, home });
      outputs.push(r.stdout, r.stderr);
      expect(r.status, r.stderr).toBe(0);
      expect(parseCiphertext(r.stdout).length).toBeGreaterThan(500);
    }
  });

  it("helm layout: sealed into prod's values, the tree validates (SealedSecret Valid against its CRD schema, policy-clean) and the rendered SealedSecret decrypts only in prod", async () => {
    const tree = mkdtempSync(join(tmpdir(), "seal-helm-"));
    cpSync(join(ROOT, "gitops"), tree, { recursive: true });
    const target = sealTarget(DEFAULT_GITOPS_CONFIG, "prod", "gitops-demo-credentials");
    const r = kubeseal({ name: "gitops-demo-credentials", namespace: target.namespace, scope: "strict", cert, valueFile, home });
    outputs.push(r.stdout, r.stderr);
    const writes = await sealWrites(
      target,
      {
        name: "gitops-demo-credentials",
        key: "api-token",
        namespace: target.namespace,
        scope: "strict",
        type: "Opaque",
        ciphertext: parseCiphertext(r.stdout),
      },
      async (p) => (existsSync(join(tree, p)) ? readFileSync(join(tree, p), "utf8") : undefined),
    );
    expect(writes.map((w) => w.path)).toEqual(["environments/prod/values.yaml"]);
    for (const w of writes) writeFileSync(join(tree, w.path), w.text);
    outputs.push(...writes.map((w) => w.text));

    const result = await validateLocally(tree, ["prod"]);
    outputs.push(JSON.stringify(result));
    expect(result.findings, summarize(result)).toEqual([]);
    const prod = result.environments[0]!;
    expect(prod.schema).toEqual({ valid: prod.objects, invalid: 0, errors: 0, skipped: 0 });

    // The SealedSecret as Argo CD applies it: helm's rendering, in the destination namespace.
    const rendered = runArgv(
      helmTemplateArgv({
        chart: "charts/gitops-demo",
        values: ["environments/prod/values.yaml"],
        kubeVersion: VERSIONS.kubernetes,
        release: "gitops-demo",
        namespace: "gitops-demo-prod",
      }),
      tree,
    );
    const sealed = parseManifests(rendered.stdout, "prod", "gitops-demo-prod").objects.find((o) => o.kind === "SealedSecret")!;
    const deployed = { ...sealed.body, metadata: { ...(sealed.body.metadata as object), namespace: "gitops-demo-prod" } };
    expect(unseal(deployed, key, dir).data).toEqual({ "api-token": b64 });
    // Moved to staging (a copied values file, another destination): it never decrypts, and the policy says so first.
    const moved = { ...deployed, metadata: { ...deployed.metadata, namespace: "gitops-demo-staging" } };
    expect(unseal(moved, key, dir).error).toMatch(/no key could decrypt secret \(api-token\)/);
    expect(evaluatePolicy([{ ...sealed, namespace: "gitops-demo-staging" }], { production: false }).map((f) => f.rule)).toEqual(["POL-SEALED-SECRET-SCOPE"]);
  });

  it("kustomize layout: a SealedSecret file in the overlay, listed in its resources, Valid for kubeconform with the CRD schema, decrypting as written", async () => {
    const tree = mkdtempSync(join(tmpdir(), "seal-kustomize-"));
    cpSync(join(ROOT, "gitops"), tree, { recursive: true });
    const target = sealTarget({ ...DEFAULT_GITOPS_CONFIG, writeBack: { format: "kustomize" } }, "staging", "gitops-demo-db");
    const r = kubeseal({ name: "gitops-demo-db", namespace: target.namespace, scope: "strict", cert, valueFile, home });
    outputs.push(r.stdout, r.stderr);
    const writes = await sealWrites(
      target,
      { name: "gitops-demo-db", key: "password", namespace: target.namespace, scope: "strict", type: "Opaque", ciphertext: parseCiphertext(r.stdout) },
      async (p) => (existsSync(join(tree, p)) ? readFileSync(join(tree, p), "utf8") : undefined),
    );
    expect(writes.map((w) => w.path)).toEqual(["kustomize/overlays/staging/sealedsecret-gitops-demo-db.yaml", "kustomize/overlays/staging/kustomization.yaml"]);
    for (const w of writes) {
      mkdirSync(dirname(join(tree, w.path)), { recursive: true });
      writeFileSync(join(tree, w.path), w.text);
    }
    outputs.push(...writes.map((w) => w.text));

    const kc = runArgv(kubeconformArgv({ ...offlineKubeconform(), kubernetesVersion: VERSIONS.kubernetes, files: [join(tree, target.file)] }), tree);
    expect(kc.status, kc.stdout + kc.stderr).toBe(0);
    expect(JSON.parse(kc.stdout).summary).toMatchObject({ valid: 1, invalid: 0, errors: 0, skipped: 0 });

    const result = await validateLocally(tree, ["staging"]);
    outputs.push(JSON.stringify(result));
    expect(result.findings, summarize(result)).toEqual([]);
    const overlay = result.overlays.find((o) => o.environment === "staging")!;
    expect(overlay.schema).toEqual({ valid: overlay.objects, invalid: 0, errors: 0, skipped: 0 });
    expect(overlay.objects).toBe(7);

    expect(unseal(parse(readFileSync(join(tree, target.file), "utf8")) as Record<string, unknown>, key, dir).data).toEqual({ password: b64 });
  });

  it("the plaintext appears in no output: kubeseal's stdout and stderr, the files written, the validation reports", () => {
    expect(outputs.length).toBeGreaterThan(8);
    for (const o of outputs) {
      expect(o).not.toContain(PLAINTEXT);
      expect(o).not.toContain(b64);
    }
    // Nothing else was left beside the test's own files.
    expect(readdirSync(home)).toEqual([]);
  });
});
