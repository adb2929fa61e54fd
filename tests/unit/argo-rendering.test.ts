/**
 * What validate judges is what Argo CD applies: Helm test hooks left out (and said so), other
 * hooks kept and marked, an empty rendering a finding; kustomize-only trees render their
 * overlays, fail for an environment without one, and never summarise an empty environment list.
 */
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { argoRendering, isHelmTestHook, renderingText } from "../../dagger/src/core/validate/hooks.js";
import { runValidation, summarize, validationReport } from "../../dagger/src/core/validate/validation.js";
import { parsePipelineConfig } from "../../dagger/src/core/gitops-config.js";
import { application, fakeValidationPort, ONE_OBJECT } from "../helpers/fake-validation.js";

const OPTS = { kubernetesVersion: "1.36.0", kubeconform: { binary: "/kubeconform", locations: ["default"] } };

const pod = (name: string, hook?: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n${hook ? `  annotations:\n    "helm.sh/hook": ${hook}\n` : ""}spec:\n  containers: [{name: c, image: "busybox:1.36"}]\n`;
const job = (name: string, hook: string, key = "helm.sh/hook") =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\n  annotations:\n    "${key}": ${hook}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: "busybox:1.36"}]\n`;
const stream = (...docs: string[]) => docs.map((d, i) => `---\n# Source: chart/templates/t${i}.yaml\n${d}`).join("");

describe("hooks, as Argo CD treats them", () => {
  it("test, test-success and test-failure hooks are left out; a hook that is also something else stays", () => {
    const { objects } = parseManifests(
      stream(pod("t1", "test"), pod("t2", "test-success"), pod("t3", "test-failure"), pod("t4", '"test,pre-install"'), ONE_OBJECT),
      "r.yaml",
    );
    expect(objects.map((o) => isHelmTestHook(o))).toEqual([true, true, true, false, false]);
    const r = argoRendering(objects);
    expect(r.leftOut.map((o) => o.name)).toEqual(["t1", "t2", "t3"]);
    expect(r.objects.map((o) => o.name)).toEqual(["t4", "app"]);
    expect(r.hooks).toBe(1);
  });

  it("other hooks (Helm's and Argo CD's) are kept and marked with their types; ordinary objects are not", () => {
    const { objects } = parseManifests(
      stream(job("migrate", '"pre-install,pre-upgrade"'), job("smoke", "PostSync", "argocd.argoproj.io/hook"), ONE_OBJECT),
      "r.yaml",
    );
    expect(objects.map((o) => o.hook)).toEqual([["pre-install", "pre-upgrade"], ["postsync"], undefined]);
  });

  it("the kept objects re-serialise to a stream that parses back to the same objects and templates", () => {
    const { objects } = parseManifests(stream(job("migrate", "pre-install"), ONE_OBJECT), "r.yaml");
    const again = parseManifests(renderingText(objects, "chart"), "r.yaml").objects;
    expect(again.map((o) => [o.kind, o.name, o.source, o.body])).toEqual(objects.map((o) => [o.kind, o.name, o.source, o.body]));
  });
});

const CHART = {
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
  "charts/web/values.yaml": "{}\n",
  "envs/dev.yaml": "{}\n",
  "argocd/dev.yaml": application("web-dev", "charts/web", "web-dev", "    helm:\n      releaseName: web\n      valueFiles: [../../envs/dev.yaml]\n"),
};
const SINGLE = 'repoPath: ""\nchart: charts/web\nrelease: web\nenvironments:\n  dev: {values: [envs/dev.yaml], namespace: web-dev}\n';

describe("the validation flow judges what Argo CD applies", () => {
  it("a chart's test hooks are left out of kubeconform's and the policy's input, and the summary says so", async () => {
    const port = fakeValidationPort(
      { ...CHART, "gitops-pipeline.yaml": SINGLE },
      { render: () => stream(pod("web-test", "test-success"), pod("web-test2", "test"), ONE_OBJECT) },
    );
    const r = await runValidation(port, OPTS);
    expect(r.environments[0]).toMatchObject({ name: "dev", objects: 1, hooks: 0, testHooksLeftOut: 2 });
    // kubeconform reads the kept rendering: the test Pods are not in it.
    expect(port.kept.get("dev")).toBeDefined();
    expect(parseManifests(port.kept.get("dev")!, "k").objects.map((o) => o.name)).toEqual(["app"]);
    // No policy finding about the test Pods (they have no probes, no securityContext...).
    expect(r.findings.filter((f) => f.object?.includes("web-test"))).toEqual([]);
    expect(summarize(r)).toContain("dev (web-dev): lint ok, 1 objects rendered (2 helm test hooks left out)");
    expect(validationReport(r).summary).toMatch(/; 2 helm test hooks left out \(Argo CD never applies them\)$/);
  });

  it("a rendering with nothing but test hooks is RENDER-EMPTY, never a pass", async () => {
    const port = fakeValidationPort({ ...CHART, "gitops-pipeline.yaml": SINGLE }, { render: () => stream(pod("web-test", "test")) });
    const r = await runValidation(port, OPTS);
    expect(r.passed).toBe(false);
    expect(r.findings.map((f) => [f.rule, f.environment, f.file])).toEqual([["RENDER-EMPTY", "dev", "charts/web"]]);
    expect(r.findings[0]!.message).toMatch(/^dev: helm template of charts\/web rendered no object \(only 1 helm test hook, which Argo CD never applies\)/);
  });

  it("a rendering without test hooks is given to kubeconform as helm wrote it (nothing replaced)", async () => {
    const port = fakeValidationPort({ ...CHART, "gitops-pipeline.yaml": SINGLE });
    await runValidation(port, OPTS);
    expect(port.kept.size).toBe(0);
  });
});

const BASE = {
  "k/base/kustomization.yaml": "resources: [sa.yaml]\n",
  "k/base/sa.yaml": ONE_OBJECT,
  "k/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
  "k/overlays/prod/kustomization.yaml": "resources: [../../base]\n",
  "argocd/apps.yaml": ["dev", "prod"].map((e) => application(`web-${e}`, `k/overlays/${e}`, `web-${e}`)).join(""),
};

describe("kustomize-only apps", () => {
  it("the single-app form with only kustomize: no default chart, no doubled path in errors", () => {
    const p = parsePipelineConfig("kustomize: k\nenvironments:\n  dev: {}\n");
    expect(p.apps[0]!.chart).toBeUndefined();
    expect(p.apps[0]!.kustomize).toBe("k");
    // Naming neither keeps the default chart (this repository's layout).
    expect(parsePipelineConfig("environments:\n  dev: {values: [a.yaml]}\n").apps[0]!.chart).toBe("charts/gitops-demo");
    // A chart environment without values files of its own renders with the chart's values.yaml (and its Application's values).
    expect(parsePipelineConfig("chart: c\nenvironments:\n  dev: {}\n").apps[0]!.environments.dev!.values).toEqual([]);
  });

  it("renders every overlay; the summary lists the environments (never an empty set)", async () => {
    const port = fakeValidationPort({ ...BASE, "gitops-pipeline.yaml": 'repoPath: ""\nkustomize: k\nrelease: web\nenvironments:\n  dev: {}\n  prod: {}\n' });
    const r = await runValidation(port, OPTS);
    expect(r.findings).toEqual([]);
    expect(r.environments).toEqual([]);
    expect(r.overlays.map((o) => o.environment)).toEqual(["dev", "prod"]);
    expect(validationReport(r).summary).toMatch(/^validate passed: dev, prod, 2 kustomize overlays, chart k \(kustomize\)/);
  });

  it("an environment without an overlay is KUSTOMIZE-OVERLAY naming the missing directory; with no overlay at all, validate fails", async () => {
    const files = {
      ...BASE,
      "argocd/qa.yaml": application("web-qa", "k/overlays/qa", "web-qa"),
      "gitops-pipeline.yaml": 'repoPath: ""\nkustomize: k\nrelease: web\nenvironments:\n  dev: {}\n  qa: {}\n',
    };
    // One cause, one finding: the Application's path to the missing overlay is not reported again.
    const r = await runValidation(fakeValidationPort(files), OPTS);
    expect(r.findings.map((f) => [f.rule, f.environment, f.file])).toEqual([["KUSTOMIZE-OVERLAY", "qa", "k/overlays/qa"]]);
    const none = await runValidation(
      fakeValidationPort({
        "k/base/kustomization.yaml": "resources: []\n",
        "argocd/apps.yaml": BASE["argocd/apps.yaml"],
        "gitops-pipeline.yaml": 'repoPath: ""\nkustomize: k\nrelease: web\nenvironments:\n  dev: {}\n',
      }),
      OPTS,
    );
    expect(none.passed).toBe(false);
    expect(validationReport(none).summary).toMatch(/^validate failed: no environment rendered, chart k \(kustomize\)/);
  });

  it("in the apps: form, the finding names the app", async () => {
    const files = {
      ...BASE,
      "argocd/qa.yaml": application("web-qa", "k/overlays/qa", "web-qa"),
      "gitops-pipeline.yaml": 'repoPath: ""\napps:\n  - name: web\n    kustomize: k\n    environments:\n      qa: {}\n      dev: {}\n',
    };
    const r = await runValidation(fakeValidationPort(files), OPTS);
    expect(r.findings.map((f) => [f.rule, f.app, f.environment])).toEqual([["KUSTOMIZE-OVERLAY", "web", "qa"]]);
    expect(r.findings[0]!.message).toMatch(/^app web: qa: the app has no chart and k\/overlays\/qa\/ holds no kustomization.yaml/);
  });
});
