import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { InputError } from "../../dagger/src/core/errors.js";
import {
  checkKubernetesVersion,
  CRDS_CATALOG_COMMIT,
  CRDS_CATALOG_LOCATION,
  crdSchemaLocation,
  helmLintArgv,
  helmTemplateArgv,
  kubeconformArgv,
  kubeconformCacheName,
  offlineSchemas,
  schemaLocations,
} from "../../dagger/src/core/validate/argv.js";
import { parseHelmLint, parseHelmTemplateError, parseKubeconform, schemaMessage } from "../../dagger/src/core/validate/output.js";
import { runValidation, summarize, type ValidationPort } from "../../dagger/src/core/validate/validation.js";
import { ROOT } from "../helpers/tools.js";

describe("validate argv", () => {
  const helm = { chart: "charts/gitops-demo", values: ["environments/prod/values.yaml", "extra.yaml"], kubeVersion: "1.36.0" };

  it("helm lint: strict, the Kubernetes version, every values file in order", () => {
    expect(helmLintArgv(helm)).toEqual([
      "helm",
      "lint",
      "charts/gitops-demo",
      "--strict",
      "--kube-version",
      "1.36.0",
      "--values",
      "environments/prod/values.yaml",
      "--values",
      "extra.yaml",
    ]);
  });

  it("helm template: release, namespace, Kubernetes version, values", () => {
    expect(helmTemplateArgv({ ...helm, release: "gitops-demo", namespace: "gitops-demo-prod" })).toEqual([
      "helm",
      "template",
      "gitops-demo",
      "charts/gitops-demo",
      "--namespace",
      "gitops-demo-prod",
      "--kube-version",
      "1.36.0",
      "--values",
      "environments/prod/values.yaml",
      "--values",
      "extra.yaml",
    ]);
  });

  it("kubeconform: strict, JSON listing every resource, version, locations in order, cache, files", () => {
    expect(
      kubeconformArgv({
        binary: "/kubeconform",
        kubernetesVersion: "1.36.0",
        locations: ["default", "/crds/{{.Group}}/x.json"],
        cacheDir: "/c",
        files: ["/rendered/dev.yaml", "/gitops/argocd/root.yaml"],
      }),
    ).toEqual([
      "/kubeconform",
      "-strict",
      "-summary",
      "-verbose",
      "-output",
      "json",
      "-kubernetes-version",
      "1.36.0",
      "-schema-location",
      "default",
      "-schema-location",
      "/crds/{{.Group}}/x.json",
      "-cache",
      "/c",
      "/rendered/dev.yaml",
      "/gitops/argocd/root.yaml",
    ]);
    expect(kubeconformArgv({ kubernetesVersion: "v1.35.0", locations: ["default"], files: ["a.yaml"] })[0]).toBe("kubeconform");
    expect(() => kubeconformArgv({ kubernetesVersion: "1.36.0", locations: [], files: [] })).toThrow(/no files/);
  });

  it("the Kubernetes version must be x.y.z", () => {
    expect(checkKubernetesVersion("v1.36.0")).toBe("1.36.0");
    for (const bad of ["1.36", "latest", "1.36.0-rc.1", ""]) {
      expect(() => helmLintArgv({ ...helm, kubeVersion: bad })).toThrow(InputError);
    }
    fc.assert(fc.property(fc.nat(9), fc.nat(99), fc.nat(99), (a, b, c) => checkKubernetesVersion(`${a}.${b}.${c}`) === `${a}.${b}.${c}`));
  });

  it("schema locations: online default then the pinned CRD catalog; offline never lists online ones", () => {
    expect(CRDS_CATALOG_LOCATION).toBe(
      `https://raw.githubusercontent.com/datreeio/CRDs-catalog/${CRDS_CATALOG_COMMIT}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`,
    );
    expect(schemaLocations()).toEqual(["default", CRDS_CATALOG_LOCATION]);
    expect(schemaLocations({ crdDir: "/crd-schemas/" })).toEqual(["default", "/crd-schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"]);
    const offline = offlineSchemas(["v1.36.0-standalone-strict", "v1.36.0-standalone"], "/schemas", "1.36.0");
    expect(schemaLocations({ offline, crdDir: "/crd" })).toEqual([
      "/schemas/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json",
      crdSchemaLocation("/crd"),
    ]);
    expect(schemaLocations({ offline }).some((l) => l === "default")).toBe(false);
  });

  it("offline layouts: standalone is self-contained; kubernetes-validate needs the cache seeded with its definitions", () => {
    expect(offlineSchemas(["v1.36.0-standalone-strict/"], "/s", "1.36.0").cacheSeed).toBeUndefined();
    const kv = offlineSchemas(["v1.36.0-local", "v1.36.0-local-strict", "__init__.py"], "/s/", "1.36.0");
    expect(kv.location).toBe("/s/{{.NormalizedKubernetesVersion}}-local{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json");
    expect(kv.cacheSeed).toEqual({ from: "v1.36.0-local-strict/_definitions.json", name: "a9027535b596dbfbbdb2af8f583a6f1dae274670326c658b6ac2894b0e937bda" });
    expect(kubeconformCacheName("https://kubernetes.io/api/_definitions.json")).toBe(
      createHash("sha256").update("https://kubernetes.io/api/_definitions.json").digest("hex"),
    );
    const e = (() => {
      try {
        offlineSchemas(["v1.35.0-local-strict", "v1.37.0-local-strict"], "/s", "1.36.0", "schemas");
      } catch (err) {
        return err as InputError;
      }
      throw new Error("expected an error");
    })();
    expect(e).toBeInstanceOf(InputError);
    expect(e.input).toBe("schemas");
    expect(e.problem).toMatch(/no v1.36.0-standalone-strict\/ or v1.36.0-local-strict\/.*found v1.35.0-local-strict, v1.37.0-local-strict/);
  });
});

