/**
 * A tree without gitops-pipeline.yaml validated with the layout its Argo CD Applications describe
 * (tests/fixtures/gitops-discovered: an app-of-apps chart, a chart deployed twice, a plain
 * kustomization, two Applications that cannot be rendered from the tree), with the real helm,
 * kustomize and kubeconform; the file the finding offers, once committed, validates the same.
 */
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize, validationReport } from "../../dagger/src/core/validate/validation.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { validateLocally } from "./local-validation.js";
import { ROOT } from "../helpers/tools.js";

function fixtureTree(): string {
  const dir = mkdtempSync(join(tmpdir(), "gitops-discovered-"));
  cpSync(join(ROOT, "tests", "fixtures", "gitops-discovered"), dir, { recursive: true });
  rmSync(join(dir, "FIXTURE.md"));
  return dir;
}

describe("a tree without gitops-pipeline.yaml (gitops-discovered)", () => {
  it("passes with the apps and environments its Applications describe, each rendered as its Application says", async () => {
    const dir = fixtureTree();
    const r = await validateLocally(dir);
    expect(
      r.findings.filter((f) => f.severity !== "info"),
      summarize(r),
    ).toEqual([]);
    expect(validationReport(r).summary).toMatch(/^validate passed: 2 apps \(shop, site\), 3 environments, 1 kustomize overlay/);
    expect(r.environments.map((e) => [e.app, e.name, e.namespace, e.objects])).toEqual([
      ["shop", "dev", "shop-dev", 1],
      ["shop", "staging", "shop-staging", 1],
    ]);
    expect(r.overlays.map((o) => [o.app, o.environment, o.overlay])).toEqual([["site", "default", "site"]]);
    const found = r.findings.find((f) => f.rule === "GITOPS-DISCOVERED")!;
    expect(found.message).toContain("not rendered: plain (its path plain holds neither a Chart.yaml nor a kustomization");
    expect(found.message).toContain("catalog (its chart comes from a Helm repository");
    // Each environment's own value file reached its rendering (the Application's valueFiles).
    const deployment = (env: string) =>
      parseManifests(readFileSync(join(r.renderedDir, "shop", `${env}.yaml`), "utf8"), env).objects.find((o) => o.kind === "Deployment")!;
    expect(JSON.stringify(deployment("staging").body)).toContain('"replicas":2');
    expect(JSON.stringify(deployment("staging").body)).toContain("registry.example.org/shop:0.9.0");
    expect(JSON.stringify(deployment("dev").body)).toContain("registry.example.org/shop:1.0.0");

    // The file the finding offers, committed: the same validation, nothing discovered any more.
    writeFileSync(join(dir, "gitops-pipeline.yaml"), found.hint!.slice(found.hint!.indexOf("\n") + 1));
    const again = await validateLocally(dir);
    expect(again.findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(again.findings.some((f) => f.rule === "GITOPS-DISCOVERED")).toBe(false);
    expect(again.environments.map((e) => [e.app, e.name])).toEqual(r.environments.map((e) => [e.app, e.name]));
    expect(again.overlays.map((o) => [o.app, o.environment])).toEqual([["site", "default"]]);
  });
});
