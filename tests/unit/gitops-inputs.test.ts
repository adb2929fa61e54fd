import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../../dagger/src/core/errors.js";
import { DEFAULT_GITOPS_CONFIG, parseGitopsConfig, repoPathOf, selectEnvironments } from "../../dagger/src/core/gitops-config.js";
import { checkValuesFile, getPath, objectId, parseManifests, parseYamlInput } from "../../dagger/src/core/validate/manifests.js";
import { checkKustomization } from "../../dagger/src/core/validate/kustomize.js";
import { GitopsTree } from "../../dagger/src/core/validate/argocd.js";
import { ROOT } from "../helpers/tools.js";

const thrown = (fn: () => unknown): InputError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
};

describe("gitops-pipeline.yaml", () => {
  it("this repo's gitops/gitops-pipeline.yaml equals the built-in defaults", () => {
    expect(parseGitopsConfig(readFileSync(join(ROOT, "gitops", "gitops-pipeline.yaml"), "utf8"))).toEqual(DEFAULT_GITOPS_CONFIG);
  });

  it("fills defaults for optional fields", () => {
    const c = parseGitopsConfig("environments:\n  qa:\n    values: [qa.yaml]\n    namespace: demo-qa\n    application: demo-qa\n");
    expect(c.chart).toBe("charts/gitops-demo");
    expect(c.environments.qa).toEqual({
      values: ["qa.yaml"],
      namespace: "demo-qa",
      application: "demo-qa",
      production: false,
      sync: { automated: true, prune: true, selfHeal: true, createNamespace: true },
    });
  });

  it("an environment of a chart may declare no values file: the chart's values.yaml and its Application's values render it", () => {
    const c = parseGitopsConfig("chart: charts/web\nenvironments:\n  dev: {}\n");
    expect(c.environments.dev!.values).toEqual([]);
  });

  it.each([
    ["environments: [\n", "gitops-pipeline.yaml", /not valid YAML/],
    ["chart: charts/x\n", "gitops-pipeline.yaml: environments", /expected record|Invalid input/i],
    ["environments: {}\n", "gitops-pipeline.yaml: environments", /no environment/],
    ["environments:\n  dev: {values: [../x.yaml], namespace: d, application: a}\n", "gitops-pipeline.yaml: environments.dev.values.0", /relative path/],
    ["environments:\n  dev: {values: [x.yaml], namespace: Dev_NS, application: a}\n", "gitops-pipeline.yaml: environments.dev.namespace", /DNS-1123/],
    [
      "environments:\n  dev: {values: [x.yaml], namespace: d, application: a, replicas: 2}\n",
      "gitops-pipeline.yaml: environments.dev.replicas",
      /is not a known key \(known here: values, namespace/,
    ],
  ])("rejects %j naming the field", (text, input, problem) => {
    const e = thrown(() => parseGitopsConfig(text));
    expect(e.input).toBe(input);
    expect(e.problem).toMatch(problem);
  });

  it("selects environments: all by default, the requested ones in order, unknown ones rejected", () => {
    expect(selectEnvironments(DEFAULT_GITOPS_CONFIG)).toEqual(["dev", "staging", "prod"]);
    expect(selectEnvironments(DEFAULT_GITOPS_CONFIG, ["prod", "dev", "prod"])).toEqual(["prod", "dev"]);
    const e = thrown(() => selectEnvironments(DEFAULT_GITOPS_CONFIG, ["dev", "qa"]));
    expect(e.input).toBe("environments");
    expect(e.message).toMatch(/unknown environment 'qa'.*dev, staging, prod/);
  });

  it("maps tree paths to repository paths", () => {
    expect(repoPathOf(DEFAULT_GITOPS_CONFIG, "charts/x")).toBe("gitops/charts/x");
    expect(repoPathOf({ ...DEFAULT_GITOPS_CONFIG, repoPath: "" }, "charts/x")).toBe("charts/x");
  });
});

describe("manifests", () => {
  const rendered = `---
# Source: gitops-demo/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: demo
---
# Source: gitops-demo/templates/hpa.yaml
---
# Source: gitops-demo/templates/tests/test-healthz.yaml
# a comment helm keeps
apiVersion: v1
kind: Pod
metadata:
  name: demo-test
  namespace: other
`;

  it("parses helm template output with the template of every object", () => {
    const { objects, findings } = parseManifests(rendered, "rendered/dev.yaml", "demo-dev");
    expect(findings).toEqual([]);
    expect(objects.map((o) => [objectId(o), o.source, o.doc])).toEqual([
      ["ServiceAccount/demo-dev/demo", "templates/serviceaccount.yaml", 0],
      ["Pod/other/demo-test", "templates/tests/test-healthz.yaml", 2],
    ]);
  });

  it("plain files name the file; broken documents become findings, not exceptions", () => {
    const { objects, findings } = parseManifests("kind: Service\napiVersion: v1\nmetadata: {name: s}\n---\n- a list\n---\nkey: [\n", "argocd/x.yaml");
    expect(objects.map((o) => o.source)).toEqual(["argocd/x.yaml"]);
    expect(findings.map((f) => f.rule)).toEqual(["NOT-AN-OBJECT", "YAML"]);
    expect(findings.every((f) => f.file === "argocd/x.yaml" && f.severity === "error")).toBe(true);
    expect(parseManifests("", "empty.yaml")).toEqual({ objects: [], findings: [] });
  });

  it("a values file that is not YAML, or not a mapping, is an InputError naming the file", () => {
    const e = thrown(() => checkValuesFile("replicaCount: [1\nimage: {\n", "environments/dev/values.yaml"));
    expect(e.input).toMatch(/^environments\/dev\/values.yaml(:\d+)?$/);
    expect(e.problem).toMatch(/not valid YAML/);
    expect(thrown(() => checkValuesFile("- a\n- b\n", "v.yaml")).problem).toMatch(/not a YAML mapping/);
    expect(thrown(() => checkValuesFile("a: 1\n---\nb: 2\n", "v.yaml")).problem).toMatch(/several/);
    expect(() => checkValuesFile("# only comments\n", "v.yaml")).not.toThrow();
    expect(parseYamlInput("a: 1\n---\nb: 2\n", "x")).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("reads nested fields", () => {
    expect(getPath({ a: { b: [{ c: 1 }] } }, ["a", "b", 0, "c"])).toBe(1);
    expect(getPath({ a: 1 }, ["a", "b"])).toBeUndefined();
  });
});

describe("kustomize checks", () => {
  const tree = new GitopsTree([
    "kustomize/base/kustomization.yaml",
    "kustomize/base/deployment.yaml",
    "kustomize/overlays/dev/kustomization.yaml",
    "kustomize/overlays/dev/app-env.yaml",
    "kustomize/components/pdb/kustomization.yaml",
    "kustomize/empty/readme.md",
  ]);
  const check = (body: unknown) => checkKustomization(body, "kustomize/overlays/dev/kustomization.yaml", tree).map((f) => `${f.rule} ${f.path}`);

  it("passes a correct overlay", () => {
    expect(
      check({
        resources: ["../../base"],
        components: ["../../components/pdb"],
        patches: [{ path: "app-env.yaml" }],
        images: [{ name: "app", newTag: "1.2.3" }],
      }),
    ).toEqual([]);
    expect(check({ resources: ["https://github.com/x/y//base?ref=v1"], images: [{ name: "app", digest: `sha256:${"a".repeat(64)}` }] })).toEqual([]);
  });

  it("finds missing references and unpinned images", () => {
    expect(check({ resources: ["../../nope", "../../empty"], patches: [{ path: "gone.yaml" }] })).toEqual([
      "KUSTOMIZE-REFERENCE resources[0]",
      "KUSTOMIZE-REFERENCE resources[1]",
      "KUSTOMIZE-REFERENCE patches[0].path",
    ]);
    expect(check({ images: [{ name: "app", newTag: "latest" }, { name: "b" }, { newTag: "1" }, { name: "c", digest: "sha256:xyz" }] })).toEqual([
      "KUSTOMIZE-IMAGE images[0].newTag",
      "KUSTOMIZE-IMAGE images[1]",
      "KUSTOMIZE-IMAGE images[2].name",
      "KUSTOMIZE-IMAGE images[3].digest",
    ]);
  });
});

describe("documentation matches the code", () => {
  it("docs/gitops-layout.md names every rule id, the waiver annotation and the keys the bump edits", async () => {
    const { POLICY_RULES, WAIVER_ANNOTATION, WAIVER_RULE } = await import("../../dagger/src/core/validate/policy/index.js");
    const { ARGOCD_RULES } = await import("../../dagger/src/core/validate/argocd.js");
    const { KUSTOMIZE_RULES } = await import("../../dagger/src/core/validate/kustomize.js");
    const { APP_RULES, RENDER_RULES, ARGO_SOURCE_RULES, DISCOVER_RULES } = await import("../../dagger/src/core/validate/validation.js");
    const section = readFileSync(join(ROOT, "docs", "gitops-layout.md"), "utf8");
    const ids = [
      ...POLICY_RULES.map((r) => r.id),
      WAIVER_RULE,
      ...Object.keys(ARGOCD_RULES),
      ...Object.keys(KUSTOMIZE_RULES),
      ...Object.keys(APP_RULES),
      ...Object.keys(RENDER_RULES),
      ...Object.keys(ARGO_SOURCE_RULES),
      ...Object.keys(DISCOVER_RULES),
    ];
    expect(ids.filter((id) => !section.includes(`\`${id}\``))).toEqual([]);
    expect(section).toContain(WAIVER_ANNOTATION);
    for (const key of ["image.tag", "image.digest", "env.appVersion"]) expect(section).toContain(`\`${key}\``);
  });

  it("the keys the bump edits exist at those paths in every environment's values file", () => {
    for (const env of Object.keys(DEFAULT_GITOPS_CONFIG.environments)) {
      const [values] = parseYamlInput(readFileSync(join(ROOT, "gitops", "environments", env, "values.yaml"), "utf8"), env);
      expect(typeof getPath(values, ["image", "tag"]), env).toBe("string");
      expect(getPath(values, ["image", "digest"]), env).toBe("");
      expect(typeof getPath(values, ["env", "appVersion"]), env).toBe("string");
      const [kustomization] = parseYamlInput(readFileSync(join(ROOT, "gitops", "kustomize", "overlays", env, "kustomization.yaml"), "utf8"), env);
      expect(typeof getPath(kustomization, ["images", 0, "newTag"]), env).toBe("string");
      const [patch] = parseYamlInput(readFileSync(join(ROOT, "gitops", "kustomize", "overlays", env, "app-env.yaml"), "utf8"), env);
      expect(getPath(patch, ["spec", "template", "spec", "containers", 0, "env", 0, "name"]), env).toBe("APP_VERSION");
    }
  });
});