describe("tool output", () => {
  it("helm lint: errors and warnings fail (strict), continuation lines join, info stays info", () => {
    const stdout = `==> Linting charts/gitops-demo
[INFO] Chart.yaml: icon is recommended
[WARNING] templates/deployment.yaml: object name does not conform
[ERROR] values.yaml: - at '/replicaCount': got string, want integer

[ERROR] templates/: values don't meet the specifications of the schema(s) in the following chart(s):
gitops-demo:
- at '/replicaCount': got string, want integer

Error: 1 chart(s) linted, 1 chart(s) failed
`;
    const f = parseHelmLint({ exitCode: 1, stdout, stderr: "" }, "prod");
    expect(f.map((x) => [x.rule, x.severity, x.file])).toEqual([
      ["HELM-LINT-INFO", "info", "Chart.yaml"],
      ["HELM-LINT-WARNING", "error", "templates/deployment.yaml"],
      ["HELM-LINT-ERROR", "error", "values.yaml"],
      ["HELM-LINT-ERROR", "error", "templates"],
    ]);
    expect(f[3]!.message).toBe(
      "prod: values don't meet the specifications of the schema(s) in the following chart(s): gitops-demo: - at '/replicaCount': got string, want integer",
    );
    expect(parseHelmLint({ exitCode: 0, stdout: "==> Linting x\n\n1 chart(s) linted, 0 chart(s) failed\n", stderr: "" }, "dev")).toEqual([]);
    expect(parseHelmLint({ exitCode: 1, stdout: "", stderr: "Error: chart not found\n" }, "dev")).toEqual([
      { source: "helm", rule: "HELM-LINT-ERROR", severity: "error", message: "dev: helm lint failed: chart not found" },
    ]);
  });

  it("helm template: the template file and position of the error", () => {
    const f = parseHelmTemplateError(
      {
        exitCode: 1,
        stdout: "",
        stderr:
          'Error: template: gitops-demo/templates/service.yaml:14:28: executing "gitops-demo/templates/service.yaml" at <.Values.service.ports.http>: nil pointer evaluating interface {}.http\n\nUse --debug flag to render out invalid YAML\n',
      },
      "dev",
    );
    expect(f).toMatchObject({ rule: "HELM-TEMPLATE", severity: "error", file: "templates/service.yaml", line: 14, column: 28 });
    const g = parseHelmTemplateError({ exitCode: 1, stdout: "", stderr: "Error: execution error at (gitops-demo/templates/service.yaml:8:34): boom\n" }, "dev");
    expect(g).toMatchObject({
      file: "templates/service.yaml",
      line: 8,
      column: 34,
      message: "dev: execution error at (gitops-demo/templates/service.yaml:8:34): boom",
    });
  });

  it("kubeconform JSON: counts per file; invalid, error and skipped resources become findings", () => {
    const stdout = JSON.stringify({
      resources: [
        { filename: "/r/dev.yaml", kind: "Service", name: "s", version: "v1", status: "statusValid", msg: "" },
        {
          filename: "/r/dev.yaml",
          kind: "Deployment",
          name: "d",
          version: "apps/v1",
          status: "statusInvalid",
          msg: "problem validating schema. Check JSON formatting: jsonschema validation failed with 'file:///x.json#' - at '/spec/replicas': got string, want null or integer",
        },
        { filename: "/g/app.yaml", kind: "Foo", name: "f", version: "v1", status: "statusError", msg: "could not find schema for Foo" },
        { filename: "/g/app.yaml", kind: "Bar", name: "b", version: "v1", status: "statusSkipped", msg: "" },
      ],
      summary: { valid: 1, invalid: 1, errors: 1, skipped: 1 },
    });
    const r = parseKubeconform({ exitCode: 1, stdout, stderr: "" }, (f) => (f === "/r/dev.yaml" ? "env:dev" : f));
    expect(r.counts.get("env:dev")).toEqual({ valid: 1, invalid: 1, errors: 0, skipped: 0 });
    expect(r.counts.get("/g/app.yaml")).toEqual({ valid: 0, invalid: 0, errors: 1, skipped: 1 });
    expect(r.findings.map((f) => [f.rule, f.severity, f.object, f.file, f.message])).toEqual([
      ["SCHEMA-INVALID", "error", "Deployment/d", "env:dev", "at '/spec/replicas': got string, want null or integer"],
      [
        "SCHEMA-ERROR",
        "error",
        "Foo/f",
        "/g/app.yaml",
        "could not find schema for Foo (v1): check the apiVersion and kind, and that the schemas hold this Kubernetes version",
      ],
      ["SCHEMA-SKIPPED", "warning", "Bar/b", "/g/app.yaml", "skipped: not validated"],
    ]);
    expect(r.summary).toEqual({ valid: 1, invalid: 1, errors: 1, skipped: 1 });
    expect(parseKubeconform({ exitCode: 1, stdout: "", stderr: "flag provided but not defined: -x" }).findings[0]!.message).toMatch(
      /no JSON report.*flag provided/,
    );
    expect(schemaMessage("plain message")).toBe("plain message");
  });
});

