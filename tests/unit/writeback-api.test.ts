import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";
import { LAYOUT_DEFAULTS } from "../../dagger/src/core/writeback/layout.js";

describe("bump / promote as the engine introspects them", () => {
  for (const name of ["bump", "promote"]) {
    it(`${name}: never cached, Secrets for credentials, layout defaults from core/deploy.ts`, async () => {
      const fn = (await moduleApi()).objects.GitopsPipeline!.methods[name]!;
      expect(fn.cache).toBe("never");
      expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "BumpResult" });
      const a = fn.arguments;
      expect(a.token!.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
      expect(a.sshKey!.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
      expect(a.token!.isOptional && a.sshKey!.isOptional).toBe(true);
      expect(a.gitops!.defaultPath).toBe("/gitops");
      expect(a.format!.type).toEqual({ kind: "ENUM_KIND", name: "WriteBackFormat" });
      expect(a.format!.defaultValue).toBe("helm");
      expect(a.valuesPath!.defaultValue).toBe(LAYOUT_DEFAULTS.valuesPath);
      expect(a.kustomizationPath!.defaultValue).toBe(LAYOUT_DEFAULTS.kustomizationPath);
      expect(a.environments!.defaultValue).toBe(LAYOUT_DEFAULTS.environments);
      expect(a.gitopsPath!.defaultValue).toBe(LAYOUT_DEFAULTS.gitopsPath);
      expect(a.dryRun!.defaultValue).toBe(false);
      expect(a.branch!.defaultValue).toBe("main");
      // No argument may carry a credential as a plain string.
      const stringArgs = Object.values(a).filter((x) => x.type.kind === "STRING_KIND").map((x) => x.name);
      expect(stringArgs.filter((n) => /token|password|key$/i.test(n))).toEqual([]);
    });
  }

  it("BumpResult exposes data first: status, commit, changed, diff, summary, validation, attempts, directory", async () => {
    const obj = (await moduleApi()).objects.BumpResult!;
    expect(Object.keys(obj.properties).sort()).toEqual(["attempts", "changed", "commit", "diff", "directory", "status", "summary", "validation"]);
  });

  it("the tag is the one required argument of bump", async () => {
    const a = (await moduleApi()).objects.GitopsPipeline!.methods.bump!.arguments;
    const required = Object.values(a).filter((x) => !x.isOptional && x.defaultValue === undefined).map((x) => x.name);
    expect(required).toEqual(["tag"]);
  });
});
