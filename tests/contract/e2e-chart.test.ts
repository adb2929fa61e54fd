/**
 * The seam between the e2e stage and the chart: the real pinned helm renders gitops/ with the
 * e2e stage's exact helm-install arguments, and what it renders must be what the e2e probes
 * expect (the run's version, the loaded image, a Service the proxy path names, a helm test pod
 * that is not one of the app's endpoints), every values file of a layered environment applied in
 * order, and the helm test pod's pull policy under e2e's image.pullPolicy=Never.
 */
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploySteps, E2E_PATHS } from "../../dagger/src/core/e2e/script.js";
import { e2eSettings } from "../../dagger/src/core/e2e/settings.js";
import { DEFAULT_GITOPS_CONFIG, environmentLayout, GITOPS_CONFIG_FILE, parseGitopsConfig, type GitopsConfig } from "../../dagger/src/core/gitops-config.js";
import { parseManifests, type Manifest } from "../../dagger/src/core/validate/manifests.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { ROOT, runArgv } from "../helpers/tools.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface RenderOptions {
  /** The gitops tree e2e is given (default: this repo's gitops/). */
  tree?: string;
  /** Its layout (default: this repo's). */
  config?: GitopsConfig;
  /** Extra helm flags after e2e's own, as a user's values would add. */
  extra?: string[];
}

/** e2e's exact helm-install argv for `environment`, rendered by the real helm on a gitops tree. */
function render(environment: string, o: RenderOptions = {}): { objects: Manifest[]; version: string; tag: string; repo: string; values: string[] } {
  const tree = o.tree ?? join(ROOT, "gitops");
  const layout = environmentLayout(o.config ?? DEFAULT_GITOPS_CONFIG, environment);
  const s = e2eSettings({ layout, namespace: "e2e", environment, version: "1.2.3-e2e", timeout: 300, runId: "run1" });
  const install = deploySteps(s).find((st) => st.name === "helm-install")!.argv;
  // `within <budget>? helm upgrade --install REL CHART ...` → `helm template REL CHART ...` on the real tree.
  const helm = install.slice(install.indexOf("helm"));
  const args = helm
    .slice(3)
    .map((a) => a.replace(E2E_PATHS.gitops, tree))
    .filter((a, _, all) => !["--wait", "--create-namespace"].includes(a) && a !== all[all.indexOf("--timeout") + 1] && a !== "--timeout");
  const r = runArgv(["helm", "template", ...args, ...(o.extra ?? []), "--kube-version", VERSIONS.kubernetes], ROOT);
  expect(r.status, r.stderr).toBe(0);
  const values = args.flatMap((a, i) => (args[i - 1] === "--values" ? [a] : []));
  return { objects: parseManifests(r.stdout, "rendered.yaml", "e2e").objects, version: s.version, tag: s.imageTag, repo: s.imageRepository, values };
}

const deploymentOf = (objects: Manifest[]) => objects.find((o) => o.kind === "Deployment")!.body as Obj;
const testPodOf = (objects: Manifest[]) =>
  objects.find((o) => o.kind === "Pod" && (o.body as Obj).metadata.annotations?.["helm.sh/hook"] === "test")!.body as Obj;
const envOf = (container: Obj, name: string) => container.env.find((e: Obj) => e.name === name)?.value;

const matches = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe("e2e's helm-install arguments on this repo's chart (real helm)", () => {
  for (const env of ["dev", "staging", "prod"]) {
    it(`${env}: the app runs the loaded image at this run's version; the test pod is not an endpoint`, () => {
      const { objects, version, tag, repo } = render(env);
      const deployment = objects.find((o) => o.kind === "Deployment")!.body as Obj;
      const container = deployment.spec.template.spec.containers[0];
      expect(container.image).toBe(`${repo}:${tag}`);
      expect(container.imagePullPolicy).toBe("Never");
      expect(container.env.find((e: Obj) => e.name === "APP_VERSION").value).toBe(version);
      expect(container.env.find((e: Obj) => e.name === "APP_COMMIT")).toBeUndefined();

      const service = objects.find((o) => o.kind === "Service")!.body as Obj;
      expect(service.metadata.labels["app.kubernetes.io/instance"]).toBe("gitops-demo");
      expect(service.spec.ports[0]).toMatchObject({ name: "http", port: 80 });

      const testPod = testPodOf(objects);
      const podLabels = testPod.metadata.labels;
      expect(matches(service.spec.selector, podLabels)).toBe(false);
      for (const np of objects.filter((o) => o.kind === "NetworkPolicy").map((o) => o.body as Obj)) {
        const sel = np.spec.podSelector.matchLabels ?? {};
        if (Object.keys(sel).length) expect(matches(sel, podLabels), np.metadata.name).toBe(false);
      }
      const pdb = objects.find((o) => o.kind === "PodDisruptionBudget")?.body as Obj | undefined;
      if (pdb) expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(false);
    });
  }
});

