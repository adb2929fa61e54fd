import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { helmLintArgv, helmTemplateArgv, kubeconformArgv, kustomizeBuildArgv, offlineSchemas } from "../../dagger/src/core/validate/argv.js";
import { overlayRenderKey, renderKey, validationReport, type ValidationFinding } from "../../dagger/src/core/validate/validation.js";
import {
  helmContainer,
  helmExec,
  KUBECONFORM_BIN,
  KUSTOMIZE_BIN,
  kubeconformContainer,
  kustomizeContainer,
  overlayRenderContainer,
  overlayRenderOutput,
  kubeconformExec,
  kubeconformSetup,
  MOUNTS,
  renderContainer,
  renderedFile,
  renderOutput,
} from "../../dagger/src/validate/containers.js";
import { Run } from "../../dagger/src/run.js";
import { StageError } from "../../dagger/src/core/errors.js";
import { allChains, execs, plan, stepsOf, type Ref, type Step } from "../helpers/plan.js";

const gitops = () => dag.directory().withNewFile("charts/gitops-demo/Chart.yaml", "name: x");
const helmOpts = { chart: "charts/gitops-demo", values: ["environments/prod/values.yaml"], kubeVersion: VERSIONS.kubernetes };
const refOps = (r: unknown) => (r as Ref).ref.map((s) => s.op);

