/**
 * The smoke check's reading of a rendered environment: the app container's user, read-only root
 * filesystem, port, environment, mounts, command and probes, as the kubelet would apply them.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { effectiveCommand, expandEnv, quantityBytes, smokeRuntime } from "../../dagger/src/core/smoke/runtime.js";
import { environmentRendering, renderOnlyPort } from "../../dagger/src/core/smoke/render.js";
import { parseKubeconform } from "../../dagger/src/core/validate/output.js";
import type { ValidationPort, ValidationResult } from "../../dagger/src/core/validate/validation-types.js";
import { InputError } from "../../dagger/src/core/errors.js";

/** A Deployment as the sample chart renders it (trimmed), plus a ConfigMap and a sidecar-free pod. */
const RENDERED = `---
# Source: gitops-demo/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  FEATURE: checkout-v2
  settings.toml: "mode = 'x'"
---
# Source: gitops-demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: gitops-demo}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001}
      containers:
        - name: app
          image: "ghcr.io/example/gitops-demo:0.1.0"
          securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
          ports: [{name: http, containerPort: 8080}]
          envFrom: [{configMapRef: {name: app-config}, prefix: CFG_}]
          env:
            - {name: APP_VERSION, value: "0.1.0"}
            - {name: PORT, value: "8080"}
            - {name: BIND, value: "0.0.0.0:$(PORT)"}
            - {name: LITERAL, value: "$$(PORT)"}
            - {name: FEATURE, valueFrom: {configMapKeyRef: {name: app-config, key: FEATURE}}}
            - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
            - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
          startupProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 2, failureThreshold: 30}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}, initialDelaySeconds: 15}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            - {name: config, mountPath: /etc/app}
            - {name: one, mountPath: /app/settings.toml, subPath: settings.toml}
            - {name: data, mountPath: /data}
      volumes:
        - {name: tmp, emptyDir: {sizeLimit: 64Mi}}
        - {name: config, configMap: {name: app-config, items: [{key: settings.toml, path: s.toml}]}}
        - {name: one, configMap: {name: app-config}}
        - {name: data, persistentVolumeClaim: {claimName: data}}
`;

const objects = (text: string) => parseManifests(text, "rendered/dev.yaml", "gitops-demo-dev").objects;

