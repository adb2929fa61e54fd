/**
 * Benchmarks of the app stages (figures printed, not enforced):
 * (a) a one-line change in app/: which exec nodes of the lint, test and build plans change, in a
 *     content-addressed model of the engine's cache (below), and inside the Dockerfile;
 * (b) ruff vs flake8 vs pylint wall time on app/ through the contract argv.
 *
 * The cache model: a node's key is the hash of its parent's key, its operation and its arguments,
 * where a directory argument counts by the content of the files it brings in (after `include`),
 * as BuildKit's content checksums do for copies. So a `withDirectory(..., { include: pins })`
 * keys on the pin files only, whatever else changed in the source.
 */
import { expect, it } from "vitest";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { GitopsPipeline } from "../../dagger/src/index.js";
import { lintArgv, type LinterName } from "../../dagger/src/core/python-tools.js";
import { Linter, lintContainer, type PinSet } from "../../dagger/src/stages/lint.js";
import { testContainer } from "../../dagger/src/stages/test.js";
import { buildVariants } from "../../dagger/src/stages/build.js";
import { bench } from "../helpers/bench.js";
import { plan, type Step } from "../helpers/plan.js";
import { filesOf, treeOf } from "../helpers/dir-tree.js";
import { ROOT, runArgv } from "../helpers/tools.js";

const APP = join(ROOT, "app");
const h = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16);

function globRe(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\/?/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*");
  return new RegExp(`^${re}$`);
}

interface Node {
  key: string;
  files?: Map<string, string>;
}

/** Evaluate a chain into its cache key (and its files while it is a plain directory). */
function evalChain(steps: Step[]): Node {
  let node: Node = { key: "" };
  for (const s of steps) {
    if (s.op === "directory" && node.key === "") {
      node = { key: h({}), files: new Map() };
    } else if (s.op === "withNewFile" && node.files) {
      const files = new Map(node.files).set(s.args.path as string, s.args.contents as string);
      node = { key: h([...files].sort()), files };
    } else {
      node = { key: h([node.key, s.op, normalise(s)]) };
    }
  }
  return node;
}

function normalise(s: Step): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.args)) {
    if (v && typeof v === "object" && "ref" in v) {
      const ref = evalChain((v as { ref: Step[] }).ref);
      const include = s.args.include as string[] | undefined;
      // A copy keys on the content it brings in, not on the whole source.
      out[k] = ref.files && include ? h([...ref.files].filter(([p]) => include.some((g) => globRe(g).test(p))).sort()) : ref.key;
    } else out[k] = v;
  }
  return out;
}

/** Key after each exec-like node (withExec, dockerBuild) of a chain, labelled. */
function execKeys(steps: Step[]): { label: string; key: string }[] {
  const out: { label: string; key: string }[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.op !== "withExec" && s.op !== "dockerBuild") continue;
    const label = s.op === "withExec" ? (s.args.args as string[]).slice(0, 5).join(" ") : `dockerBuild ${s.args.platform}`;
    out.push({ label, key: evalChain(steps.slice(0, i + 1)).key });
  }
  return out;
}

/** BuildKit-like keys of each RUN in the Dockerfile's stages, given the build context's files. */
function dockerfileRunKeys(dockerfile: string, files: Record<string, string>): { label: string; key: string }[] {
  const lines = dockerfile.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages = new Map<string, string>();
  let key = "";
  let stage = "";
  const out: { label: string; key: string }[] = [];
  for (const line of lines) {
    const [instr, ...rest] = line.split(/\s+/);
    const op = instr!.toUpperCase();
    if (op === "FROM") {
      if (stage) stages.set(stage, key);
      stage = rest[2] ?? String(stages.size);
      key = h(["FROM", rest[0]]);
    } else if (op === "COPY") {
      const from = rest.find((r) => r.startsWith("--from="))?.slice(7);
      const srcs = rest.filter((r) => !r.startsWith("--")).slice(0, -1);
      const content = from
        ? stages.get(from)
        : h(srcs.map((src) => Object.entries(files).filter(([p]) => p === src || p.startsWith(`${src}/`)).sort()));
      key = h([key, line, content]);
    } else {
      key = h([key, line]);
      if (op === "RUN") out.push({ label: `${stage}: ${line.slice(0, 60)}`, key });
    }
  }
  return out;
}

function compare(name: string, before: { label: string; key: string }[], after: { label: string; key: string }[]) {
  const changed = after.filter((n, i) => n.key !== before[i]?.key);
  console.log(`bench one-line change, ${name}: ${changed.length} of ${after.length} exec nodes change`);
  for (const n of after) console.log(`    ${n.key === before[after.indexOf(n)]?.key ? "same   " : "CHANGED"} ${n.label}`);
  return { changed, total: after.length };
}

it("one-line change in app/: exec nodes that change in the lint, test and build plans", () => {
  const p = new GitopsPipeline();
  const base = filesOf(APP);
  const edited = { ...base, "webapp/__init__.py": base["webapp/__init__.py"]!.replace(/\n/, "\n# one-line change\n") };
  expect(edited["webapp/__init__.py"]).not.toBe(base["webapp/__init__.py"]);
  const pins = (files: Record<string, string>): PinSet => ({
    files: ["requirements.txt", "requirements-dev.txt"],
    contents: [files["requirements.txt"]!, files["requirements-dev.txt"]!],
  });
  const plans = {
    "lint (ruff)": (f: Record<string, string>) => plan(lintContainer(p, treeOf(f), Linter.Ruff, pins(f))),
    "lint (pylint)": (f: Record<string, string>) => plan(lintContainer(p, treeOf(f), Linter.Pylint, pins(f))),
    test: (f: Record<string, string>) => plan(testContainer(p, treeOf(f), 90, pins(f))),
    build: (f: Record<string, string>) =>
      buildVariants(p.pythonImage, treeOf(f), { platforms: ["linux/amd64", "linux/arm64"], version: "1.0.0", revision: "8855235", dockerfile: "Dockerfile" }).flatMap(plan),
  };
  for (const [name, mk] of Object.entries(plans)) {
    const { changed } = compare(name, execKeys(mk(base)), execKeys(mk(edited)));
    // The goal: the dependency install never re-runs for a source edit.
    expect(changed.filter((n) => n.label.includes("pip install"))).toEqual([]);
  }
  const dockerfile = base["Dockerfile"]!;
  const { changed } = compare("inside the Dockerfile (BuildKit layer keys)", dockerfileRunKeys(dockerfile, base), dockerfileRunKeys(dockerfile, edited));
  expect(changed.filter((n) => n.label.includes("pip install"))).toEqual([]);
  // A pin change, by contrast, must re-run the install (the model is not blind).
  const repinned = { ...base, "requirements.txt": `${base["requirements.txt"]}\n# repin\n` };
  const testChanged = compare("test, after a pin-file change (control)", execKeys(plans.test(base)), execKeys(plans.test(repinned))).changed;
  expect(testChanged.some((n) => n.label.includes("pip install"))).toBe(true);
});

it("ruff vs flake8 vs pylint on app/ (contract argv, pinned tools)", async () => {
  for (const linter of ["ruff", "flake8", "pylint"] as LinterName[]) {
    const r = await bench(`lint ${linter} on app/`, () => {
      const out = runArgv(lintArgv(linter), APP, { PYTHONDONTWRITEBYTECODE: "1" });
      if (out.status !== 0) throw new Error(`${linter} failed: ${out.stdout}${out.stderr}`);
    }, 5, 1);
    expect(r.runs).toBe(5);
  }
});
