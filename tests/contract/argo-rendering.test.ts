/**
 * What validate judges is what Argo CD applies, with the real helm, kustomize and kubeconform
 * (offline schemas): Helm test hooks left out, other hooks kept and counted, kustomize-only trees
 * (tests/fixtures/gitops-*, each laid over a copy of gitops/).
 */
import { describe, expect, it } from "vitest";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize, validationReport } from "../../dagger/src/core/validate/validation.js";
import { validateLocally } from "./local-validation.js";
import { ROOT } from "../helpers/tools.js";

/** A copy of gitops/ with `fixture` laid over it. */
export function overGitops(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${fixture}-`));
  cpSync(join(ROOT, "gitops"), dir, { recursive: true });
  cpSync(join(ROOT, "tests", "fixtures", fixture), dir, { recursive: true });
  rmSync(join(dir, "FIXTURE.md"));
  return dir;
}

describe("hooks (gitops-hooks: a test-success Pod breaking every rule, a pre-install hook)", () => {
  it("passes: the test Pods are left out of kubeconform and the policy, the pre-install hook is validated and counted", async () => {
    const r = await validateLocally(overGitops("gitops-hooks"));
    expect(r.findings, summarize(r)).toEqual([]);
    for (const e of r.environments) {
      expect([e.name, e.testHooksLeftOut, e.hooks], e.name).toEqual([e.name, 2, 1]);
      // kubeconform saw exactly the kept objects (the hook included), every one Valid.
      expect(e.schema, e.name).toEqual({ valid: e.objects, invalid: 0, errors: 0, skipped: 0 });
    }
    expect(summarize(r)).toContain("dev (gitops-demo-dev): lint ok, 6 objects rendered (1 hook, 2 helm test hooks left out)");
    expect(validationReport(r).summary).toMatch(/^validate passed: dev, staging, prod, 3 kustomize overlays, .*; 6 helm test hooks left out \(Argo CD never applies them\)$/);
  });
});

describe("a kustomize-only tree (gitops-kustomize-only)", () => {
  it("renders the three overlays with the real kustomize and passes; the summary names the environments", async () => {
    const r = await validateLocally(overGitops("gitops-kustomize-only"));
    expect(r.findings, summarize(r)).toEqual([]);
    expect(r.environments).toEqual([]);
    expect(r.overlays.map((o) => [o.environment, o.rendered, o.objects > 0])).toEqual([["dev", true, true], ["staging", true, true], ["prod", true, true]]);
    expect(validationReport(r).summary).toMatch(/^validate passed: dev, staging, prod, 3 kustomize overlays, chart kustomize \(kustomize\)/);
  });

  it("an environment without an overlay is one KUSTOMIZE-OVERLAY finding, and validate fails", async () => {
    const dir = overGitops("gitops-kustomize-only");
    appendFileSync(join(dir, "gitops-pipeline.yaml"), "  qa: {application: gitops-demo-dev, namespace: gitops-demo-dev}\n");
    const r = await validateLocally(dir);
    expect(r.findings.map((f) => [f.rule, f.environment, f.file])).toEqual([["KUSTOMIZE-OVERLAY", "qa", "kustomize/overlays/qa"]]);
    expect(validationReport(r).summary).toMatch(/^validate failed: dev, staging, prod, 3 kustomize overlays/);
    expect(readFileSync(join(dir, "gitops-pipeline.yaml"), "utf8")).not.toContain("chart:");
  });
});
