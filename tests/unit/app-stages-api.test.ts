import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";
import { DEFAULT_PLATFORMS } from "../../dagger/src/core/app/platforms.js";
import { DEFAULT_FAIL_ON } from "../../dagger/src/core/app/trivy.js";
import { DEV_VERSION } from "../../dagger/src/core/app/image-build.js";
import type { LinterName } from "../../dagger/src/core/app/python-tools.js";

const STAGES = ["lint", "lintCheck", "test", "testCheck", "build", "imageTarball", "publish", "scan"];

describe("app stages as the engine introspects them", () => {
  it("every stage takes the app directory with defaultPath /app, so `dagger call lint` needs no flags", async () => {
    const fns = (await moduleApi()).objects.GitopsPipeline!.methods;
    for (const name of STAGES) {
      const source = fns[name]?.arguments.source;
      expect(source, name).toBeDefined();
      expect(source!.type).toMatchObject({ kind: "OBJECT_KIND", name: "Directory" });
      expect(source!.defaultPath, name).toBe("/app");
      expect(source!.ignore, name).toContain("**/__pycache__");
    }
  });

  it("publish is never cached, scan at most a day, the rest by default", async () => {
    const fns = (await moduleApi()).objects.GitopsPipeline!.methods;
    expect(fns.publish!.cache).toBe("never");
    expect(fns.scan!.cache).toBe("24h");
    for (const name of ["lint", "test", "build", "imageTarball"]) expect(fns[name]!.cache, name).toBeUndefined();
  });

  it("lintCheck and testCheck are checks with no required argument", async () => {
    const fns = (await moduleApi()).objects.GitopsPipeline!.methods;
    for (const name of ["lintCheck", "testCheck"]) {
      expect(fns[name]!.isCheck, name).toBe(true);
      const required = Object.values(fns[name]!.arguments).filter((a) => !a.isOptional && a.defaultValue === undefined && a.defaultPath === undefined);
      expect(required, name).toEqual([]);
    }
    for (const name of ["lint", "test", "build", "publish", "scan"]) expect(fns[name]!.isCheck, name).toBe(false);
  });

  it("defaults: ruff, 90 %, both platforms, CRITICAL,HIGH — the core's constants", async () => {
    const fns = (await moduleApi()).objects.GitopsPipeline!.methods;
    expect(fns.lint!.arguments.linter).toMatchObject({ type: { kind: "ENUM_KIND", name: "Linter" }, defaultValue: "ruff" });
    expect(fns.test!.arguments.minCoverage!.defaultValue).toBe(90);
    expect(fns.build!.arguments.platforms!.defaultValue).toEqual([...DEFAULT_PLATFORMS]);
    expect(fns.publish!.arguments.platforms!.defaultValue).toEqual([...DEFAULT_PLATFORMS]);
    expect(fns.build!.arguments.version!.defaultValue).toBe(DEV_VERSION);
    expect(fns.scan!.arguments.severity!.defaultValue).toBe(DEFAULT_FAIL_ON);
  });

  it("the Linter enum offers exactly the core's linters", async () => {
    const api = await moduleApi();
    const values = Object.values(api.enums.Linter!.values).map((v) => v.value).sort();
    expect(values).toEqual((["flake8", "pylint", "ruff"] satisfies LinterName[]).sort());
  });

  it("registry credentials are a Secret; image, sha and run are required", async () => {
    const args = (await moduleApi()).objects.GitopsPipeline!.methods.publish!.arguments;
    expect(args.password!.type).toMatchObject({ kind: "OBJECT_KIND", name: "Secret" });
    expect(args.username!.type.kind).toBe("STRING_KIND");
    for (const a of ["image", "sha", "run"]) expect(args[a]!.isOptional || args[a]!.defaultValue !== undefined, a).toBe(false);
  });

  it("run objects: data first (report, summary...), failure second (assert)", async () => {
    const objs = (await moduleApi()).objects;
    expect(Object.keys(objs.LintRun!.methods)).toEqual(expect.arrayContaining(["report", "issues", "summary", "assert"]));
    expect(Object.keys(objs.TestRun!.methods)).toEqual(expect.arrayContaining(["junit", "coverage", "reports", "summary", "assert"]));
    expect(Object.keys(objs.ScanRun!.methods)).toEqual(expect.arrayContaining(["report", "sbom", "summary", "assert"]));
    expect(Object.keys(objs.PublishedImage!.methods)).toEqual(expect.arrayContaining(["ref", "refs"]));
    expect(objs.LintRun!.methods.issues!.returnType).toEqual({ kind: "LIST_KIND", typeDef: { kind: "OBJECT_KIND", name: "LintIssue" } });
  });
});
