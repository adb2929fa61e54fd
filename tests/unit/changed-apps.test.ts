import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePipelineConfig } from "../../dagger/src/core/gitops-config.js";
import { inTree, parseChangedFiles, roleOf, selectChangedApps } from "../../dagger/src/core/gitops/changed-apps.js";
import { ROOT } from "../helpers/tools.js";

const FIXTURE = join(ROOT, "tests", "fixtures", "gitops-changed-apps");
const pipeline = parsePipelineConfig(readFileSync(join(FIXTURE, "gitops-pipeline.yaml"), "utf8"));
const selected = (changed: string[]) =>
  selectChangedApps(pipeline, changed)
    .filter((c) => c.selected)
    .map((c) => c.app);

describe("the apps a change selects (fixture gitops-changed-apps: orders and billing share a chart, reports has its own)", () => {
  it("a change in one app's values selects that app only, and says why the others are skipped", () => {
    const r = selectChangedApps(pipeline, ["deploy/apps/orders/dev/values.yaml"]);
    expect(r.map((c) => [c.app, c.selected])).toEqual([
      ["orders", true],
      ["billing", false],
      ["reports", false],
    ]);
    expect(r[0]!.reason).toBe("changed: apps/orders/dev/values.yaml (dev's values)");
    expect(r[1]!.reason).toBe("none of the 1 changed file under deploy/ is its chart, values or overlays");
  });

  it("a change to a shared chart selects every app that uses it, and only those", () => {
    expect(selected(["deploy/charts/web/templates/deployment.yaml"])).toEqual(["orders", "billing"]);
    expect(selected(["deploy/charts/batch/values.yaml"])).toEqual(["reports"]);
  });

  it("a file of the tree no app owns selects every app; a file outside the tree none", () => {
    expect(selected(["deploy/gitops-pipeline.yaml"])).toEqual(["orders", "billing", "reports"]);
    expect(selected(["deploy/argocd/orders-dev.yaml"])).toEqual(["orders", "billing", "reports"]);
    expect(selected(["src/app.py", "README.md"])).toEqual([]);
    expect(selectChangedApps(pipeline, [])[0]!.reason).toBe("no file under deploy/ changed");
  });

  it("changed-file lists: comma or newline separated, ./ dropped, duplicates once", () => {
    expect(parseChangedFiles("a.yaml, ./b/c.yaml\n\na.yaml\n")).toEqual(["a.yaml", "b/c.yaml"]);
    expect(inTree("deploy/x.yaml", "deploy")).toBe("x.yaml");
    expect(inTree("deployment/x.yaml", "deploy")).toBeUndefined();
    expect(inTree("x.yaml", "")).toBe("x.yaml");
  });

  const file = fc.oneof(
    fc.constantFrom(
      "deploy/apps/orders/dev/values.yaml",
      "deploy/apps/billing/prod/values.yaml",
      "deploy/apps/reports/dev/values.yaml",
      "deploy/charts/web/Chart.yaml",
      "deploy/charts/batch/templates/job.yaml",
      "deploy/gitops-pipeline.yaml",
      "deploy/argocd/orders-dev.yaml",
    ),
    fc.stringMatching(/^(src|docs|app)\/[a-z]{1,8}\.(py|md)$/),
  );

  it("property: adding changed files never drops a selected app", () => {
    fc.assert(
      fc.property(fc.array(file, { maxLength: 6 }), fc.array(file, { maxLength: 6 }), (a, b) => {
        const before = new Set(selected(a));
        const after = new Set(selected([...a, ...b]));
        expect([...before].every((x) => after.has(x))).toBe(true);
      }),
    );
  });

  it("property: an app is selected exactly when a changed file is its own or owned by no app; every app is answered once, in order", () => {
    fc.assert(
      fc.property(fc.array(file, { maxLength: 8 }), (changed) => {
        const r = selectChangedApps(pipeline, changed);
        expect(r.map((c) => c.app)).toEqual(pipeline.apps.map((a) => a.name));
        const inside = changed.map((f) => inTree(f, pipeline.repoPath)).filter((f): f is string => f !== undefined);
        const unowned = inside.some((f) => pipeline.apps.every((a) => roleOf(f, a) === undefined));
        for (const c of r) {
          const app = pipeline.apps.find((a) => a.name === c.app)!;
          expect(c.selected).toBe(unowned || inside.some((f) => roleOf(f, app) !== undefined));
          expect(c.reason.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
