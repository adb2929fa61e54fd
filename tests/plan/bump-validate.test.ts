import { describe, expect, it } from "vitest";
import { dag, type Directory } from "@dagger.io/dagger";
import { validateTree } from "../../dagger/src/writeback/writeback.js";
import { Run } from "../../dagger/src/run.js";
import type { ValidateStageOptions } from "../../dagger/src/validate/validate.js";
import { editYaml } from "../../dagger/src/core/writeback/yaml-edit.js";
import { plan } from "../helpers/plan.js";
import { GitopsPipeline } from "../../dagger/src/index.js";

const images = { helmImage: "helm:pinned", kubeconformImage: "kubeconform:pinned", kubernetes: "1.36.0" };

/** A Directory stand-in whose files the own check reads; `directory()` stays a real lazy SDK call. */
function tree(files: Record<string, string>): Directory {
  const real = dag.directory();
  return {
    exists: async (p: string) => p in files,
    file: (p: string) => ({ contents: async () => files[p]! }),
    directory: (p: string) => real.directory(p),
  } as unknown as Directory;
}

const FILE = "environments/dev/values.yaml";
const edit = editYaml(FILE, "image:\n  tag: old-1 # bumped by the pipeline\n", [{ path: "image.tag", value: "abc1234-7", kind: "tag" }]);

describe("bump validates the edited tree with the validate stage before pushing", () => {
  it("runs the validate stage on the gitops root of the edited tree, with the pipeline's images", async () => {
    let seen: ValidateStageOptions | undefined;
    const validate = validateTree(images, "gitops", async (o) => {
      seen = o;
      return Run.of({ stage: "validate", passed: false, summary: "validate failed: dev: 1 error (POL-IMAGE-TAG)", details: "", findings: [{ source: "policy", rule: "POL-IMAGE-TAG", severity: "error", message: "m" }] });
    });
    const v = await validate(tree({ [FILE]: edit.after }), [edit]);
    expect(v.ok).toBe(false);
    expect(v.summary).toContain("validate failed: dev: 1 error (POL-IMAGE-TAG)");
    expect(v.findings?.map((f) => f.rule)).toEqual(["POL-IMAGE-TAG"]);
    expect(seen).toMatchObject(images);
    expect(plan(seen!.gitops).map((s) => [s.op, s.args])).toEqual([
      ["directory", {}],
      ["directory", { path: "gitops" }],
    ]);
  });

  it("gitops-repo --app: the write-back edits that app's layout and the validation before the push checks that app only", async () => {
    const repo = await new GitopsPipeline(dag.directory(), dag.directory()).gitopsRepo("https://git.example.com/acme/gitops.git", "main", "gitops", "payments");
    const t = repo.target();
    expect(t.app).toBe("payments");
    expect(t.validate.app).toBe("payments");
    let seen: ValidateStageOptions | undefined;
    await validateTree(t.validate, t.root, async (o) => {
      seen = o;
      return Run.of({ stage: "validate", passed: true, summary: "validate passed", details: "", findings: [] });
    })(tree({ [FILE]: edit.after }), [edit]);
    expect(seen?.app).toBe("payments");
    // A single-app tree's repository validates every app (there is one), as before.
    const single = (await new GitopsPipeline(dag.directory(), dag.directory()).gitopsRepo("https://git.example.com/acme/gitops.git", "main", "gitops")).target();
    expect(single.validate.app).toBeUndefined();
  });

  it("does not run the stage when the edit itself is broken", async () => {
    let called = false;
    const validate = validateTree(images, "", async () => {
      called = true;
      return Run.of({ stage: "validate", passed: true, summary: "validate passed", details: "", findings: [] });
    });
    const v = await validate(tree({ [FILE]: "image: [unclosed\n" }), [edit]);
    expect(v.ok).toBe(false);
    expect(called).toBe(false);
  });
});
