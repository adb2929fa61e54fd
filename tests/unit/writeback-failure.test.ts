import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { failedWriteBack, gitFailure } from "../../dagger/src/writeback/writeback.js";
import { InputError, StageError } from "../../dagger/src/core/errors.js";

/** An error shaped as the SDK's ExecError (read by shape: the runtime does not export the class). */
function execError(cmd: string[], exitCode: number, stderr: string): Error {
  return Object.assign(new Error(`exit code: ${exitCode}`), { name: "ExecError", cmd, exitCode, stdout: "", stderr });
}

describe("a git command that fails outright is a failed write-back run, not a raw engine error", () => {
  const clone = ["git", "clone", "--quiet", "--no-tags", "--single-branch", "--branch", "main", "--", "https://git.example.com/acme/gitops.git", "/repo"];

  it("names the git command, its exit code and git's last lines", () => {
    const e = gitFailure("rollback", execError(clone, 128, "Cloning into '/repo'...\nfatal: unable to access 'https://git.example.com/acme/gitops.git/': Could not resolve host: git.example.com\n"));
    expect(e).toBeInstanceOf(StageError);
    expect((e as StageError).message).toBe("rollback failed: git clone exited 128: Cloning into '/repo'... / fatal: unable to access 'https://git.example.com/acme/gitops.git/': Could not resolve host: git.example.com");
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
