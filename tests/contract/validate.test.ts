/**
 * The validate logic with the real, pinned helm, kustomize and kubeconform (offline schemas: Kubernetes from
 * the kubernetes-validate wheel, Argo CD from GITOPS_CRD_SCHEMAS), on this repo's gitops/ and on
 * the broken fixtures in tests/fixtures/gitops-*.
 */
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../../dagger/src/core/errors.js";
import { summarize, type ValidationResult } from "../../dagger/src/core/validate/validation.js";
import { offlineKubeconform, validateLocally } from "./local-validation.js";
import { ROOT, runArgv } from "../helpers/tools.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { helmLintArgv, helmTemplateArgv, kubeconformArgv, kustomizeBuildArgv } from "../../dagger/src/core/validate/argv.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { evaluatePolicy } from "../../dagger/src/core/validate/policy/index.js";

const GITOPS = join(ROOT, "gitops");
const FIXTURES = join(ROOT, "tests", "fixtures");

/** A copy of gitops/ with the fixture's files laid over it (FIXTURE.md excluded). */
function overlay(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${fixture}-`));
  cpSync(GITOPS, dir, { recursive: true });
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  rmSync(join(dir, "FIXTURE.md"));
  return dir;
}

const errorsOf = (r: ValidationResult) => r.findings.filter((f) => f.severity === "error");

describe("validate gitops/ with the real tools (offline schemas)", () => {
  let result: ValidationResult & { argvs: string[][] };

  it("every environment passes: lint clean, rendered, every object Valid (none skipped), no policy or Argo CD finding", async () => {
    result = await validateLocally(GITOPS);
    expect(result.findings, summarize(result)).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.environments.map((e) => e.name)).toEqual(["dev", "staging", "prod"]);
    for (const env of result.environments) {
      expect(env.lintPassed, env.name).toBe(true);
      expect(env.rendered, env.name).toBe(true);
      expect(env.objects, env.name).toBeGreaterThanOrEqual(5);
      // The chart's `helm test` Pod is left out: Argo CD never applies it.
      expect(env.testHooksLeftOut, env.name).toBe(1);
      // kubeconform really validated every object: Valid, not Skipped or Error.
      expect(env.schema, env.name).toEqual({ valid: env.objects, invalid: 0, errors: 0, skipped: 0 });
    }
    // AppProject + root + three Applications, validated against the Argo CD CRD schemas.
    expect(result.argocdSchema).toEqual({ valid: 5, invalid: 0, errors: 0, skipped: 0 });
  });

  it("every kustomize overlay renders with the real kustomize; every object Valid (none skipped), policy-clean", () => {
    expect(result.overlays.map((o) => [o.environment, o.overlay, o.rendered])).toEqual([
      ["dev", "kustomize/overlays/dev", true],
      ["staging", "kustomize/overlays/staging", true],
      ["prod", "kustomize/overlays/prod", true],
    ]);
    for (const o of result.overlays) {
      expect(o.schema, o.overlay).toEqual({ valid: o.objects, invalid: 0, errors: 0, skipped: 0 });
      expect(o.errors, o.overlay).toBe(0);
    }
    // ServiceAccount, Service, Deployment, two NetworkPolicies; the pdb component for staging and prod.
    expect(result.overlays.map((o) => o.objects)).toEqual([5, 6, 6]);
    const builds = result.argvs.filter((a) => a[0] === "kustomize");
    expect(builds).toEqual([
      ["kustomize", "build", "kustomize/overlays/dev"],
      ["kustomize", "build", "kustomize/overlays/staging"],
      ["kustomize", "build", "kustomize/overlays/prod"],
    ]);
    // Each overlay's rendering went through its environment's kubeconform run, beside helm's.
    const kc = result.argvs.filter((a) => a[0] === "kubeconform");
    for (const [i, env] of ["dev", "staging", "prod"].entries())
      expect(kc[i]!.filter((a) => a.endsWith(`/${env}.yaml`)).map((a) => a.endsWith(`/kustomize/${env}.yaml`))).toEqual([false, true]);
  });

  it("the overlays render what they promise: namespace, pinned tag, 1/2/3 replicas, production policy holds for prod", () => {
    for (const [env, replicas] of [
      ["dev", 1],
      ["staging", 2],
      ["prod", 3],
    ] as const) {
      const r = runArgv(kustomizeBuildArgv(`kustomize/overlays/${env}`), GITOPS);
      expect(r.status, r.stderr).toBe(0);
      const { objects } = parseManifests(r.stdout, env);
      expect(new Set(objects.map((o) => o.namespace))).toEqual(new Set([`gitops-demo-${env}`]));
      const deployment = objects.find((o) => o.kind === "Deployment")!.body as {
        spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
      };
      expect(deployment.spec.replicas).toBe(replicas);
      expect(deployment.spec.template.spec.containers[0]!.image).toBe("ghcr.io/example/gitops-demo:0.1.0");
      expect(evaluatePolicy(objects, { production: env === "prod" })).toEqual([]);
    }
  });

  it("renders what the environments promise: 1/2/3 replicas, PDB only with more than one pod", () => {
    const kinds = (env: string) => result.environments.find((e) => e.name === env)!.objects;
    expect(kinds("dev")).toBe(5); // no PodDisruptionBudget for a single pod, no Ingress; the helm test Pod left out
    expect(kinds("staging")).toBe(8); // + PodDisruptionBudget, Ingress, the credentials' SealedSecret
    expect(kinds("prod")).toBe(8);
  });

  it("ran exactly the core's argv: helm lint --strict and template with --kube-version, strict kubeconform runs (one per environment, one for Argo CD)", () => {
    const lint = result.argvs.filter((a) => a[1] === "lint");
    expect(lint).toHaveLength(3);
    expect(lint.every((a) => a.includes("--strict") && a[a.indexOf("--kube-version") + 1] === "1.36.0")).toBe(true);
    const kc = result.argvs.filter((a) => a[0] === "kubeconform");
    expect(kc).toHaveLength(4);
    for (const run of kc) {
      expect(run).toContain("-strict");
      expect(run).not.toContain("-ignore-missing-schemas");
    }
  });

  it("kubeconform's offline setup really rejects a bad object (the schemas are not silently missing)", () => {
    const dir = mkdtempSync(join(tmpdir(), "kc-"));
    writeFileSync(
      join(dir, "bad.yaml"),
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: two\n  selector: {matchLabels: {a: b}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: 'x:1'}]}}\n",
    );
    writeFileSync(join(dir, "unknown-field.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}], colour: blue}\n");
    const kc = offlineKubeconform();
    const argv = [
      "kubeconform",
      "-strict",
      "-summary",
      "-output",
      "json",
      "-kubernetes-version",
      "1.36.0",
      ...kc.locations.flatMap((l) => ["-schema-location", l]),
      ...(kc.cacheDir ? ["-cache", kc.cacheDir] : []),
      dir,
    ];
    const r = runArgv(argv, dir);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).summary).toEqual({ valid: 0, invalid: 2, errors: 0, skipped: 0 });
  });
});

describe("validate the broken fixtures with the real tools", () => {
  it("gitops-template-error: HELM-TEMPLATE naming the template, in every environment", async () => {
    const r = await validateLocally(overlay("gitops-template-error"));
    expect(r.passed).toBe(false);
    const tpl = r.findings.filter((f) => f.rule === "HELM-TEMPLATE");
    expect(tpl.map((f) => f.environment)).toEqual(["dev", "staging", "prod"]);
    expect(tpl[0]).toMatchObject({ source: "helm", file: "templates/configmap.yaml", line: 6 });
    expect(tpl[0]!.message).toMatch(/nil pointer evaluating interface \{\}\.http/);
    expect(r.environments.every((e) => !e.rendered)).toBe(true);
  });

  it("gitops-schema-violation: SCHEMA-INVALID for the ConfigMap in every environment; otherwise only the project refusing ConfigMaps", async () => {
    const r = await validateLocally(overlay("gitops-schema-violation"));
    expect(errorsOf(r).map((f) => [f.rule, f.environment, f.object])).toEqual([
      ["SCHEMA-INVALID", "dev", "ConfigMap/gitops-demo-settings"],
      ["SCHEMA-INVALID", "staging", "ConfigMap/gitops-demo-settings"],
      ["SCHEMA-INVALID", "prod", "ConfigMap/gitops-demo-settings"],
      // The AppProject does not list ConfigMap either: Argo CD would refuse it even if it were valid.
      ["ARGO-PROJECT-RESOURCES", "dev", "AppProject/argocd/gitops-demo"],
      ["ARGO-PROJECT-RESOURCES", "staging", "AppProject/argocd/gitops-demo"],
      ["ARGO-PROJECT-RESOURCES", "prod", "AppProject/argocd/gitops-demo"],
    ]);
    expect(errorsOf(r)[3]!.message).toMatch(/renders ConfigMap \(group 'core'/);
    expect(errorsOf(r)[0]!.message).toMatch(/at '\/data\/port': got number, want (null or )?string/);
    expect(r.environments[0]!.schema).toEqual({ valid: 5, invalid: 1, errors: 0, skipped: 0 });
  });

  it("gitops-policy-violation: POL-PROD-REPLICAS and POL-PROD-PDB for prod only", async () => {
    const r = await validateLocally(overlay("gitops-policy-violation"));
    expect(errorsOf(r).map((f) => [f.rule, f.environment, f.object, f.path])).toEqual([
      ["POL-PROD-REPLICAS", "prod", "Deployment/gitops-demo-prod/gitops-demo", "spec.replicas"],
      ["POL-PROD-PDB", "prod", "Deployment/gitops-demo-prod/gitops-demo", "spec.template.metadata.labels"],
    ]);
    expect(errorsOf(r)[0]).toMatchObject({ template: "templates/deployment.yaml" });
  });

  it("gitops-ingress-no-tls: exactly one finding, POL-INGRESS-TLS in prod, naming the Ingress, the field, the template and the values file", async () => {
    const r = await validateLocally(overlay("gitops-ingress-no-tls"));
    expect(r.passed).toBe(false);
    expect(r.findings.map((f) => [f.rule, f.severity, f.environment, f.object, f.path, "template" in f ? f.template : undefined])).toEqual([
      ["POL-INGRESS-TLS", "error", "prod", "Ingress/gitops-demo-prod/gitops-demo", "spec.tls", "templates/ingress.yaml"],
    ]);
    expect(r.findings[0]!.message).toMatch(/^no TLS: host gitops-demo.example.com would be served over plain HTTP/);
    expect(summarize(r)).toContain("[prod] Ingress/gitops-demo-prod/gitops-demo spec.tls POL-INGRESS-TLS no TLS");
    expect(summarize(r)).toContain("(from templates/ingress.yaml with environments/prod/values.yaml)");
    // Schema-valid and lint-clean: only the policy objects to it.
    expect(r.environments.find((e) => e.name === "prod")).toMatchObject({ lintPassed: true, rendered: true, errors: 1 });
  });

  it("gitops-project-no-ingress: ARGO-PROJECT-RESOURCES for staging and prod, naming the AppProject, its list and file", async () => {
    const r = await validateLocally(overlay("gitops-project-no-ingress"));
    expect(errorsOf(r).map((f) => [f.rule, f.environment, f.object, f.path, f.file])).toEqual([
      ["ARGO-PROJECT-RESOURCES", "staging", "AppProject/argocd/gitops-demo", "spec.namespaceResourceWhitelist", "argocd/apps/project.yaml"],
      ["ARGO-PROJECT-RESOURCES", "prod", "AppProject/argocd/gitops-demo", "spec.namespaceResourceWhitelist", "argocd/apps/project.yaml"],
    ]);
    expect(errorsOf(r)[1]!.message).toMatch(
      /renders Ingress \(group 'networking.k8s.io', e.g. Ingress\/gitops-demo-prod\/gitops-demo from templates\/ingress.yaml\)/,
    );
  });

  it("gitops-waiver: the production rules waived with a reason pass, kept as info", async () => {
    const r = await validateLocally(overlay("gitops-waiver"));
    expect(r.passed, summarize(r)).toBe(true);
    expect(r.findings.map((f) => [f.rule, f.severity, "waived" in f ? f.waived : undefined])).toEqual([
      ["POL-PROD-REPLICAS", "info", "singleton consumer until the queue supports competing readers (OPS-42)"],
      ["POL-PROD-PDB", "info", "one replica cannot have a useful disruption budget (OPS-42)"],
    ]);
  });

  it("gitops-waiver-no-reason: POL-WAIVER, and nothing is waived", async () => {
    const r = await validateLocally(overlay("gitops-waiver-no-reason"));
    expect(errorsOf(r).map((f) => f.rule)).toEqual(["POL-WAIVER", "POL-PROD-REPLICAS", "POL-PROD-PDB"]);
  });

  it("gitops-missing-path: ARGO-PATH on the staging Application", async () => {
    const r = await validateLocally(overlay("gitops-missing-path"));
    const argo = errorsOf(r).filter((f) => f.source === "argocd");
    expect(argo.map((f) => [f.rule, f.object, f.path])).toEqual([["ARGO-PATH", "Application/argocd/gitops-demo-staging", "spec.source.path"]]);
    expect(argo[0]!.message).toMatch(/'gitops\/charts\/gitops-demo-v2' does not exist/);
    expect(argo[0]!.file).toBe("argocd/apps/staging.yaml");
    expect(errorsOf(r).filter((f) => f.source !== "argocd")).toEqual([]);
  });

  it("gitops-kustomize-broken: KUSTOMIZE-BUILD naming the staging overlay and kustomize's error, nothing else", async () => {
    const r = await validateLocally(overlay("gitops-kustomize-broken"));
    expect(r.passed).toBe(false);
    expect(errorsOf(r).map((f) => [f.rule, f.environment, f.overlay, f.file])).toEqual([
      ["KUSTOMIZE-BUILD", "staging", "kustomize/overlays/staging", "kustomize/overlays/staging"],
    ]);
    expect(errorsOf(r)[0]!.message).toMatch(
      /^staging: kustomize build failed: no resource matches strategic merge patch "Deployment\.v1\.apps\/gitops-demo-worker/,
    );
    expect(r.overlays.map((o) => [o.environment, o.rendered])).toEqual([
      ["dev", true],
      ["staging", false],
      ["prod", true],
    ]);
    // The Helm side of staging is untouched.
    expect(r.environments.find((e) => e.name === "staging")).toMatchObject({ rendered: true, errors: 0 });
    expect(summarize(r)).toContain("[staging kustomize/overlays/staging] kustomize/overlays/staging KUSTOMIZE-BUILD");
  });

  it("gitops-values-not-yaml: an InputError naming the values file", async () => {
    const err = await validateLocally(overlay("gitops-values-not-yaml")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toMatch(/^environments\/dev\/values.yaml:\d+$/);
    expect((err as InputError).message).toMatch(/is not valid YAML/);
  });

  it("gitops-no-chart: an InputError saying there is nothing to validate and what to write", async () => {
    expect(readdirSync(join(FIXTURES, "gitops-no-chart"))).toEqual(["FIXTURE.md"]);
    await expect(validateLocally(join(FIXTURES, "gitops-no-chart"))).rejects.toThrow(
      /^gitops-pipeline.yaml: is missing, and the tree holds no Argo CD Application .*charts\/gitops-demo\/Chart.yaml.*write gitops-pipeline.yaml/s,
    );
  });

  it("an unknown environment: an InputError listing the known ones", async () => {
    await expect(validateLocally(GITOPS, ["qa"])).rejects.toThrow("environments: unknown environment 'qa' (gitops-pipeline.yaml declares dev, staging, prod)");
  });
});

describe("the chart's chart-testing cases and the kustomize base, with the real tools", () => {
  const kubeconform = (files: string[]) => {
    const kc = offlineKubeconform();
    return runArgv(
      kubeconformArgv({ kubernetesVersion: VERSIONS.kubernetes, locations: kc.locations, ...(kc.cacheDir ? { cacheDir: kc.cacheDir } : {}), files }),
      ROOT,
    );
  };

  for (const ci of readdirSync(join(GITOPS, "charts", "gitops-demo", "ci"))) {
    it(`ci/${ci}: lint --strict, render, schema-valid, policy-clean even as production`, () => {
      const opts = { chart: "charts/gitops-demo", values: [`charts/gitops-demo/ci/${ci}`], kubeVersion: VERSIONS.kubernetes };
      const lint = runArgv(helmLintArgv(opts), GITOPS);
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      const render = runArgv(helmTemplateArgv({ ...opts, release: "ct", namespace: "ct" }), GITOPS);
      expect(render.status, render.stderr).toBe(0);
      const out = join(mkdtempSync(join(tmpdir(), "ct-")), "rendered.yaml");
      writeFileSync(out, render.stdout);
      const kc = kubeconform([out]);
      const { objects } = parseManifests(render.stdout, out, "ct");
      expect(JSON.parse(kc.stdout).summary, kc.stdout).toEqual({ valid: objects.length, invalid: 0, errors: 0, skipped: 0 });
      const production = ci.startsWith("autoscaling");
      expect(evaluatePolicy(objects, { production })).toEqual([]);
      if (production) expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(["HorizontalPodAutoscaler", "PodDisruptionBudget"]));
    });
  }

  it("kustomize/base: every resource is schema-valid and policy-clean", () => {
    const base = join(GITOPS, "kustomize", "base");
    const files = readdirSync(base)
      .filter((f) => f !== "kustomization.yaml")
      .map((f) => join(base, f));
    expect(files.length).toBe(4);
    const kc = kubeconform(files);
    expect(JSON.parse(kc.stdout).summary, kc.stdout).toEqual({ valid: 5, invalid: 0, errors: 0, skipped: 0 });
    const objects = files.flatMap((f) => parseManifests(readFileSync(f, "utf8"), f, "gitops-demo-dev").objects);
    expect(evaluatePolicy(objects, { production: false })).toEqual([]);
  });
});
