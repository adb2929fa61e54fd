import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { posix } from "node:path";
import {
  checkApplications,
  checkEnvironments,
  GitopsTree,
  readArgoObjects,
  treePath,
  ARGOCD_RULES,
  PSA_ENFORCE_LABEL,
} from "../../dagger/src/core/validate/argocd.js";
import { DEFAULT_GITOPS_CONFIG, type GitopsConfig } from "../../dagger/src/core/gitops-config.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";

const TREE = new GitopsTree([
  "charts/gitops-demo/Chart.yaml",
  "charts/gitops-demo/values.yaml",
  "charts/gitops-demo/templates/deployment.yaml",
  "environments/dev/values.yaml",
  "argocd/apps/dev.yaml",
  "argocd/apps/project.yaml",
  "kustomize/overlays/dev/kustomization.yaml",
]);

const CONFIG: GitopsConfig = { ...DEFAULT_GITOPS_CONFIG, environments: { dev: DEFAULT_GITOPS_CONFIG.environments.dev! } };

const PROJECT = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: gitops-demo, namespace: argocd}
spec: {sourceRepos: ["*"]}
`;

/** A dev Application that passes every check, with `patch` applied to its YAML text. */
function app(patch: (yaml: string) => string = (y) => y): string {
  return patch(`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: gitops-demo-dev, namespace: argocd}
spec:
  project: gitops-demo
  source:
    repoURL: https://github.com/example/gitops-pipeline.git
    targetRevision: main
    path: gitops/charts/gitops-demo
    helm:
      valueFiles: [../../environments/dev/values.yaml]
  destination: {server: https://kubernetes.default.svc, namespace: gitops-demo-dev}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`);
}

function check(appYaml: string, opts: { tree?: GitopsTree; config?: GitopsConfig; project?: string } = {}) {
  const objects = [...parseManifests(opts.project ?? PROJECT, "argocd/apps/project.yaml").objects, ...parseManifests(appYaml, "argocd/apps/dev.yaml").objects];
  const config = opts.config ?? CONFIG;
  return [
    ...checkApplications({ objects, tree: opts.tree ?? TREE, repoPath: config.repoPath }),
    ...checkEnvironments({ objects, config, environments: ["dev"] }),
  ];
}

const rules = (fs: ReturnType<typeof check>) => fs.map((f) => `${f.rule} ${f.path ?? ""}`.trim());

