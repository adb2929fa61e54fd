/**
 * Guard of the linter registry (dagger/src/core/app/linters/): adding a linter is its file, its
 * pin in versions.ts and its line in the registry. Everything that lists linters must derive
 * from the registry — the choices and their errors, the toolchain pins, the contract setup's pins,
 * the settings' JSON Schema, the docs' table — and no shell or core file may single a linter out
 * by name. `npm run docs` (UPDATE_REFERENCE=1) rewrites the docs table.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { lintInputs } from "../../dagger/src/core/app/inputs.js";
import { LINTER_REGISTRY, LINTERS, lintersTable, parseLinterNames } from "../../dagger/src/core/app/linters/index.js";
import { publishedSchemas } from "../../dagger/src/core/settings/json-schema.js";
import { PINNED_TOOLCHAIN, PYTHON_TOOLS } from "../../dagger/src/core/toolchain.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { ROOT } from "../helpers/tools.js";

const LINTERS_DIR = join(ROOT, "dagger/src/core/app/linters");
const DOC = "docs/app-stages.md";
const BEGIN = "<!-- linters:begin (generated) -->";
const END = "<!-- linters:end -->";

/** The generated block of `doc` (between the markers), or undefined without markers. */
function generatedBlock(doc: string): string | undefined {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  return start < 0 || end < start ? undefined : doc.slice(start + BEGIN.length, end).trim();
}

/** Files allowed to name a linter: the registry itself, and the defaults (the default linters). */
const MAY_NAME_LINTERS = [/^core\/app\/linters\//, /^core\/defaults\.ts$/];

/** `file:line` of every string literal in `text` that is exactly a linter's id (a switch on one linter). */
function linterLiterals(text: string, file: string, ids: readonly string[]): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/(["'`])([a-z0-9-]+)\1/g)) if (ids.includes(m[2]!)) out.push(`${file}:${i + 1}: ${m[0]}`);
  });
  return out;
}

const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });

describe("linter registry", () => {
  it("registers every linter file of its folder, once, with a distinct id and report name", async () => {
    const files = readdirSync(LINTERS_DIR).filter((f) => f.endsWith(".ts") && f !== "index.ts" && f !== "types.ts");
    const exported: unknown[] = [];
    for (const f of files) {
      const mod = (await import(join(LINTERS_DIR, f))) as Record<string, unknown>;
      const linters = Object.values(mod).filter((v) => typeof v === "object" && v !== null && "id" in v && "argv" in v && "parse" in v);
      expect(linters.length, `${f} exports one linter`).toBe(1);
      exported.push(...linters);
    }
    expect(new Set(exported)).toEqual(new Set(LINTER_REGISTRY));
    expect(new Set(LINTERS).size).toBe(LINTERS.length);
    expect(new Set(LINTER_REGISTRY.map((l) => l.reportName)).size).toBe(LINTERS.length);
    for (const id of LINTERS) expect(id, "a linter id is lower-case kebab case (the CLI's spelling)").toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  it("pins each linter's package once, in versions.ts, and the toolchain and the contract setup take those pins", () => {
    const packages = new Set(LINTER_REGISTRY.map((l) => l.package));
    expect(new Set(Object.keys(VERSIONS.linters)), "VERSIONS.linters holds exactly the registered linters' packages").toEqual(packages);
    const pins = execFileSync("node", [join(ROOT, "scripts/pins.mjs")], { encoding: "utf8" });
    const line = pins.split("\n").find((l) => l.startsWith("PIN_LINTERS="));
    const installed = (line ?? "").replace(/^PIN_LINTERS='|'$/g, "").split(" ");
    for (const l of LINTER_REGISTRY) {
      expect(l.version).toBe((VERSIONS.linters as Record<string, string>)[l.package]);
      expect(PYTHON_TOOLS).toContain(l.package);
      expect(PINNED_TOOLCHAIN.python[l.package]).toBe(l.version);
      expect(installed, "scripts/setup-contract-tools.sh installs PIN_LINTERS").toContain(`${l.package}==${l.version}`);
    }
    expect(readFileSync(join(ROOT, "scripts/setup-contract-tools.sh"), "utf8")).toContain("${PIN_LINTERS}");
  });

  it("the --linters choices, their errors and the settings' JSON Schema list exactly the registry's ids", () => {
    expect(lintInputs.shape.linters.in.description).toBe(`pass some of ${LINTERS.join(", ")}`);
    expect(() => parseLinterNames(["no-such-linter"])).toThrow(`use some of ${LINTERS.join(", ")}`);
    expect(parseLinterNames(LINTERS.map((l) => l.toUpperCase().replace(/-/g, "_")))).toEqual(LINTERS);
    // The generated text (settings-schema.test.ts keeps the committed file equal to it).
    const schema = publishedSchemas().find((x) => x.path === "schema/gitops-pipeline.settings.schema.json")!.text;
    const linters = (JSON.parse(schema) as { properties: { lint: { properties: { linters: Record<string, unknown> } } } }).properties.lint.properties.linters;
    expect(linters.description).toBe(`linters of the lint stage, some of ${LINTERS.join(", ")}`);
    expect(JSON.stringify(linters)).toContain(JSON.stringify({ type: "string", examples: LINTERS }));
  });

  it(`${DOC}'s linter table is the registry's`, () => {
    const file = join(ROOT, DOC);
    const doc = readFileSync(file, "utf8");
    const current = generatedBlock(doc);
    expect(current, `${DOC} has the linters markers`).toBeDefined();
    const wanted = lintersTable();
    if (process.env.UPDATE_REFERENCE === "1" && current !== wanted) {
      writeFileSync(file, doc.replace(/<!-- linters:begin \(generated\) -->[\s\S]*?<!-- linters:end -->/, `${BEGIN}\n${wanted}\n${END}`));
      return;
    }
    expect(current, `${DOC}'s linter table is stale: run \`npm run docs\``).toBe(wanted);
    for (const l of LINTER_REGISTRY) expect(wanted).toContain(`| \`${l.id}\` |`);
  });

  it("no module file outside the registry singles a linter out by name", () => {
    const src = join(ROOT, "dagger/src");
    const found = tsFiles(src)
      .map((p) => relative(src, p))
      .filter((f) => !MAY_NAME_LINTERS.some((r) => r.test(f)))
      .flatMap((f) => linterLiterals(readFileSync(join(src, f), "utf8"), f, LINTERS));
    expect(found, "move what depends on one linter into its registry entry").toEqual([]);
  });

  it("the guards catch what they guard against", () => {
    expect(linterLiterals(`const deps = (l: string) => l === "pylint";`, "app/lint.ts", LINTERS)).toEqual([`app/lint.ts:1: "pylint"`]);
    expect(linterLiterals(`ignore: ["**/.ruff_cache"], image: "ruff-format-image"`, "index.ts", LINTERS)).toEqual([]);
    expect(generatedBlock(`${BEGIN}\n| x |\n${END}`)).not.toBe(lintersTable());
    expect(generatedBlock("no markers")).toBeUndefined();
  });
});
