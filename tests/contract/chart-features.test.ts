/**
 * The chart's optional features with the real, pinned helm and kubeconform (offline schemas) and
 * the policy: off by default (the environments that do not turn them on render without them),
 * everything on (tests/fixtures/chart-values/all-features.yaml) lint-clean, schema-valid and
 * policy-clean as production, values.schema.json rejecting wrong shapes, a ServiceMonitor
 * without its CRD schema reported with the file to add, and the environments of gitops/ rendering
 * what their values promise (Ingress with TLS, scrape annotations, zone spread in prod).
 */
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helmLintArgv, helmTemplateArgv, kubeconformArgv } from "../../dagger/src/core/validate/argv.js";
import { parseManifests, type Manifest } from "../../dagger/src/core/validate/manifests.js";
import { parseKubeconform } from "../../dagger/src/core/validate/output.js";
import { evaluatePolicy } from "../../dagger/src/core/validate/policy/index.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { ROOT, runArgv } from "../helpers/tools.js";
import { crdSchemaDir, crdSchemaDirWithFixtures, offlineKubeconform } from "./local-validation.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GITOPS = join(ROOT, "gitops");
const CHART = "charts/gitops-demo";
const ALL_FEATURES = join(ROOT, "tests", "fixtures", "chart-values", "all-features.yaml");

/** Write `yaml` to a temporary values file. */
function valuesFile(yaml: string): string {
  const f = join(mkdtempSync(join(tmpdir(), "values-")), "values.yaml");
  writeFileSync(f, yaml);
  return f;
}

function lint(values: string[]) {
  return runArgv(helmLintArgv({ chart: CHART, values, kubeVersion: VERSIONS.kubernetes }), GITOPS);
}

/** helm template with the chart's values and `values`, as the validate stage runs it. */
function render(values: string[], namespace = "gitops-demo-prod"): { text: string; objects: Manifest[] } {
  const r = runArgv(helmTemplateArgv({ chart: CHART, values, kubeVersion: VERSIONS.kubernetes, release: "gitops-demo", namespace }), GITOPS);
  expect(r.status, r.stderr).toBe(0);
  return { text: r.stdout, objects: parseManifests(r.stdout, "rendered.yaml", namespace).objects };
}

function kubeconform(text: string, crdDir: string) {
  const file = join(mkdtempSync(join(tmpdir(), "rendered-")), "rendered.yaml");
  writeFileSync(file, text);
  const kc = offlineKubeconform(VERSIONS.kubernetes, crdDir);
  const r = runArgv(
    kubeconformArgv({ kubernetesVersion: VERSIONS.kubernetes, locations: kc.locations, ...(kc.cacheDir ? { cacheDir: kc.cacheDir } : {}), files: [file] }),
    ROOT,
  );
  return parseKubeconform({ exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr });
}

const one = (objects: Manifest[], kind: string): Obj | undefined => objects.find((o) => o.kind === kind)?.body as Obj | undefined;
const appContainer = (objects: Manifest[]): Obj => one(objects, "Deployment")!.spec.template.spec.containers[0];
const appPolicy = (objects: Manifest[]): Obj => objects.find((o) => o.kind === "NetworkPolicy" && !o.name.endsWith("-default-deny"))!.body as Obj;

describe("every feature off (the chart's defaults)", () => {
  it("no Ingress, no ServiceMonitor, no scrape annotations, no envFrom, no monitoring peer", () => {
    const { objects } = render([]);
    expect(objects.map((o) => o.kind).sort()).toEqual(["Deployment", "NetworkPolicy", "NetworkPolicy", "Pod", "Service", "ServiceAccount"]);
    expect(one(objects, "Deployment")!.spec.template.metadata.annotations).toBeUndefined();
    expect(appContainer(objects).envFrom).toBeUndefined();
    expect(appContainer(objects).env.map((e: Obj) => e.name)).toEqual(["APP_VERSION", "LOG_LEVEL", "GUNICORN_WORKERS", "PORT", "PROMETHEUS_MULTIPROC_DIR"]);
    expect(appPolicy(objects).spec.ingress).toHaveLength(1);
  });
});

