import { describe, expect, it } from "vitest";
import { dag, type Directory } from "@dagger.io/dagger";
import { validateTree } from "../../dagger/src/writeback/writeback.js";
import { Run } from "../../dagger/src/run.js";
import type { ValidateStageOptions } from "../../dagger/src/validate/containers.js";
import { editYaml } from "../../dagger/src/core/writeback/yaml-edit.js";
import { plan } from "../helpers/plan.js";
import { GitopsPipeline } from "../../dagger/src/index.js";

const tools = { helmImage: "helm:pinned", kubeconformImage: "kubeconform:pinned", kustomizeImage: "kustomize:pinned", kubernetes: "1.36.0" };
const images = { tools };

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
      return Run.of({
        stage: "validate",
        passed: false,
        summary: "validate failed: dev: 1 error (POL-IMAGE-TAG)",
        details: "",
        findings: [{ source: "policy", rule: "POL-IMAGE-TAG", severity: "error", message: "m" }],
      });
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
    const single = (
      await new GitopsPipeline(dag.directory(), dag.directory()).gitopsRepo("https://git.example.com/acme/gitops.git", "main", "gitops")
    ).target();
    expect(single.validate.app).toBe(""); // no app: every app of the tree
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

describe("the write-back gate in the Dagger shell: the validate stage before and after the edit", () => {
  /** A stand-in validate run whose artifacts hold `rendered/<key>.yaml`. */
  const stageRun = (renderings: Record<string, string>, findings: { rule: string; environment: string }[] = []) => ({
    result: {
      stage: "validate",
      passed: findings.length === 0,
      summary: `validate ${findings.length ? "failed" : "passed"}`,
      details: "",
      findings: findings.map((f) => ({ source: "policy", severity: "error" as const, message: "m", ...f })),
    },
    artifacts: {
      glob: async () => Object.keys(renderings).map((k) => `rendered/${k}.yaml`),
      file: (p: string) => ({ contents: async () => renderings[p.slice("rendered/".length, -".yaml".length)]! }),
    } as unknown as Directory,
  });
  const dep = (tag: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template:\n    spec:\n      containers: [{ name: web, image: "ghcr.io/acme/web:${tag}" }]\n`;
  const bumped = editYaml(FILE, 'image:\n  tag: "1.0.0"\n', [{ path: "image.tag", value: "1.1.0", kind: "tag" }]);
  const treeWith = (files: Record<string, string>) => ({ ...tree(files), glob: async () => [] }) as unknown as Directory;

  it("validates the head, then the edited tree; pre-existing errors pass, the rendered diff comes back", async () => {
    const seen: string[] = [];
    const runs = [
      stageRun({ dev: dep("1.0.0"), prod: dep("1.0.0") }, [{ rule: "POL-PROD-PDB", environment: "prod" }]),
      stageRun({ dev: dep("1.1.0"), prod: dep("1.0.0") }, [{ rule: "POL-PROD-PDB", environment: "prod" }]),
    ];
    const v = validateTree(images, "", async (o) => {
      seen.push(o.tools.helmImage);
      return runs.shift()!;
    });
    expect(v.before).toBeDefined();
    const check = await v.before!(treeWith({}), { environment: "dev", changed: [bumped] });
    const r = await check(treeWith({ [FILE]: bumped.after }), [bumped]);
    expect(seen).toEqual(["helm:pinned", "helm:pinned"]);
    expect(r.ok).toBe(true);
    expect(r.preExisting?.map((f) => f.rule)).toEqual(["POL-PROD-PDB"]);
    expect(Object.keys(r.renderedDiff ?? {})).toEqual(["dev"]);
    expect(r.summary).toContain("gate: rendered change in dev; no finding introduced by the edit; 1 pre-existing error(s) not blocking");
  });

  it("refuses an edit that changes another environment unless shared values are allowed", async () => {
    const stage = (runs: ReturnType<typeof stageRun>[]) => async () => runs.shift()!;
    const both = () => [stageRun({ dev: dep("1.0.0"), prod: dep("1.0.0") }), stageRun({ dev: dep("1.1.0"), prod: dep("1.1.0") })];
    const refused = await (
      await validateTree(images, "", stage(both())).before!(treeWith({}), { environment: "prod", changed: [bumped] })
    )(treeWith({ [FILE]: bumped.after }), [bumped]);
    expect(refused.ok).toBe(false);
    expect(refused.findings?.map((f) => f.rule)).toEqual(["WRITEBACK-SHARED"]);
    const allowed = await (
      await validateTree(images, "", stage(both()), true).before!(treeWith({}), { environment: "prod", changed: [bumped] })
    )(treeWith({ [FILE]: bumped.after }), [bumped]);
    expect(allowed.ok).toBe(true);
    expect(allowed.alsoChanged).toEqual(["dev"]);
  });
});
