/**
 * The module's import graph, computed from the sources: no import circle anywhere in
 * dagger/src; the pure core (dagger/src/core/**) imports neither Dagger nor a shell file; the
 * shell (every file outside core/) stays at most SHELL_FLOORS_MAX floors high (the longest import
 * chain among shell files). The floor limit is a ratchet: it may only go down (issue 21 asks for 4).
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { ROOT } from "../helpers/tools.js";

const SRC = join(ROOT, "dagger/src");
const CORE = join(SRC, "core") + "/";

/** Today's height of the shell; lower it when a change flattens the shell, never raise it. */
const SHELL_FLOORS_MAX = 5;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Module specifiers a file imports or re-exports (type-only imports included: they tie files together too). */
function specifiers(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const st of sf.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier))
      out.push(st.moduleSpecifier.text);
  }
  return out;
}

/** file → the files of dagger/src it imports; file → its package imports. */
function graph(): { local: Map<string, string[]>; packages: Map<string, string[]> } {
  const local = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const f of tsFiles(SRC)) {
    const specs = specifiers(f);
    local.set(
      f,
      specs.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(f), s).replace(/\.js$/, ".ts")),
    );
    packages.set(
      f,
      specs.filter((s) => !s.startsWith(".")),
    );
  }
  return { local, packages };
}

/** Every import circle (strongly connected component of more than one file, or a file importing itself). */
export function circles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const c: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      c.push(w);
    } while (w !== v);
    if (c.length > 1 || (g.get(v) ?? []).includes(v)) out.push(c);
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The longest import chain among the files `inside` keeps, counted in files (a file importing none of them is floor 1). */
export function floors(g: Map<string, string[]>, inside: (f: string) => boolean): Map<string, number> {
  const memo = new Map<string, number>();
  const height = (f: string): number => {
    const known = memo.get(f);
    if (known !== undefined) return known;
    memo.set(f, 1); // a circle (reported on its own) must not recurse forever
    const h = 1 + Math.max(0, ...(g.get(f) ?? []).filter((w) => g.has(w) && inside(w)).map(height));
    memo.set(f, h);
    return h;
  };
  for (const f of g.keys()) if (inside(f)) height(f);
  return memo;
}

/** The import chain that gives `from` its floor count: `from`, then at each step the highest file it imports. */
export function chain(g: Map<string, string[]>, h: Map<string, number>, from: string): string[] {
  const out = [from];
  for (let f = from; (h.get(f) ?? 1) > 1;) {
    const below = (g.get(f) ?? []).filter((w) => h.get(w) === (h.get(f) ?? 1) - 1);
    if (below.length === 0 || out.includes(below[0]!)) break;
    f = below[0]!;
    out.push(f);
  }
  return out;
}

const rel = (f: string) => relative(ROOT, f);
const isShell = (f: string) => !f.startsWith(CORE);

describe("import graph of dagger/src", () => {
  const { local, packages } = graph();

  it("has no import circle", () => {
    expect(circles(local).map((c) => c.map(rel).sort())).toEqual([]);
  });

  it("keeps the core pure: no import of @dagger.io/dagger, nor of a shell file, from dagger/src/core/**", () => {
    const bad: string[] = [];
    for (const [f, deps] of local) {
      if (isShell(f)) continue;
      for (const p of packages.get(f) ?? []) if (p.startsWith("@dagger.io/")) bad.push(`${rel(f)} imports ${p}`);
      for (const d of deps) if (isShell(d)) bad.push(`${rel(f)} imports the shell file ${rel(d)}`);
    }
    expect(bad).toEqual([]);
  });

  it(`keeps the shell at most ${SHELL_FLOORS_MAX} floors high (longest import chain among files outside core/)`, () => {
    const h = floors(local, isShell);
    const top = [...h.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const path = chain(local, h, top[0]).map(rel).join(" → ");
    expect(top[1], `${rel(top[0])} stands ${top[1]} floors high: ${path}`).toBeLessThanOrEqual(SHELL_FLOORS_MAX);
  });

  it("the graph helpers see a circle, count floors and name the chain (so the checks above can fail)", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["e"]],
      ["e", []],
    ]);
    expect(circles(g).map((c) => c.sort())).toEqual([["a", "b", "c"]]);
    expect(floors(g, () => true).get("d")).toBe(2);
    const tall = new Map([
      ["top", ["mid", "leaf"]],
      ["mid", ["leaf"]],
      ["leaf", []],
    ]);
    expect(
      chain(
        tall,
        floors(tall, () => true),
        "top",
      ),
    ).toEqual(["top", "mid", "leaf"]);
  });
});
