import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { moduleApi } from "../helpers/module-api.js";

describe("module API as the engine introspects it", () => {
  it("exposes GitopsPipeline with a description", async () => {
    const api = await moduleApi();
    expect(api.name).toBe("GitopsPipeline");
    expect(api.objects.GitopsPipeline).toBeDefined();
    expect(api.objects.GitopsPipeline!.description).not.toBe("");
  });

  it("documents every object, function and argument", async () => {
    const api = await moduleApi();
    const missing: string[] = [];
    for (const obj of Object.values(api.objects)) {
      if (!obj.description.trim()) missing.push(obj.name);
      for (const arg of Object.values(obj.constructor?.arguments ?? {})) {
        if (!arg.description.trim()) missing.push(`${obj.name}(${arg.name})`);
      }
      for (const fn of Object.values(obj.methods)) {
        if (!fn.description.trim()) missing.push(`${obj.name}.${fn.name}`);
        for (const arg of Object.values(fn.arguments)) {
          if (!arg.description.trim()) missing.push(`${obj.name}.${fn.name}(${arg.name})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("pins every constructor default to core/versions.ts", async () => {
    const api = await moduleApi();
    const args = api.objects.GitopsPipeline!.constructor!.arguments;
    const pinned = Object.values(args).filter((a) => a.name in VERSIONS);
    expect(pinned.length).toBeGreaterThan(0);
    for (const arg of pinned) {
      expect(arg.defaultValue, arg.name).toBe(VERSIONS[arg.name as keyof typeof VERSIONS]);
    }
  });

  it("dagger.json pins the engine to the SDK version in package.json", () => {
    const dagger = JSON.parse(readFileSync("dagger.json", "utf8"));
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    expect(dagger.engineVersion).toBe(`v${VERSIONS.dagger}`);
    expect(pkg.devDependencies["@dagger.io/dagger"]).toBe(VERSIONS.dagger);
    expect(dagger.source).toBe("dagger");
  });

  it("the repo tooling uses the same versions of the module's runtime dependencies", () => {
    const root = JSON.parse(readFileSync("package.json", "utf8")).devDependencies as Record<string, string>;
    const mod = JSON.parse(readFileSync("dagger/package.json", "utf8")).dependencies as Record<string, string>;
    for (const dep of Object.keys(mod).filter((d) => d in root)) {
      expect(root[dep], dep).toBe(mod[dep]);
    }
  });
});
