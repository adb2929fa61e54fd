/**
 * Plan tests of the rollback's history reads: one clone of the branch in the pinned git image
 * with the remote's credentials as secret references, then the core's log / show / rev-parse
 * argv on it, the show and rev-parse with their exit codes read rather than raised.
 */
import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { execs, plan } from "../helpers/plan.js";
import { DaggerHistory, logContainer, resolveContainer, showContainer } from "../../dagger/src/writeback/history.js";
import { CACHE_BUST_ENV, WORKTREE, type GitRemote } from "../../dagger/src/writeback/git.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import { historyArgv } from "../../dagger/src/core/writeback/rollback.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";

const remote: GitRemote = { url: "https://github.com/acme/gitops.git", branch: "main", token: dag.setSecret("t", "tok"), user: "x-access-token" };

describe("rollback history (plan)", () => {
  it("clones the branch once, with a fresh cache-bust nonce per history, in the pinned git image", () => {
    const a = new DaggerHistory(VERSIONS.gitImage, remote).container;
    const b = new DaggerHistory(VERSIONS.gitImage, remote).container;
    expect(plan(a)[1]).toEqual({ op: "from", args: { address: VERSIONS.gitImage } });
    expect(execs(a)).toEqual([gitArgv.clone(remote.url, "main", WORKTREE)]);
    const nonce = (c: typeof a) =>
      plan(c)
        .filter((s) => s.op === "withEnvVariable" && s.args.name === CACHE_BUST_ENV)
        .map((s) => s.args.value);
    expect(nonce(a)).toHaveLength(1);
    expect(nonce(a)).not.toEqual(nonce(b));
    expect(plan(a).some((s) => s.op === "withSecretVariable")).toBe(true);
  });

  it("log, show and rev-parse run the core's argv on the clone; show and rev-parse read the exit code", () => {
    const clone = new DaggerHistory(VERSIONS.gitImage, remote).container;
    const f = "gitops/environments/dev/values.yaml";
    expect(execs(logContainer(clone, f, 50)).at(-1)).toEqual(historyArgv.log(f, 50));
    const show = plan(showContainer(clone, "abc1234", f)).at(-1)!;
    expect(show).toMatchObject({ op: "withExec", args: { args: historyArgv.show("abc1234", f), expect: "ANY" } });
    const resolve = plan(resolveContainer(clone, "HEAD~1")).at(-1)!;
    expect(resolve).toMatchObject({ op: "withExec", args: { args: historyArgv.resolve("HEAD~1"), expect: "ANY" } });
    expect(plan(logContainer(clone, f, 50)).at(-1)!.args.expect).toBeUndefined();
  });
});
