/**
 * Reads the module's public API the way the Dagger engine does: the TypeScript SDK's own static
 * introspector (shipped in @dagger.io/dagger, pinned) scans dagger/src and returns every object,
 * function, argument, default value and docstring that `dagger functions` would show.
 */
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

let cached: Promise<ModuleDef> | undefined;

/** The module as the engine's TypeScript introspector sees it (cached per test process). */
export function moduleApi(): Promise<ModuleDef> {
  cached ??= (async () => {
    const require = createRequire(import.meta.url);
    const sdkEntry = require.resolve("@dagger.io/dagger"); // .../dist/src/index.js
    const sdkSrc = dirname(sdkEntry);
    const introspector = pathToFileURL(join(sdkSrc, "module", "introspector", "index.js")).href;
    const { scan } = (await import(introspector)) as { scan: (files: string[], name: string, load: boolean) => Promise<unknown> };
    // The introspector resolves core types (Directory, Secret...) only from a non-declaration file
    // named client.gen.ts, which the engine generates; the npm package ships the .d.ts. A copy
    // under that name (declarations are valid .ts) stands in for it.
    const clientGen = join(mkdtempSync(join(tmpdir(), "dagger-sdk-")), "client.gen.ts");
    copyFileSync(join(sdkSrc, "api", "client.gen.d.ts"), clientGen);
    const files = [...tsFiles(join(root, "dagger", "src")), clientGen];
    // Round-trip through JSON: the introspector returns classes whose toJSON is the typedef.
    const scanned = (await scan(files, "gitops-pipeline", false)) as { objects: Record<string, { methods: Record<string, { cache?: string; isCheck?: boolean }> }> };
    const api = JSON.parse(JSON.stringify(scanned)) as ModuleDef;
    // toJSON drops the cache policy and @check flag; copy them from the function objects.
    for (const [o, obj] of Object.entries(scanned.objects)) {
      for (const [m, fn] of Object.entries(obj.methods)) {
        const def = api.objects[o]?.methods[m];
        if (def) Object.assign(def, { cache: fn.cache, isCheck: fn.isCheck });
      }
    }
    return api;
  })();
  return cached;
}