describe("e2e applies every values file of a layered environment, in order (real helm)", () => {
  it("the second file's overrides reach the rendering; what only the first sets survives", () => {
    // tests/fixtures/gitops-layered-values laid over a copy of gitops/ (FIXTURE.md says what it proves).
    const tree = mkdtempSync(join(tmpdir(), "gitops-layered-"));
    try {
      cpSync(join(ROOT, "gitops"), tree, { recursive: true });
      cpSync(join(ROOT, "tests", "fixtures", "gitops-layered-values"), tree, { recursive: true });
      rmSync(join(tree, "FIXTURE.md"));
      const config = parseGitopsConfig(readFileSync(join(tree, GITOPS_CONFIG_FILE), "utf8"));
      const { objects, values } = render("dev", { tree, config });
      expect(values).toEqual([join(tree, "environments/dev/values.yaml"), join(tree, "environments/dev/overrides.yaml")]);
      const deployment = deploymentOf(objects);
      const container = deployment.spec.template.spec.containers[0];
      expect(deployment.spec.replicas).toBe(2); // overrides.yaml (dev/values.yaml says 1)
      expect(envOf(container, "LOG_LEVEL")).toBe("warning"); // overrides.yaml wins over dev/values.yaml's debug
      expect(envOf(container, "GUNICORN_WORKERS")).toBe("1"); // dev/values.yaml only (chart default 2)
      expect(objects.some((o) => o.kind === "PodDisruptionBudget")).toBe(true); // two pods now
      // e2e's own --set-string flags still win over every values file.
      expect(container.imagePullPolicy).toBe("Never");
      expect(envOf(container, "APP_VERSION")).toBe("1.2.3-e2e");
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it("without the layering (the repo's dev), the same values differ: the fixture really overrides", () => {
    const container = deploymentOf(render("dev").objects).spec.template.spec.containers[0];
    expect(envOf(container, "LOG_LEVEL")).toBe("debug");
    expect(deploymentOf(render("dev").objects).spec.replicas).toBe(1);
  });
});

describe("the helm test pod's pull policy under e2e's image.pullPolicy=Never (real helm)", () => {
  it("default test image (the app's, loaded in the node): follows image.pullPolicy, Never", () => {
    const pod = testPodOf(render("dev").objects);
    expect(pod.spec.containers[0].image).toBe("docker.io/library/gitops-demo:e2e-run1");
    expect(pod.spec.containers[0].imagePullPolicy).toBe("Never");
  });

  it("another test image: IfNotPresent, so it can be pulled", () => {
    const pod = testPodOf(
      render("dev", { extra: ["--set-string", "tests.image.repository=docker.io/library/python", "--set-string", "tests.image.tag=3.13-slim"] }).objects,
    );
    expect(pod.spec.containers[0].image).toBe("docker.io/library/python:3.13-slim");
    expect(pod.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    // The app itself still never pulls.
    expect(deploymentOf(render("dev").objects).spec.template.spec.containers[0].imagePullPolicy).toBe("Never");
  });

  it("an explicit tests.image.pullPolicy wins in both cases", () => {
    expect(testPodOf(render("dev", { extra: ["--set-string", "tests.image.pullPolicy=Always"] }).objects).spec.containers[0].imagePullPolicy).toBe("Always");
    const custom = [
      "--set-string",
      "tests.image.repository=docker.io/library/python",
      "--set-string",
      "tests.image.tag=3.13-slim",
      "--set-string",
      "tests.image.pullPolicy=Always",
    ];
    expect(testPodOf(render("dev", { extra: custom }).objects).spec.containers[0].imagePullPolicy).toBe("Always");
  });

  it("values.schema.json rejects an unknown tests.image.pullPolicy", () => {
    const r = runArgv(["helm", "template", "r", join(ROOT, "gitops", "charts", "gitops-demo"), "--set-string", "tests.image.pullPolicy=Sometimes"], ROOT);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("/tests/image/pullPolicy");
  });
});
