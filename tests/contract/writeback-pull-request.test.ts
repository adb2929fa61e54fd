/**
 * Contract: pull-request mode of the write-back (`proposeWriteBack`, the code the Dagger stage
 * runs) with the core's git argv against the real git CLI and a real bare repository, and the
 * core's HTTP client (Node's fetch) against a stand-in forge in its own process on loopback
 * (tests/helpers/forge-server.mjs: GitHub REST and GitLab v4 endpoints with their auth and
 * payload rules; it refuses a request that does not follow them).
 */
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { promotePlan } from "../../dagger/src/core/writeback/promote.js";
import { checkWritten, type WriteBackOptions } from "../../dagger/src/core/writeback/loop.js";
import { httpClient } from "../../dagger/src/core/writeback/pull-request/api.js";
import { proposeWriteBack, type ProposalTarget } from "../../dagger/src/core/writeback/pull-request/propose.js";
import type { Provider } from "../../dagger/src/core/writeback/pull-request/config.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { bareRepo, CliGitPort, must } from "../helpers/git-port.js";
import { startForge, type Forge } from "../helpers/forge.js";
import { serveGit, type GitHttp } from "../helpers/git-http.js";

const TOKEN = "ghp_FORGEtoken_recognisable_0123456789";
const BRANCH = "gitops-pipeline/dev";
const values = (env: string, tag = "1.0.0"): string =>
  `# ${env}\nimage:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n  digest: ""\nenv:\n  appVersion: "${tag}"\n`;
const ENVS = ["dev", "staging", "prod"];
const config = `release: webapp\nenvironments:\n${ENVS.map((e) => `  ${e}:\n    values: [environments/${e}/values.yaml]\n    namespace: webapp-${e}\n    application: webapp-${e}\n`).join("")}`;
const seed = (): Record<string, string> => ({
  "gitops/gitops-pipeline.yaml": config,
  ...Object.fromEntries(ENVS.map((e) => [`gitops/environments/${e}/values.yaml`, values(e)])),
});
const SRC: LayoutSource = { root: "gitops" };
const author = { name: "gitops-bot", email: "bot@example.com" };
const opts = (extra: Partial<WriteBackOptions<string>> = {}): WriteBackOptions<string> => ({
  validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed),
  author,
  baseDelayMs: 10,
  maxDelayMs: 100,
  ...extra,
});
const rev = async (bare: string, ref: string): Promise<string | undefined> => {
  const out = await must(["git", "for-each-ref", "--format=%(objectname)", `refs/heads/${ref}`], bare);
  return out.trim() || undefined;
};
const forges: Forge[] = [];
const gits: GitHttp[] = [];
afterAll(async () => Promise.all([...forges.map((f) => f.close()), ...gits.map((g) => g.close())]));

/** A bare repository, a forge over it and a proposal target with `token`. */
async function setup(provider: Provider = "github", token = TOKEN, project = provider === "github" ? "acme/gitops" : "acme/platform/gitops") {
  const bare = await bareRepo(seed());
  const forge = await startForge({ provider, token: TOKEN, project: provider === "github" ? "acme/gitops" : "acme/platform/gitops", repo: bare });
  forges.push(forge);
  const target: ProposalTarget = {
    config: { provider, apiUrl: provider === "github" ? forge.url : `${forge.url}/api/v4`, project, branchPrefix: "gitops-pipeline/" },
    base: "main",
    http: httpClient(provider, async () => token),
  };
  return { bare, forge, target, port: () => new CliGitPort({ url: bare, branch: "main" }) };
}
const bump = (tag: string, env = "dev") => bumpPlan({ env, ref: { tag }, source: SRC, sourceCommit: "abc1234" });
const writes = (log: { method: string }[]) => log.filter((l) => l.method !== "GET");

