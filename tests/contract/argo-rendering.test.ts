/**
 * What validate judges is what Argo CD applies, with the real helm, kustomize and kubeconform
 * (offline schemas): Helm test hooks left out, other hooks kept and counted, kustomize-only trees
 * (tests/fixtures/gitops-*, each laid over a copy of gitops/).
 */
import { describe, expect, it } from "vitest";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize, validationReport } from "../../dagger/src/core/validate/validation.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { validateLocally } from "./local-validation.js";
import { ROOT } from "../helpers/tools.js";

/** A copy of gitops/ with `fixture` laid over it. */
export function overGitops(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${fixture}-`));
  cpSync(join(ROOT, "gitops"), dir, { recursive: true });
  cpSync(join(ROOT, "tests", "fixtures", fixture), dir, { recursive: true });
  rmSync(join(dir, "FIXTURE.md"));
  return dir;
}

describe("hooks (gitops-hooks: a test-success Pod breaking every rule, a pre-install hook)", () => {
  it("passes: the test Pods are left out of kubeconform and the policy, the pre-install hook is validated and counted", async () => {
    const r = await validateLocally(overGitops("gitops-hooks"));
    expect(r.findings, summarize(r)).toEqual([]);
    for (const e of r.environments) {
      expect([e.name, e.testHooksLeftOut, e.hooks], e.name).toEqual([e.name, 2, 1]);
      // kubeconform saw exactly the kept objects (the hook included), every one Valid.
      expect(e.schema, e.name).toEqual({ valid: e.objects, invalid: 0, errors: 0, skipped: 0 });
    }
    expect(summarize(r)).toContain("dev (gitops-demo-dev): lint ok, 6 objects rendered (1 hook, 2 helm test hooks left out)");
    expect(validationReport(r).summary).toMatch(
      /^validate passed: dev, staging, prod, 3 kustomize overlays, .*; 6 helm test hooks left out \(Argo CD never applies them\)$/,
    );
  });
});

describe("a kustomize-only tree (gitops-kustomize-only)", () => {
  it("renders the three overlays with the real kustomize and passes; the summary names the environments", async () => {
    const r = await validateLocally(overGitops("gitops-kustomize-only"));
    expect(r.findings, summarize(r)).toEqual([]);
    expect(r.environments).toEqual([]);
    expect(r.overlays.map((o) => [o.environment, o.rendered, o.objects > 0])).toEqual([
      ["dev", true, true],
      ["staging", true, true],
      ["prod", true, true],
    ]);
    expect(validationReport(r).summary).toMatch(/^validate passed: dev, staging, prod, 3 kustomize overlays, chart kustomize \(kustomize\)/);
    // dev's Application's kustomize settings reached its rendering, and only its.
    const read = (env: string) => parseManifests(readFileSync(join(r.renderedDir, "kustomize", `${env}.yaml`), "utf8"), env).objects;
    const deployment = (env: string) => read(env).find((o) => o.kind === "Deployment")!;
    expect(deployment("dev").name).toBe("team-gitops-demo");
    expect((deployment("dev").body.metadata as { labels: Record<string, string> }).labels.team).toBe("payments");
    expect(JSON.stringify(deployment("dev").body)).toContain("ghcr.io/example/gitops-demo:0.2.0");
    expect(deployment("staging").name).toBe("gitops-demo");
    expect(JSON.stringify(deployment("staging").body)).not.toContain("0.2.0");
  });

  it("an environment without an overlay is one KUSTOMIZE-OVERLAY finding, and validate fails", async () => {
    const dir = overGitops("gitops-kustomize-only");
    appendFileSync(join(dir, "gitops-pipeline.yaml"), "  qa: {}\n");
    // qa's Application deploys an overlay nobody wrote.
    writeFileSync(join(dir, "argocd", "apps", "qa.yaml"), readFileSync(join(dir, "argocd", "apps", "staging.yaml"), "utf8").replace(/staging/g, "qa"));
    const r = await validateLocally(dir);
    expect(r.findings.map((f) => [f.rule, f.environment, f.file])).toEqual([["KUSTOMIZE-OVERLAY", "qa", "kustomize/overlays/qa"]]);
    expect(validationReport(r).summary).toMatch(/^validate failed: dev, staging, prod, 3 kustomize overlays/);
    expect(readFileSync(join(dir, "gitops-pipeline.yaml"), "utf8")).not.toContain("chart:");
  });
});

/** A copy of a standalone fixture tree. */
function fixtureTree(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${fixture}-`));
  cpSync(join(ROOT, "tests", "fixtures", fixture), dir, { recursive: true });
  rmSync(join(dir, "FIXTURE.md"));
  return dir;
}

