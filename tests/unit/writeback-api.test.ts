import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";

describe("the gitops repository object as the engine introspects it", () => {
  it("gitops-repo needs no argument: local mode edits the constructor's gitops tree", async () => {
    const fn = (await moduleApi()).objects.GitopsPipeline!.methods.gitopsRepo!;
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "GitopsRepo" });
    expect(Object.fromEntries(Object.values(fn.arguments).map((a) => [a.name, a.defaultValue]))).toEqual({
      url: "",
      branch: DEFAULTS.gitopsBranch,
      path: "",
      app: "",
    });
  });

  it("credentials are Secrets, given through with-token and with-ssh-key, never strings", async () => {
    const repo = (await moduleApi()).objects.GitopsRepo!;
    expect(repo.methods.withToken!.arguments.token!.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
    expect(repo.methods.withSshKey!.arguments.key!.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
    expect(repo.methods.withPullRequest!.arguments.token!.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
    for (const fn of Object.values(repo.methods)) {
      const strings = Object.values(fn.arguments)
        .filter((x) => x.type.kind === "STRING_KIND")
        .map((x) => x.name);
      expect(
        strings.filter((n) => /token|password|key$/i.test(n)),
        fn.name,
      ).toEqual([]);
    }
  });

  it("the with- functions chain: each returns the repository", async () => {
    const repo = (await moduleApi()).objects.GitopsRepo!;
    const withs = Object.values(repo.methods).filter((f) => f.name.startsWith("with"));
    expect(withs.map((f) => f.name).sort()).toEqual([
      "withAuthor",
      "withFormat",
      "withMaxAttempts",
      "withPullRequest",
      "withRegistryAuth",
      "withSigningKey",
      "withSshKey",
      "withToken",
    ]);
    for (const f of withs) expect(f.returnType, f.name).toEqual({ kind: "OBJECT_KIND", name: "GitopsRepo" });
    expect(repo.methods.withFormat!.arguments.format!.type).toEqual({ kind: "ENUM_KIND", name: "WriteBackFormat" });
  });

  for (const name of ["bump", "promote"]) {
    it(`${name} is never cached and returns a Run`, async () => {
      const fn = (await moduleApi()).objects.GitopsRepo!.methods[name]!;
      expect(fn.cache).toBe("never");
      expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "Run" });
      expect(fn.arguments.dryRun!.defaultValue).toBe(false);
    });
  }

  it("the tag is the one required argument of bump; the environment defaults from the table", async () => {
    const a = (await moduleApi()).objects.GitopsRepo!.methods.bump!.arguments;
    const required = Object.values(a)
      .filter((x) => !x.isOptional && x.defaultValue === undefined)
      .map((x) => x.name);
    expect(required).toEqual(["tag"]);
    expect(a.environment!.defaultValue).toBe(DEFAULTS.environment);
  });
});