describe("every feature on (all-features.yaml)", () => {
  it("helm lint --strict passes", () => {
    const r = lint([ALL_FEATURES]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("renders the Ingress with TLS, the ServiceMonitor, scrape annotations, env, envFrom and the monitoring peer", () => {
    const { objects } = render([ALL_FEATURES]);
    const ing = one(objects, "Ingress")!;
    expect(ing.spec.ingressClassName).toBe("nginx");
    expect(ing.spec.tls).toEqual([{ secretName: "demo-tls", hosts: ["demo.example.com", "*.example.com"] }]);
    expect(ing.spec.rules.map((r: Obj) => r.host)).toEqual(["demo.example.com", "api.example.com"]);
    // A host without paths gets `/` (Prefix); every path goes to the Service's http port.
    expect(ing.spec.rules[1].http.paths).toEqual([{ path: "/", pathType: "Prefix", backend: { service: { name: "gitops-demo", port: { name: "http" } } } }]);
    const sm = one(objects, "ServiceMonitor")!;
    expect(sm.metadata.labels.release).toBe("kube-prometheus-stack");
    expect(sm.metadata.annotations).toEqual({ owner: "payments" });
    expect(sm.spec.endpoints).toEqual([{ port: "http", path: "/metrics", interval: "15s" }]);
    const svc = one(objects, "Service")!;
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(one(objects, "Deployment")!.spec.template.metadata.annotations).toEqual({
      team: "payments",
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8080",
      "prometheus.io/path": "/metrics",
    });
    const c = appContainer(objects);
    expect(c.env.slice(-2)).toEqual([
      { name: "FEATURE_FLAGS", value: "checkout-v2" },
      { name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "gitops-demo-db", key: "password" } } },
    ]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: "gitops-demo-settings" } }, { secretRef: { name: "gitops-demo-credentials" } }]);
    expect(appPolicy(objects).spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } } }],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
  });

  it("kubeconform -strict: every object Valid, the ServiceMonitor against the test CRD schema", () => {
    const { text, objects } = render([ALL_FEATURES]);
    const kc = kubeconform(text, crdSchemaDirWithFixtures());
    expect(kc.findings).toEqual([]);
    expect(kc.summary).toEqual({ valid: objects.length, invalid: 0, errors: 0, skipped: 0 });
  });

  it("the policy finds nothing, even as production", () => {
    expect(evaluatePolicy(render([ALL_FEATURES]).objects, { production: true })).toEqual([]);
  });

  it("without the ServiceMonitor's schema (the Argo CD CRD schemas alone): one SCHEMA-ERROR naming the file --crd-schemas needs", () => {
    // The shared catalog may hold more groups (it now has monitoring.coreos.com): keep Argo CD's alone.
    const argoOnly = mkdtempSync(join(tmpdir(), "crds-argo-only-"));
    cpSync(join(crdSchemaDir(), "argoproj.io"), join(argoOnly, "argoproj.io"), { recursive: true });
    const kc = kubeconform(render([ALL_FEATURES]).text, argoOnly);
    expect(kc.findings.map((f) => [f.rule, f.object])).toEqual([["SCHEMA-ERROR", "ServiceMonitor/gitops-demo"]]);
    expect(kc.findings[0]!.message).toBe(
      "could not find schema for ServiceMonitor (monitoring.coreos.com/v1): give --crd-schemas a CRD-catalog directory holding monitoring.coreos.com/servicemonitor_v1.json, or validate online",
    );
  });

  it("the scrape annotations alone also let the monitoring namespace in", () => {
    const { objects } = render([valuesFile("metrics:\n  scrapeAnnotations:\n    enabled: true\n")]);
    expect(appPolicy(objects).spec.ingress[1].from[0].namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "monitoring" });
    expect(objects.some((o) => o.kind === "ServiceMonitor")).toBe(false);
  });
});

describe("values.schema.json rejects wrong shapes at lint time (helm lint --strict fails naming the value)", () => {
  it.each([
    ["an Ingress enabled without hosts", "ingress:\n  enabled: true\n", "at '/ingress/hosts': minItems"],
    [
      "a TLS entry without a secretName",
      "ingress:\n  enabled: true\n  hosts: [{host: a.example.com}]\n  tls: [{hosts: [a.example.com]}]\n",
      "at '/ingress/tls/0': missing property 'secretName'",
    ],
    ["a host that is not a DNS name", "ingress:\n  hosts: [{host: 'http://a.example.com'}]\n", "/ingress/hosts/0/host"],
    ["an unknown key under ingress", "ingress:\n  tlsSecret: x\n", "additional properties 'tlsSecret' not allowed"],
    ["an env entry with both value and valueFrom", "extraEnv: [{name: A, value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n", "/extraEnv/0"],
    ["an env entry without a name", "extraEnv: [{value: x}]\n", "at '/extraEnv/0': missing property 'name'"],
    ["an envFrom Secret name that is not a Kubernetes name", "envFrom:\n  secrets: [My_Secret]\n", "/envFrom/secrets/0"],
    ["a ServiceMonitor interval that is not a duration", "metrics:\n  serviceMonitor:\n    interval: often\n", "/metrics/serviceMonitor/interval"],
    ["an unknown key under metrics", "metrics:\n  port: 9102\n", "at '/metrics': additional properties 'port' not allowed"],
  ])("%s", (_, yaml, where) => {
    const r = lint([valuesFile(yaml)]);
    expect(r.status, r.stdout).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(where);
  });
});

