/**
 * The module as a Dagger 0.21 toolchain of another team's module: the functions `dagger check`,
 * `dagger generate` and `dagger up` find (read with the engine's own introspector), the add-app
 * generator's decisions and Changeset paths, and the consumer fixture's dagger.json naming only
 * arguments the module has (a renamed argument silently drops a team's customization).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parsePipelineConfig, DEFAULT_PIPELINE_CONFIG } from "../../dagger/src/core/gitops-config.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { addAppGeneration, changesRoot, repositoryPaths } from "../../dagger/src/core/scaffold/generate.js";
import { planAddApp } from "../../dagger/src/core/scaffold/add-app.js";
import { readScaffoldSource } from "../../dagger/src/core/scaffold/source.js";
import { kebab } from "../helpers/engine-names.js";
import { localEnvironment } from "../../dagger/src/scaffold/generate.js";
import { moduleApi, type FnDef } from "../helpers/module-api.js";
import { MODULE_ENTRY_EXPORTS } from "../helpers/runtime-facts.js";
import { ROOT } from "../helpers/tools.js";

const CONSUMER = join(ROOT, "tests", "fixtures", "consumer-repo");
const walk = (d: string, r = d): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), r) : [relative(r, join(d, e.name)).split(sep).join("/")]));

async function mainFunctions(): Promise<Record<string, FnDef>> {
  return (await moduleApi()).objects.GitopsPipeline!.methods;
}

const flagged = (fns: Record<string, FnDef>, flag: "isCheck" | "isGenerator" | "isUp") =>
  Object.values(fns)
    .filter((f) => f[flag])
    .map((f) => f.name)
    .sort();

describe("what dagger check, generate and up find on the module", () => {
  it("@check: lint, test, validate, the source's secrets, the image scan and the smoke check, none taking an argument", async () => {
    const fns = await mainFunctions();
    expect(flagged(fns, "isCheck")).toEqual(["lintCheck", "scanCheck", "secretsCheck", "smokeCheck", "testCheck", "validateCheck"]);
    for (const name of flagged(fns, "isCheck")) expect(Object.keys(fns[name]!.arguments), name).toEqual([]);
  });

  it("@generate: add-app, returning a Changeset, every argument with a default (dagger generate passes none)", async () => {
    const fns = await mainFunctions();
    expect(flagged(fns, "isGenerator")).toEqual(["addApp"]);
    expect(fns.addApp!.returnType).toMatchObject({ kind: "OBJECT_KIND", name: "Changeset" });
    for (const arg of Object.values(fns.addApp!.arguments)) expect(arg.defaultValue, arg.name).toBeDefined();
  });

  it("@up: the app's image and the local GitOps environment, each a Service, every argument with a default", async () => {
    const fns = await mainFunctions();
    expect(flagged(fns, "isUp")).toEqual(["appService", "localGitopsCluster"]);
    for (const name of flagged(fns, "isUp")) {
      expect(fns[name]!.returnType, name).toMatchObject({ kind: "OBJECT_KIND", name: "Service" });
      for (const arg of Object.values(fns[name]!.arguments)) expect(arg.defaultValue, `${name}(${arg.name})`).toBeDefined();
    }
  });

  it("no function is two of check, generator and service", async () => {
    for (const fn of Object.values(await mainFunctions())) expect([fn.isCheck, fn.isGenerator, fn.isUp].filter(Boolean).length, fn.name).toBeLessThanOrEqual(1);
  });

  it("@up comes from the module's own decorator: the runtime's module entry exports no up (importing it fails at load)", () => {
    expect(MODULE_ENTRY_EXPORTS.has("up")).toBe(false);
    expect(MODULE_ENTRY_EXPORTS.has("generate")).toBe(true);
    const index = readFileSync(join(ROOT, "dagger", "src", "index.ts"), "utf8");
    expect(index).toMatch(/import \{ up \} from "\.\/up\.js";/);
  });
});

describe("add-app as a generator", () => {
  const single = DEFAULT_PIPELINE_CONFIG;
  const multi = parsePipelineConfig(readFileSync(join(ROOT, "tests", "fixtures", "gitops-multi-app", "gitops-pipeline.yaml"), "utf8"));

  it("adds nothing when no name is declared, or when the app exists (then dagger check finds it up to date)", () => {
    expect(addAppGeneration(single, "")).toEqual({ action: "none", reason: "no app declared (--name is empty)" });
    expect(addAppGeneration(single, "  ")).toMatchObject({ action: "none" });
    expect(addAppGeneration(multi, "payments")).toEqual({ action: "none", reason: "app payments exists in gitops-pipeline.yaml" });
    expect(addAppGeneration(multi, "refunds")).toEqual({ action: "add", name: "refunds" });
  });

  it("places the Changeset where the tree sits: --path, else repoPath, '.' at the root", () => {
    expect(changesRoot("", "deploy")).toBe("deploy");
    expect(changesRoot("", "")).toBe(".");
    expect(changesRoot("infra/gitops/", "gitops")).toBe("infra/gitops");
    expect(changesRoot(".", "gitops")).toBe(".");
    expect(changesRoot("./deploy", "gitops")).toBe("deploy");
    expect(repositoryPaths("deploy", [{ path: "gitops-pipeline.yaml" }])).toEqual(["deploy/gitops-pipeline.yaml"]);
    expect(repositoryPaths(".", [{ path: "gitops-pipeline.yaml" }])).toEqual(["gitops-pipeline.yaml"]);
  });

  it("refuses a --path outside the repository, naming the flag", () => {
    for (const bad of ["/etc", "../elsewhere", "deploy/../..", "a b", "deploy;rm"]) {
      let error: unknown;
      try {
        changesRoot(bad, "gitops");
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(InputError);
      expect((error as InputError).input, bad).toBe("path");
    }
  });

  it("any accepted --path stays inside the repository", () => {
    const segment = fc.constantFrom("deploy", "gitops", ".", "..", "a-b", "x_1", "");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), (parts) => {
        const p = parts.join("/");
        let root: string;
        try {
          root = changesRoot(p, "gitops");
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          return;
        }
        expect(root.startsWith("/")).toBe(false);
        expect(root.split("/")).not.toContain("..");
      }),
    );
  });

  it("on the consumer fixture: the Changeset writes the new app under deploy/ (its repoPath) and edits deploy/gitops-pipeline.yaml", async () => {
    const deploy = join(CONSUMER, "deploy");
    const src = await readScaffoldSource(walk(deploy), async (p) => readFileSync(join(deploy, p), "utf8"));
    expect(addAppGeneration(src.pipeline, "refunds")).toEqual({ action: "add", name: "refunds" });
    const plan = planAddApp(src, { name: "refunds", image: "registry.example.com/acme/refunds", tag: "0.1.0", from: "" });
    expect(repositoryPaths(changesRoot("", src.pipeline.repoPath), plan.files)).toEqual([
      "deploy/apps/refunds/staging/values.yaml",
      "deploy/argocd/refunds-staging.yaml",
      "deploy/apps/refunds/production/values.yaml",
      "deploy/argocd/refunds-production.yaml",
      "deploy/argocd/refunds-project.yaml",
      "deploy/gitops-pipeline.yaml",
    ]);
    // After the generator ran, the tree declares the app: the next run changes nothing.
    const after = parsePipelineConfig(plan.files.find((f) => f.path === "gitops-pipeline.yaml")!.text);
    expect(addAppGeneration(after, "refunds")).toMatchObject({ action: "none" });
    expect(after.apps.map((a) => a.name)).toEqual(["orders", "refunds"]);
  });
});

describe("the consumer fixture installs the module as a toolchain", () => {
  const config = JSON.parse(readFileSync(join(CONSUMER, "dagger.json"), "utf8")) as {
    engineVersion: string;
    sdk?: unknown;
    toolchains: { name: string; source: string; customizations: { function?: string[]; argument: string; defaultPath?: string; default?: string }[] }[];
  };
  const toolchain = config.toolchains.find((t) => t.name === "gitops-pipeline")!;

  it("is a module without code of its own, on the module's engine version, with the module as its toolchain", () => {
    expect(config.sdk).toBeUndefined();
    expect(config.engineVersion).toBe(JSON.parse(readFileSync(join(ROOT, "dagger.json"), "utf8")).engineVersion);
    expect(toolchain).toBeDefined();
    expect(existsSync(join(CONSUMER, toolchain.source, "dagger.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(CONSUMER, toolchain.source, "dagger.json"), "utf8")).name).toBe("gitops-pipeline");
  });

  it("every customization names a function and argument the module has (camelCase, as the engine matches them)", async () => {
    const api = await moduleApi();
    const main = api.objects.GitopsPipeline!;
    for (const c of toolchain.customizations) {
      const args = c.function?.length ? main.methods[c.function[0]!]?.arguments : main.constructor?.arguments;
      expect(args, `function ${c.function?.join(".") ?? "(constructor)"}`).toBeDefined();
      expect(Object.keys(args!), `${c.function?.join(".") ?? "constructor"}: ${c.argument}`).toContain(c.argument);
      if (c.defaultPath !== undefined) expect(args![c.argument]!.type).toMatchObject({ kind: "OBJECT_KIND", name: "Directory" });
    }
  });

  it("points source and gitops at the team's directories, which hold an app and a gitops tree", () => {
    const paths = Object.fromEntries(toolchain.customizations.filter((c) => c.defaultPath).map((c) => [c.argument, c.defaultPath!]));
    expect(Object.keys(paths).sort()).toEqual(["gitops", "source"]);
    expect(statSync(join(CONSUMER, paths.source!, "Dockerfile")).isFile()).toBe(true);
    expect(statSync(join(CONSUMER, paths.gitops!, "gitops-pipeline.yaml")).isFile()).toBe(true);
  });
});

describe("the docs name checks, generators and services as dagger check, generate and up list them", () => {
  it("every gitops-pipeline:<name> in README and docs/ is a check, generator or service of the module", async () => {
    const fns = Object.values(await mainFunctions());
    const listed = new Map(fns.filter((f) => f.isCheck || f.isGenerator || f.isUp).map((f) => [kebab(f.name), f]));
    const docs = [
      "README.md",
      ...readdirSync(join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md") && f !== "reference.md")
        .map((f) => `docs/${f}`),
    ];
    const found: string[] = [];
    const bad: string[] = [];
    for (const doc of docs) {
      for (const m of readFileSync(join(ROOT, doc), "utf8").matchAll(/\bgitops-pipeline:([a-z][a-z0-9-]*)/g)) {
        found.push(m[1]!);
        if (!listed.has(m[1]!)) bad.push(`${doc}: gitops-pipeline:${m[1]}`);
      }
    }
    expect(found.length, "names found in the docs (the scan is not blind)").toBeGreaterThanOrEqual(5);
    expect(bad).toEqual([]);
  });
});

describe("local-gitops-cluster's environment when dagger up gives none", () => {
  it("dev when the tree declares it, else the tree's first environment (the consumer fixture has staging and production)", () => {
    expect(localEnvironment(["dev", "staging", "prod"])).toBe("dev");
    expect(localEnvironment(["staging", "dev"])).toBe("dev");
    expect(localEnvironment(["staging", "production"])).toBe("staging");
    expect(localEnvironment([])).toBe("dev");
  });
});