describe("validate stage plan", () => {
  it("helm lint runs in the pinned helm image, on the mounted tree, calling helm explicitly", () => {
    const argv = helmLintArgv(helmOpts);
    const c = helmExec(helmContainer(VERSIONS.helmImage, gitops()), argv);
    const steps = plan(c);
    expect(steps.map((s) => s.op)).toEqual(["container", "from", "withMountedDirectory", "withWorkdir", "withExec"]);
    expect(steps[1]!.args).toEqual({ address: "alpine/helm:3.21.4" });
    expect(steps[2]!.args.path).toBe(MOUNTS.gitops);
    expect(refOps(steps[2]!.args.source)).toContain("withNewFile");
    expect(steps[3]!.args).toEqual({ path: MOUNTS.gitops });
    const exec = steps[4]!.args;
    expect(exec.args).toEqual(["helm", "lint", "charts/gitops-demo", "--strict", "--kube-version", "1.36.0", "--values", "environments/prod/values.yaml"]);
    // The image's entrypoint is helm: it must not be prepended to an argv that already names helm.
    expect(exec.useEntrypoint).toBe(false);
    // A failing lint is data (findings), not a failed pipeline step.
    expect(exec.expect).toBe("ANY");
    expect(exec.redirectStdout).toBeUndefined();
  });

  it("helm template writes the rendering to a file that kubeconform reads", () => {
    const argv = helmTemplateArgv({ ...helmOpts, release: "gitops-demo", namespace: "gitops-demo-prod" });
    const c = renderContainer(VERSIONS.helmImage, gitops(), "prod", argv);
    const exec = stepsOf(c, "withExec")[0]!.args;
    expect(exec).toMatchObject({ args: argv, useEntrypoint: false, expect: "ANY", redirectStdout: renderOutput("prod") });
    expect(stepsOf(c, "from")[0]!.args.address).toBe(VERSIONS.helmImage);
    expect(renderedFile("prod")).toBe("/rendered/prod.yaml");
  });

  it("a multi-app tree's rendering key <app>/<env> becomes one flat output file per container and a subdirectory for kubeconform", () => {
    const argv = helmTemplateArgv({ ...helmOpts, values: ["apps/payments/prod/values.yaml"], release: "payments", namespace: "payments-prod" });
    const c = renderContainer(VERSIONS.helmImage, gitops(), renderKey("payments", "prod"), argv);
    expect(stepsOf(c, "withExec")[0]!.args).toMatchObject({ args: argv, redirectStdout: "/tmp/rendered-payments--prod.yaml" });
    expect(renderedFile(renderKey("payments", "prod"))).toBe("/rendered/payments/prod.yaml");
    expect(overlayRenderOutput(renderKey("payments", "prod"))).toBe("/tmp/kustomize-payments--prod.yaml");
    expect(renderedFile(overlayRenderKey(renderKey("payments", "prod")))).toBe("/rendered/kustomize/payments/prod.yaml");
    // A single-app tree keeps its keys (and artifact paths) as before.
    expect(renderKey(undefined, "prod")).toBe("prod");
    expect(renderOutput("prod")).toBe("/tmp/rendered-prod.yaml");
  });

  it("kubeconform runs /kubeconform from the pinned image with the renderings and the tree mounted (online schemas)", () => {
    const setup = kubeconformSetup({});
    expect(setup).toEqual({ locations: ["default", expect.stringContaining("https://raw.githubusercontent.com/datreeio/CRDs-catalog/")] });
    const rendered = dag.directory().withNewFile("prod.yaml", "kind: x");
    const argv = kubeconformArgv({
      binary: KUBECONFORM_BIN,
      kubernetesVersion: VERSIONS.kubernetes,
      locations: setup.locations,
      files: [renderedFile("prod"), `${MOUNTS.gitops}/argocd/root.yaml`],
    });
    const c = kubeconformExec(kubeconformContainer({ image: VERSIONS.kubeconformImage, gitops: gitops(), rendered }), argv);
    const steps = plan(c);
    expect(steps[1]!.args).toEqual({ address: "ghcr.io/yannh/kubeconform:v0.7.0-alpine" });
    expect(stepsOf(steps, "withMountedDirectory").map((s) => s.args.path)).toEqual([MOUNTS.gitops, MOUNTS.rendered]);
    const [exec] = execs(steps);
    expect(exec!.slice(0, 8)).toEqual(["/kubeconform", "-strict", "-summary", "-verbose", "-output", "json", "-kubernetes-version", "1.36.0"]);
    expect(stepsOf(steps, "withExec")[0]!.args).toMatchObject({ useEntrypoint: false, expect: "ANY" });
    expect(exec).not.toContain("-ignore-missing-schemas");
  });

  it("kustomize build runs /app/kustomize from the pinned kustomize image on the mounted tree, its rendering redirected to a file", () => {
    const argv = kustomizeBuildArgv("kustomize/overlays/prod", KUSTOMIZE_BIN);
    const c = overlayRenderContainer(VERSIONS.kustomizeImage, gitops(), "prod", argv);
    const steps = plan(c);
    expect(steps.map((s) => s.op)).toEqual(["container", "from", "withMountedDirectory", "withWorkdir", "withExec"]);
    expect(steps[1]!.args).toEqual({ address: "registry.k8s.io/kustomize/kustomize:v5.8.2" });
    expect(steps[2]!.args.path).toBe(MOUNTS.gitops);
    expect(refOps(steps[2]!.args.source)).toContain("withNewFile");
    expect(steps[3]!.args).toEqual({ path: MOUNTS.gitops });
    // The image's entrypoint is /app/kustomize: the argv names it, so the entrypoint is not prepended;
    // a failed build is data (KUSTOMIZE-BUILD), not a failed step.
    expect(steps[4]!.args).toEqual({
      args: ["/app/kustomize", "build", "kustomize/overlays/prod"],
      useEntrypoint: false,
      expect: "ANY",
      redirectStdout: "/tmp/kustomize-prod.yaml",
    });
    expect(overlayRenderOutput("prod")).toBe("/tmp/kustomize-prod.yaml");
    // kubeconform reads the overlay's rendering beside the helm ones, under kustomize/.
    expect(renderedFile(overlayRenderKey("prod"))).toBe("/rendered/kustomize/prod.yaml");
    expect(plan(kustomizeContainer("mirror.example/kustomize:v5.8.2", gitops()))[1]!.args).toEqual({ address: "mirror.example/kustomize:v5.8.2" });
  });

  it("an offline schema directory is mounted and used first; the kubernetes-validate layout gets a seeded cache", () => {
    const schemas = dag.directory().withNewFile("v1.36.0-local-strict/_definitions.json", "{}");
    const crdSchemas = dag.directory().withNewFile("argoproj.io/application_v1alpha1.json", "{}");
    const offline = offlineSchemas(["v1.36.0-local", "v1.36.0-local-strict"], MOUNTS.schemas, VERSIONS.kubernetes);
    const setup = kubeconformSetup({ offline, schemas, crdSchemas: true });
    expect(setup.locations).toEqual([
      "/schemas/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json",
      "/crd-schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json",
    ]);
    expect(setup.cacheDir).toBe(MOUNTS.cache);
    // The cache holds the definitions under the sha256 of their URL, taken from the mounted schemas.
    const cache = plan(setup.cache);
    expect(cache.map((s) => s.op)).toEqual(["directory", "withFile"]);
    expect(cache[1]!.args.path).toBe("a9027535b596dbfbbdb2af8f583a6f1dae274670326c658b6ac2894b0e937bda");
    const source = (cache[1]!.args.source as Ref).ref;
    expect(source.at(-1)).toEqual({ op: "file", args: { path: "v1.36.0-local-strict/_definitions.json" } });

    const rendered = dag.directory();
    const c = kubeconformContainer({
      image: VERSIONS.kubeconformImage,
      gitops: gitops(),
      rendered,
      schemas,
      crdSchemas,
      ...(setup.cache ? { cache: setup.cache } : {}),
    });
    const mounts = stepsOf(c, "withMountedDirectory");
    expect(mounts.map((s) => s.args.path)).toEqual([MOUNTS.gitops, MOUNTS.rendered, MOUNTS.schemas, MOUNTS.crdSchemas, MOUNTS.cache]);
    const schemaMount = mounts.find((s) => s.args.path === MOUNTS.schemas)!;
    expect(JSON.stringify(schemaMount.args.source)).toContain("v1.36.0-local-strict/_definitions.json");
    const argv = kubeconformArgv({
      binary: KUBECONFORM_BIN,
      kubernetesVersion: VERSIONS.kubernetes,
      locations: setup.locations,
      cacheDir: setup.cacheDir!,
      files: [renderedFile("dev")],
    });
    expect(argv).toContain("-cache");
    expect(argv).not.toContain("default");
    expect(allChains(plan(c)).length).toBeGreaterThan(3);
  });

  it("a standalone offline layout needs no cache", () => {
    const offline = offlineSchemas(["v1.36.0-standalone-strict"], MOUNTS.schemas, VERSIONS.kubernetes);
    const setup = kubeconformSetup({ offline, schemas: dag.directory() });
    expect(setup.cache).toBeUndefined();
    expect(setup.locations[0]).toContain("-standalone{{.StrictSuffix}}");
  });

  it("no step of any chain uses an unpinned image", () => {
    const chains: Step[][] = [
      ...allChains(plan(helmContainer(VERSIONS.helmImage, gitops()))),
      ...allChains(plan(kubeconformContainer({ image: VERSIONS.kubeconformImage, gitops: gitops(), rendered: dag.directory() }))),
      ...allChains(plan(kustomizeContainer(VERSIONS.kustomizeImage, gitops()))),
    ];
    const images = chains.flatMap((ch) => stepsOf(ch, "from").map((s) => String(s.args.address)));
    expect(images).toEqual([VERSIONS.helmImage, VERSIONS.kubeconformImage, VERSIONS.kustomizeImage]);
    for (const image of images) expect(image).toMatch(/:(v?\d+\.\d+\.\d+)(-alpine)?$/);
  });
});

