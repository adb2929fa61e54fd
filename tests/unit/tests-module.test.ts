/**
 * The tests module (dagger/tests) as far as it can be checked without an engine. It only runs
 * under a Dagger engine (CI's `engine` job: `dagger call -m dagger/tests all`). This file checks
 * what the engine reads statically (the introspected API) and its configuration; its calls on
 * the main module are type-checked against the client the engine would generate in
 * dependents-typecheck.test.ts.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { moduleApi, type FnDef, type ObjectDef } from "../helpers/module-api.js";
import { checkRemote } from "../../dagger/src/writeback/git.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import * as twin from "../../dagger/tests/src/git-server.js";
import * as local from "../../dagger/src/core/local/git-server.js";

const { REPO } = twin;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MODULE = join(ROOT, "dagger", "tests");
const SOURCE = readFileSync(join(MODULE, "src", "index.ts"), "utf8");
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

/** The tests the issues ask for; `all` runs each of them. */
const TESTS = [
  "lintPasses",
  "smokeNamesProbes",
  "lintFails",
  "testPasses",
  "testBelowGate",
  "buildPlatforms",
  "validatePasses",
  "validatePolicyViolation",
  "multiAppValidates",
  "addAppValidates",
  "endToEndPasses",
  "localGitServerServes",
  "localGitopsEndToEnd",
  "scanReports",
  "secretsFound",
  "bumpLands",
  "bumpConcurrent",
  "rollbackRestores",
  "ciRun",
];

const fnsOf = (obj: ObjectDef): FnDef[] => Object.values(obj.methods);

