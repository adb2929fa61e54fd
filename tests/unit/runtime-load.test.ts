/**
 * Guards for the two ways a module fails to load under the real TypeScript runtime, which the
 * typed, unit and plan tiers cannot see (both were found by the first engine run):
 * - an import from `@dagger.io/dagger` that the runtime's module entry does not export;
 * - a package.json that makes the runtime's dependency install fail.
 * Each check runs over every Dagger module in the repository (every dagger.json).
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { MODULE_ENTRY_EXPORTS, RUNTIME_BUNDLED_NPM, RUNTIME_DEFAULT_TYPESCRIPT } from "../helpers/runtime-facts.js";
import { moduleApi } from "../helpers/module-api.js";
import { namespacedTypeName } from "../helpers/engine-names.js";
import { ROOT } from "../helpers/tools.js";

/** Every module of the repository: its dagger.json directory and its source directory. */
function modules(dir = ROOT): { root: string; source: string; sdk: boolean }[] {
  const out: { root: string; source: string; sdk: boolean }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".") || e.name === "sdk") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...modules(p));
    else if (e.name === "dagger.json") {
      const cfg = JSON.parse(readFileSync(p, "utf8")) as { source?: string; sdk?: unknown };
      // A module without an SDK has no code: the consumer fixture only installs toolchains.
      out.push({ root: dir, source: join(dir, cfg.source ?? "."), sdk: cfg.sdk !== undefined });
    }
  }
  return out;
}

/** TypeScript files of a module's source, not descending into another module (a dagger.json). */
function tsFiles(dir: string, top = true): string[] {
  if (!existsSync(dir) || (!top && existsSync(join(dir, "dagger.json")))) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules" || e.name === "sdk") return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p, false) : /\.m?ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Names imported from `@dagger.io/dagger` in a file, with their line. */
export function daggerImports(file: string, text = readFileSync(file, "utf8")): { name: string; line: number }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; line: number }[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== "@dagger.io/dagger") continue;
    const line = sf.getLineAndCharacterOfPosition(st.getStart()).line + 1;
    const bindings = st.importClause?.namedBindings;
    if (st.importClause?.name) out.push({ name: "default", line });
    if (bindings && ts.isNamespaceImport(bindings)) out.push({ name: "*", line });
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) out.push({ name: (el.propertyName ?? el.name).text, line });
    }
  }
  return out;
}

/** Names the generated client exports for the core API (the npm package's client.gen.d.ts). */
function clientExports(): Set<string> {
  const require = createRequire(import.meta.url);
  const dts = join(dirname(require.resolve("@dagger.io/dagger")), "api", "client.gen.d.ts");
  const sf = ts.createSourceFile(dts, readFileSync(dts, "utf8"), ts.ScriptTarget.ES2022, false);
  const names = new Set<string>();
  for (const st of sf.statements) {
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    if (!mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (ts.isVariableStatement(st)) st.declarationList.declarations.forEach((d) => ts.isIdentifier(d.name) && names.add(d.name.text));
    else if (
      (ts.isClassDeclaration(st) ||
        ts.isEnumDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) ||
        ts.isInterfaceDeclaration(st) ||
        ts.isFunctionDeclaration(st)) &&
      st.name
    ) {
      names.add(st.name.text);
    }
  }
  return names;
}

