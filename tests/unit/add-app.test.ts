import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { parse } from "yaml";
import { parsePipelineConfig } from "../../dagger/src/core/gitops-config.js";
import { planAddApp, type AddAppInputs } from "../../dagger/src/core/scaffold/add-app.js";
import { withApp } from "../../dagger/src/core/scaffold/pipeline-edit.js";
import { readScaffoldSource } from "../../dagger/src/core/scaffold/source.js";
import { expandApplicationSets } from "../../dagger/src/core/validate/applicationset.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { GitopsTree } from "../../dagger/src/core/validate/argocd.js";

const walk = (d: string, r = d): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), r) : [relative(r, join(d, e.name)).split(sep).join("/")]));
const sourceOf = (root: string) => readScaffoldSource(walk(root), async (p) => readFileSync(join(root, p), "utf8"));
const ARGS: AddAppInputs = { name: "refunds", image: "ghcr.io/acme/refunds", tag: "0.3.0", from: "" };

function multiAppTree(): string {
  const dir = mkdtempSync(join(tmpdir(), "add-app-"));
  cpSync("gitops", dir, { recursive: true });
  cpSync("tests/fixtures/gitops-multi-app", dir, { recursive: true });
  rmSync(join(dir, "FIXTURE.md"));
  return dir;
}

