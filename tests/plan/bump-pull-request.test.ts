/**
 * Plan tests of pull-request mode's git containers: the proposal branch is fetched and
 * force-pushed with a lease (the core's argv, cache-busted, exit code read), with the
 * repository's own credentials; the forge API token never enters a container.
 */
import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { execs, plan, stepsOf } from "../helpers/plan.js";
import {
  branchFetchContainer,
  CACHE_BUST_ENV,
  checkRemote,
  cloneContainer,
  commitContainer,
  gitContainer,
  leasePushContainer,
  type GitRemote,
} from "../../dagger/src/writeback/git.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { GitopsPipeline } from "../../dagger/src/index.js";
import { PullRequestProvider } from "../../dagger/src/writeback/gitops-repo.js";

const GIT_TOKEN = "ghp_GITpush_token_recognisable";
const API_TOKEN = "ghp_APItoken_recognisable_value";
const author = { name: "gitops-bot", email: "bot@example.com" };
const remote: GitRemote = { url: "https://github.com/acme/gitops.git", branch: "main", token: dag.setSecret("git-token", GIT_TOKEN), user: "x-access-token" };
const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("pull-request write-back containers (plan)", () => {
  it("fetch the proposal branch, commit on main's head, push it with a lease on the fetched head", () => {
    const base = cloneContainer(gitContainer(VERSIONS.gitImage, remote), remote, "n1");
    const fetched = branchFetchContainer(base, "gitops-pipeline/dev", "n2");
    const committed = commitContainer(fetched, ["gitops/environments/dev/values.yaml"], "chore(deploy): webapp dev → 1.2.3\n", author);
    const pushed = leasePushContainer(committed, "gitops-pipeline/dev", SHA, "n3");
    expect(execs(pushed)).toEqual([
      gitArgv.clone(remote.url, "main", "/repo"),
      gitArgv.fetch("gitops-pipeline/dev"),
      gitArgv.add(["gitops/environments/dev/values.yaml"]),
      gitArgv.commit("chore(deploy): webapp dev → 1.2.3\n", author),
      ["git", "push", "--porcelain", `--force-with-lease=refs/heads/gitops-pipeline/dev:${SHA}`, "origin", "HEAD:refs/heads/gitops-pipeline/dev"],
    ]);
    // A lost lease must be readable (exit code), not an engine error.
    expect(stepsOf(pushed, "withExec").at(-1)!.args.expect).toBe("ANY");
    const busts = stepsOf(pushed, "withEnvVariable")
      .filter((s) => s.args.name === CACHE_BUST_ENV)
      .map((s) => s.args.value);
    expect(busts).toEqual(["n1", "n2", "n3"]);
  });

  it("a new proposal branch is pushed with an empty lease: it must not exist yet", () => {
    const pushed = leasePushContainer(cloneContainer(gitContainer(VERSIONS.gitImage, remote), remote, "n1"), "gitops-pipeline/prod", "", "n2");
    expect(execs(pushed).at(-1)).toEqual([
      "git",
      "push",
      "--porcelain",
      "--force-with-lease=refs/heads/gitops-pipeline/prod:",
      "origin",
      "HEAD:refs/heads/gitops-pipeline/prod",
    ]);
  });

  it("the lease takes only a full commit id; the branch only a valid name", () => {
    expect(() => gitArgv.pushLease("gitops-pipeline/dev", "HEAD~1")).toThrow(/not a full commit id/);
    expect(() => gitArgv.pushLease("gitops-pipeline/dev;rm", SHA)).toThrow(/not a valid branch name/);
    expect(() => gitArgv.log(SHA, "main")).toThrow(/not a full commit id/);
  });

  it("with-pull-request keeps the API token out of the git containers: they carry only the push credentials", async () => {
    const p = new GitopsPipeline(dag.directory(), dag.directory());
    const repo = (await p.gitopsRepo(remote.url, "main", "gitops"))
      .withToken(remote.token!)
      .withPullRequest(dag.setSecret("api-token", API_TOKEN), PullRequestProvider.GITHUB);
    const t = repo.target();
    expect(t.pullRequest?.config).toEqual({ provider: "github", apiUrl: "https://api.github.com", project: "acme/gitops", branchPrefix: "gitops-pipeline/" });
    const steps = plan(leasePushContainer(cloneContainer(gitContainer(t.gitImage, t.remote!), t.remote!, "n"), "gitops-pipeline/dev", "", "m"));
    expect(JSON.stringify(steps)).toContain(GIT_TOKEN);
    expect(JSON.stringify(steps)).not.toContain(API_TOKEN);
    expect(stepsOf(steps, "withSecretVariable").map((s) => s.args.name)).toEqual(["GITOPS_GIT_TOKEN"]);
  });

  it("a git token over plain http: refused for a host name, accepted for a loopback or private-network address only", () => {
    expect(() => checkRemote({ ...remote, url: "http://git.example.com/acme/gitops.git" })).toThrow(/plain http/);
    expect(() => checkRemote({ ...remote, url: "http://8.8.8.8/acme/gitops.git" })).toThrow(/plain http/);
    for (const url of ["http://127.0.0.1:8080/gitops.git", "http://10.87.0.1:28180/gitops.git", "http://[::1]:9000/gitops.git"])
      expect(checkRemote({ ...remote, url }).url).toBe(url);
  });
});
