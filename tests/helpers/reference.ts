/**
 * The module's function reference, rendered from what the SDK's introspector reads (the same
 * data `dagger functions` and `dagger call --help` show): every object, function, argument,
 * type and default. docs/reference.md carries it between markers; a unit test keeps it in sync.
 */
import { enumMemberName, kebab } from "./engine-names.js";
import type { ArgDef, FnDef, ModuleDef, ObjectDef, TypeDef } from "./module-api.js";

/** The file that carries the generated reference (the README links to it). */
export const REFERENCE_FILE = "docs/reference.md";
export const START = "<!-- function-reference:start (generated: npm run docs) -->";
export const END = "<!-- function-reference:end -->";

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
  return s
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ")
    .trim();
}

function defaultOf(a: ArgDef): string {
  if (a.defaultPath) return `\`${a.defaultPath}\` (context dir)`;
  if (a.defaultValue !== undefined) return `\`${cell(String(a.defaultValue))}\``;
  return a.isOptional || a.isNullable ? "optional" : "**required**";
}

function argsTable(args: Record<string, ArgDef>): string[] {
  const list = Object.values(args);
  if (!list.length) return [];
  return [
    "| argument | type | default | description |",
    "| --- | --- | --- | --- |",
    ...list.map((a) => `| \`--${kebab(a.name)}\` | ${typeName(a.type)} | ${defaultOf(a)} | ${cell(a.description)} |`),
  ];
}

function fnLine(fn: FnDef): string {
  const flags = [
    fn.cache === "never" ? "never cached" : fn.cache ? `cached ${fn.cache}` : "",
    fn.isCheck ? "check" : "",
    fn.isGenerator ? "generator" : "",
    fn.isUp ? "service" : "",
  ].filter(Boolean);
  return `- \`${kebab(fn.name)}\` → ${typeName(fn.returnType)}${flags.length ? ` (${flags.join(", ")})` : ""}: ${cell(fn.description)}`;
}

/** One object: its fields, then each function with its arguments. */
function objectSection(obj: ObjectDef, heading: string): string[] {
  const out = [heading, "", cell(obj.description), ""];
  for (const p of Object.values(obj.properties).filter((x) => x.isExposed)) out.push(`- \`${kebab(p.name)}\` (field): ${cell(p.description)}`);
  const plain = Object.values(obj.methods).filter((fn) => Object.keys(fn.arguments).length === 0);
  for (const fn of plain) out.push(fnLine(fn));
  out.push("");
  for (const fn of Object.values(obj.methods).filter((f) => !plain.includes(f))) {
    out.push(`#### \`${kebab(fn.name)}\``, "", fnLine(fn).replace(/^- /, ""), "", ...argsTable(fn.arguments), "");
  }
  return out;
}

/** Markdown of the whole API: the main object and its constructor first, then every other object, then the enums. */
export function renderReference(api: ModuleDef): string {
  const main = api.objects[api.name]!;
  const out: string[] = [
    START,
    "",
    `### \`${api.name}\` (constructor flags: \`dagger call [flags] <function>\`)`,
    "",
    ...argsTable(main.constructor?.arguments ?? {}),
    "",
  ];
  out.push(...objectSection(main, "#### functions").slice(1));
  for (const obj of Object.values(api.objects).filter((o) => o.name !== api.name)) out.push(...objectSection(obj, `### \`${obj.name}\``));
  for (const e of Object.values(api.enums ?? {})) {
    out.push(
      `### enum \`${e.name}\``,
      "",
      `${cell(e.description)} Values (any case on the command line): ${Object.values(e.values)
        .map((v) => `\`${enumMemberName(v.name)}\` (${cell(v.description)})`)
        .join(", ")}.`,
      "",
    );
  }
  out.push(END);
  return out.join("\n");
}
