/**
 * A tree without gitops-pipeline.yaml: the layout its Argo CD Applications describe (files,
 * app-of-apps charts), the Applications that cannot be rendered from the tree and why, and the
 * errors that say what to write when nothing can be discovered.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GitopsTree } from "../../dagger/src/core/validate/argocd.js";
import { discoverPipeline, findArgoDirectory, inferRepoPath } from "../../dagger/src/core/validate/discover.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { runValidation, validationReport } from "../../dagger/src/core/validate/validation.js";
import { application, fakeValidationPort } from "../helpers/fake-validation.js";

const OPTS = { kubernetesVersion: "1.36.0", kubeconform: { binary: "/kubeconform", locations: ["default"] } };
const CHART = "apiVersion: v2\nname: web\nversion: 1.0.0\n";
const helmValues = (files: string[]) => `    helm:\n      valueFiles: [${files.join(", ")}]\n`;

/** A team's tree: an unforked chart, its values per environment, one Application per environment. */
const teamTree = (): Record<string, string> => ({
  "charts/web/Chart.yaml": CHART,
  "charts/web/values.yaml": "image: {tag: '1'}\n",
  "charts/web/templates/deployment.yaml": "kind: Deployment\n",
  "envs/dev/values.yaml": "replicas: 1\n",
  "envs/prod/values.yaml": "replicas: 3\n",
  "deploy/argocd/web-dev.yaml": application("web-dev", "team/charts/web", "web-dev", helmValues(["values.yaml", "../../envs/dev/values.yaml"])),
  "deploy/argocd/web-prod.yaml": application("web-prod", "team/charts/web", "web-prod", helmValues(["../../envs/prod/values.yaml"])),
  "kustomize/api/kustomization.yaml": "resources: [deploy.yaml]\n",
  "kustomize/api/deploy.yaml": "kind: Deployment\n",
  "deploy/argocd/api.yaml": application("api", "team/kustomize/api", "api"),
  "deploy/argocd/remote.yaml": application("remote", "elsewhere/app", "remote"),
});

const objectsOf = (files: Record<string, string>, dir: string) =>
  Object.entries(files)
    .filter(([p]) => p.startsWith(`${dir}/`))
    .flatMap(([p, t]) => parseManifests(t, p).objects);

describe("discovering the layout from Argo CD Applications", () => {
  it("finds the Applications' directory, the repository path, every app and its environments", async () => {
    const files = teamTree();
    const tree = new GitopsTree(Object.keys(files));
    expect(await findArgoDirectory(tree, async (p) => files[p]!)).toBe("deploy/argocd");
    const d = discoverPipeline(tree, "deploy/argocd", objectsOf(files, "deploy/argocd"));
    expect(d.pipeline.repoPath).toBe("team");
    expect(d.apps).toEqual([
      { name: "web", dir: "charts/web", environments: ["dev", "prod"] },
      { name: "api", dir: "kustomize/api", environments: ["default"] },
    ]);
    const web = d.pipeline.apps.find((a) => a.name === "web")!;
    expect(web.chart).toBe("charts/web");
    // The chart's own values.yaml is left to helm, never declared as the environment's.
    expect(web.environments.dev).toMatchObject({ values: ["envs/dev/values.yaml"], namespace: "web-dev", application: "web-dev", production: false });
    expect(web.environments.prod).toMatchObject({ values: ["envs/prod/values.yaml"], production: true });
    expect(web.environments.dev!.sync).toEqual({ automated: true, prune: true, selfHeal: true, createNamespace: true });
    const api = d.pipeline.apps.find((a) => a.name === "api")!;
    expect(api).toMatchObject({ kustomize: "kustomize/api", writeBack: { format: "kustomize" } });
    expect(d.skipped).toEqual([{ application: "remote", why: "its path elsewhere/app is not a directory of this tree" }]);
    expect(d.text).toContain("apps:");
  });

  it("a chart whose templates render Applications is the Argo CD directory (app of apps)", async () => {
    const files = {
      "apps/Chart.yaml": CHART,
      "apps/templates/apps.yaml": "{{- range .Values.apps }}\napiVersion: argoproj.io/v1alpha1\nkind: Application\n{{- end }}\n",
      "guestbook/Chart.yaml": CHART,
    };
    expect(await findArgoDirectory(new GitopsTree(Object.keys(files)), async (p) => files[p as keyof typeof files])).toBe("apps");
  });

  it("no Application deploying anything of the tree is an error saying what to write", () => {
    const files = { "argocd/remote.yaml": application("remote", "elsewhere/app", "remote") };
    expect(() => discoverPipeline(new GitopsTree(Object.keys(files)), "argocd", objectsOf(files, "argocd"))).toThrow(
      /gitops-pipeline.yaml: is missing and no Argo CD Application in argocd deploys a chart or kustomization of this tree \(remote: its path elsewhere\/app is not a directory of this tree\).*write gitops-pipeline.yaml/s,
    );
  });

  it("the repository path maps every Application path onto the tree, whatever prefix the repository adds", () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 3 }), fc.array(seg, { minLength: 1, maxLength: 3 }), (prefix, dir) => {
        const tree = new GitopsTree([`${dir.join("/")}/Chart.yaml`]);
        expect(inferRepoPath(tree, [[...prefix, ...dir].join("/")])).toBe(prefix.join("/"));
      }),
    );
  });
});