describe("the Applications say how the chart renders (gitops-argo-helm)", () => {
  it("renders what Argo CD renders: value files, parameters, valuesObject/values, fileParameters, release, CRDs, multi-source $values", async () => {
    const r = await validateLocally(fixtureTree("gitops-argo-helm"));
    expect(
      r.findings.filter((f) => f.severity !== "info"),
      summarize(r),
    ).toEqual([]);
    // The missing file is skipped as Argo CD does with ignoreMissingValueFiles: reported, as info.
    expect(r.findings.map((f) => [f.rule, f.severity, f.file])).toEqual([["ARGO-VALUES-FILES", "info", "argocd/dev.yaml"]]);
    const dev = r.environments.find((e) => e.name === "dev")!;
    const prod = r.environments.find((e) => e.name === "prod")!;
    expect(dev).toMatchObject({ values: ["charts/web/values.yaml", "envs/dev/values.yaml"], application: "argocd/dev.yaml", testHooksLeftOut: 1 });
    expect(prod).toMatchObject({ values: ["envs/prod/values.yaml"], application: "argocd/prod.yaml", testHooksLeftOut: 1 });
    const template = r.argvs.filter((a) => a[1] === "template");
    const devArgv = template.find((a) => a.includes("web-dev"))!;
    // No releaseName: the release is the Application's name; parameters after the files; CRDs included.
    expect(devArgv.slice(0, 4)).toEqual(["helm", "template", "web-dev", "charts/web"]);
    expect(devArgv).toEqual(
      expect.arrayContaining([
        "--set",
        "replicaCount=2",
        "--set-string",
        "message=a\\,b",
        "--set-file",
        "banner=charts/web/files/banner.txt",
        "--include-crds",
      ]),
    );
    const prodArgv = template.find((a) => a.includes("web-prod"))!;
    expect(prodArgv.slice(0, 4)).toEqual(["helm", "template", "web", "charts/web"]);
    expect(prodArgv).not.toContain("--include-crds");
  });

  it("the renderings hold what each setting put there", async () => {
    const dir = fixtureTree("gitops-argo-helm");
    const r = await validateLocally(dir);
    expect(r.passed, summarize(r)).toBe(true);
    const read = (key: string) => parseManifests(readFileSync(join(r.renderedDir, `${key}.yaml`), "utf8"), key).objects;
    const dev = read("dev");
    const cm = (objs: typeof dev) => objs.find((o) => o.kind === "ConfigMap")!.body.data as Record<string, string>;
    expect(cm(dev)).toEqual({ release: "web-dev", message: "a,b", motd: "hello from valuesObject", banner: "welcome\n" });
    expect((dev.find((o) => o.kind === "Deployment")!.body.spec as { replicas: number }).replicas).toBe(2);
    expect(dev.map((o) => o.kind)).toContain("CustomResourceDefinition");
    expect(dev.some((o) => o.name.endsWith("-test"))).toBe(false);
    const prod = read("prod");
    expect(cm(prod)).toEqual({ release: "web", message: "from-prod-file", motd: "hello from values", banner: "" });
    expect((prod.find((o) => o.kind === "Deployment")!.body.spec as { replicas: number }).replicas).toBe(3);
    expect(prod.map((o) => o.kind)).not.toContain("CustomResourceDefinition");
  });
});

describe("an app-of-apps written as a Helm chart in the Argo CD directory (gitops-app-of-apps-chart)", () => {
  const tree = () => {
    const dir = overGitops("gitops-app-of-apps-chart");
    for (const env of ["dev", "staging", "prod"]) rmSync(join(dir, "argocd", "apps", `${env}.yaml`));
    return dir;
  };

  it("is rendered with helm, not parsed as YAML; its Applications drive the environments and pass", async () => {
    const r = await validateLocally(tree());
    expect(r.findings, summarize(r)).toEqual([]);
    expect(r.environments.map((e) => [e.name, e.application])).toEqual([
      ["dev", "argocd/envs/templates/applications.yaml"],
      ["staging", "argocd/envs/templates/applications.yaml"],
      ["prod", "argocd/envs/templates/applications.yaml"],
    ]);
    // root + AppProject as files, the three rendered Applications: all valid against the Argo CD schemas.
    expect(r.argocdSchema).toEqual({ valid: 5, invalid: 0, errors: 0, skipped: 0 });
  });

  it("a finding on a rendered Application names its template", async () => {
    const dir = tree();
    const values = join(dir, "argocd", "envs", "values.yaml");
    writeFileSync(values, readFileSync(values, "utf8").replace("targetRevision: main", 'targetRevision: ""'));
    const r = await validateLocally(dir);
    // kubeconform names the chart it rendered, the Application checks the template.
    expect([...new Set(r.findings.map((f) => [f.rule, f.file].join(" ")))].sort()).toEqual([
      "ARGO-TARGET-REVISION argocd/envs/templates/applications.yaml",
      "SCHEMA-INVALID argocd/envs",
    ]);
  });
});

describe("chart dependencies (gitops-chart-deps)", () => {
  it("a vendored charts/ is used as is; a file:// dependency is fetched by helm dependency build; both render", async () => {
    const r = await validateLocally(fixtureTree("gitops-chart-deps"));
    expect(r.findings, summarize(r)).toEqual([]);
    expect(r.environments.map((e) => [e.app, e.rendered, e.objects])).toEqual([
      ["vendored", true, 1],
      ["local-dep", true, 2],
    ]);
    // Only local-dep's dependency was fetched; the vendored one was not.
    expect(r.argvs.filter((a) => a[1] === "dependency")).toEqual([["helm", "dependency", "build", "charts/local-dep"]]);
  });

  it("a dependency neither vendored nor reachable: one HELM-DEPENDENCY naming it and how to vendor it; the other app still renders", async () => {
    const dir = fixtureTree("gitops-chart-deps");
    rmSync(join(dir, "charts", "vendored", "charts"), { recursive: true });
    const r = await validateLocally(dir);
    expect(r.findings.map((f) => [f.rule, f.file, f.app, f.environment])).toEqual([["HELM-DEPENDENCY", "charts/vendored/Chart.yaml", "vendored", "dev"]]);
    expect(r.findings[0]!.message).toMatch(
      /^vendored\/dev: chart charts\/vendored depends on common 1\.0\.0 from https:\/\/charts\.example\.com, not vendored in charts\/vendored\/charts\/, and helm dependency build failed \(.+\); vendor it: run `helm dependency build charts\/vendored` where the repository is reachable and commit charts\/vendored\/charts\/ with Chart\.lock, or copy/,
    );
    expect(r.environments.map((e) => [e.app, e.rendered])).toEqual([["local-dep", true]]);
  });
});