describe("the policy on what the chart renders from wrong but schema-valid values", () => {
  it("waivers reach every object a new rule judges: the Deployment (deploymentAnnotations), the Ingress (ingress.annotations)", () => {
    const yaml = [
      "replicaCount: 2",
      "deploymentAnnotations:",
      "  gitops-pipeline.dev/waive: 'POL-ENV-SECRET-LITERAL: public sandbox key, rotated daily (OPS-9)'",
      "extraEnv: [{name: SANDBOX_API_KEY, value: sandbox-literal}]",
      "ingress:",
      "  enabled: true",
      "  annotations: {gitops-pipeline.dev/waive: 'POL-INGRESS-TLS: TLS ends at the cloud load balancer (OPS-7)'}",
      "  hosts: [{host: a.example.com}]",
    ].join("\n");
    const found = evaluatePolicy(render([valuesFile(yaml)]).objects, { production: true });
    expect(found.map((f) => [f.rule, f.severity, f.waived])).toEqual([
      ["POL-ENV-SECRET-LITERAL", "info", "public sandbox key, rotated daily (OPS-9)"],
      ["POL-INGRESS-TLS", "info", "TLS ends at the cloud load balancer (OPS-7)"],
    ]);
  });

  it("a password as a literal extraEnv value: POL-ENV-SECRET-LITERAL naming the container's env entry, never the value", () => {
    const { objects } = render([valuesFile("extraEnv:\n  - name: DATABASE_PASSWORD\n    value: hunter2-literal\n")]);
    const found = evaluatePolicy(objects, { production: false });
    expect(found.map((f) => [f.rule, f.object, f.path, f.template])).toEqual([
      ["POL-ENV-SECRET-LITERAL", "Deployment/gitops-demo-prod/gitops-demo", "spec.template.spec.containers[0].env[5].value", "templates/deployment.yaml"],
    ]);
    expect(JSON.stringify(found)).not.toContain("hunter2-literal");
  });

  it("an Ingress host missing from TLS in production: POL-INGRESS-TLS at that rule's host", () => {
    const yaml = "ingress:\n  enabled: true\n  hosts: [{host: a.example.com}, {host: b.example.com}]\n  tls: [{secretName: t, hosts: [a.example.com]}]\n";
    const found = evaluatePolicy(render([valuesFile(yaml)]).objects, { production: true });
    expect(found.filter((f) => f.rule === "POL-INGRESS-TLS").map((f) => [f.object, f.path, f.template])).toEqual([
      ["Ingress/gitops-demo-prod/gitops-demo", "spec.rules[1].host", "templates/ingress.yaml"],
    ]);
  });
});

describe("the environments of gitops/ render what their values promise", () => {
  const env = (name: string) => render([`environments/${name}/values.yaml`], `gitops-demo-${name}`).objects;

  it("dev turns nothing on: no Ingress, no scrape annotations", () => {
    const objects = env("dev");
    expect(one(objects, "Ingress")).toBeUndefined();
    expect(one(objects, "Deployment")!.spec.template.metadata.annotations).toBeUndefined();
  });

  it.each([
    ["staging", "gitops-demo.staging.example.com", "gitops-demo-staging-tls"],
    ["prod", "gitops-demo.example.com", "gitops-demo-tls"],
  ])("%s: an Ingress with TLS for its host, scrape annotations, the monitoring namespace let in", (name, host, secret) => {
    const objects = env(name);
    const ing = one(objects, "Ingress")!;
    expect(ing.spec.rules.map((r: Obj) => r.host)).toEqual([host]);
    expect(ing.spec.tls).toEqual([{ secretName: secret, hosts: [host] }]);
    expect(one(objects, "Deployment")!.spec.template.metadata.annotations["prometheus.io/scrape"]).toBe("true");
    expect(appPolicy(objects).spec.ingress[1].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).toBe("monitoring");
    expect(evaluatePolicy(objects, { production: true })).toEqual([]);
  });

  it("prod spreads over zones first, then nodes", () => {
    const spread = one(env("prod"), "Deployment")!.spec.template.spec.topologySpreadConstraints;
    expect(spread.map((s: Obj) => [s.topologyKey, s.whenUnsatisfiable])).toEqual([
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
      ["kubernetes.io/hostname", "ScheduleAnyway"],
    ]);
  });

  it("every Application labels its namespace with Pod Security Admission restricted, and the AppProject admits the new kinds", () => {
    for (const name of ["dev", "staging", "prod"]) {
      const [app] = parseManifests(readFileSync(join(GITOPS, "argocd", "apps", `${name}.yaml`), "utf8"), name).objects;
      expect((app!.body as Obj).spec.syncPolicy.managedNamespaceMetadata.labels["pod-security.kubernetes.io/enforce"], name).toBe("restricted");
    }
    const [project] = parseManifests(readFileSync(join(GITOPS, "argocd", "apps", "project.yaml"), "utf8"), "project").objects;
    const kinds = ((project!.body as Obj).spec.namespaceResourceWhitelist as Obj[]).map((k) => `${k.group}/${k.kind}`);
    expect(kinds).toEqual(expect.arrayContaining(["networking.k8s.io/Ingress", "monitoring.coreos.com/ServiceMonitor"]));
  });
});
