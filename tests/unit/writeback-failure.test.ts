import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { failedWriteBack } from "../../dagger/src/writeback/writeback.js";
import { gitFailure } from "../../dagger/src/writeback/git.js";
import { InputError, StageError } from "../../dagger/src/core/errors.js";

/** An error shaped as the SDK's ExecError (read by shape: the runtime does not export the class). */
function execError(cmd: string[], exitCode: number, stderr: string): Error {
  return Object.assign(new Error(`exit code: ${exitCode}`), { name: "ExecError", cmd, exitCode, stdout: "", stderr });
}

describe("a git command that fails outright is a failed write-back run, not a raw engine error", () => {
  const clone = ["git", "clone", "--quiet", "--no-tags", "--single-branch", "--branch", "main", "--", "https://git.example.com/acme/gitops.git", "/repo"];

  it("names the git command, its exit code and git's last lines", () => {
    const e = gitFailure(
      "rollback",
      execError(
        clone,
        128,
        "Cloning into '/repo'...\nfatal: unable to access 'https://git.example.com/acme/gitops.git/': Could not resolve host: git.example.com\n",
      ),
    );
    expect(e).toBeInstanceOf(StageError);
    expect((e as StageError).message).toBe(
      "rollback failed: git clone exited 128: Cloning into '/repo'... / fatal: unable to access 'https://git.example.com/acme/gitops.git/': Could not resolve host: git.example.com",
    );
  });

  it("becomes a failed run with one finding; input errors and other errors still throw", () => {
    const run = failedWriteBack("bump", execError(clone, 128, "fatal: Authentication failed"), dag.directory());
    expect(run.passed()).toBe(false);
    expect(run.summary()).toBe("bump failed: git clone exited 128: fatal: Authentication failed");
    expect(run.findings().map((f) => f.rule)).toEqual(["BUMP"]);
    expect(() => failedWriteBack("bump", new InputError("tag", "bad", "fix"), dag.directory())).toThrow(InputError);
    expect(() => failedWriteBack("bump", new TypeError("boom"), dag.directory())).toThrow(TypeError);
    expect(gitFailure("bump", new Error("x"))).toBeInstanceOf(Error);
  });
});

describe("a refused edit's failed run still shows what it would have changed", () => {
  it("carries the file diff, the rendered diff per environment and the pre-existing errors", async () => {
    const { ValidationFailed } = await import("../../dagger/src/core/writeback/loop.js");
    const blocking = [{ source: "write-back", rule: "WRITEBACK-SHARED", severity: "error" as const, message: "also changes dev" }];
    const pre = [{ source: "policy", rule: "POL-PROD-PDB", severity: "error" as const, environment: "prod", message: "no PodDisruptionBudget" }];
    const e = new ValidationFailed(
      "bump",
      "validation of the edited tree failed, nothing was pushed: gate",
      blocking,
      "--- a/v.yaml\n+++ b/v.yaml\n@@ -1 +1 @@\n-tag: a\n+tag: b\n",
      {
        ok: false,
        summary: "gate",
        renderedDiff: { dev: "--- a/rendered/dev.yaml\n+++ b/rendered/dev.yaml\n@@ -1 +1 @@\n-image: x:a\n+image: x:b\n" },
        preExisting: pre,
        alsoChanged: ["dev"],
      },
    );
    const run = failedWriteBack("bump", e, dag.directory());
    const data = run.result.data as { diff: string; renderedDiff: Record<string, string>; preExisting: unknown[] };
    expect(run.passed()).toBe(false);
    expect(data.diff).toContain("+tag: b");
    expect(Object.keys(data.renderedDiff)).toEqual(["dev"]);
    expect(data.preExisting).toEqual(pre);
    expect(run.details()).toContain("+image: x:b");
    expect(run.details()).toContain("pre-existing (not blocking): [prod] POL-PROD-PDB");
    expect(run.findings().map((f) => f.rule)).toEqual(["WRITEBACK-SHARED"]);
  });
});