describe("the validate run", () => {
  const result = (findings: ValidationFinding[]) =>
    Run.of(
      validationReport({
        kubernetesVersion: "1.36.0",
        chart: "charts/gitops-demo",
        apps: ["gitops-demo"],
        environments: [
          {
            name: "prod",
            namespace: "gitops-demo-prod",
            production: true,
            values: [],
            lintPassed: true,
            rendered: true,
            hooks: 0,
            testHooksLeftOut: 0,
            objects: 7,
            schema: { valid: 7, invalid: 0, errors: 0, skipped: 0 },
            errors: findings.length,
          },
        ],
        overlays: [
          {
            environment: "prod",
            overlay: "kustomize/overlays/prod",
            production: true,
            rendered: true,
            hooks: 0,
            testHooksLeftOut: 0,
            objects: 6,
            schema: { valid: 6, invalid: 0, errors: 0, skipped: 0 },
            errors: 0,
          },
        ],
        argocdSchema: { valid: 5, invalid: 0, errors: 0, skipped: 0 },
        findings,
        passed: findings.length === 0,
      }),
    );

  it("passes, reports and summarizes a clean run in one line, details per environment and overlay", () => {
    const run = result([]);
    expect(run.assert()).toBe(run.summary());
    expect(run.passed()).toBe(true);
    expect(run.summary()).toBe("validate passed: prod, 1 kustomize overlay, chart charts/gitops-demo, Kubernetes 1.36.0: no findings");
    expect(run.details()).toMatch(/^prod \(gitops-demo-prod, production\): lint ok, 7 objects rendered, schema 7 valid/);
    expect(run.details()).toContain(
      "prod kustomize (kustomize/overlays/prod): 6 objects rendered, schema 6 valid / 0 invalid / 0 errors / 0 skipped, 0 error findings",
    );
    expect(run.findings()).toEqual([]);
    const report = plan(run.report());
    expect(report.map((s) => s.op)).toEqual(["directory", "withNewFile", "file"]);
    expect(JSON.parse(String(report[1]!.args.contents)).passed).toBe(true);
  });

  it("assert fails with a StageError: the one-line summary names the rules, the details each finding", () => {
    const f: ValidationFinding = {
      source: "policy",
      rule: "POL-PROD-PDB",
      severity: "error",
      object: "Deployment/gitops-demo-prod/gitops-demo",
      path: "spec.template.metadata.labels",
      message: "no PodDisruptionBudget selects this workload's pods",
      environment: "prod",
    };
    const run = result([f]);
    expect(run.passed()).toBe(false);
    expect(() => run.assert()).toThrow(StageError);
    expect(() => run.assert()).toThrow(/^validate failed: prod, 1 kustomize overlay, chart charts\/gitops-demo, Kubernetes 1.36.0: 1 error \(POL-PROD-PDB\)\n/);
    expect(() => run.assert()).toThrow(
      "[prod] Deployment/gitops-demo-prod/gitops-demo spec.template.metadata.labels POL-PROD-PDB no PodDisruptionBudget selects this workload's pods (policy, error)",
    );
    expect(run.findings().map((x) => [x.rule, x.environment, x.object, x.path])).toEqual([
      ["POL-PROD-PDB", "prod", "Deployment/gitops-demo-prod/gitops-demo", "spec.template.metadata.labels"],
    ]);
  });

  it("assert names the overlay of a kustomize finding", () => {
    const f: ValidationFinding = {
      source: "kustomize",
      rule: "KUSTOMIZE-BUILD",
      severity: "error",
      file: "kustomize/overlays/prod",
      message: "prod: kustomize build failed: boom",
      environment: "prod",
      overlay: "kustomize/overlays/prod",
    };
    const run = result([f]);
    expect(() => run.assert()).toThrow(
      "[prod kustomize/overlays/prod] kustomize/overlays/prod KUSTOMIZE-BUILD prod: kustomize build failed: boom (kustomize, error)",
    );
  });
});