/** What a fake tool renders by default: one object no rule objects to. */
const ONE_OBJECT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\nautomountServiceAccountToken: false\n";

/** A port over this repo's gitops/ on disk whose tools answer from canned results. */
function fakePort(
  files: Record<string, string>,
  tools: { render?: (env: string) => string; overlay?: (env: string) => string; kubeconform?: string } = {},
): ValidationPort & { calls: string[][]; kept: Map<string, string> } {
  const calls: string[][] = [];
  const kept = new Map<string, string>();
  const ok = (stdout = "") => ({ exitCode: 0, stdout, stderr: "" });
  return {
    calls,
    kept,
    files: async () => Object.keys(files),
    read: async (p) => {
      if (!(p in files)) throw new Error(`read of a missing file ${p}`);
      return files[p]!;
    },
    helm: async (argv) => (calls.push(argv), ok("==> Linting\n\n1 chart(s) linted, 0 chart(s) failed\n")),
    render: async (env, argv) => (calls.push(argv), ok(tools.render?.(env) ?? ONE_OBJECT)),
    renderOverlay: async (env, argv) => (calls.push(argv), ok(tools.overlay?.(env) ?? ONE_OBJECT)),
    prepareChart: async (argvs) => (calls.push(...argvs), { exitCode: 0, stdout: "", stderr: "" }),
    keep: async (key, yaml) => void kept.set(key, yaml),
    kubeconform: async (argv) => (
      calls.push(argv),
      ok(tools.kubeconform ? answerFor(tools.kubeconform, argv) : JSON.stringify({ resources: [], summary: {} }))
    ),
    renderedPath: (key) => `/rendered/${key}.yaml`,
    treePath: (rel) => `/gitops/${rel}`,
  };
}

/** kubeconform's answer for one run: the resources of the files that run was given, as the real tool reports them. */
function answerFor(output: string, argv: readonly string[]): string {
  const all = JSON.parse(output) as { resources: { filename?: string }[]; summary: unknown };
  return JSON.stringify({ ...all, resources: all.resources.filter((r) => argv.includes(r.filename ?? "")) });
}

function repoGitops(): Record<string, string> {
  const dir = join(ROOT, "gitops");
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  return Object.fromEntries(walk(dir).map((f) => [relative(dir, f).split(sep).join("/"), readFileSync(f, "utf8")]));
}

