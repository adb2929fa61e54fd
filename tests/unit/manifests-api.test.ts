import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";

describe("the manifests object as the engine introspects it", () => {
  it("manifests() needs no argument (app, for a multi-app tree, defaults to every app): the gitops tree and the offline schemas come from the constructor", async () => {
    const api = await moduleApi();
    const fn = api.objects.GitopsPipeline!.methods.manifests!;
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "Manifests" });
    expect(Object.fromEntries(Object.values(fn.arguments).map((a) => [a.name, a.defaultValue]))).toEqual({ app: "" });
    const ctor = api.objects.GitopsPipeline!.constructor!.arguments;
    expect(ctor.gitops).toMatchObject({ defaultPath: "/gitops", type: { kind: "OBJECT_KIND", name: "Directory" } });
    for (const s of ["schemas", "crdSchemas"]) expect(ctor[s], s).toMatchObject({ isOptional: true, type: { name: "Directory" } });
  });

  it("validate takes optional environments and is not itself a check", async () => {
    const fn = (await moduleApi()).objects.Manifests!.methods.validate!;
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "Run" });
    expect(fn.arguments.environments).toMatchObject({ type: { kind: "LIST_KIND", typeDef: { kind: "STRING_KIND" } } });
    expect(fn.isCheck).toBe(false);
  });

  it("end-to-end: optional image, never cached, defaults from the table", async () => {
    const fn = (await moduleApi()).objects.Manifests!.methods.endToEnd!;
    expect(fn.cache).toBe("never");
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "Run" });
    const args = Object.fromEntries(Object.values(fn.arguments).map((a) => [a.name, a]));
    expect(args.image!.isOptional).toBe(true);
    const defaults = Object.fromEntries(["environment", "version", "namespace", "timeout"].map((n) => [n, args[n]!.defaultValue]));
    expect(defaults).toEqual({
      environment: DEFAULTS.environment,
      version: DEFAULTS.e2eVersion,
      namespace: DEFAULTS.e2eNamespace,
      timeout: DEFAULTS.e2eTimeout,
    });
  });

  it("the kind debugging helpers return the dind Service and the kubeconfig File", async () => {
    const m = (await moduleApi()).objects.Manifests!.methods;
    expect(m.kindDocker!.returnType).toEqual({ kind: "OBJECT_KIND", name: "Service" });
    expect(m.kindKubeconfig!.returnType).toEqual({ kind: "OBJECT_KIND", name: "File" });
  });

  it("the run keeps its internal state out of its API", async () => {
    const run = (await moduleApi()).objects.Run!;
    expect(run.properties.reportText!.isExposed).toBe(false);
    expect(run.properties.artifacts!.isExposed).toBe(true);
  });
});
