/**
 * Benchmarks of the app stages (figures printed, not enforced):
 * (a) a one-line change in app/: which exec nodes of the lint, test and build plans change, in a
 *     content-addressed model of the engine's cache (below), and inside the Dockerfile;
 * (b) ruff vs flake8 vs pylint wall time on app/ through the contract argv.
 * (The cache model is in tests/helpers/cache-model.ts.)
 */
import { expect, it } from "vitest";
import { join } from "node:path";
import { lintArgv } from "../../dagger/src/core/app/lint.js";
import { LINTERS } from "../../dagger/src/core/app/linters/index.js";
import { PINNED_TOOLCHAIN as p } from "../../dagger/src/core/toolchain.js";
import { lintContainer } from "../../dagger/src/app/lint.js";
import { projectOf } from "../../dagger/src/app/python.js";
import { testContainer } from "../../dagger/src/app/test.js";
import { buildVariants } from "../../dagger/src/app/build.js";
import { bench } from "../helpers/bench.js";
import { plan } from "../helpers/plan.js";
import { compare, dockerfileRunKeys, execKeys } from "../helpers/cache-model.js";
import { declarationsOf, filesOf, treeOf } from "../helpers/dir-tree.js";
import { ROOT, runArgv } from "../helpers/tools.js";

const APP = join(ROOT, "app");
it("one-line change in app/: exec nodes that change in the lint, test and build plans", () => {
  const base = filesOf(APP);
  const edited = { ...base, "webapp/__init__.py": base["webapp/__init__.py"]!.replace(/\n/, "\n# one-line change\n") };
  expect(edited["webapp/__init__.py"]).not.toBe(base["webapp/__init__.py"]);
  const pins = (f: Record<string, string>) => projectOf(p, declarationsOf(f));
  const plans = {
    "lint (ruff)": (f: Record<string, string>) => plan(lintContainer(p, treeOf(f), "ruff")),
    "lint (pylint)": (f: Record<string, string>) => plan(lintContainer(p, treeOf(f), "pylint", pins(f))),
    test: (f: Record<string, string>) => plan(testContainer(p, treeOf(f), 90, pins(f))),
    build: (f: Record<string, string>) =>
      buildVariants(p.pythonImage, treeOf(f), {
        platforms: ["linux/amd64", "linux/arm64"],
        version: "1.0.0",
        revision: "8855235",
        dockerfile: "Dockerfile",
      }).flatMap(plan),
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

it("each linter on app/ (contract argv, pinned tools)", async () => {
  for (const linter of LINTERS) {
    const r = await bench(
      `lint ${linter} on app/`,
      () => {
        const out = runArgv(lintArgv(linter), APP, { PYTHONDONTWRITEBYTECODE: "1" });
        if (out.status !== 0) throw new Error(`${linter} failed: ${out.stdout}${out.stderr}`);
      },
      5,
      1,
    );
    expect(r.runs).toBe(5);
  }
});
