import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";

describe("validate functions as the engine introspects them", () => {
  it("validate reads gitops/ by default and takes optional environments and offline schema directories", async () => {
    const fn = (await moduleApi()).objects.GitopsPipeline!.methods.validate!;
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "ValidateRun" });
    expect(fn.arguments.gitops).toMatchObject({ defaultPath: "/gitops", type: { kind: "OBJECT_KIND", name: "Directory" } });
    expect(fn.arguments.environments).toMatchObject({ isOptional: true, type: { kind: "LIST_KIND", typeDef: { kind: "STRING_KIND" } } });
    expect(fn.arguments.schemas).toMatchObject({ isOptional: true, type: { name: "Directory" } });
    expect(fn.arguments.crdSchemas).toMatchObject({ isOptional: true, type: { name: "Directory" } });
    expect(fn.isCheck).toBe(false);
  });

  it("validateCheck is a check with no required argument", async () => {
    const fn = (await moduleApi()).objects.GitopsPipeline!.methods.validateCheck!;
    expect(fn.isCheck).toBe(true);
    expect(fn.returnType.kind).toBe("VOID_KIND");
    const required = Object.values(fn.arguments).filter((a) => !a.isOptional && a.defaultPath === undefined && a.defaultValue === undefined);
    expect(required).toEqual([]);
    expect(fn.arguments.gitops!.defaultPath).toBe("/gitops");
  });

  it("ValidateRun reports data first and fails second", async () => {
    const run = (await moduleApi()).objects.ValidateRun!;
    expect(Object.keys(run.methods).sort()).toEqual(["assert", "findings", "passed", "report", "summary"]);
    expect(run.methods.report!.returnType).toEqual({ kind: "OBJECT_KIND", name: "File" });
    expect(run.methods.assert!.returnType.kind).toBe("VOID_KIND");
    expect(run.properties.rendered!.isExposed).toBe(true);
    // Internal state travels with the object but is not part of its API.
    expect(run.properties.resultJson!.isExposed).toBe(false);
  });
});