describe("validate without gitops-pipeline.yaml", () => {
  it("validates the discovered apps and says so in an info finding holding the file to commit", async () => {
    const port = fakeValidationPort(teamTree());
    const r = await runValidation(port, OPTS);
    expect(r.apps).toEqual(["web", "api"]);
    expect(r.environments.map((e) => `${e.app}/${e.name}`)).toEqual(["web/dev", "web/prod"]);
    expect(r.overlays.map((o) => `${o.app}/${o.environment}`)).toEqual(["api/default"]);
    const info = r.findings.find((f) => f.rule === "GITOPS-DISCOVERED")!;
    expect(info.severity).toBe("info");
    expect(info.message).toContain("web (charts/web: dev, prod)");
    expect(info.hint).toContain("commit this as gitops-pipeline.yaml");
    // The details a team reads show what was discovered and the file to commit, not only the report.
    const details = validationReport(r).details;
    expect(details).toContain("no gitops-pipeline.yaml: the layout was discovered from the Argo CD Applications: web (charts/web: dev, prod)");
    expect(details).toContain("\n  repoPath: team\n");
    // The rendering follows the Application (its value file), as with a written gitops-pipeline.yaml.
    expect(port.calls.find((a) => a[1] === "template")).toEqual(expect.arrayContaining(["envs/dev/values.yaml"]));
  });

  it("a directory with no Application and no sample layout is an error naming what to write", async () => {
    await expect(runValidation(fakeValidationPort({ "README.md": "x" }), OPTS)).rejects.toThrow(
      /^gitops-pipeline.yaml: is missing, and the tree holds no Argo CD Application/,
    );
  });
});

describe("the discovered sync is the one the Argo CD checks read", () => {
  it("automated.enabled: false is manual sync, as ARGO-SYNC-POLICY reads it", async () => {
    const manual = application("web-dev", "team/charts/web", "web-dev", helmValues(["../../envs/dev/values.yaml"])).replace(
      /syncPolicy:[\s\S]*$/,
      "syncPolicy:\n    automated:\n      enabled: false\n      prune: true\n    syncOptions: [CreateNamespace=true]\n",
    );
    const files: Record<string, string> = { ...teamTree(), "deploy/argocd/web-dev.yaml": manual };
    delete files["deploy/argocd/web-prod.yaml"];
    const tree = new GitopsTree(Object.keys(files));
    const d = discoverPipeline(tree, "deploy/argocd", objectsOf(files, "deploy/argocd"));
    expect(d.pipeline.apps.find((a) => a.name === "web")!.environments.dev!.sync).toMatchObject({ automated: false, createNamespace: true });
  });
});