describe("every module loads in the TypeScript runtime", () => {
  const mods = modules();

  it("finds the main module, the tests module, the worked example and the consumer fixture (toolchains only, no code)", () => {
    const rel = mods.map((m) => relative(ROOT, m.root) || ".").sort();
    expect(rel).toEqual([".", "ci/examples/team-module", "dagger/tests", "tests/fixtures/consumer-repo"]);
    expect(mods.filter((m) => !m.sdk).map((m) => relative(ROOT, m.root))).toEqual(["tests/fixtures/consumer-repo"]);
  });

  it("imports from @dagger.io/dagger only what the runtime's module entry exports", async () => {
    const client = clientExports();
    expect(client.has("dag") && client.has("Container") && client.has("ReturnType"), "client.gen.d.ts read").toBe(true);
    expect(client.has("ExecError"), "ExecError is not part of the generated client").toBe(false);
    // Modules that depend on gitops-pipeline also get its types in their generated client.
    const api = await moduleApi();
    const dependency = new Set([...Object.keys(api.objects), ...Object.keys(api.enums)].map((n) => namespacedTypeName(n, "gitops-pipeline")));
    const bad: string[] = [];
    for (const m of mods) {
      const own = m.root === ROOT ? new Set<string>() : dependency;
      for (const file of tsFiles(m.source)) {
        for (const { name, line } of daggerImports(file)) {
          if (!MODULE_ENTRY_EXPORTS.has(name) && !client.has(name) && !own.has(name)) bad.push(`${relative(ROOT, file)}:${line} ${name}`);
        }
      }
    }
    expect(bad, "not exported by the runtime's module entry: the module fails to load with a SyntaxError").toEqual([]);
  });

  it("no TypeScript interface leaks into a module's API (an interface without functions crashes the engine's client codegen)", async () => {
    // A constructor parameter typed with a TS interface (here it was `report: RunReport`) makes
    // the introspector register a Dagger interface with no functions; the engine (v0.21.8) then
    // panics with a nil pointer in DagqlToCodegenType when it generates the module's client.
    for (const [src, name] of [
      ["dagger/src", "gitops-pipeline"],
      ["dagger/tests/src", "tests"],
      ["ci/examples/team-module/src", "shop-ci"],
    ] as const) {
      const api = (await moduleApi(src, name)) as unknown as { interfaces?: Record<string, { functions: Record<string, unknown> }> };
      const empty = Object.entries(api.interfaces ?? {})
        .filter(([, i]) => Object.keys(i.functions).length === 0)
        .map(([n]) => n);
      expect(empty, `${src}: interfaces without functions`).toEqual([]);
    }
  });

  it("no argument is a list of enums (the generated TypeScript client sends their values, which the engine refuses)", async () => {
    // Seen on the engine: the worked example's `lint({ linters: [GitopsPipelineLinter.Ruff] })`
    // failed with `invalid enum member "ruff"`: the v0.21.8 codegen converts a scalar enum argument
    // to its member name, but sends a list's items as their values.
    const bad: string[] = [];
    for (const [src, name] of [
      ["dagger/src", "gitops-pipeline"],
      ["dagger/tests/src", "tests"],
    ] as const) {
      const api = await moduleApi(src, name);
      for (const obj of Object.values(api.objects)) {
        const fns = [...Object.values(obj.methods), ...(obj.constructor ? [{ name: "constructor", arguments: obj.constructor.arguments }] : [])];
        for (const fn of fns)
          for (const a of Object.values(fn.arguments))
            if (a.type.kind === "LIST_KIND" && a.type.typeDef?.kind === "ENUM_KIND") bad.push(`${obj.name}.${fn.name}(${a.name})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("the import guard catches ExecError (the defect the first engine run found)", () => {
    const found = daggerImports("x.ts", 'import { dag, ExecError, type Container } from "@dagger.io/dagger";\n').map((i) => i.name);
    expect(found).toEqual(["dag", "ExecError", "Container"]);
    expect(MODULE_ENTRY_EXPORTS.has("ExecError")).toBe(false);
  });

  it("no package.json makes the runtime's dependency install fail or slow", () => {
    for (const m of mods.filter((x) => x.sdk)) {
      const where = relative(ROOT, m.source) || ".";
      const pkg = JSON.parse(readFileSync(join(m.source, "package.json"), "utf8")) as { packageManager?: string; dependencies?: Record<string, string> };
      const deps = pkg.dependencies ?? {};
      expect(pkg.packageManager, `${where}: packageManager must carry the runtime's npm version`).toBe(`npm@${RUNTIME_BUNDLED_NPM}`);
      expect(deps["@dagger.io/dagger"], `${where}: codegen removes @dagger.io/dagger from a module's dependencies`).toBeUndefined();
      const others = Object.keys(deps).filter((d) => d !== "typescript");
      // The runtime mounts its TypeScript over node_modules/typescript for exactly this version;
      // `npm install` (run whenever other dependencies exist) then fails with EBUSY on the mount.
      if (deps.typescript === RUNTIME_DEFAULT_TYPESCRIPT) {
        expect(others, `${where}: typescript ${RUNTIME_DEFAULT_TYPESCRIPT} beside other dependencies triggers the EBUSY mount conflict`).toEqual([]);
      }
      if (others.length) {
        const lock = join(m.source, "package-lock.json");
        expect(existsSync(lock), `${where}: dependencies without package-lock.json`).toBe(true);
        const locked = (JSON.parse(readFileSync(lock, "utf8")) as { packages: Record<string, { version?: string }> }).packages;
        for (const d of others) expect(locked[`node_modules/${d}`]?.version, `${where}: ${d} in package-lock.json`).toBe(deps[d]);
      }
    }
  });
});
