import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { apiGroup, checkProjectResources, projectAllows } from "../../dagger/src/core/validate/argocd-project.js";
import { DEFAULT_GITOPS_CONFIG, type GitopsConfig } from "../../dagger/src/core/gitops-config.js";
import { parseManifests, type Manifest } from "../../dagger/src/core/validate/manifests.js";

const CONFIG: GitopsConfig = { ...DEFAULT_GITOPS_CONFIG, environments: { prod: DEFAULT_GITOPS_CONFIG.environments.prod! } };

const APP = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: gitops-demo-prod, namespace: argocd}
spec: {project: gitops-demo, destination: {namespace: gitops-demo-prod}}
`;

/** An AppProject with `spec` (YAML flow text), as the tree's project.yaml. */
function project(spec: string): Manifest {
  return parseManifests(
    `apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: gitops-demo, namespace: argocd}\nspec: ${spec}\n`,
    "argocd/apps/project.yaml",
  ).objects[0]!;
}

function obj(apiVersion: string, kind: string, source = `templates/${kind.toLowerCase()}.yaml`): Manifest {
  return {
    apiVersion,
    kind,
    name: "gitops-demo",
    namespace: "gitops-demo-prod",
    source,
    doc: 0,
    body: { apiVersion, kind, metadata: { name: "gitops-demo" } },
  };
}

const CHART = [obj("v1", "Service"), obj("apps/v1", "Deployment"), obj("networking.k8s.io/v1", "NetworkPolicy")];
const WHITELIST =
  "{namespaceResourceWhitelist: [{group: '', kind: Service}, {group: apps, kind: Deployment}, {group: networking.k8s.io, kind: NetworkPolicy}]}";

function check(spec: string, rendered: Manifest[]) {
  const argo = [project(spec), ...parseManifests(APP, "argocd/apps/prod.yaml").objects];
  return checkProjectResources({ argo, config: CONFIG, rendered: new Map([["prod", rendered]]) });
}

describe("ARGO-PROJECT-RESOURCES: the AppProject admits every kind the environment renders", () => {
  it("a whitelist naming every rendered kind passes", () => {
    expect(check(WHITELIST, CHART)).toEqual([]);
  });

  it("an Ingress the whitelist lacks: one finding naming the AppProject, the list, the environment, the kind and its template", () => {
    const f = check(WHITELIST, [...CHART, obj("networking.k8s.io/v1", "Ingress"), obj("networking.k8s.io/v1", "Ingress")]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      rule: "ARGO-PROJECT-RESOURCES",
      severity: "error",
      object: "AppProject/argocd/gitops-demo",
      path: "spec.namespaceResourceWhitelist",
      file: "argocd/apps/project.yaml",
      environment: "prod",
    });
    expect(f[0]!.message).toMatch(
      /environment prod renders Ingress \(group 'networking.k8s.io', e.g. Ingress\/gitops-demo-prod\/gitops-demo from templates\/ingress.yaml\).*refuse to sync gitops-demo-prod/,
    );
  });

  it("no namespaced whitelist allows every namespaced kind; a blacklist still refuses", () => {
    expect(check("{}", [...CHART, obj("monitoring.coreos.com/v1", "ServiceMonitor")])).toEqual([]);
    const f = check("{namespaceResourceBlacklist: [{group: monitoring.coreos.com, kind: '*'}]}", [...CHART, obj("monitoring.coreos.com/v1", "ServiceMonitor")]);
    expect(f.map((x) => x.path)).toEqual(["spec.namespaceResourceBlacklist"]);
  });

  it("cluster-scoped kinds need the cluster whitelist, which is empty unless set", () => {
    expect(check(WHITELIST, [...CHART, obj("rbac.authorization.k8s.io/v1", "ClusterRole")]).map((x) => x.path)).toEqual(["spec.clusterResourceWhitelist"]);
    expect(
      check(`{clusterResourceWhitelist: [{group: '*', kind: '*'}], namespaceResourceWhitelist: [{group: '*', kind: '*'}]}`, [
        ...CHART,
        obj("rbac.authorization.k8s.io/v1", "ClusterRole"),
      ]),
    ).toEqual([]);
  });

  it("the default project (not in the tree) and a missing Application are left to the other checks", () => {
    const argo = [...parseManifests(APP.replace("project: gitops-demo", "project: default"), "argocd/apps/prod.yaml").objects];
    expect(checkProjectResources({ argo, config: CONFIG, rendered: new Map([["prod", CHART]]) })).toEqual([]);
    expect(checkProjectResources({ argo: [project("{}")], config: CONFIG, rendered: new Map([["prod", CHART]]) })).toEqual([]);
  });

  it("api groups: core is empty, others are the part before the slash", () => {
    expect([apiGroup("v1"), apiGroup("apps/v1"), apiGroup("monitoring.coreos.com/v1")]).toEqual(["", "apps", "monitoring.coreos.com"]);
  });

  it("globs: for any group and kind, `*` entries match, exact entries match only themselves", () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9.]{0,12}$/);
    const kind = fc.stringMatching(/^X[A-Za-z]{0,12}$/); // never a built-in cluster-scoped kind
    fc.assert(
      fc.property(word, kind, word, kind, (g, k, og, ok) => {
        expect(projectAllows(project(`{namespaceResourceWhitelist: [{group: '*', kind: '*'}]}`), g, k).allowed).toBe(true);
        expect(projectAllows(project(`{namespaceResourceWhitelist: [{group: '${g}', kind: '*'}]}`), g, k).allowed).toBe(true);
        expect(projectAllows(project(`{namespaceResourceWhitelist: [{group: '${og}', kind: '${ok}'}]}`), g, k).allowed).toBe(og === g && ok === k);
      }),
      { numRuns: 200 },
    );
  });
});