describe("Argo CD checks", () => {
  it("a correct Application and AppProject pass", () => {
    expect(check(app())).toEqual([]);
  });

  it("ARGO-PATH: a path that does not exist in the tree", () => {
    const f = check(app((y) => y.replace("path: gitops/charts/gitops-demo", "path: gitops/charts/old-name")));
    expect(rules(f)).toContain("ARGO-PATH spec.source.path");
    expect(f.find((x) => x.rule === "ARGO-PATH")).toMatchObject({
      source: "argocd",
      severity: "error",
      object: "Application/argocd/gitops-demo-dev",
      file: "argocd/apps/dev.yaml",
    });
    expect(f.find((x) => x.rule === "ARGO-PATH")!.message).toMatch(/'gitops\/charts\/old-name' does not exist/);
  });

  it("ARGO-PATH: outside the gitops tree, or a Helm source without Chart.yaml", () => {
    expect(check(app((y) => y.replace("path: gitops/charts/gitops-demo", "path: app"))).find((x) => x.rule === "ARGO-PATH")!.message).toMatch(
      /outside the gitops tree/,
    );
    const noChart = check(app((y) => y.replace("path: gitops/charts/gitops-demo", "path: gitops/environments/dev")));
    expect(noChart.find((x) => x.rule === "ARGO-PATH")!.message).toMatch(/no Chart.yaml/);
  });

  it("ARGO-VALUES-FILES: a values file that does not exist (and the environment mismatch it causes)", () => {
    const f = check(app((y) => y.replace("environments/dev/values.yaml]", "environments/qa/values.yaml]")));
    expect(rules(f)).toEqual(["ARGO-VALUES-FILES spec.source.helm.valueFiles[0]", "ARGO-ENVIRONMENT spec.source.helm.valueFiles"]);
    expect(f[0]!.message).toMatch(/gitops\/environments\/qa\/values.yaml\) does not exist/);
  });

  it("ARGO-VALUES-FILES: multi-source $ref values resolve against the repository root", () => {
    const multi = app((y) =>
      y.replace(
        /  source:\n[\s\S]*?valueFiles: \[\.\.\/\.\.\/environments\/dev\/values.yaml\]\n/,
        `  sources:
    - repoURL: https://github.com/example/gitops-pipeline.git
      targetRevision: main
      path: gitops/charts/gitops-demo
      helm:
        valueFiles: [$values/gitops/environments/dev/values.yaml]
    - repoURL: https://github.com/example/gitops-pipeline.git
      targetRevision: main
      ref: values
`,
      ),
    );
    expect(check(multi)).toEqual([]);
    const missingRef = check(multi.replace("ref: values", "ref: other"));
    expect(rules(missingRef)).toContain("ARGO-VALUES-FILES spec.sources[0].helm.valueFiles[0]");
  });

  it("ARGO-REPO-URL and ARGO-TARGET-REVISION must be set", () => {
    const f = check(
      app((y) => y.replace("repoURL: https://github.com/example/gitops-pipeline.git", 'repoURL: "  "').replace("targetRevision: main", 'targetRevision: ""')),
    );
    expect(rules(f)).toEqual(["ARGO-REPO-URL spec.source.repoURL", "ARGO-TARGET-REVISION spec.source.targetRevision"]);
  });

  it("ARGO-SYNC-POLICY: automated, prune, selfHeal and CreateNamespace as declared", () => {
    expect(rules(check(app((y) => y.replace("automated: {prune: true, selfHeal: true}", "automated: {prune: true}"))))).toEqual([
      "ARGO-SYNC-POLICY spec.syncPolicy.automated.selfHeal",
    ]);
    expect(rules(check(app((y) => y.replace("    automated: {prune: true, selfHeal: true}\n", ""))))).toEqual(["ARGO-SYNC-POLICY spec.syncPolicy.automated"]);
    expect(rules(check(app((y) => y.replace("syncOptions: [CreateNamespace=true]", "syncOptions: []"))))).toEqual([
      "ARGO-SYNC-POLICY spec.syncPolicy.syncOptions",
    ]);
    // An environment declared manual must not be automated.
    const manual: GitopsConfig = {
      ...CONFIG,
      environments: { dev: { ...CONFIG.environments.dev!, sync: { automated: false, prune: false, selfHeal: false, createNamespace: true } } },
    };
    expect(rules(check(app(), { config: manual }))).toEqual(["ARGO-SYNC-POLICY spec.syncPolicy.automated"]);
  });

  it("ARGO-ENVIRONMENT: the environment's Application must exist and deploy to its namespace", () => {
    const f = check(app((y) => y.replace("name: gitops-demo-dev,", "name: something-else,")));
    expect(f).toEqual([
      expect.objectContaining({
        rule: "ARGO-ENVIRONMENT",
        object: "Application/gitops-demo-dev",
        message: expect.stringMatching(/no Application named 'gitops-demo-dev'/),
      }),
    ]);
    expect(rules(check(app((y) => y.replace("namespace: gitops-demo-dev}", "namespace: default}"))))).toEqual(["ARGO-ENVIRONMENT spec.destination.namespace"]);
  });

  it("ARGO-ENVIRONMENT: the chart's own values.yaml, listed by the Application or not, is no mismatch (helm applies it first anyway)", () => {
    const listed = app((y) => y.replace("valueFiles: [../../environments/dev/values.yaml]", "valueFiles: [values.yaml, ../../environments/dev/values.yaml]"));
    expect(check(listed)).toEqual([]);
    const declared: GitopsConfig = {
      ...CONFIG,
      environments: { dev: { ...CONFIG.environments.dev!, values: ["charts/gitops-demo/values.yaml", "environments/dev/values.yaml"] } },
    };
    expect(check(app(), { config: declared })).toEqual([]);
    // A real difference is one finding on the Application's file, naming both lists and gitops-pipeline.yaml.
    const other = check(app((y) => y.replace("valueFiles: [../../environments/dev/values.yaml]", "valueFiles: [values.yaml]")));
    expect(other).toEqual([expect.objectContaining({ rule: "ARGO-ENVIRONMENT", file: "argocd/apps/dev.yaml", path: "spec.source.helm.valueFiles" })]);
    expect(other[0]!.message).toBe(
      "Argo CD renders with [] but environment dev declares [environments/dev/values.yaml] in gitops-pipeline.yaml; make the two lists the same (the chart's own values.yaml is applied first either way)",
    );
  });

  it("ARGO-ENVIRONMENT: a finding on an Application names its file, not a `# Source:` header it carries", async () => {
    const files: Record<string, string> = {
      "argocd/apps/dev.yaml": `---\n# Source: apps/templates/dev.yaml\n${app((y) => y.replace("namespace: gitops-demo-dev}", "namespace: default}"))}`,
      "argocd/apps/project.yaml": PROJECT,
    };
    const { objects } = await readArgoObjects(async (p) => files[p]!, new GitopsTree(Object.keys(files)), "argocd");
    const f = checkEnvironments({ objects, config: CONFIG, environments: ["dev"] });
    expect(f.map((x) => [x.rule, x.file])).toEqual([["ARGO-ENVIRONMENT", "argocd/apps/dev.yaml"]]);
  });

  it("ARGO-PROJECT: the project must be default or an AppProject of the tree", () => {
    expect(rules(check(app((y) => y.replace("project: gitops-demo", "project: nope"))))).toEqual(["ARGO-PROJECT spec.project"]);
    expect(check(app((y) => y.replace("project: gitops-demo", "project: default")))).toEqual([]);
  });

  it("ARGO-ENVIRONMENT: an Application with only valuesObject agrees with an environment that declares no values file", () => {
    const onlyObject = app((y) => y.replace("valueFiles: [../../environments/dev/values.yaml]", "valuesObject: {replicaCount: 2}"));
    const config: GitopsConfig = { ...CONFIG, environments: { dev: { ...CONFIG.environments.dev!, values: [] } } };
    expect(check(onlyObject, { config })).toEqual([]);
    // Declaring only the chart's own values.yaml is the same list: helm applies it first either way.
    const chartOnly: GitopsConfig = { ...CONFIG, environments: { dev: { ...CONFIG.environments.dev!, values: ["charts/gitops-demo/values.yaml"] } } };
    expect(check(onlyObject, { config: chartOnly })).toEqual([]);
    // A values file declared but not in the Application is still the one finding.
    expect(rules(check(onlyObject))).toEqual(["ARGO-ENVIRONMENT spec.source.helm.valueFiles"]);
  });

  it("ARGO-ENVIRONMENT: an Application's helm.releaseName that differs from the config's release is a warning naming both", () => {
    const named = (n: string) => app((y) => y.replace("      valueFiles:", `      releaseName: ${n}\n      valueFiles:`));
    expect(check(named("gitops-demo"))).toEqual([]);
    const f = check(named("web"));
    expect(f).toEqual([expect.objectContaining({ rule: "ARGO-ENVIRONMENT", severity: "warning", path: "spec.source.helm.releaseName" })]);
    expect(f[0]!.message).toMatch(/as release 'web' but gitops-pipeline.yaml says release: gitops-demo/);
    // No releaseName: Argo CD's default (the Application's name) is what validate renders; not reported.
    expect(check(app())).toEqual([]);
  });

  it("a Helm-repository chart source has no path to check", () => {
    const remote = app((y) =>
      y.replace("path: gitops/charts/gitops-demo", "chart: podinfo").replace("    helm:\n      valueFiles: [../../environments/dev/values.yaml]\n", ""),
    );
    expect(rules(check(remote))).toEqual(["ARGO-ENVIRONMENT spec.source.helm.valueFiles"]);
  });

  describe("ARGO-POD-SECURITY: the namespace's Pod Security Admission labels, set through the Application", () => {
    const PROD: GitopsConfig = { ...CONFIG, environments: { dev: { ...CONFIG.environments.dev!, production: true } } };
    const withLabels = (labels: Record<string, string>) => (y: string) =>
      y.replace(
        "    syncOptions: [CreateNamespace=true]\n",
        `    syncOptions: [CreateNamespace=true]\n    managedNamespaceMetadata:\n      labels: ${JSON.stringify(labels)}\n`,
      );
    const restricted = { [PSA_ENFORCE_LABEL]: "restricted", "pod-security.kubernetes.io/warn": "restricted" };

    it("production: enforce restricted passes; missing or weaker is one finding naming the label, the environment and the file", () => {
      expect(check(app(withLabels(restricted)), { config: PROD })).toEqual([]);
      const missing = check(app(), { config: PROD });
      expect(rules(missing)).toEqual([`ARGO-POD-SECURITY spec.syncPolicy.managedNamespaceMetadata.labels.${PSA_ENFORCE_LABEL}`]);
      expect(missing[0]).toMatchObject({ severity: "error", object: "Application/argocd/gitops-demo-dev", file: "argocd/apps/dev.yaml" });
      expect(missing[0]!.message).toMatch(
        /production environment dev: its namespace has no Pod Security enforce label; set pod-security.kubernetes.io\/enforce: restricted/,
      );
      const baseline = check(app(withLabels({ [PSA_ENFORCE_LABEL]: "baseline" })), { config: PROD });
      expect(rules(baseline)).toEqual([`ARGO-POD-SECURITY spec.syncPolicy.managedNamespaceMetadata.labels.${PSA_ENFORCE_LABEL}`]);
      expect(baseline[0]!.message).toMatch(/enforces 'baseline'/);
      // warn/audit alone do not enforce anything.
      expect(rules(check(app(withLabels({ "pod-security.kubernetes.io/warn": "restricted" })), { config: PROD }))).toHaveLength(1);
    });

    it("a baseline policy profile asks production for baseline (or restricted), never contradicting the team's profile", () => {
      const objects = (y: string) => [...parseManifests(PROJECT, "argocd/apps/project.yaml").objects, ...parseManifests(y, "argocd/apps/dev.yaml").objects];
      const judge = (y: string) => checkEnvironments({ objects: objects(y), config: PROD, environments: ["dev"], podSecurity: () => "baseline" });
      expect(judge(app(withLabels({ [PSA_ENFORCE_LABEL]: "baseline" })))).toEqual([]);
      expect(judge(app(withLabels(restricted)))).toEqual([]);
      const weaker = judge(app(withLabels({ [PSA_ENFORCE_LABEL]: "privileged" })));
      expect(weaker.map((f) => f.rule)).toEqual(["ARGO-POD-SECURITY"]);
      expect(weaker[0]!.message).toMatch(
        /enforces 'privileged'; set pod-security.kubernetes.io\/enforce: baseline \(the policy profile is baseline\) or restricted/,
      );
      expect(judge(app()).map((f) => f.rule)).toEqual(["ARGO-POD-SECURITY"]);
    });

    it("outside production nothing is required, and any level is accepted", () => {
      expect(check(app())).toEqual([]);
      expect(check(app(withLabels({ [PSA_ENFORCE_LABEL]: "privileged" })))).toEqual([]);
    });

    it("labels without CreateNamespace=true are never applied by Argo CD: a warning, an error in production", () => {
      const noCreate: GitopsConfig = {
        ...CONFIG,
        environments: { dev: { ...CONFIG.environments.dev!, sync: { ...CONFIG.environments.dev!.sync, createNamespace: false } } },
      };
      const yaml = app((y) => withLabels(restricted)(y).replace("syncOptions: [CreateNamespace=true]", "syncOptions: []"));
      const dev = check(yaml, { config: noCreate });
      expect(dev.map((f) => [f.rule, f.severity, f.path])).toEqual([["ARGO-POD-SECURITY", "warning", "spec.syncPolicy.managedNamespaceMetadata"]]);
      const prodNoCreate: GitopsConfig = { ...noCreate, environments: { dev: { ...noCreate.environments.dev!, production: true } } };
      expect(check(yaml, { config: prodNoCreate }).map((f) => [f.rule, f.severity])).toEqual([["ARGO-POD-SECURITY", "error"]]);
      // A production namespace made elsewhere (no CreateNamespace, no labels here): nothing to check in this tree.
      expect(
        check(
          app((y) => y.replace("syncOptions: [CreateNamespace=true]", "syncOptions: []")),
          { config: prodNoCreate },
        ),
      ).toEqual([]);
    });

    it("only enforce=restricted satisfies production, whatever else the labels say", () => {
      const level = fc.constantFrom("restricted", "baseline", "privileged", "", "Restricted");
      fc.assert(
        fc.property(
          fc.option(level, { nil: undefined }),
          fc.dictionary(fc.constantFrom("pod-security.kubernetes.io/warn", "pod-security.kubernetes.io/audit", "team"), level),
          (enforce, others) => {
            const labels = { ...others, ...(enforce === undefined ? {} : { [PSA_ENFORCE_LABEL]: enforce }) };
            const f = check(app(Object.keys(labels).length ? withLabels(labels) : (y) => y), { config: PROD });
            expect(f.length).toBe(enforce === "restricted" ? 0 : 1);
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  it("every rule id is documented", () => {
    expect(Object.keys(ARGOCD_RULES).sort()).toEqual([
      "ARGO-APPLICATIONSET",
      "ARGO-ENVIRONMENT",
      "ARGO-PATH",
      "ARGO-POD-SECURITY",
      "ARGO-PROJECT",
      "ARGO-PROJECT-DESTINATION",
      "ARGO-PROJECT-RESOURCES",
      "ARGO-PROJECT-SOURCE",
      "ARGO-REPO-URL",
      "ARGO-SYNC-POLICY",
      "ARGO-TARGET-REVISION",
      "ARGO-VALUES-FILES",
    ]);
  });
});

describe("tree paths", () => {
  it.each([
    ["gitops", "gitops/charts/x", "charts/x"],
    ["gitops", "gitops", ""],
    ["gitops", "./gitops/charts/x/", "charts/x"],
    ["gitops", "gitops/../app", undefined],
    ["gitops", "gitopsx/charts", undefined],
    ["gitops", "../etc", undefined],
    ["", "charts/x", "charts/x"],
    ["deploy/gitops", "deploy/gitops/a/b", "a/b"],
  ])("repoPath %j, path %j → %j", (root, path, want) => {
    expect(treePath(root, path)).toBe(want);
  });

  it("never maps a path outside the tree, and maps inside paths back to the same repository path", () => {
    const segment = fc.constantFrom("gitops", "charts", "..", ".", "a", "b", "");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (parts) => {
        const path = parts.join("/");
        const t = treePath("gitops", path);
        if (t === undefined) return;
        expect(t.split("/")).not.toContain("..");
        expect(posix.normalize(`gitops/${t}`).replace(/\/+$/, "")).toBe(posix.normalize(path.replace(/^\/+/, "")).replace(/\/+$/, ""));
      }),
      { numRuns: 500 },
    );
  });

  it("knows files and the directories that hold them", () => {
    expect(TREE.hasDir("charts")).toBe(true);
    expect(TREE.hasDir("charts/gitops-demo/templates")).toBe(true);
    expect(TREE.hasDir("charts/gitops")).toBe(false);
    expect(TREE.hasFile("environments/dev/values.yaml")).toBe(true);
    expect(TREE.hasFile("environments/dev")).toBe(false);
    expect(TREE.filesUnder("argocd", [".yaml"])).toEqual(["argocd/apps/dev.yaml", "argocd/apps/project.yaml"]);
  });
});
