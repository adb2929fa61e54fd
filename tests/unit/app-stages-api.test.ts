import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";
import { DEFAULT_LINTERS } from "../../dagger/src/core/defaults.js";

describe("the app object as the engine introspects it", () => {
  it("app() needs no argument: the source comes from the constructor (defaultPath /app)", async () => {
    const api = await moduleApi();
    const app = api.objects.GitopsPipeline!.methods.app!;
    expect(app.returnType).toMatchObject({ kind: "OBJECT_KIND", name: "App" });
    for (const a of Object.values(app.arguments)) expect(a.defaultValue, a.name).toBeDefined();
    for (const fn of Object.values(api.objects.App!.methods)) expect(Object.keys(fn.arguments), fn.name).not.toContain("source");
  });

  it("publish is never cached, scan at most a day, the rest by default", async () => {
    const fns = (await moduleApi()).objects.App!.methods;
    expect(fns.publish!.cache).toBe("never");
    expect(fns.scan!.cache).toBe("24h");
    for (const name of ["lint", "test", "build", "imageTarball"]) expect(fns[name]!.cache, name).toBeUndefined();
  });

  it("the top-level lint and test checks need no argument", async () => {
    const fns = (await moduleApi()).objects.GitopsPipeline!.methods;
    for (const name of ["lintCheck", "testCheck", "validateCheck"]) {
      expect(fns[name]!.isCheck, name).toBe(true);
      expect(Object.keys(fns[name]!.arguments), name).toEqual([]);
    }
  });

  it("linters is a list of names whose documentation points at the registry's table (a list of enums would break module-to-module calls)", async () => {
    const api = await moduleApi();
    const arg = api.objects.App!.methods.lint!.arguments.linters!;
    expect(arg.type).toEqual({ kind: "LIST_KIND", typeDef: { kind: "STRING_KIND" } });
    // The docstring is read statically, so it cannot list the registry; the table it names is generated (linters.test.ts).
    expect(arg.description).toContain("linter table of docs/app-stages.md");
    for (const l of DEFAULT_LINTERS) expect(arg.description).toContain(l);
  });

  it("registry credentials are a Secret; image and run are required", async () => {
    const args = (await moduleApi()).objects.App!.methods.publish!.arguments;
    expect(args.password!.type).toMatchObject({ kind: "OBJECT_KIND", name: "Secret" });
    expect(args.username!.type.kind).toBe("STRING_KIND");
    for (const a of ["image", "run"]) expect(args[a]!.isOptional || args[a]!.defaultValue !== undefined, a).toBe(false);
  });
});
