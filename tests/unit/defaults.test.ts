/**
 * One table of defaults (dagger/src/core/defaults.ts). Every default a public function declares
 * is read from the table (or is an empty/false/"not given" value), the engine sees exactly the
 * table's value, and the generated reference (docs/reference.md) shows it. Nothing here changes a default:
 * the test reads each one from the table and from the reference.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { DEFAULT_LINTERS, DEFAULT_PLATFORMS, DEFAULTS } from "../../dagger/src/core/defaults.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { kebab } from "../helpers/engine-names.js";
import { moduleApi } from "../helpers/module-api.js";
import { REFERENCE_FILE } from "../helpers/reference.js";
import { ROOT } from "../helpers/tools.js";

const SRC = join(ROOT, "dagger", "src");
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === "core" ? [] : files(join(dir, e.name))) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

/** Values a default may be without the table: "not given". */
const NEUTRAL = new Set(['""', "false", "true", "[]"]);
/** A member of one of the module's enums (`PullRequestProvider.GITHUB`): a named choice, not a literal. */
const ENUM_MEMBER = /^[A-Z][A-Za-z]+\.[A-Z][A-Z0-9_]*$/;

/** Every parameter default of a decorated class's methods and constructor: `Class.fn(arg) = expression`. */
function declaredDefaults(): { where: string; cls: string; fn: string; arg: string; expr: string }[] {
  const out: { where: string; cls: string; fn: string; arg: string; expr: string }[] = [];
  for (const file of files(SRC)) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    sf.forEachChild(function visit(node): void {
      if (ts.isClassDeclaration(node) && node.name) {
        for (const m of node.members) {
          const decorated = ts.isConstructorDeclaration(m) || (ts.isMethodDeclaration(m) && ts.getDecorators(m)?.some((d) => d.getText().startsWith("@func")));
          if (!decorated || !(ts.isConstructorDeclaration(m) || ts.isMethodDeclaration(m))) continue;
          const fn = ts.isConstructorDeclaration(m) ? "" : m.name.getText();
          for (const p of m.parameters) {
            if (p.initializer)
              out.push({ where: `${file.slice(ROOT.length + 1)}`, cls: node.name.text, fn, arg: p.name.getText(), expr: p.initializer.getText() });
          }
        }
      }
      node.forEachChild(visit);
    });
  }
  return out;
}

/** The value a default expression names in the tables. */
function tableValue(expr: string): unknown {
  const d = /^DEFAULTS\.(\w+)$/.exec(expr);
  if (d) return (DEFAULTS as Record<string, unknown>)[d[1]!];
  const v = /^VERSIONS\.(\w+)$/.exec(expr);
  if (v) return (VERSIONS as Record<string, unknown>)[v[1]!];
  if (expr === "DEFAULT_PLATFORMS") return DEFAULT_PLATFORMS;
  if (expr === "DEFAULT_LINTERS") return DEFAULT_LINTERS;
  return undefined;
}

describe("one table of defaults", () => {
  const declared = declaredDefaults();

  it("finds the defaults it checks", () => {
    expect(declared.length).toBeGreaterThanOrEqual(40);
  });

  it("every default is the table's, or an empty / not-given value: no literal spelled in a signature", () => {
    const literal = declared.filter((d) => !NEUTRAL.has(d.expr) && !ENUM_MEMBER.test(d.expr) && tableValue(d.expr) === undefined);
    expect(literal.map((d) => `${d.where} ${d.cls}.${d.fn || "constructor"}(${d.arg} = ${d.expr})`)).toEqual([]);
  });

  it("the engine sees exactly the table's value, and the generated reference (docs/reference.md) shows it", async () => {
    const api = await moduleApi();
    const reference = readFileSync(join(ROOT, REFERENCE_FILE), "utf8");
    let checked = 0;
    for (const d of declared.filter((x) => tableValue(x.expr) !== undefined)) {
      const obj = api.objects[d.cls]!;
      const args = d.fn ? obj.methods[d.fn]!.arguments : obj.constructor!.arguments;
      const want = tableValue(d.expr);
      expect(args[d.arg]!.defaultValue, `${d.cls}.${d.fn}(${d.arg})`).toEqual(want);
      const shown = Array.isArray(want) ? want.join(",") : String(want);
      const row = new RegExp(`\\| \`--${kebab(d.arg)}\` \\| [^|]+ \\| \`${shown.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&").replace(/,/g, ",?")}\``);
      expect(reference, `${REFERENCE_FILE} row of --${kebab(d.arg)} with ${shown}`).toMatch(row);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(25);
  });

  it("docs/pipeline.md's prose states the table's figures", () => {
    const readme = readFileSync(join(ROOT, "docs", "pipeline.md"), "utf8");
    expect(readme).toContain(`a coverage gate of ${DEFAULTS.minCoverage} %`);
    expect(readme).toContain(`${DEFAULTS.maxAttempts} push attempts`);
    expect(readme).toContain(`a ${DEFAULTS.e2eTimeout} s e2e budget`);
    expect(readme).toContain(DEFAULT_PLATFORMS.join(","));
  });
});
