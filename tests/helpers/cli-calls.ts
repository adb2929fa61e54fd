/**
 * `dagger call` command lines in the docs and CI integrations, checked against the module's API
 * as the engine's CLI shows it: function and flag names kebab-cased with digits split
 * (`e2e` → `e-2-e`), enum values matched case-insensitively against the member names, a
 * constructor's flags before the first function, each function's flags after it.
 */
import { kebab, enumMemberName } from "./engine-names.js";
import type { ArgDef, FnDef, ModuleDef, ObjectDef, TypeDef } from "./module-api.js";

/** One command line, where it was found, and which module it calls (`main`, `tests`, `example`). */
export interface CliCall {
  where: string;
  module: string;
  /** The words after `call`. */
  words: string[];
}

/** `dagger call` flags that belong to the CLI, not to a function (with whether they take a value). */
const CLI_FLAGS: Record<string, boolean> = {
  "-o": true,
  "--output": true,
  "--json": false,
  "-q": false,
  "--quiet": false,
  "-s": false,
  "--silent": false,
  "-i": false,
  "--interactive": false,
  "--progress": true,
  "-v": false,
  "-vv": false,
  "-vvv": false,
  "-d": false,
  "--debug": false,
};

/** Split a shell command into words: CI expressions and variables become one placeholder word, quotes are removed. */
export function shellWords(text: string): string[] {
  const flat = text
    .replace(/\\\r?\n/g, " ")
    .replace(/\$\{\{[^}]*\}\}/g, "VALUE")
    .replace(/"?\$\([^)]*\)"?/g, "VALUE")
    .replace(/"\$\{?\w+(?::-[^}]*)?\}?"/g, "VALUE")
    .replace(/\$\{?\w+(?::-[^}]*)?\}?/g, "VALUE");
  const words: string[] = [];
  for (const m of flat.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** Which module `-m <ref>` names. */
export function moduleOf(ref: string | undefined): string {
  if (!ref) return "main";
  const r = ref.replace(/^\.\//, "").replace(/\/$/, "");
  if (r === "dagger/tests") return "tests";
  if (r === "ci/examples/team-module") return "example";
  return "main";
}

/** The name the module gets as a toolchain of another module (`dagger toolchain install` uses the module's name). */
export const TOOLCHAIN_NAME = "gitops-pipeline";

/** Every `dagger ... call ...` command in a shell text. */
export function callsIn(text: string, where: string): CliCall[] {
  const out: CliCall[] = [];
  for (const line of text.replace(/\\\r?\n/g, " ").split(/\r?\n|&&|;|\|/)) {
    const words = shellWords(line.replace(/#.*$/, ""));
    const d = words.indexOf("dagger");
    if (d < 0 || words.indexOf("call", d) < 0) continue;
    // `-m <module>` may come before or after `call`.
    const rest = words.slice(d + 1);
    let ref: string | undefined;
    const kept: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      if (w === "-m" || w === "--mod") ref = rest[++i];
      else if (w.startsWith("-m=") || w.startsWith("--mod=")) ref = w.split("=")[1];
      else kept.push(w);
    }
    const called = kept.slice(kept.indexOf("call") + 1);
    // In a consumer module with the module as its toolchain, `dagger call gitops-pipeline <function>`:
    // the toolchain's name comes first, then the module's own names.
    if (ref === undefined && called[0] === TOOLCHAIN_NAME) called.shift();
    out.push({ where, module: moduleOf(ref), words: called });
  }
  return out;
}

const isPlaceholder = (w: string): boolean => /[<>[\]…]|\.\.\./.test(w);

function enumOk(api: ModuleDef, t: TypeDef, value: string): string | undefined {
  const e = api.enums[t.name!];
  if (!e || value === "VALUE") return undefined;
  const names = Object.values(e.values).map((v) => enumMemberName(v.name));
  for (const v of value.split(",")) if (!names.some((n) => n.toLowerCase() === v.toLowerCase())) return `"${v}" is not one of ${names.join(",")}`;
  return undefined;
}

/** Problems of one call (empty when the engine's CLI would accept its names). */
export function checkCall(api: ModuleDef, call: CliCall): string[] {
  const problems: string[] = [];
  const main = api.objects[api.name]!;
  let obj: ObjectDef | undefined = main;
  let args: Record<string, ArgDef> = main.constructor?.arguments ?? {};
  let context = "the constructor";
  const words = [...call.words];
  while (words.length) {
    const w = words.shift()!;
    if (isPlaceholder(w)) break;
    if (w.startsWith("-")) {
      const [flag, inline] = w.split(/=(.*)/s, 2) as [string, string | undefined];
      if (flag in CLI_FLAGS) {
        if (CLI_FLAGS[flag] && inline === undefined) words.shift();
        continue;
      }
      const arg = Object.values(args).find((a) => `--${kebab(a.name)}` === flag);
      if (!arg) {
        problems.push(
          `${flag}: no such flag on ${context} (flags: ${
            Object.values(args)
              .map((a) => `--${kebab(a.name)}`)
              .join(" ") || "none"
          })`,
        );
        if (inline === undefined) words.shift();
        continue;
      }
      const value = inline ?? (arg.type.kind === "BOOLEAN_KIND" ? "true" : (words.shift() ?? ""));
      const enumType = arg.type.kind === "LIST_KIND" ? arg.type.typeDef! : arg.type;
      if (enumType.kind === "ENUM_KIND") {
        const bad = enumOk(api, enumType, value);
        if (bad) problems.push(`${flag}: ${bad}`);
      }
      continue;
    }
    if (!obj) break; // a core type (File, Directory, Container...): its functions are the engine's own
    const fn: FnDef | undefined = Object.values(obj.methods).find((f) => kebab(f.name) === w);
    const field = Object.values(obj.properties).find((p) => p.isExposed && kebab(p.name) === w) as { name: string; type?: TypeDef } | undefined;
    if (!fn && !field) {
      problems.push(
        `${w}: no function of that name on ${obj.name} (functions: ${[
          ...Object.values(obj.methods).map((f) => kebab(f.name)),
          ...Object.values(obj.properties)
            .filter((p) => p.isExposed)
            .map((p) => kebab(p.name)),
        ].join(" ")})`,
      );
      break;
    }
    const ret: TypeDef = fn ? fn.returnType : field!.type!;
    const target: TypeDef = ret.kind === "LIST_KIND" ? ret.typeDef! : ret;
    args = fn ? fn.arguments : {};
    context = `${obj.name}.${w}`;
    obj = target.kind === "OBJECT_KIND" ? api.objects[target.name!] : undefined;
  }
  return problems.map((p) => `${call.where}: dagger call ${call.words.join(" ")}\n  ${p}`);
}
