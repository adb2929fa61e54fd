/**
 * Benchmarks of `ci` (figures printed, not enforced):
 * (a) the critical path of its stage graph in sequential groups (goal ≤ 4), against the 5
 *     sequential jobs of a typical GitHub Actions version of this pipeline
 *     (test → build → e2e → publish → deploy);
 * (b) exec nodes of the whole run that re-run after a one-line app change (cache model of
 *     tests/helpers/cache-model.ts), over lint, test and the build that e2e, scan and publish reuse.
 */
import { expect, it } from "vitest";
import { join } from "node:path";
import { PINNED_TOOLCHAIN as p } from "../../dagger/src/core/toolchain.js";
import { CI_STAGES, ciGraph, decideCi } from "../../dagger/src/core/ci/plan.js";
import { stageGroups } from "../../dagger/src/core/ci/orchestrate.js";
import { lintContainer } from "../../dagger/src/app/lint.js";
import { projectOf } from "../../dagger/src/app/python.js";
import { testContainer } from "../../dagger/src/app/test.js";
import { buildVariants } from "../../dagger/src/app/build.js";
import { execKeys } from "../helpers/cache-model.js";
import { declarationsOf, filesOf, treeOf } from "../helpers/dir-tree.js";
import { plan } from "../helpers/plan.js";
import { ROOT } from "../helpers/tools.js";
import { ciInputs } from "../helpers/ci-call.js";

it("ci: critical path in sequential stage groups", () => {
  const noop = async () => ({ ok: true, summary: "" });
  const groups = stageGroups(ciGraph(Object.fromEntries(CI_STAGES.map((n) => [n, noop])) as never, { skip: {} }));
  console.log(`bench ci critical path: ${groups.length} sequential groups (${groups.map((g) => `{${g.join(", ")}}`).join(" → ")}) vs 5 sequential jobs`);
  expect(groups.flat().sort()).toEqual([...CI_STAGES].sort());
});

it("ci: exec nodes re-run after a one-line app change", () => {
  const app = join(ROOT, "app");
  const base = filesOf(app);
  const edited = { ...base, "webapp/__init__.py": base["webapp/__init__.py"]!.replace(/\n/, "\n# one-line change\n") };
  const d = decideCi({ ...ciInputs(), commit: "8855235", runNumber: "1" });
  const pins = (f: Record<string, string>) => projectOf(p, declarationsOf(f));
  const nodes = (f: Record<string, string>) => [
    ...execKeys(plan(lintContainer(p, treeOf(f), "ruff"))),
    ...execKeys(plan(lintContainer(p, treeOf(f), "ruff-format"))),
    ...execKeys(plan(testContainer(p, treeOf(f), 90, pins(f)))),
    ...buildVariants(p.pythonImage, treeOf(f), { platforms: d.platforms, version: d.appVersion, revision: "8855235", dockerfile: "Dockerfile" }).flatMap((v) =>
      execKeys(plan(v)),
    ),
  ];
  const before = nodes(base);
  const after = nodes(edited);
  const rerun = after.filter((n, i) => n.key !== before[i]!.key);
  console.log(
    `bench ci one-line change: ${rerun.length} of ${after.length} exec nodes re-run (${rerun.map((n) => n.label.split(" ").slice(0, 3).join(" ")).join("; ")}); pip installs re-run: ${rerun.filter((n) => n.label.includes("pip install")).length}`,
  );
  expect(rerun.filter((n) => n.label.includes("pip install"))).toEqual([]);
});