describe("smoke runtime from the rendered Deployment", () => {
  const r = smokeRuntime(objects(RENDERED), { where: "rendered/dev.yaml" });

  it("user, group, runAsNonRoot (pod level), read-only root filesystem (container level), the http port", () => {
    expect(r).toMatchObject({
      workload: "Deployment/gitops-demo-dev/gitops-demo",
      container: "app",
      runAsUser: 10001,
      runAsGroup: 10001,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      port: 8080,
    });
  });

  it("environment in Kubernetes order: envFrom (prefixed) first, then env with $(VAR) expanded and references resolved from the rendering", () => {
    expect(r.env).toEqual([
      { name: "CFG_FEATURE", value: "checkout-v2" },
      { name: "CFG_settings.toml", value: "mode = 'x'" },
      { name: "APP_VERSION", value: "0.1.0" },
      { name: "PORT", value: "8080" },
      { name: "BIND", value: "0.0.0.0:8080" },
      { name: "LITERAL", value: "$(PORT)" },
      { name: "FEATURE", value: "checkout-v2" },
      { name: "POD_NAMESPACE", value: "gitops-demo-dev" },
    ]);
  });

  it("emptyDir as a sized tmpfs, ConfigMap volumes as files (items and subPath), the rest listed as not provided", () => {
    expect(r.tempMounts).toEqual([{ path: "/tmp", volume: "tmp", sizeBytes: 64 * 1024 * 1024 }]);
    expect(r.fileMounts).toEqual([
      { path: "/etc/app", files: { "s.toml": "mode = 'x'" }, volume: "config" },
      { path: "/app/settings.toml", content: "mode = 'x'", volume: "one" },
    ]);
    expect(r.notProvided).toEqual([
      "env DB_PASSWORD: Secret db/password is not in the rendering, left unset",
      "volume data (persistentVolumeClaim) at /data: not available without a cluster, not mounted",
    ]);
  });

  it("the container's HTTP probes with named ports resolved", () => {
    expect(r.probes).toEqual([
      { kind: "startup", path: "/healthz", port: 8080, budgetSeconds: 60 },
      { kind: "liveness", path: "/healthz", port: 8080, budgetSeconds: 30 },
      { kind: "readiness", path: "/readyz", port: 8080, budgetSeconds: 45 },
    ]);
  });

  it("a second workload makes the choice ambiguous: the error names every container and the setting; a pick resolves it", () => {
    const two = `${RENDERED}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: worker}\nspec: {template: {spec: {containers: [{name: celery, image: x, ports: [{containerPort: 1}]}]}}}\n`;
    expect(() => smokeRuntime(objects(two), { where: "rendered/dev.yaml" })).toThrow(
      /renders 2 containers.*gitops-demo\/app, worker\/celery.*smoke\.container/,
    );
    expect(smokeRuntime(objects(two), { where: "rendered/dev.yaml", pick: "worker/celery" }).container).toBe("celery");
    expect(smokeRuntime(objects(two), { where: "x", imageRepository: "ghcr.io/example/gitops-demo" }).container).toBe("app");
    expect(() => smokeRuntime(objects(two), { where: "x", pick: "nope" })).toThrow(/has no container 'nope'/);
  });

  it("no workload, or no port at all, is an input error naming the rendering", () => {
    expect(() => smokeRuntime(objects("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"), { where: "rendered/dev.yaml" })).toThrow(InputError);
    const noPort = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: c, image: x}]}}}\n";
    expect(() => smokeRuntime(objects(noPort), { where: "rendered/dev.yaml" })).toThrow(/rendered\/dev.yaml: .*no containerPort/);
  });

  it("container securityContext wins over the pod's; an exec probe is listed, not run", () => {
    const y = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec:
  template:
    spec:
      securityContext: {runAsUser: 1000, runAsNonRoot: false}
      containers:
        - name: c
          image: x
          securityContext: {runAsUser: 2000, runAsNonRoot: true}
          ports: [{containerPort: 5000}]
          livenessProbe: {exec: {command: [true]}}
`;
    const s = smokeRuntime(objects(y), { where: "w" });
    expect(s).toMatchObject({ runAsUser: 2000, runAsNonRoot: true, readOnlyRootFilesystem: false, port: 5000, probes: [] });
    expect(s.notProvided).toEqual(["livenessProbe: not an httpGet probe (exec), not run"]);
  });
});

describe("smoke runtime helpers", () => {
  it("command and args follow Kubernetes: command replaces entrypoint and cmd, args replaces cmd", () => {
    const image = { entrypoint: ["gunicorn"], cmd: ["app:app"] };
    expect(effectiveCommand(image, {})).toEqual(["gunicorn", "app:app"]);
    expect(effectiveCommand(image, { args: ["other:app"] })).toEqual(["gunicorn", "other:app"]);
    expect(effectiveCommand(image, { command: ["python", "-m", "x"] })).toEqual(["python", "-m", "x"]);
    expect(effectiveCommand(image, { command: ["python"], args: ["y.py"] })).toEqual(["python", "y.py"]);
  });

  it("quantities in bytes", () => {
    expect(quantityBytes("64Mi")).toBe(67108864);
    expect(quantityBytes("1G")).toBe(1e9);
    expect(quantityBytes("500")).toBe(500);
    expect(quantityBytes(undefined)).toBeUndefined();
    expect(quantityBytes("lots")).toBeUndefined();
  });

  it("expandEnv leaves text without $( untouched, and unknown references as written", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("$(")),
        (s) => expandEnv(s, new Map([["A", "1"]])) === s,
      ),
    );
    expect(expandEnv("$(NOPE)-$(A)", new Map([["A", "1"]]))).toBe("$(NOPE)-1");
  });
});

describe("the environment's rendering, made by validate's flow through a render-only port", () => {
  const base: ValidationPort = {
    files: async () => [],
    read: async () => "",
    helm: async () => {
      throw new Error("helm lint must not run");
    },
    prepareChart: async () => ({ exitCode: 0, stdout: "", stderr: "" }),
    render: async () => ({ exitCode: 0, stdout: RENDERED, stderr: "" }),
    renderOverlay: async () => ({ exitCode: 1, stdout: "", stderr: "boom" }),
    keep: async () => undefined,
    kubeconform: async () => {
      throw new Error("kubeconform must not run");
    },
    renderedPath: (k) => `/rendered/${k}.yaml`,
    treePath: (p) => `/gitops/${p}`,
  };

  it("helm lint and kubeconform are skipped (their empty report parses to no finding); successful renderings are kept by key", async () => {
    const { port, renderings } = renderOnlyPort(base);
    expect((await port.helm(["helm", "lint"])).exitCode).toBe(0);
    expect(parseKubeconform(await port.kubeconform(["kubeconform"])).findings).toEqual([]);
    await port.render("dev", ["helm", "template"]);
    await port.renderOverlay("dev", ["kustomize", "build"]);
    expect([...renderings.keys()]).toEqual(["dev"]);
  });

  const result = (over: Partial<ValidationResult>): ValidationResult => ({
    kubernetesVersion: "1.36.0",
    chart: "c",
    apps: ["a"],
    environments: [],
    overlays: [],
    argocdSchema: { valid: 0, invalid: 0, errors: 0, skipped: 0 },
    findings: [],
    passed: true,
    ...over,
  });
  const env = {
    name: "dev",
    namespace: "ns",
    production: false,
    values: [],
    lintPassed: true,
    rendered: true,
    objects: 3,
    hooks: 0,
    testHooksLeftOut: 0,
    schema: result({}).argocdSchema,
    errors: 0,
  };

  it("the Helm rendering first; a kustomize-only environment's overlay otherwise; a multi-app key <app>/<env>", () => {
    expect(environmentRendering(result({ environments: [env] }), new Map([["dev", RENDERED]]), "dev", undefined).file).toBe("rendered/dev.yaml");
    const overlay = {
      environment: "dev",
      overlay: "k/dev",
      production: false,
      rendered: true,
      objects: 1,
      hooks: 0,
      testHooksLeftOut: 0,
      schema: env.schema,
      errors: 0,
    };
    expect(environmentRendering(result({ overlays: [overlay] }), new Map([["kustomize/dev", RENDERED]]), "dev", undefined).file).toBe(
      "rendered/kustomize/dev.yaml",
    );
    const multi = environmentRendering(result({ environments: [{ ...env, app: "shop" }] }), new Map([["shop/dev", RENDERED]]), "dev", "shop");
    expect(multi.file).toBe("rendered/shop/dev.yaml");
    expect(multi.objects.map((o) => o.kind)).toEqual(["ConfigMap", "Deployment"]);
  });

  it("a rendering that failed fails with validate's own finding", () => {
    const failed = result({
      environments: [{ ...env, rendered: false }],
      findings: [{ source: "helm", rule: "HELM-TEMPLATE", severity: "error", message: "dev: template: x.yaml:3: nil pointer", environment: "dev" }],
    });
    expect(() => environmentRendering(failed, new Map(), "dev", undefined)).toThrow(
      /environment: 'dev' has no rendering to run: dev: template: x.yaml:3: nil pointer/,
    );
  });
});

describe("the smoke settings (gitops-pipeline.settings.yaml: smoke)", () => {
  it("on by default with no container named; off and a container when the team says so; a bad container named at its key", async () => {
    const { parseAppSettings, defaultAppSettings } = await import("../../dagger/src/core/settings/app-settings.js");
    expect(defaultAppSettings().smoke).toEqual({ enabled: true, container: "" });
    expect(parseAppSettings("smoke:\n  enabled: false\n  container: shop/web\n").smoke).toEqual({ enabled: false, container: "shop/web" });
    expect(() => parseAppSettings("smoke:\n  container: Shop Web\n")).toThrow(/smoke\.container: is not <workload> or <workload>\/<container>/);
    expect(() => parseAppSettings("smoke:\n  enable: false\n")).toThrow(/smoke/);
  });
});