const OPTS = { kubernetesVersion: "1.36.0", kubeconform: { binary: "/kubeconform", locations: ["default"] } };

describe("validation flow (fake tools)", () => {
  it("lints and renders every environment, then one kubeconform run per environment and one over the Argo CD files", async () => {
    const port = fakePort(repoGitops());
    const r = await runValidation(port, OPTS);
    expect(r.environments.map((e) => e.name)).toEqual(["dev", "staging", "prod"]);
    const helm = port.calls.filter((c) => c[0] === "helm");
    expect(helm).toHaveLength(6);
    expect(helm).toContainEqual(helmLintArgv({ chart: "charts/gitops-demo", values: ["environments/prod/values.yaml"], kubeVersion: "1.36.0" }));
    // Each environment's run reads its helm and overlay renderings only: an unchanged environment's run stays cached.
    const kc = port.calls.filter((c) => c[0] === "/kubeconform").map((c) => c.filter((a) => a.startsWith("/rendered/") || a.startsWith("/gitops/")));
    expect(kc).toEqual([
      ["/rendered/dev.yaml", "/rendered/kustomize/dev.yaml"],
      ["/rendered/staging.yaml", "/rendered/kustomize/staging.yaml"],
      ["/rendered/prod.yaml", "/rendered/kustomize/prod.yaml"],
      [
        "/gitops/argocd/apps/dev.yaml",
        "/gitops/argocd/apps/prod.yaml",
        "/gitops/argocd/apps/project.yaml",
        "/gitops/argocd/apps/staging.yaml",
        "/gitops/argocd/root.yaml",
      ],
    ]);
    expect(r.passed).toBe(true);
    expect(summarize(r)).toMatch(/^validate passed/);
    // Every environment's kustomize overlay is built too, with the tree as working directory.
    expect(port.calls.filter((c) => c[0] === "kustomize")).toEqual([
      ["kustomize", "build", "kustomize/overlays/dev"],
      ["kustomize", "build", "kustomize/overlays/staging"],
      ["kustomize", "build", "kustomize/overlays/prod"],
    ]);
    expect(r.overlays.map((o) => [o.environment, o.overlay, o.production, o.rendered])).toEqual([
      ["dev", "kustomize/overlays/dev", false, true],
      ["staging", "kustomize/overlays/staging", false, true],
      ["prod", "kustomize/overlays/prod", true, true],
    ]);
  });

  it("an engine error in one tool fails the run as a rejection, never as an unhandled one that kills the module", async () => {
    // Seen on the engine: the kustomize image could not be pulled while helm was still running;
    // the overlays' promise rejected before anything awaited it and the module's process died.
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const port = fakePort(repoGitops());
      port.renderOverlay = async () => {
        throw new Error("failed to resolve image registry.k8s.io/kustomize/kustomize:v5.8.2");
      };
      const slow = port.helm;
      port.helm = async (argv) => (await new Promise((r) => setTimeout(r, 50)), slow(argv));
      await expect(runValidation(port, OPTS)).rejects.toThrow(/failed to resolve image/);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("only the selected environments' overlays are built, with the binary given", async () => {
    const port = fakePort(repoGitops());
    const r = await runValidation(port, { ...OPTS, environments: ["prod"], kustomizeBinary: "/app/kustomize" });
    expect(port.calls.filter((c) => c[1] === "build")).toEqual([["/app/kustomize", "build", "kustomize/overlays/prod"]]);
    expect(r.overlays.map((o) => o.environment)).toEqual(["prod"]);
  });

  it("schema findings come in the environments' order whatever order kubeconform's workers print them in", async () => {
    const invalid = (env: string) => ({
      filename: `/rendered/${env}.yaml`,
      kind: "ConfigMap",
      name: "c",
      version: "v1",
      status: "statusInvalid",
      msg: "x - at '/data': got integer, want object",
    });
    const kubeconform = JSON.stringify({ resources: ["prod", "dev", "staging"].map(invalid), summary: { valid: 0, invalid: 3, errors: 0, skipped: 0 } });
    const r = await runValidation(fakePort(repoGitops(), { kubeconform }), OPTS);
    expect(r.findings.filter((f) => f.rule === "SCHEMA-INVALID").map((f) => f.environment)).toEqual(["dev", "staging", "prod"]);
  });

  it("an overlay's rendering gets the policy rules (production ones for prod) and kubeconform; its findings name the overlay", async () => {
    const deployment =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec:\n  replicas: 1\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: app, image: "app:latest"}]\n';
    const kubeconform = JSON.stringify({
      resources: [
        {
          filename: "/rendered/kustomize/staging.yaml",
          kind: "Deployment",
          name: "d",
          version: "apps/v1",
          status: "statusInvalid",
          msg: "x - at '/spec/replicas': got string, want integer",
        },
      ],
      summary: { valid: 0, invalid: 1, errors: 0, skipped: 0 },
    });
    const r = await runValidation(fakePort(repoGitops(), { overlay: (env) => (env === "dev" ? "" : deployment), kubeconform }), OPTS);
    expect(r.passed).toBe(false);
    const prodOnly = r.findings.filter((f) => f.rule.startsWith("POL-PROD"));
    expect(new Set(prodOnly.map((f) => f.overlay))).toEqual(new Set(["kustomize/overlays/prod"]));
    const tag = r.findings.filter((f) => f.rule === "POL-IMAGE-TAG");
    expect(tag.map((f) => [f.environment, f.overlay, f.object])).toEqual([
      ["staging", "kustomize/overlays/staging", "Deployment/ns/d"],
      ["prod", "kustomize/overlays/prod", "Deployment/ns/d"],
    ]);
    const schema = r.findings.filter((f) => f.rule === "SCHEMA-INVALID");
    expect(schema).toEqual([
      expect.objectContaining({ file: "kustomize/overlays/staging", environment: "staging", overlay: "kustomize/overlays/staging", object: "Deployment/d" }),
    ]);
    const staging = r.overlays.find((o) => o.environment === "staging")!;
    expect(staging.schema).toEqual({ valid: 0, invalid: 1, errors: 0, skipped: 0 });
    expect(staging.objects).toBe(1);
    expect(staging.errors).toBe(r.findings.filter((f) => f.overlay === "kustomize/overlays/staging" && f.severity === "error").length);
    // The Helm renderings were clean: overlay findings do not count against them.
    expect(r.environments.map((e) => e.errors)).toEqual([0, 0, 0]);
    // dev's overlay rendered nothing: Argo CD would sync nothing, a finding rather than a pass.
    expect(r.overlays.find((o) => o.environment === "dev")).toMatchObject({ rendered: true, objects: 0, errors: 1 });
    expect(r.findings.filter((f) => f.rule === "RENDER-EMPTY").map((f) => [f.environment, f.overlay, f.file])).toEqual([
      ["dev", "kustomize/overlays/dev", "kustomize/overlays/dev"],
    ]);
    expect(summarize(r)).toContain("  [prod kustomize/overlays/prod] Deployment/ns/d spec.replicas POL-PROD-REPLICAS");
    expect(summarize(r)).toContain("  staging kustomize (kustomize/overlays/staging): 1 objects rendered, schema 0 valid / 1 invalid");
  });

  it("an overlay that does not build is a KUSTOMIZE-BUILD finding, not a crash, and is not given to kubeconform", async () => {
    const port = fakePort(repoGitops());
    port.renderOverlay = async (env, argv) => (
      port.calls.push(argv),
      env === "prod" ? { exitCode: 1, stdout: "", stderr: "Error: accumulating resources: boom\n" } : { exitCode: 0, stdout: ONE_OBJECT, stderr: "" }
    );
    const r = await runValidation(port, OPTS);
    expect(r.passed).toBe(false);
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([
      {
        source: "kustomize",
        rule: "KUSTOMIZE-BUILD",
        severity: "error",
        file: "kustomize/overlays/prod",
        message: "prod: kustomize build failed: accumulating resources: boom",
        environment: "prod",
        overlay: "kustomize/overlays/prod",
      },
    ]);
    const kc = port.calls.find((c) => c[0] === "/kubeconform")!;
    expect(kc).toContain("/rendered/kustomize/dev.yaml");
    expect(kc).not.toContain("/rendered/kustomize/prod.yaml");
    expect(r.overlays.find((o) => o.environment === "prod")).toMatchObject({ rendered: false, objects: 0, errors: 1 });
    expect(r.environments.find((e) => e.name === "prod")!.errors).toBe(0);
    expect(summarize(r)).toContain("prod kustomize (kustomize/overlays/prod): render failed");
  });

  it("environments without an overlay (or a tree without kustomize/) build nothing", async () => {
    const files = repoGitops();
    for (const k of Object.keys(files)) if (k.startsWith("kustomize/")) delete files[k];
    const port = fakePort(files);
    const r = await runValidation(port, OPTS);
    expect(port.calls.filter((c) => c[1] === "build")).toEqual([]);
    expect(r.overlays).toEqual([]);
    expect(r.passed).toBe(true);
  });

  it("policy findings carry the environment; the production rules apply to prod only", async () => {
    const deployment = `# Source: gitops-demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: d}}
    spec:
      containers: [{name: app, image: "app:latest"}]
`;
    const r = await runValidation(fakePort(repoGitops(), { render: () => deployment }), OPTS);
    expect(r.passed).toBe(false);
    const prodOnly = r.findings.filter((f) => f.rule.startsWith("POL-PROD")).map((f) => f.environment);
    expect(new Set(prodOnly)).toEqual(new Set(["prod"]));
    const tag = r.findings.filter((f) => f.rule === "POL-IMAGE-TAG");
    expect(tag.map((f) => f.environment)).toEqual(["dev", "staging", "prod"]);
    expect(tag[2]).toMatchObject({ object: "Deployment/gitops-demo-prod/d", template: "templates/deployment.yaml" });
    expect(r.environments.find((e) => e.name === "prod")!.errors).toBeGreaterThan(r.environments.find((e) => e.name === "dev")!.errors);
    expect(summarize(r)).toMatch(/^validate FAILED[\s\S]*\[prod\] Deployment\/gitops-demo-prod\/d spec.replicas POL-PROD-REPLICAS/);
  });

  it("a failed render is a finding, and that environment is not given to kubeconform", async () => {
    const port = fakePort(repoGitops());
    port.render = async (env, argv) => (
      port.calls.push(argv),
      env === "staging"
        ? { exitCode: 1, stdout: "", stderr: "Error: template: gitops-demo/templates/x.yaml:3:4: boom\n" }
        : { exitCode: 0, stdout: "", stderr: "" }
    );
    const r = await runValidation(port, OPTS);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: "HELM-TEMPLATE", environment: "staging", file: "templates/x.yaml", line: 3 }));
    expect(port.calls.find((c) => c[0] === "/kubeconform")!.includes("/rendered/staging.yaml")).toBe(false);
    expect(r.environments.find((e) => e.name === "staging")!.rendered).toBe(false);
  });

  it("bad input is an InputError naming the file, before any tool runs", async () => {
    const cases: [string, (f: Record<string, string>) => void, RegExp, string[]?][] = [
      [
        "no chart",
        (f) => {
          for (const k of Object.keys(f)) if (k.startsWith("charts/")) delete f[k];
        },
        /^charts\/gitops-demo\/Chart.yaml: no Helm chart/,
      ],
      [
        "values not YAML",
        (f) => {
          f["environments/staging/values.yaml"] = "image:\n  tag: [1.2\n";
        },
        /^environments\/staging\/values.yaml(:\d+)?: is not valid YAML/,
      ],
      [
        "values missing",
        (f) => {
          delete f["environments/prod/values.yaml"];
        },
        /^environments\/prod\/values.yaml: values file of environment prod does not exist/,
      ],
      [
        "Argo CD file not YAML",
        (f) => {
          f["argocd/apps/dev.yaml"] = "kind: [\n";
        },
        /^argocd\/apps\/dev.yaml(:\d+)?: is not valid YAML/,
      ],
      [
        "layout file wrong",
        (f) => {
          f["gitops-pipeline.yaml"] = "chart: 3\nenvironments: {}\n";
        },
        /^gitops-pipeline.yaml: chart/,
      ],
      ["unknown environment", () => {}, /^--environments: unknown environment 'qa'/, ["qa"]],
    ];
    for (const [name, edit, message, environments] of cases) {
      const files = repoGitops();
      edit(files);
      const port = fakePort(files);
      await expect(runValidation(port, { ...OPTS, ...(environments ? { environments } : {}) }), name).rejects.toThrow(message);
      await expect(runValidation(port, { ...OPTS, ...(environments ? { environments } : {}) })).rejects.toBeInstanceOf(InputError);
      expect(port.calls, name).toEqual([]);
    }
  });

  it("a tree without gitops-pipeline.yaml uses the defaults", async () => {
    const files = repoGitops();
    delete files["gitops-pipeline.yaml"];
    const r = await runValidation(fakePort(files), OPTS);
    expect(r.environments.map((e) => [e.name, e.namespace, e.production])).toEqual([
      ["dev", "gitops-demo-dev", false],
      ["staging", "gitops-demo-staging", false],
      ["prod", "gitops-demo-prod", true],
    ]);
  });
});