describe("tests module: API as the engine introspects it", () => {
  it("is the Tests object with every test and `all`, each documented and never cached", async () => {
    const api = await moduleApi("dagger/tests/src", "tests");
    expect(api.name).toBe("Tests");
    const tests = api.objects.Tests!;
    expect(tests.description.trim()).not.toBe("");
    expect(Object.keys(tests.methods).sort()).toEqual([...TESTS, "all"].sort());
    for (const fn of fnsOf(tests)) {
      expect(fn.description.trim(), fn.name).not.toBe("");
      // A cached test would pass from the cache without running; the bump tests push.
      expect(fn.cache, `${fn.name} must be @func({ cache: "never" })`).toBe("never");
      expect(fn.returnType.kind, fn.name).toBe("STRING_KIND");
    }
  });

  it("every argument is documented; directories default to a path of this repository, switches to on (so `dagger call all` needs no flags)", async () => {
    const tests = (await moduleApi("dagger/tests/src", "tests")).objects.Tests!;
    for (const fn of fnsOf(tests)) {
      for (const arg of Object.values(fn.arguments)) {
        const where = `${fn.name}(${arg.name})`;
        expect(arg.description.trim(), where).not.toBe("");
        if (arg.type.kind === "BOOLEAN_KIND") {
          expect(arg.defaultValue, where).toBe(true);
          continue;
        }
        expect(arg.type.name, where).toBe("Directory");
        expect(arg.defaultPath, where).toMatch(/^\//);
        // An absolute defaultPath is relative to the git repository's root.
        expect(existsSync(join(ROOT, arg.defaultPath!)), `${where}: ${arg.defaultPath} does not exist`).toBe(true);
      }
    }
    // The offline schemas are the constructor's, optional: online catalogs by default.
    const ctor = Object.values(tests.constructor?.arguments ?? {});
    expect(ctor.map((a) => [a.name, a.type.name, a.isOptional])).toEqual([
      ["schemas", "Directory", true],
      ["crdSchemas", "Directory", true],
    ]);
  });

  it("the app directory is read as the pipeline reads it: every /app argument ignores what the main module's source ignores", async () => {
    const [tests, main] = await Promise.all([moduleApi("dagger/tests/src", "tests"), moduleApi()]);
    const want = main.objects[main.name]!.constructor!.arguments.source!.ignore;
    expect(want?.length).toBeGreaterThan(0);
    const apps = fnsOf(tests.objects.Tests!).flatMap((fn) =>
      Object.values(fn.arguments)
        .filter((a) => a.defaultPath === "/app")
        .map((a) => [`${fn.name}(${a.name})`, a.ignore]),
    );
    expect(apps.length).toBeGreaterThanOrEqual(6);
    for (const [where, ignore] of apps) expect(ignore, String(where)).toEqual(want);
  });

  it("ciRun expects exactly the pipeline's ci stages (found on the engine: verify and rollback were missing from its list)", async () => {
    const { CI_STAGES } = await import("../../dagger/src/core/ci/plan.js");
    const listed = /const CI_STAGES = (\[[^\]]*\]);/.exec(SOURCE)?.[1];
    expect(listed, "the tests module declares CI_STAGES").toBeDefined();
    expect(JSON.parse(listed!)).toEqual([...CI_STAGES]);
  });

  it("`all` runs every test, and a test switched off is reported as SKIP, never as passed", () => {
    const body = SOURCE.slice(SOURCE.indexOf("async all("));
    const run = [...body.matchAll(/\["(\w+)", (?:\w+ \? )?\(\) => this\.(\w+)\(/g)].map((m) => {
      expect(m[1], "the name `all` reports is the function it runs").toBe(m[2]);
      return m[2]!;
    });
    expect(run.sort()).toEqual([...TESTS].sort());
    expect(body).toContain('status: "SKIP"');
    expect(body).toMatch(/count\("SKIP"\)\} skipped/);
  });
});

describe("tests module: the bump tests' git server", () => {
  it("serves a URL (plain http, no credentials) the write-back accepts", () => {
    // A Dagger service hostname is a lower-case base32 hash; the tests pass no token or key.
    const url = `http://3v4bmf5hqx5jm/${REPO}`;
    expect(() => checkRemote({ url, branch: "main", user: "x-access-token" })).not.toThrow();
    expect(gitArgv.clone(url, "main", "/repo")).toContain(url);
  });

  it("is the main module's in-pipeline git server (a module cannot import another's source: the copy is kept equal here)", () => {
    expect(twin.INSTALL_SCRIPT).toBe(local.GIT_SERVER_INSTALL);
    const conf = { listen: "80", root: local.GIT_ROOT, socket: local.FCGI_SOCKET, pidFile: "/run/nginx-git.pid", tmp: "/tmp" };
    expect(twin.nginxConf(conf)).toBe(local.gitNginxConf(conf));
    expect(twin.serveScript({ socket: twin.SOCKET, conf: twin.NGINX_CONF_PATH })).toBe(
      local.gitServeScript({ socket: local.FCGI_SOCKET, conf: local.NGINX_CONF }),
    );
    expect([twin.GIT_ROOT, twin.REPO, twin.SOCKET, twin.NGINX_CONF_PATH, twin.HTTP_BACKEND, [...twin.SERVER_PACKAGES]]).toEqual([
      local.GIT_ROOT,
      local.GIT_REPO,
      local.FCGI_SOCKET,
      local.NGINX_CONF,
      local.HTTP_BACKEND,
      [...local.GIT_SERVER_PACKAGES],
    ]);
  });
});

describe("tests module: configuration", () => {
  it("dagger.json: the `tests` TypeScript module on the main module's engine, depending on the repository root", () => {
    const cfg = json(join(MODULE, "dagger.json"));
    const mainCfg = json(join(ROOT, "dagger.json"));
    expect(cfg.name).toBe("tests");
    expect(cfg.engineVersion).toBe(mainCfg.engineVersion);
    expect(cfg.sdk).toEqual({ source: "typescript" });
    expect(cfg.source).toBe(".");
    const deps = cfg.dependencies as { name: string; source: string }[];
    expect(deps).toHaveLength(1);
    expect(deps[0]!.name).toBe(mainCfg.name);
    expect(resolve(MODULE, deps[0]!.source)).toBe(ROOT);
  });

  it("package.json pins TypeScript like the main module, with a lockfile and the generated sdk ignored", () => {
    const pkg = json(join(MODULE, "package.json"));
    const mainPkg = json(join(ROOT, "dagger", "package.json"));
    expect(pkg.type).toBe("module");
    expect(pkg.packageManager).toBe(mainPkg.packageManager);
    expect(pkg.dependencies).toEqual({ typescript: "5.9.3" });
    const lock = json(join(MODULE, "package-lock.json")) as { packages: Record<string, { version?: string }> };
    expect(lock.packages["node_modules/typescript"]?.version).toBe("5.9.3");
    const ignored = readFileSync(join(MODULE, ".gitignore"), "utf8").split("\n");
    expect(ignored).toContain("/sdk");
    expect(ignored.some((l) => l.includes("node_modules"))).toBe(true);
  });
});
