import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { expandApplicationSets } from "../../dagger/src/core/validate/applicationset.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";

const FILE = "argocd/apps/set.yaml";
const expand = (yaml: string) => expandApplicationSets(parseManifests(yaml, FILE).objects);

const set = (generators: string, template = 'name: "web-{{ .env }}"', goTemplate = true) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: { name: web, namespace: argocd }
spec:
  goTemplate: ${goTemplate}
  generators:
${generators}
  template:
    metadata:
      ${template}
    spec:
      project: default
      source: { repoURL: https://example.com/r.git, targetRevision: main, path: "charts/web" }
      destination: { server: https://kubernetes.default.svc, namespace: "web-${goTemplate ? "{{ .env }}" : "{{env}}"}" }
`;

describe("ApplicationSet expansion (validate checks what it would generate)", () => {
  it("the sample's list generator gives payments-dev, -staging, -prod with their namespaces and values files", () => {
    const text = readFileSync("tests/fixtures/gitops-multi-app/argocd/apps/payments-applicationset.yaml", "utf8");
    const r = expandApplicationSets(parseManifests(text, "argocd/apps/payments-applicationset.yaml").objects);
    expect(r.findings).toEqual([]);
    expect(r.applications.map((a) => [a.kind, a.name, a.namespace, a.source])).toEqual([
      ["Application", "payments-dev", "argocd", "argocd/apps/payments-applicationset.yaml"],
      ["Application", "payments-staging", "argocd", "argocd/apps/payments-applicationset.yaml"],
      ["Application", "payments-prod", "argocd", "argocd/apps/payments-applicationset.yaml"],
    ]);
    const prod = r.applications[2]!.body as { spec: { destination: { namespace: string }; source: { helm: { valueFiles: string[] } } } };
    expect(prod.spec.destination.namespace).toBe("payments-prod");
    expect(prod.spec.source.helm.valueFiles).toEqual(["../../apps/payments/prod/values.yaml"]);
  });

  it("a matrix of two lists gives every combination, nested keys by dotted path", () => {
    const r = expand(
      set(
        `    - matrix:
        generators:
          - list: { elements: [{ env: dev }, { env: prod }] }
          - list: { elements: [{ cluster: { name: a } }, { cluster: { name: b } }] }`,
        'name: "web-{{ .env }}-{{ .cluster.name }}"',
      ),
    );
    expect(r.findings).toEqual([]);
    expect(r.applications.map((a) => a.name)).toEqual(["web-dev-a", "web-dev-b", "web-prod-a", "web-prod-b"]);
  });

  it("without goTemplate the keys are written without a dot; a dotted key then is a finding", () => {
    expect(expand(set("    - list: { elements: [{ env: dev }] }", 'name: "web-{{env}}"', false)).applications.map((a) => a.name)).toEqual(["web-dev"]);
    const r = expand(set("    - list: { elements: [{ env: dev }] }", 'name: "web-{{ .env }}"', false));
    expect(r.applications).toEqual([]);
    expect(r.findings.map((f) => [f.rule, f.severity, f.object, f.file])).toEqual([["ARGO-APPLICATIONSET", "error", "ApplicationSet/argocd/web", FILE]]);
    expect(r.findings[0]!.message).toMatch(/with goTemplate: false, keys are written without a dot/);
  });

  it("an element without a key the template uses is an error naming the expression and the element", () => {
    const r = expand(set("    - list: { elements: [{ env: dev }, { stage: prod }] }"));
    expect(r.applications.map((a) => a.name)).toEqual(["web-dev"]);
    expect(r.findings.map((f) => [f.severity, f.path])).toEqual([["error", "spec.template (spec.generators[0], element 1)"]]);
    expect(r.findings[0]!.message).toBe("template expression {{ .env }} names no parameter of the element");
  });

  it("functions and pipes are not expanded: reported, not guessed", () => {
    const r = expand(set("    - list: { elements: [{ env: dev }] }", 'name: "web-{{ .env | upper }}"'));
    expect(r.applications).toEqual([]);
    expect(r.findings[0]!.message).toMatch(/is not a plain \{\{ \.key \}\} lookup/);
  });

  it("generators that read the cluster or a forge are reported as not checked (info); a bad matrix is an error", () => {
    const r = expand(
      set(
        "    - git: { repoURL: https://example.com/r.git, revision: main, directories: [{ path: apps/* }] }\n    - matrix: { generators: [{ list: { elements: [] } }] }",
      ),
    );
    expect(r.findings.map((f) => [f.severity, f.path])).toEqual([
      ["info", "spec.generators[0]"],
      ["error", "spec.generators[1]"],
    ]);
    expect(r.findings[0]!.message).toMatch(/the git generator reads the live cluster or forge/);
    expect(r.findings[1]!.message).toMatch(/combines 1 generators; Argo CD requires exactly 2/);
  });

  it("two elements generating the same name are an error (Argo CD refuses the set)", () => {
    const r = expand(set("    - list: { elements: [{ env: dev }, { env: dev }] }"));
    expect(r.applications.map((a) => a.name)).toEqual(["web-dev"]);
    expect(r.findings.map((f) => [f.rule, f.object])).toEqual([["ARGO-APPLICATIONSET", "Application/web-dev"]]);
  });

  it("a generated Application that a file of the tree also defines is an error (two owners), the file's kept", () => {
    const file = parseManifests(
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: web-dev, namespace: argocd }\nspec: {}\n",
      "argocd/apps/web-dev.yaml",
    ).objects;
    const r = expandApplicationSets([...parseManifests(set("    - list: { elements: [{ env: dev }, { env: prod }] }"), FILE).objects, ...file]);
    expect(r.applications.map((a) => a.name)).toEqual(["web-prod"]);
    expect(r.findings.map((f) => [f.rule, f.object, f.file])).toEqual([["ARGO-APPLICATIONSET", "Application/web-dev", FILE]]);
    expect(r.findings[0]!.message).toMatch(/which argocd\/apps\/web-dev.yaml also defines: two owners/);
  });

  it("any list of distinct environments: one Application per element, named and placed by it", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { minLength: 1, maxLength: 8 }), (envs) => {
        const r = expand(set(`    - list: { elements: [${envs.map((e) => `{ env: ${e} }`).join(", ")}] }`));
        expect(r.findings).toEqual([]);
        expect(r.applications.map((a) => a.name)).toEqual(envs.map((e) => `web-${e}`));
        expect(r.applications.map((a) => (a.body as { spec: { destination: { namespace: string } } }).spec.destination.namespace)).toEqual(
          envs.map((e) => `web-${e}`),
        );
      }),
      { numRuns: 50 },
    );
  });
});
