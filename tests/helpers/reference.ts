/**
 * The module's function reference, rendered from what the SDK's introspector reads (the same
 * data `dagger functions` and `dagger call --help` show): every object, function, argument,
 * type and default. The README carries it between markers; a unit test keeps it in sync.
 */
import type { ArgDef, FnDef, ModuleDef, TypeDef } from "./module-api.js";

export const START = "<!-- function-reference:start (generated: npm run docs) -->";
export const END = "<!-- function-reference:end -->";

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function typeName(t: TypeDef): string {
  switch (t.kind) {
    case "STRING_KIND":
      return "string";
    case "INTEGER_KIND":
      return "int";
    case "FLOAT_KIND":
      return "float";
    case "BOOLEAN_KIND":
      return "bool";
    case "VOID_KIND":
      return "void";
    case "LIST_KIND":
      return `[${t.typeDef ? typeName(t.typeDef) : "?"}]`;
    default:
      return t.name ?? t.kind.replace(/_KIND$/, "").toLowerCase();
  }
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ").trim();
}

function defaultOf(a: ArgDef): string {
  if (a.defaultPath) return `\`${a.defaultPath}\` (context dir)`;
  if (a.defaultValue !== undefined) return `\`${cell(String(a.defaultValue))}\``;
  return a.isOptional || a.isNullable ? "optional" : "**required**";
}

function argsTable(args: Record<string, ArgDef>): string[] {
  const list = Object.values(args);
  if (!list.length) return [];
  return ["| argument | type | default | description |", "| --- | --- | --- | --- |", ...list.map((a) => `| \`--${kebab(a.name)}\` | ${typeName(a.type)} | ${defaultOf(a)} | ${cell(a.description)} |`)];
}

function fnLine(fn: FnDef): string {
  const flags = [fn.cache === "never" ? "never cached" : fn.cache ? `cached ${fn.cache}` : "", fn.isCheck ? "check" : ""].filter(Boolean);
  return `- \`${kebab(fn.name)}\` → ${typeName(fn.returnType)}${flags.length ? ` (${flags.join(", ")})` : ""}: ${cell(fn.description)}`;
}

/** Markdown of the whole API: the main object first, then every other object. */
export function renderReference(api: ModuleDef): string {
  const main = api.objects[api.name]!;
  const out: string[] = [START, "", `### \`${api.name}\` (constructor: \`dagger call [flags] <function>\`)`, "", ...argsTable(main.constructor?.arguments ?? {}), ""];
  for (const fn of Object.values(main.methods)) {
    out.push(`#### \`${kebab(fn.name)}\``, "", fnLine(fn).replace(/^- /, ""), "");
    const t = argsTable(fn.arguments);
    if (t.length) out.push(...t, "");
  }
  for (const obj of Object.values(api.objects).filter((o) => o.name !== api.name)) {
    out.push(`### \`${obj.name}\``, "", cell(obj.description), "");
    const fields = Object.values(obj.properties).filter((p) => p.isExposed);
    for (const p of fields) out.push(`- \`${kebab(p.name)}\` (field): ${cell(p.description)}`);
    for (const fn of Object.values(obj.methods)) out.push(fnLine(fn));
    out.push("");
  }
  for (const e of Object.values(api.enums ?? {})) {
    out.push(`### enum \`${e.name}\``, "", `${cell(e.description)} Values: ${Object.values(e.values).map((v) => `\`${v.name}\``).join(", ")}.`, "");
  }
  out.push(END);
  return out.join("\n");
}
