/**
 * Reads the module's public API the way the Dagger engine does: the TypeScript SDK's own static
 * introspector (shipped in @dagger.io/dagger, pinned) scans dagger/src and returns every object,
 * function, argument, default value and docstring that `dagger functions` would show.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface TypeDef {
  kind: string;
  name?: string;
  typeDef?: TypeDef;
}
export interface ArgDef {
  name: string;
  description: string;
  type: TypeDef;
  isOptional: boolean;
  isNullable: boolean;
  defaultValue?: string;
  defaultPath?: string;
  ignore?: string[];
}
export interface FnDef {
  name: string;
  description: string;
  arguments: Record<string, ArgDef>;
  returnType: TypeDef;
  cache?: string;
  isCheck?: boolean;
  /** @generate(): `dagger generate` applies its Changeset, `dagger check` fails when it is not empty. */
  isGenerator?: boolean;
  /** @up(): `dagger up` starts its Service. */
  isUp?: boolean;
}
export interface ObjectDef {
  name: string;
  description: string;
  constructor?: { arguments: Record<string, ArgDef> };
  methods: Record<string, FnDef>;
  properties: Record<string, { name: string; description: string; isExposed: boolean }>;
}
export interface ModuleDef {
  name: string;
  description: string;
  objects: Record<string, ObjectDef>;
  enums: Record<string, { name: string; description: string; values: Record<string, { name: string; value: string; description: string }> }>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const cached = new Map<string, Promise<ModuleDef>>();

/**
 * On-disk cache of introspection results, keyed by the content of the scanned sources and the
 * SDK version: the scan takes seconds and a dozen test files (each in its own worker) need it.
 */
const CACHE_DIR = join(root, "node_modules", ".cache", "gitops-pipeline-module-api");

function contentKey(files: string[], name: string, sdkVersion: string): string {
  const h = createHash("sha256").update(`flags-v2\0${name}\0${sdkVersion}\0`);
  for (const f of [...files].sort())
    h.update(`${relative(root, f)}\0`)
      .update(readFileSync(f))
      .update("\0");
  return h.digest("hex").slice(0, 32);
}

/**
 * The module as the engine's TypeScript introspector sees it (cached per test process).
 * `srcDir` (relative to the repo root) and `name` select another module, e.g. the tests
 * module: `moduleApi("dagger/tests/src", "tests")`.
 */
export function moduleApi(srcDir = "dagger/src", name = "gitops-pipeline"): Promise<ModuleDef> {
  const key = `${srcDir}\0${name}`;
  const hit = cached.get(key);
  if (hit) return hit;
  const api = (async () => {
    const require = createRequire(import.meta.url);
    const sdkEntry = require.resolve("@dagger.io/dagger"); // .../dist/src/index.js
    const sdkSrc = dirname(sdkEntry);
    const introspector = pathToFileURL(join(sdkSrc, "module", "introspector", "index.js")).href;
    const { scan } = (await import(introspector)) as { scan: (files: string[], name: string, load: boolean) => Promise<unknown> };
    // The introspector looks SDK classes (Container, Directory...) up in a non-declaration file
    // named client.gen.ts, as generated into dagger/sdk/ by the engine; the npm package ships
    // only client.gen.d.ts, so give it a .ts copy (its declarations are valid TypeScript).
    const sources = tsFiles(join(root, ...srcDir.split("/")));
    const sdkVersion = (JSON.parse(readFileSync(join(sdkSrc, "..", "..", "package.json"), "utf8")) as { version: string }).version;
    const cacheFile = join(CACHE_DIR, `${contentKey(sources, name, sdkVersion)}.json`);
    if (existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, "utf8")) as ModuleDef;
    const clientGen = join(mkdtempSync(join(tmpdir(), "dagger-sdk-")), "client.gen.ts");
    writeFileSync(clientGen, readFileSync(join(sdkSrc, "api", "client.gen.d.ts"), "utf8"));
    const files = [...sources, clientGen];
    const mod = (await scan(files, name, false)) as {
      objects: Record<string, { methods: Record<string, { cache?: string; isCheck?: boolean; isGenerator?: boolean; isUp?: boolean }> }>;
    };
    // Round-trip through JSON: the introspector returns classes whose toJSON is the typedef.
    const def = JSON.parse(JSON.stringify(mod)) as ModuleDef;
    // toJSON drops the cache policy and the @check, @generate and @up flags, which the engine registration reads
    // from the same objects (entrypoint/register.js): copy them over.
    for (const [objName, obj] of Object.entries(mod.objects)) {
      for (const [fnName, fn] of Object.entries(obj.methods)) {
        const out = def.objects[objName]?.methods[fnName];
        if (!out) continue;
        if (fn.cache !== undefined) out.cache = fn.cache;
        out.isCheck = fn.isCheck === true;
        out.isGenerator = fn.isGenerator === true;
        out.isUp = fn.isUp === true;
      }
    }
    // Write-then-rename: a concurrent reader sees the whole file or none.
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(def));
    renameSync(tmp, cacheFile);
    return def;
  })();
  cached.set(key, api);
  return api;
}