describe("a policy finding through the typed Finding every run returns", () => {
  it("its file is the template the object was rendered from; a finding with its own file keeps it", async () => {
    const { Finding } = await import("../../dagger/src/run.js");
    const policy = Finding.of({
      source: "policy",
      rule: "POL-INGRESS-TLS",
      severity: "error",
      message: "no TLS",
      object: "Ingress/gitops-demo-prod/gitops-demo",
      path: "spec.tls",
      template: "templates/ingress.yaml",
      environment: "prod",
    });
    expect([policy.file, policy.object, policy.path, policy.environment]).toEqual([
      "templates/ingress.yaml",
      "Ingress/gitops-demo-prod/gitops-demo",
      "spec.tls",
      "prod",
    ]);
    expect(
      Finding.of({ source: "kubeconform", rule: "SCHEMA-INVALID", severity: "error", message: "m", file: "rendered/prod.yaml", template: "templates/x.yaml" })
        .file,
    ).toBe("rendered/prod.yaml");
    expect(Finding.of({ source: "argocd", rule: "ARGO-PATH", severity: "error", message: "m" }).file).toBe("");
  });
});

describe("validation flow of a multi-app tree (fake tools)", () => {
  const multi = (): Record<string, string> => {
    const files = repoGitops();
    const fixture = join(ROOT, "tests", "fixtures", "gitops-multi-app");
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const f of walk(fixture)) if (!f.endsWith("FIXTURE.md")) files[relative(fixture, f).split(sep).join("/")] = readFileSync(f, "utf8");
    return files;
  };

  it("renders each app's environments under <app>/<env> keys, one kubeconform run per app's environment", async () => {
    const port = fakePort(multi());
    const r = await runValidation(port, OPTS);
    expect(r.apps).toEqual(["gitops-demo", "payments"]);
    const kc = port.calls.filter((c) => c[0] === "/kubeconform").map((c) => c.filter((a) => a.startsWith("/rendered/")));
    expect(kc.filter((c) => c.length > 0)).toEqual([
      ["/rendered/gitops-demo/dev.yaml", "/rendered/kustomize/gitops-demo/dev.yaml"],
      ["/rendered/gitops-demo/staging.yaml", "/rendered/kustomize/gitops-demo/staging.yaml"],
      ["/rendered/gitops-demo/prod.yaml", "/rendered/kustomize/gitops-demo/prod.yaml"],
      ["/rendered/payments/dev.yaml"],
      ["/rendered/payments/staging.yaml"],
      ["/rendered/payments/prod.yaml"],
    ]);
    expect(port.calls.filter((c) => c[1] === "template").map((c) => c[2])).toEqual([
      "gitops-demo",
      "gitops-demo",
      "gitops-demo",
      "payments",
      "payments",
      "payments",
    ]);
  });

  it("a missing values file of one environment is APP-INPUT naming app, environment and file; that environment is not rendered, the others are", async () => {
    const files = multi();
    delete files["apps/payments/staging/values.yaml"];
    const r = await runValidation(fakePort(files), OPTS);
    const inputs = r.findings.filter((f) => f.rule === "APP-INPUT");
    expect(inputs.map((f) => [f.app, f.environment, f.file])).toEqual([["payments", "staging", "apps/payments/staging/values.yaml"]]);
    expect(r.environments.filter((e) => e.app === "payments").map((e) => e.name)).toEqual(["dev", "prod"]);
    // Argo CD's valueFiles entry for the same file is not reported a second time.
    expect(r.findings.filter((f) => f.rule === "ARGO-VALUES-FILES")).toEqual([]);
  });

  it("a values file that is not a YAML map is APP-INPUT with the parser's problem", async () => {
    const files = multi();
    files["apps/payments/dev/values.yaml"] = "- a\n- b\n";
    const r = await runValidation(fakePort(files), OPTS);
    const f = r.findings.find((x) => x.rule === "APP-INPUT")!;
    expect([f.app, f.environment, f.file]).toEqual(["payments", "dev", "apps/payments/dev/values.yaml"]);
    expect(f.message).toMatch(/^app payments: /);
  });
});
