/**
 * The typed client a module that depends on gitops-pipeline gets from the engine's TypeScript
 * codegen (engine v0.21: cmd/codegen/generator/typescript), re-created from the introspected API
 * so the tests module and the worked example can be type-checked without an engine:
 * - names as the schema has them: types prefixed with the module name (`GitopsPipelineApp`),
 *   functions and arguments lower-camel-cased with a capital after digits (`e2e` → `e2E`), a
 *   trailing `_` on JavaScript keywords; enum members PascalCased (`KUSTOMIZE` → `Kustomize`)
 *   and holding the enum's values (`"kustomize"`), as the v0.21.8 codegen writes them;
 * - required arguments positional up to the first optional one, the rest in one options object;
 * - a function returning a module object or a core object is chainable (no await); scalars,
 *   lists and void are promises.
 * A call the engine's client would not have (a renamed function, a missing argument, a wrong
 * type) then fails `tsc` here, in `npm test`.
 */
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lowerCamel, namespacedTypeName, upperCamel } from "./engine-names.js";
import type { ArgDef, FnDef, ModuleDef, TypeDef } from "./module-api.js";

/** Words the codegen suffixes with `_` (case-insensitive). */
const KEYWORDS = new Set(
  "await break case catch class const continue debugger default delete do else enum extends false finally for function if implements import in instanceof interface new null package private protected public return super switch this throw true try typeof var void while yield as let static any boolean constructor declare module require number set string symbol type async namespace".split(
    " ",
  ),
);

/** A function or argument name as the generated client spells it. */
export const clientName = (name: string): string => {
  const n = lowerCamel(name);
  return KEYWORDS.has(n.toLowerCase()) ? `${n}_` : n;
};

function tsType(t: TypeDef, mod: string, input: boolean): string {
  switch (t.kind) {
    case "STRING_KIND":
      return "string";
    case "INTEGER_KIND":
    case "FLOAT_KIND":
      return "number";
    case "BOOLEAN_KIND":
      return "boolean";
    case "VOID_KIND":
      return "void";
    case "LIST_KIND":
      return `${tsType(t.typeDef!, mod, input)}[]`;
    case "ENUM_KIND":
      return namespacedTypeName(t.name!, mod);
    case "OBJECT_KIND":
      return CORE_OBJECTS.has(t.name!) ? t.name! : namespacedTypeName(t.name!, mod);
    default:
      throw new Error(`generated client: unsupported type ${t.kind}`);
  }
}

/** Core types a module's API may take or return. */
const CORE_OBJECTS = new Set(["Container", "Directory", "File", "Secret", "Service", "CacheVolume", "Socket", "GitRepository", "Changeset"]);

/** What a call returns: objects chain, everything else is awaited. */
function returnType(t: TypeDef, mod: string): string {
  return t.kind === "OBJECT_KIND" ? tsType(t, mod, false) : `Promise<${tsType(t, mod, false)}>`;
}

const optionalArg = (a: ArgDef): boolean => a.isOptional || a.isNullable || a.defaultValue !== undefined || a.defaultPath !== undefined;

/** `(required..., opts?: {...})` of a function, as the codegen splits it. */
function params(args: ArgDef[], mod: string): string {
  const first = args.findIndex(optionalArg);
  const required = first < 0 ? args : args.slice(0, first);
  const optional = first < 0 ? [] : args.slice(first);
  const out = required.map((a) => `${clientName(a.name)}: ${tsType(a.type, mod, true)}`);
  if (optional.length) out.push(`opts?: { ${optional.map((a) => `${clientName(a.name)}?: ${tsType(a.type, mod, true)}`).join("; ")} }`);
  return out.join(", ");
}

/** The generated client's declarations for `api` (module `mod`), importing core types from `sdk`. */
export function generatedClient(api: ModuleDef, mod: string, sdk: string): string {
  const lines = [`import type { Client, ${[...CORE_OBJECTS].join(", ")} } from ${JSON.stringify(sdk)};`, `export * from ${JSON.stringify(sdk)};`];
  for (const e of Object.values(api.enums)) {
    // Members PascalCased, holding the enum's values; a scalar enum argument is converted to the
    // member name when sent, a list of enums is not (see runtime-load.test.ts).
    lines.push(
      `export declare enum ${namespacedTypeName(e.name, mod)} { ${Object.values(e.values)
        .map((v) => `${upperCamel(v.name)} = ${JSON.stringify(v.value)}`)
        .join(", ")} }`,
    );
  }
  for (const o of Object.values(api.objects)) {
    const members = ["id(): Promise<string>;"];
    for (const p of Object.values(o.properties).filter((p) => p.isExposed)) {
      const t = (p as { type?: TypeDef }).type;
      if (t) members.push(`${clientName(p.name)}(): ${returnType(t, mod)};`);
    }
    for (const fn of Object.values(o.methods) as FnDef[])
      members.push(`${clientName(fn.name)}(${params(Object.values(fn.arguments), mod)}): ${returnType(fn.returnType, mod)};`);
    lines.push(`export declare class ${namespacedTypeName(o.name, mod)} { private constructor(); ${members.join(" ")} }`);
  }
  const main = api.objects[api.name]!;
  const ctor = Object.values(main.constructor?.arguments ?? {});
  lines.push(`export declare const dag: Client & { ${clientName(mod)}(${params(ctor, mod)}): ${namespacedTypeName(api.name, mod)} };`);
  return `${lines.join("\n")}\n`;
}

/** Write the client into `dir/index.ts`; return its path. `sdk` is the npm SDK the core types come from. */
export function writeGeneratedClient(api: ModuleDef, mod: string, dir: string): string {
  const sdk = createRequire(import.meta.url).resolve("@dagger.io/dagger");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "index.ts");
  writeFileSync(file, generatedClient(api, mod, sdk));
  return file;
}