describe("add-app: a new app from a template app of the tree", () => {
  it("from a template environment without values files of its own: the new app's file starts empty, with the image", async () => {
    const dir = mkdtempSync(join(tmpdir(), "add-app-"));
    cpSync("gitops", dir, { recursive: true });
    const file = join(dir, "gitops-pipeline.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/(\n  dev:\n(?:    .*\n)*?)    values:.*\n/, "$1    values: []\n"));
    expect(parsePipelineConfig(readFileSync(file, "utf8")).apps[0]!.environments.dev!.values).toEqual([]);
    const plan = planAddApp(await sourceOf(dir), ARGS);
    const dev = parse(plan.files.find((f) => f.path === "apps/refunds/dev/values.yaml")!.text);
    expect(dev).toEqual({ nameOverride: "refunds", image: { repository: "ghcr.io/acme/refunds", tag: "0.3.0" } });
  });

  it("on gitops/ (single-app): values, Applications and project per environment, and the file turned into apps:", async () => {
    const plan = planAddApp(await sourceOf("gitops"), ARGS);
    expect(plan.files.map((f) => f.path)).toEqual([
      "apps/refunds/dev/values.yaml",
      "argocd/apps/refunds-dev.yaml",
      "apps/refunds/staging/values.yaml",
      "argocd/apps/refunds-staging.yaml",
      "apps/refunds/prod/values.yaml",
      "argocd/apps/refunds-prod.yaml",
      "argocd/apps/refunds-project.yaml",
      "gitops-pipeline.yaml",
    ]);
    const file = (p: string) => plan.files.find((f) => f.path === p)!.text;
    const prod = parse(file("apps/refunds/prod/values.yaml"));
    expect(prod).toMatchObject({
      nameOverride: "refunds",
      replicaCount: 3,
      image: { repository: "ghcr.io/acme/refunds", tag: "0.3.0", digest: "" },
      env: { appVersion: "0.3.0" },
    });
    // The template's own Ingress is not copied; its name in label selectors becomes the new app's.
    expect(prod.ingress).toBeUndefined();
    expect(JSON.stringify(prod.topologySpreadConstraints)).not.toContain("gitops-demo");
    expect(prod.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual({
      "app.kubernetes.io/name": "refunds",
      "app.kubernetes.io/instance": "refunds",
    });
    const app = parse(file("argocd/apps/refunds-prod.yaml"));
    expect(app.metadata.name).toBe("refunds-prod");
    expect(app.spec).toMatchObject({
      project: "refunds",
      destination: { namespace: "refunds-prod" },
      source: { path: "gitops/charts/gitops-demo", helm: { releaseName: "refunds", valueFiles: ["../../apps/refunds/prod/values.yaml"] } },
    });
    const project = parse(file("argocd/apps/refunds-project.yaml"));
    expect(project.metadata.name).toBe("refunds");
    expect(project.spec.destinations).toEqual([{ server: "https://kubernetes.default.svc", namespace: "refunds-*" }]);
    const p = parsePipelineConfig(file("gitops-pipeline.yaml"));
    expect(p.multiApp).toBe(true);
    expect(p.apps.map((a) => a.name)).toEqual(["gitops-demo", "refunds"]);
    expect(p.apps[0]!.environments).toEqual(parsePipelineConfig(readFileSync("gitops/gitops-pipeline.yaml", "utf8")).apps[0]!.environments);
    expect(p.apps[1]!.environments.prod).toMatchObject({
      values: ["apps/refunds/prod/values.yaml"],
      namespace: "refunds-prod",
      application: "refunds-prod",
      production: true,
    });
    // The comments of the converted file are kept.
    expect(file("gitops-pipeline.yaml")).toContain("# Production rules apply");
  });

  it("on the multi-app sample, from the app whose Applications an ApplicationSet generates: appended to apps:, files beside the set", async () => {
    const plan = planAddApp(await sourceOf(multiAppTree()), { ...ARGS, from: "payments" });
    const config = plan.files.find((f) => f.path === "gitops-pipeline.yaml")!.text;
    expect(parsePipelineConfig(config).apps.map((a) => a.name)).toEqual(["gitops-demo", "payments", "refunds"]);
    expect(config).toContain("# The same chart, another release");
    const prodValues = parse(plan.files.find((f) => f.path === "apps/refunds/prod/values.yaml")!.text);
    expect(prodValues.nameOverride).toBe("refunds");
    expect(plan.files.map((f) => f.path)).toContain("argocd/apps/refunds-prod.yaml");
    const app = parse(plan.files.find((f) => f.path === "argocd/apps/refunds-dev.yaml")!.text);
    expect(app.spec.project).toBe("refunds");
    expect(app.metadata.labels["app.kubernetes.io/part-of"]).toBe("refunds");
  });

  it("bad arguments fail before anything is planned, naming the argument", async () => {
    const src = await sourceOf(multiAppTree());
    expect(() => planAddApp(src, { ...ARGS, name: "payments" })).toThrow(/^--name: app 'payments' already exists in gitops-pipeline.yaml/);
    expect(() => planAddApp(src, { ...ARGS, name: "Refunds" })).toThrow(/^--name: is not an app name/);
    expect(() => planAddApp(src, { ...ARGS, name: "a".repeat(41) })).toThrow(/^--name: is longer than 40 characters/);
    expect(() => planAddApp(src, { ...ARGS, image: "GHCR.io/Acme" })).toThrow(/^--image: /);
    expect(() => planAddApp(src, { ...ARGS, tag: "latest" })).toThrow(/^--tag: /);
    expect(() => planAddApp(src, { ...ARGS, from: "orders" })).toThrow(/^--from: unknown app 'orders'/);
    expect(() => planAddApp(src, { ...ARGS, name: "apps" })).not.toThrow();
  });

  it("a name whose files exist already is refused (nothing overwritten)", async () => {
    const src = await sourceOf(multiAppTree());
    expect(() => planAddApp({ ...src, tree: new GitopsTree([...walk(multiAppTree()), "apps/refunds/x.yaml"]) }, ARGS)).toThrow(
      /^--name: apps\/refunds already exists in the gitops tree/,
    );
  });

  it("the generated Applications are what the ApplicationSet-free checks expect: one per environment, valid YAML", async () => {
    const plan = planAddApp(await sourceOf("gitops"), ARGS);
    const objects = plan.files.filter((f) => f.path.startsWith("argocd/")).flatMap((f) => parseManifests(f.text, f.path).objects);
    expect(objects.map((o) => `${o.kind}/${o.name}`)).toEqual([
      "Application/refunds-dev",
      "Application/refunds-staging",
      "Application/refunds-prod",
      "AppProject/refunds",
    ]);
    expect(expandApplicationSets(objects).applications).toEqual([]);
  });

  it("withApp on a tree without gitops-pipeline.yaml writes the default layout in the apps: form", () => {
    const text = withApp(undefined, { name: "x", chart: "charts/gitops-demo", environments: { dev: { values: ["apps/x/dev/values.yaml"] } } });
    expect(parsePipelineConfig(text).apps.map((a) => [a.name, a.chart])).toEqual([
      ["gitops-demo", "charts/gitops-demo"],
      ["x", "charts/gitops-demo"],
    ]);
  });
});
