/**
 * The seam between the e2e stage and the chart: the real pinned helm renders gitops/ with the
 * e2e stage's exact helm-install arguments, and what it renders must be what the e2e probes
 * expect (the run's version, the loaded image, a Service the proxy path names, a helm test pod
 * that is not one of the app's endpoints).
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { deploySteps, E2E_PATHS } from "../../dagger/src/core/e2e-script.js";
import { e2eSettings } from "../../dagger/src/core/e2e-settings.js";
import { DEFAULT_GITOPS_CONFIG, environmentLayout } from "../../dagger/src/core/gitops-config.js";
import { parseManifests, type Manifest } from "../../dagger/src/core/manifests.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { ROOT, runArgv } from "../helpers/tools.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function render(environment: string): { objects: Manifest[]; version: string; tag: string; repo: string } {
  const layout = environmentLayout(DEFAULT_GITOPS_CONFIG, environment);
  const s = e2eSettings({ ...layout, namespace: "e2e", environment, version: "1.2.3-e2e", timeoutSeconds: 300, runId: "run1" });
  const install = deploySteps(s).find((st) => st.name === "helm-install")!.argv;
  // `within <budget>? helm upgrade --install REL CHART ...` → `helm template REL CHART ...` on the real tree.
  const helm = install.slice(install.indexOf("helm"));
  const args = helm
    .slice(3)
    .map((a) => a.replace(E2E_PATHS.gitops, join(ROOT, "gitops")))
    .filter((a, _, all) => !["--wait", "--create-namespace"].includes(a) && a !== all[all.indexOf("--timeout") + 1] && a !== "--timeout");
  const r = runArgv(["helm", "template", ...args, "--kube-version", VERSIONS.kubernetes], ROOT);
  expect(r.status, r.stderr).toBe(0);
  return { objects: parseManifests(r.stdout, "rendered.yaml", "e2e").objects, version: s.version, tag: s.imageTag, repo: s.imageRepository };
}

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

      const testPod = objects.find((o) => o.kind === "Pod" && (o.body as Obj).metadata.annotations?.["helm.sh/hook"] === "test")!.body as Obj;
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