describe("pull-request write-back against a real git repository and a forge on loopback (GitHub)", () => {
  it("opens a pull request from gitops-pipeline/dev: one commit on main, body with the diff and validation; main untouched", async () => {
    const { bare, forge, target, port } = await setup();
    const main = await rev(bare, "main");
    const r = await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    expect(r.status).toBe("proposed");
    expect(r.pullRequest).toEqual({ provider: "github", branch: BRANCH, number: 1, action: "created", url: `${forge.url}/acme/gitops/pull/1` });
    expect(r.summary).toContain(`pull request #1 created: ${forge.url}/acme/gitops/pull/1`);
    expect(await rev(bare, "main")).toBe(main);
    expect(await rev(bare, BRANCH)).toBe(r.commit);
    expect((await must(["git", "rev-list", "--parents", "-n", "1", BRANCH], bare)).trim()).toBe(`${r.commit} ${main}`);
    expect(await must(["git", "show", `${BRANCH}:gitops/environments/dev/values.yaml`], bare)).toContain('tag: "1.1.0"');
    const [pr] = (await forge.requests()) as { title: string; body: string; head: string; base: string }[];
    expect(pr!.title).toBe("chore(deploy): webapp dev → 1.1.0");
    expect(pr!.head).toBe(BRANCH);
    expect(pr!.base).toBe("main");
    expect(pr!.body).toContain("```diff\n");
    expect(pr!.body).toContain('+  tag: "1.1.0"');
    expect(pr!.body).toContain("- **Source-Commit**: `abc1234`");
    expect(pr!.body).toContain("### Validation\n\n1 edited file(s) re-parse");
    const log = await forge.log();
    expect(log.map((l) => `${l.method} ${l.path} ${l.status}`)).toEqual([
      "GET /repos/acme/gitops 200",
      "GET /repos/acme/gitops/pulls 200",
      "POST /repos/acme/gitops/pulls 201",
    ]);
    expect(log.every((l) => l.authed)).toBe(true);
    expect(log[1]!.query).toEqual({ head: `acme:${BRANCH}`, state: "open" });
    expect(JSON.stringify([log, r])).not.toContain(TOKEN);
  });

  it("a re-run with the same change is idempotent: no push, no write to the API; a new tag updates the branch and the request", async () => {
    const { bare, forge, target, port } = await setup();
    const first = await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    const before = (await forge.log()).length;
    const again = await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    expect(again.pullRequest?.action).toBe("unchanged");
    expect(again.commit).toBe(first.commit);
    expect(await rev(bare, BRANCH)).toBe(first.commit);
    expect(writes((await forge.log()).slice(before))).toEqual([]);

    const newer = await proposeWriteBack(port(), bump("1.2.0"), opts(), target);
    expect(newer.pullRequest).toMatchObject({ action: "updated", number: 1 });
    expect(await rev(bare, BRANCH)).toBe(newer.commit);
    // Recreated from main, not stacked: still one commit on top of main.
    expect((await must(["git", "rev-list", "--count", `main..${BRANCH}`], bare)).trim()).toBe("1");
    const patch = (await forge.log()).filter((l) => l.method === "PATCH");
    expect(patch.map((l) => l.path)).toEqual(["/repos/acme/gitops/pulls/1"]);
    expect(Object.keys(patch[0]!.body as object).sort()).toEqual(["body", "title"]);
    const [pr] = (await forge.requests()) as { title: string; body: string }[];
    expect(pr!.title).toBe("chore(deploy): webapp dev → 1.2.0");
    expect(pr!.body).toContain('+  tag: "1.2.0"');
    expect(await forge.requests()).toHaveLength(1);
  });

  it("when main moves on, the branch is rebuilt on the new main (force-push with the lease) and the request updated", async () => {
    const { bare, target, port } = await setup();
    await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    // Someone lands a prod change on main directly.
    const other = new CliGitPort({ url: bare, branch: "main" });
    await other.sync();
    await other.write([{ path: "gitops/environments/prod/values.yaml", text: values("prod", "0.9.0") }]);
    await other.commit(["gitops/environments/prod/values.yaml"], "prod fix", { name: "ops", email: "ops@example.com" });
    expect((await other.push()).status).toBe("pushed");
    const r = await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    expect(r.pullRequest?.action).toBe("updated");
    expect((await must(["git", "rev-parse", `${BRANCH}^`], bare)).trim()).toBe(await rev(bare, "main"));
  });

  it("a token the API rejects: one InputError naming the token, before anything is pushed or posted", async () => {
    const { bare, forge, target, port } = await setup("github", "ghp_WRONG_token_value_recognisable");
    const p = port();
    const err = await proposeWriteBack(p, bump("1.1.0"), opts(), target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe("token");
    expect(String(err)).toMatch(/GET \/repos\/\{owner\}\/\{repo\} answered 401 \(Bad credentials\)/);
    expect(String(err)).not.toContain("ghp_WRONG_token_value_recognisable");
    expect(await rev(bare, BRANCH)).toBeUndefined();
    expect(p.log).toEqual([]); // not even cloned
    expect((await forge.log()).map((l) => `${l.method} ${l.status}`)).toEqual(["GET 401"]);
  });

  it("an unknown project: one InputError naming the project, nothing pushed", async () => {
    const { bare, target, port } = await setup("github", TOKEN, "acme/other");
    const err = await proposeWriteBack(port(), bump("1.1.0"), opts(), target).catch((e: unknown) => e);
    expect((err as InputError).input).toBe("project");
    expect(String(err)).toContain("acme/other was not found");
    expect(await rev(bare, BRANCH)).toBeUndefined();
  });

  it("a token that may read but not push: refused before anything is pushed", async () => {
    const bare = await bareRepo(seed());
    const forge = await startForge({ provider: "github", token: TOKEN, project: "acme/gitops", repo: bare, readOnly: true });
    forges.push(forge);
    const target: ProposalTarget = {
      config: { provider: "github", apiUrl: forge.url, project: "acme/gitops", branchPrefix: "gitops-pipeline/" },
      base: "main",
      http: httpClient("github", async () => TOKEN),
    };
    const err = await proposeWriteBack(new CliGitPort({ url: bare, branch: "main" }), bump("1.1.0"), opts(), target).catch((e: unknown) => e);
    expect((err as InputError).input).toBe("token");
    expect(String(err)).toMatch(/may read acme\/gitops but not push/);
    expect(await rev(bare, BRANCH)).toBeUndefined();
  });

  it("a proposal branch with someone else's commit is a conflict: an error naming the branch, nothing pushed or posted", async () => {
    const { bare, forge, target, port } = await setup();
    await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    // A reviewer pushes a fix onto the PR branch.
    const human = new CliGitPort({ url: bare, branch: BRANCH });
    await human.sync();
    await human.write([{ path: "gitops/environments/dev/values.yaml", text: values("dev", "1.1.1") }]);
    await human.commit(["gitops/environments/dev/values.yaml"], "reviewer: use 1.1.1", { name: "Jane Reviewer", email: "jane@example.com" });
    expect((await human.push()).status).toBe("pushed");
    const theirs = await rev(bare, BRANCH);
    const before = (await forge.log()).length;
    const err = await proposeWriteBack(port(), bump("1.2.0"), opts(), target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(BRANCH);
    expect(String(err)).toMatch(
      /1 commit\(s\) the write-back did not make \([0-9a-f]{12} by Jane Reviewer <jane@example.com>: reviewer: use 1.1.1\); nothing was pushed/,
    );
    expect(await rev(bare, BRANCH)).toBe(theirs);
    expect(writes((await forge.log()).slice(before))).toEqual([]);
  });

  it("a concurrent run moving the branch between our read and our push loses the lease, and the retry lands on top", async () => {
    const { bare, forge, target, port } = await setup();
    const p = port();
    let raced = false;
    const racing = Object.assign(Object.create(p) as CliGitPort, {
      pushBranch: async (branch: string, lease: string) => {
        if (!raced) {
          raced = true;
          // Another pipeline run proposes the same environment (another tag) in between.
          const other = await proposeWriteBack(port(), bump("1.5.0"), opts(), target);
          expect(other.pullRequest?.action).toBe("created");
        }
        return p.pushBranch(branch, lease);
      },
    });
    const outcomes: string[] = [];
    const r = await proposeWriteBack(racing, bump("1.6.0"), opts({ onAttempt: (_, o) => outcomes.push(o) }), target);
    expect(outcomes).toEqual(["rejected", "pushed"]);
    expect(r.attempts).toBe(2);
    expect(r.pullRequest).toMatchObject({ action: "updated", number: 1 });
    expect(await must(["git", "show", `${BRANCH}:gitops/environments/dev/values.yaml`], bare)).toContain('tag: "1.6.0"');
    expect(await forge.requests()).toHaveLength(1);
  });

  it("a request opened by a concurrent run between our find and our create (422 'already exists') is found again and updated", async () => {
    const { forge, target, port } = await setup();
    let raced = false;
    const http: typeof target.http = async (req) => {
      const res = await target.http(req);
      if (!raced && req.method === "GET" && req.endpoint.endsWith("/pulls")) {
        raced = true;
        const other = await target.http({
          ...req,
          method: "POST",
          url: req.url.split("?")[0]!,
          endpoint: "POST /repos/{owner}/{repo}/pulls",
          body: { title: "other run", head: BRANCH, base: "main", body: "" },
        });
        expect(other.status).toBe(201);
      }
      return res;
    };
    const r = await proposeWriteBack(port(), bump("1.1.0"), opts(), { ...target, http });
    expect(r.pullRequest).toMatchObject({ action: "updated", number: 1 });
    expect((await forge.log()).filter((l) => l.method !== "GET").map((l) => `${l.method} ${l.status}`)).toEqual(["POST 201", "POST 422", "PATCH 200"]);
    expect(((await forge.requests())[0] as { title: string }).title).toBe("chore(deploy): webapp dev → 1.1.0");
  });

  it("a payload the API refuses fails naming the endpoint, the status and GitHub's message; a re-run opens the request without pushing again", async () => {
    const { bare, target, port } = await setup();
    // Break the payload on its way out: the forge checks it like GitHub does.
    const broken: typeof target.http = async (req) => target.http(req.method === "POST" ? { ...req, body: { ...req.body, title: "" } } : req);
    const err = await proposeWriteBack(port(), bump("1.1.0"), opts(), { ...target, http: broken }).catch((e: unknown) => e);
    const pushed = await rev(bare, BRANCH);
    expect(String(err)).toBe(
      `StageError: bump failed: POST /repos/{owner}/{repo}/pulls answered 422 (Validation Failed: title missing_field); ${BRANCH} holds the change (${pushed!.slice(0, 12)}): run again to open or update the pull request`,
    );
    expect(pushed).toBeDefined();
    const again = await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    expect(again.pullRequest?.action).toBe("created");
    expect(again.commit).toBe(pushed);
  });

  it("a dry run reads and validates, pushes and posts nothing", async () => {
    const { bare, forge, target, port } = await setup();
    const r = await proposeWriteBack(port(), bump("2.0.0"), opts({ dryRun: true }), target);
    expect(r.status).toBe("dry-run");
    expect(r.diff).toContain('+  tag: "2.0.0"');
    expect(await rev(bare, BRANCH)).toBeUndefined();
    expect(writes(await forge.log())).toEqual([]);
  });

  it("promote proposes on the target environment's branch (gitops-pipeline/staging)", async () => {
    const { bare, forge, target, port } = await setup();
    await proposeWriteBack(port(), bump("1.1.0"), opts(), target); // dev's proposal, unmerged: promote reads main's dev
    const r = await proposeWriteBack(port(), promotePlan({ from: "dev", source: SRC }), opts(), target);
    expect(r.status).toBe("no-op"); // main's dev and staging both deploy 1.0.0
    expect(await rev(bare, "gitops-pipeline/staging")).toBeUndefined();
    // Land a dev bump on main, then promote: a staging proposal.
    const direct = new CliGitPort({ url: bare, branch: "main" });
    await direct.sync();
    await direct.write([{ path: "gitops/environments/dev/values.yaml", text: values("dev", "1.3.0") }]);
    await direct.commit(["gitops/environments/dev/values.yaml"], "dev 1.3.0", author);
    await direct.push();
    const p = await proposeWriteBack(port(), promotePlan({ from: "dev", source: SRC }), opts(), target);
    expect(p.pullRequest).toMatchObject({ branch: "gitops-pipeline/staging", action: "created", number: 2 });
    expect(await must(["git", "show", "gitops-pipeline/staging:gitops/environments/staging/values.yaml"], bare)).toContain('tag: "1.3.0"');
    expect(((await forge.requests())[1] as { title: string }).title).toBe("chore(deploy): webapp staging → 1.3.0");
  });
});

describe("two credentials: the repository's token pushes, the API token talks to the forge", () => {
  it("over a smart-HTTP remote that demands the git token: the proposal lands and neither token appears in any argv, output or result", async () => {
    const GIT_TOKEN = "ghp_GITpush_token_recognisable_42";
    const { bare, forge, target } = await setup();
    const http = await serveGit(bare, "x-access-token", GIT_TOKEN);
    gits.push(http);
    const port = new CliGitPort({ url: http.url, branch: "main", token: GIT_TOKEN, user: "x-access-token" });
    const r = await proposeWriteBack(port, bump("1.1.0"), opts(), target);
    expect(r.pullRequest?.action).toBe("created");
    expect(http.requests.filter((q) => q.authed).map((q) => q.path)).toContain("/gitops.git/git-receive-pack");
    expect(await rev(bare, BRANCH)).toBe(r.commit);
    const seen = JSON.stringify([
      port.log.map((x) => [x.argv, x.stdout, x.stderr, Object.entries(x.env).filter(([k]) => k !== "GITOPS_GIT_TOKEN")]),
      r,
      await forge.log(),
    ]);
    expect(seen).not.toContain(GIT_TOKEN);
    expect(seen).not.toContain(TOKEN);
    // Each token went only where it belongs: the git token never reached the forge, the API token never reached git.
    expect(port.log.every((x) => !Object.values(x.env).includes(TOKEN))).toBe(true);
  });
});

describe("merge request write-back (GitLab)", () => {
  it("opens a merge request with PRIVATE-TOKEN, then is idempotent, then updates it with PUT", async () => {
    const { bare, forge, target, port } = await setup("gitlab");
    const r = await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    expect(r.pullRequest).toEqual({
      provider: "gitlab",
      branch: BRANCH,
      number: 1,
      action: "created",
      url: `${forge.url}/acme/platform/gitops/-/merge_requests/1`,
    });
    expect(r.summary).toContain("merge request !1 created");
    const again = await proposeWriteBack(port(), bump("1.1.0"), opts(), target);
    expect(again.pullRequest?.action).toBe("unchanged");
    const newer = await proposeWriteBack(port(), bump("1.2.0"), opts(), target);
    expect(newer.pullRequest?.action).toBe("updated");
    const log = await forge.log();
    // The project id is the URL-encoded path (one segment).
    expect(log[0]!.path).toBe("/api/v4/projects/acme%2Fplatform%2Fgitops");
    expect(log.filter((l) => l.method !== "GET").map((l) => `${l.method} ${l.status}`)).toEqual(["POST 201", "PUT 200"]);
    expect(log.find((l) => l.method === "POST")!.body).toMatchObject({
      source_branch: BRANCH,
      target_branch: "main",
      title: "chore(deploy): webapp dev → 1.1.0",
      remove_source_branch: true,
    });
    expect(log.find((l) => l.method === "GET" && l.path.endsWith("/merge_requests"))!.query).toEqual({ source_branch: BRANCH, state: "opened" });
    const [mr] = (await forge.requests()) as { description: string }[];
    expect(mr!.description).toContain('+  tag: "1.2.0"');
    expect(await must(["git", "show", `${BRANCH}:gitops/environments/dev/values.yaml`], bare)).toContain('tag: "1.2.0"');
  });

  it("a merge request opened concurrently (409) is found again and updated with PUT", async () => {
    const { forge, target, port } = await setup("gitlab");
    let raced = false;
    const http: typeof target.http = async (req) => {
      const res = await target.http(req);
      if (!raced && req.method === "GET" && req.endpoint.endsWith("/merge_requests")) {
        raced = true;
        const other = await target.http({
          ...req,
          method: "POST",
          url: req.url.split("?")[0]!,
          body: { source_branch: BRANCH, target_branch: "main", title: "other run" },
        });
        expect(other.status).toBe(201);
      }
      return res;
    };
    const r = await proposeWriteBack(port(), bump("1.1.0"), opts(), { ...target, http });
    expect(r.pullRequest).toMatchObject({ action: "updated", number: 1 });
    expect((await forge.log()).filter((l) => l.method !== "GET").map((l) => `${l.method} ${l.status}`)).toEqual(["POST 201", "POST 409", "PUT 200"]);
  });

  it("a rejected GitLab token names the token; nothing pushed", async () => {
    const { bare, target, port } = await setup("gitlab", "glpat-WRONG-recognisable");
    const err = await proposeWriteBack(port(), bump("1.1.0"), opts(), target).catch((e: unknown) => e);
    expect((err as InputError).input).toBe("token");
    expect(String(err)).toMatch(/GET \/projects\/:id answered 401 \(401 Unauthorized\)/);
    expect(String(err)).not.toContain("glpat-WRONG-recognisable");
    expect(await rev(bare, BRANCH)).toBeUndefined();
  });
});
