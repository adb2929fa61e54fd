/**
 * The tests module (dagger/tests) as far as it can be checked without an engine. It only runs
 * under a Dagger engine (CI's `engine` job: `dagger call -m dagger/tests all`), and it cannot be
 * type-checked here either: it calls the main module through the client the engine generates
 * into dagger/tests/sdk (`dag.gitopsPipeline()`), which does not exist locally. So this file
 * checks what the engine would read statically (the introspected API), that every call it makes
 * on `dag.gitopsPipeline()` names a real function and real arguments of the main module, and
 * that its configuration points at this repository.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { moduleApi, type FnDef, type ObjectDef } from "../helpers/module-api.js";
import { checkRemote } from "../../dagger/src/writeback/writeback.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import { REPO } from "../../dagger/tests/src/git-server.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MODULE = join(ROOT, "dagger", "tests");
const SOURCE = readFileSync(join(MODULE, "src", "index.ts"), "utf8");
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

/** Main-module functions the tests module may call before they exist in this branch. */
const NOT_YET_IN_MAIN = new Set<string>([]);

/** The tests the brief asks for; `all` runs each of them. */
const TESTS = [
  "lintPasses",
  "lintFails",
  "testPasses",
  "testBelowGate",
  "buildPlatforms",
  "validatePasses",
  "validatePolicyViolation",
  "e2ePasses",
  "bumpLands",
  "bumpConcurrent",
  "ciReport",
];

/** Index of the parenthesis closing the one at `open`. */
function closing(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === "(") depth++;
    else if (src[i] === ")" && --depth === 0) return i;
  }
  throw new Error(`unbalanced parenthesis at ${open}`);
}

/** Split call arguments at top-level commas. */
function splitArgs(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      out.push(args.slice(start, i));
      start = i + 1;
    }
  }
  if (args.slice(start).trim()) out.push(args.slice(start));
  return out.map((a) => a.trim());
}

/** Keys of an object literal (`{ a, b: x.y, c: f({ d }) }` → a, b, c). */
function literalKeys(literal: string): string[] {
  return splitArgs(literal.trim().slice(1, -1)).map((entry) => /^(\w+)/.exec(entry)?.[1] ?? entry);
}

interface PipelineCall {
  fn: string;
  positional: number;
  optionKeys: string[];
  /** The function or field selected on the result right after the call, if any. */
  then?: string;
}

/** Every `dag.gitopsPipeline().fn(...)` call in the source, with its arguments. */
function pipelineCalls(src: string): PipelineCall[] {
  const calls: PipelineCall[] = [];
  for (const m of src.matchAll(/dag\s*\.gitopsPipeline\((?:\{[^}]*\})?\)\s*\.(\w+)\(/g)) {
    const open = m.index + m[0].length - 1;
    const close = closing(src, open);
    const args = splitArgs(src.slice(open + 1, close));
    const last = args.at(-1);
    const opts = last?.startsWith("{") ? last : undefined;
    const then = /^\s*\.(\w+)\(/.exec(src.slice(close + 1))?.[1];
    calls.push({ fn: m[1]!, positional: args.length - (opts ? 1 : 0), optionKeys: opts ? literalKeys(opts) : [], ...(then ? { then } : {}) });
  }
  return calls;
}

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

  it("every argument is a documented Directory defaulting to a path of this repository (so `dagger call all` needs no flags)", async () => {
    const tests = (await moduleApi("dagger/tests/src", "tests")).objects.Tests!;
    for (const fn of fnsOf(tests)) {
      for (const arg of Object.values(fn.arguments)) {
        const where = `${fn.name}(${arg.name})`;
        expect(arg.description.trim(), where).not.toBe("");
        expect(arg.type.name, where).toBe("Directory");
        expect(arg.defaultPath, where).toMatch(/^\//);
        // An absolute defaultPath is relative to the git repository's root.
        expect(existsSync(join(ROOT, arg.defaultPath!)), `${where}: ${arg.defaultPath} does not exist`).toBe(true);
      }
    }
  });

  it("`all` runs every test", () => {
    const body = SOURCE.slice(SOURCE.indexOf("async all("));
    const run = [...body.matchAll(/\["(\w+)", \(\) => this\.(\w+)\(/g)].map((m) => {
      expect(m[1], "the name `all` reports is the function it runs").toBe(m[2]);
      return m[2]!;
    });
    expect(run.sort()).toEqual([...TESTS].sort());
  });
});

async function checkCalls(source: string): Promise<void> {
    const main = await moduleApi();
    const pipeline = main.objects.GitopsPipeline!;
    for (const call of pipelineCalls(source)) {
      if (NOT_YET_IN_MAIN.has(call.fn)) continue;
      const fn = pipeline.methods[call.fn];
      if (!fn) {
        // A constructor field (pythonImage, gitImage): a getter without arguments.
        expect(pipeline.properties[call.fn]?.isExposed, `gitopsPipeline().${call.fn} is neither a function nor a field`).toBe(true);
        expect(call.positional + call.optionKeys.length, call.fn).toBe(0);
        continue;
      }
      const args = Object.values(fn.arguments);
      const required = args.filter((a) => !a.isOptional && a.defaultValue === undefined && a.defaultPath === undefined && !a.isNullable);
      expect(call.positional, `${call.fn}: positional arguments are its required ones (${required.map((a) => a.name).join(", ")})`).toBe(required.length);
      const optional = new Set(args.filter((a) => !required.includes(a)).map((a) => a.name));
      for (const key of call.optionKeys) expect(optional, `${call.fn}({ ${key} }) is not an option of ${call.fn}`).toContain(key);
      if (call.then) {
        const ret = main.objects[fn.returnType.name ?? ""];
        expect(ret, `${call.fn} returns ${fn.returnType.name}, selected .${call.then}()`).toBeDefined();
        const selectable = call.then in ret!.methods || ret!.properties[call.then]?.isExposed === true;
        expect(selectable, `${fn.returnType.name} has no ${call.then}`).toBe(true);
      }
    }
  }

describe("tests module: calls on the main module", () => {
  it("finds the calls it checks (the parser is not blind)", () => {
    const fns = new Set(pipelineCalls(SOURCE).map((c) => c.fn));
    for (const fn of ["lint", "test", "build", "validate", "e2e", "bump", "ci", "pythonImage", "gitImage"]) expect(fns, fn).toContain(fn);
  });

  it("each called function exists in the main module, with its required arguments given in order and only known options", async () => {
    await checkCalls(SOURCE);
  });

  it("so does every call of the worked example in ci/examples/team-module", async () => {
    const example = readFileSync(join(ROOT, "ci", "examples", "team-module", "src", "index.ts"), "utf8");
    expect(pipelineCalls(example).map((c) => c.fn).sort()).toEqual(["ci", "lint", "test"]);
    await checkCalls(example);
  });

  it("the bump tests' git server URL (plain http, no credentials) is one the bump accepts", () => {
    // A Dagger service hostname is a lower-case base32 hash; the tests pass no token or key.
    const url = `http://3v4bmf5hqx5jm/${REPO}`;
    expect(() => checkRemote({ url, branch: "main", user: "x-access-token" })).not.toThrow();
    expect(gitArgv.clone(url, "main", "/repo")).toContain(url);
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
