/**
 * Pull-request mode's pure core: settings derived from the repository URL, the API URL rule,
 * the requests each forge gets (method, URL, headers without the credential, payload), the
 * create-or-update decision, error messages, the body, and the loop's order of effects with a
 * recording port and client.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError, StageError } from "../../dagger/src/core/errors.js";
import { apiFailure, apiMessage, authHeader, redact, type ApiRequest, type ApiResponse } from "../../dagger/src/core/writeback/pull-request/api.js";
import {
  checkApiUrl,
  defaultApiUrl,
  proposalBranch,
  repoLocation,
  resolvePullRequest,
  type PullRequestConfig,
} from "../../dagger/src/core/writeback/pull-request/config.js";
import { decide, forgeOf, type PullRequest } from "../../dagger/src/core/writeback/pull-request/forge.js";
import { fenceFor, MAX_DIFF, proposalText } from "../../dagger/src/core/writeback/pull-request/body.js";
import { proposeWriteBack, type ProposalPort } from "../../dagger/src/core/writeback/pull-request/propose.js";
import { gitArgv, isLocalAddress, parseLog, parseLsRemote, type CommitInfo } from "../../dagger/src/core/writeback/git.js";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { writeBackReport } from "../../dagger/src/core/writeback/report.js";

const raw = (o: Partial<{ provider: "github" | "gitlab"; apiUrl: string; project: string; branchPrefix: string }> = {}) => ({
  provider: "github" as const,
  apiUrl: "",
  project: "",
  branchPrefix: "gitops-pipeline/",
  ...o,
});
const errorOf = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    return e as InputError;
  }
  throw new Error("no error");
};

describe("settings derived from the repository URL", () => {
  it.each([
    ["https://github.com/acme/gitops.git", "github", "https://api.github.com", "acme/gitops"],
    ["git@github.com:acme/gitops.git", "github", "https://api.github.com", "acme/gitops"],
    ["ssh://git@github.com/acme/gitops", "github", "https://api.github.com", "acme/gitops"],
    ["https://gitlab.com/acme/platform/gitops.git", "gitlab", "https://gitlab.com/api/v4", "acme/platform/gitops"],
    ["git@gitlab.example.com:acme/gitops.git", "gitlab", "https://gitlab.example.com/api/v4", "acme/gitops"],
    ["ssh://git@gitlab.example.com:2222/a/b/c.git", "gitlab", "https://gitlab.example.com/api/v4", "a/b/c"],
    ["https://gitlab.example.com:8443/acme/gitops.git", "gitlab", "https://gitlab.example.com:8443/api/v4", "acme/gitops"],
  ] as const)("%s (%s) → %s, %s", (url, provider, apiUrl, project) => {
    expect(resolvePullRequest(url, raw({ provider }))).toEqual({ provider, apiUrl, project, branchPrefix: "gitops-pipeline/" });
  });

  it("GitHub Enterprise needs apiUrl; given, it is used and the project still comes from the URL", () => {
    expect(errorOf(() => resolvePullRequest("https://git.corp.example/acme/gitops.git", raw())).input).toBe("apiUrl");
    expect(errorOf(() => resolvePullRequest("https://git.corp.example/acme/gitops.git", raw())).fix).toContain("/api/v3");
    expect(resolvePullRequest("https://git.corp.example/acme/gitops.git", raw({ apiUrl: "https://git.corp.example/api/v3/" }))).toMatchObject({
      apiUrl: "https://git.corp.example/api/v3",
      project: "acme/gitops",
    });
  });

  it("a local repository needs apiUrl and project; no URL at all is refused (pull requests need a remote)", () => {
    expect(errorOf(() => resolvePullRequest("/srv/gitops.git", raw({ apiUrl: "https://api.github.com" }))).input).toBe("project");
    expect(resolvePullRequest("/srv/gitops.git", raw({ apiUrl: "https://api.github.com", project: "acme/gitops" })).project).toBe("acme/gitops");
    expect(errorOf(() => resolvePullRequest("", raw())).input).toBe("url");
  });

  it("bad project paths and prefixes name their argument", () => {
    expect(errorOf(() => resolvePullRequest("https://github.com/acme/gitops.git", raw({ project: "acme/plat/gitops" }))).input).toBe("project");
    expect(errorOf(() => resolvePullRequest("https://gitlab.com/acme/gitops.git", raw({ provider: "gitlab", project: "gitops" }))).input).toBe("project");
    expect(resolvePullRequest("https://gitlab.com/acme/gitops.git", raw({ provider: "gitlab", project: "1234" })).project).toBe("1234");
    expect(errorOf(() => resolvePullRequest("https://github.com/acme/gitops.git", raw({ branchPrefix: "bad prefix/" }))).input).toBe("branchPrefix");
    expect(errorOf(() => resolvePullRequest("https://github.com/acme/gitops.git", raw({ branchPrefix: "a..b/" }))).input).toBe("branchPrefix");
    expect(errorOf(() => proposalBranch({ branchPrefix: "" }, "main", "main")).input).toBe("branchPrefix");
    expect(proposalBranch({ branchPrefix: "" }, "dev", "main")).toBe("dev");
  });

  it("property: any owner/repo is derived from the https, scp and ssh:// forms alike", () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,20}$/);
    fc.assert(
      fc.property(
        seg,
        fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/).filter((r) => !r.endsWith(".git") && !/^\.+$/.test(r)),
        (owner, repo) => {
          for (const url of [`https://github.com/${owner}/${repo}.git`, `git@github.com:${owner}/${repo}.git`, `ssh://git@github.com/${owner}/${repo}`]) {
            expect(repoLocation(url)?.path).toBe(`${owner}/${repo}`);
            expect(resolvePullRequest(url, raw()).project).toBe(`${owner}/${repo}`);
          }
        },
      ),
    );
  });

  it("property: GitLab's nested group paths are kept whole", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/), { minLength: 2, maxLength: 5 }), (segs) => {
        const c = resolvePullRequest(`https://gitlab.example.com/${segs.join("/")}.git`, raw({ provider: "gitlab" }));
        expect(c.project).toBe(segs.join("/"));
        expect(forgeOf(c).project().url).toBe(`https://gitlab.example.com/api/v4/projects/${segs.join("%2F")}`);
      }),
    );
  });
});

describe("the API URL rule: https, or plain http only for a loopback / private-network address", () => {
  it.each([
    "http://127.0.0.1:8080",
    "http://localhost:3000/api/v4",
    "http://10.87.0.1:18081",
    "http://192.168.1.5",
    "http://172.20.0.1",
    "http://[::1]:9000",
    "http://[fd00::1]",
  ])("%s is accepted", (u) => {
    expect(checkApiUrl(u)).toBe(u.replace(/\/$/, ""));
  });
  it.each([
    ["http://api.github.example", /plain http/],
    ["http://8.8.8.8", /plain http/],
    ["http://172.32.0.1", /plain http/],
    ["ftp://api.github.com", /not an https URL/],
    ["https://me:pw@api.github.com", /credentials/],
    ["https://api.github.com/?x=1", /query or fragment/],
    ["not a url", /is not a URL/],
  ])("%s is refused", (u, re) => {
    const e = errorOf(() => checkApiUrl(u));
    expect(e.input).toBe("apiUrl");
    expect(e.message).toMatch(re);
  });
  it("a trailing slash is dropped", () => expect(checkApiUrl("https://gitlab.example.com/api/v4/")).toBe("https://gitlab.example.com/api/v4"));
  it("property: an IPv4 address is local exactly when it is 127/8, 10/8, 172.16/12 or 192.168/16", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const [a, b] = ip.split(".").map(Number) as [number, number];
        expect(isLocalAddress(ip)).toBe(a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168));
      }),
    );
  });
  it("GitHub's default API is only for github.com", () => {
    expect(defaultApiUrl("github", "https://github.com/a/b.git")).toBe("https://api.github.com");
    expect(defaultApiUrl("github", "https://github.example.com/a/b.git")).toBeUndefined();
  });
});

const GH: PullRequestConfig = { provider: "github", apiUrl: "https://api.github.com", project: "acme/gitops", branchPrefix: "gitops-pipeline/" };
const GL: PullRequestConfig = {
  provider: "gitlab",
  apiUrl: "https://gitlab.example.com/api/v4",
  project: "acme/platform/gitops",
  branchPrefix: "gitops-pipeline/",
};
const want = { head: "gitops-pipeline/dev", base: "main", title: "chore(deploy): webapp dev → 1.2.3", body: "body" };

describe("requests each forge gets", () => {
  it("GitHub: versioned JSON headers, no credential in the request data; the documented endpoints and payloads", () => {
    const f = forgeOf(GH);
    const headers = { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "gitops-pipeline" };
    expect(f.project()).toEqual({ method: "GET", url: "https://api.github.com/repos/acme/gitops", endpoint: "GET /repos/{owner}/{repo}", headers });
    expect(f.find("gitops-pipeline/dev").url).toBe("https://api.github.com/repos/acme/gitops/pulls?head=acme%3Agitops-pipeline%2Fdev&state=open");
    expect(f.create(want)).toMatchObject({
      method: "POST",
      url: "https://api.github.com/repos/acme/gitops/pulls",
      body: { title: want.title, head: want.head, base: "main", body: "body" },
    });
    const cur: PullRequest = { number: 7, url: "u", title: "t", body: "b", head: want.head, base: "main" };
    expect(f.update(7, want, cur)).toMatchObject({
      method: "PATCH",
      url: "https://api.github.com/repos/acme/gitops/pulls/7",
      body: { title: want.title, body: "body" },
    });
    expect(f.update(7, want, { ...cur, base: "old" }).body).toEqual({ title: want.title, body: "body", base: "main" });
    expect(f.conflictStatus).toBe(422);
  });

  it("GitLab: the project id is the URL-encoded path; merge requests are created with POST and edited with PUT", () => {
    const f = forgeOf(GL);
    expect(f.project().url).toBe("https://gitlab.example.com/api/v4/projects/acme%2Fplatform%2Fgitops");
    expect(f.find("gitops-pipeline/dev").url).toBe(
      "https://gitlab.example.com/api/v4/projects/acme%2Fplatform%2Fgitops/merge_requests?source_branch=gitops-pipeline%2Fdev&state=opened",
    );
    expect(f.create(want).body).toEqual({
      source_branch: want.head,
      target_branch: "main",
      title: want.title,
      description: "body",
      remove_source_branch: true,
    });
    const cur: PullRequest = { number: 3, url: "u", title: "t", body: "b", head: want.head, base: "main" };
    expect(f.update(3, want, cur)).toMatchObject({
      method: "PUT",
      url: "https://gitlab.example.com/api/v4/projects/acme%2Fplatform%2Fgitops/merge_requests/3",
      body: { title: want.title, description: "body" },
    });
    expect(f.parse({ iid: 3, web_url: "w", title: "t", description: "d", source_branch: "s", target_branch: "m" })).toEqual({
      number: 3,
      url: "w",
      title: "t",
      body: "d",
      head: "s",
      base: "m",
    });
    expect(f.conflictStatus).toBe(409);
  });

  it("push rights from the project's answer: GitHub permissions.push, GitLab Developer access and up", () => {
    expect(forgeOf(GH).canPush({ permissions: { push: false } })).toBe(false);
    expect(forgeOf(GH).canPush({})).toBeUndefined();
    expect(forgeOf(GL).canPush({ permissions: { project_access: { access_level: 20 }, group_access: null } })).toBe(false);
    expect(forgeOf(GL).canPush({ permissions: { project_access: null, group_access: { access_level: 40 } } })).toBe(true);
  });

  it("the credential header: GitHub bearer, GitLab PRIVATE-TOKEN", () => {
    expect(authHeader("github", "t")).toEqual(["Authorization", "Bearer t"]);
    expect(authHeader("gitlab", "t")).toEqual(["PRIVATE-TOKEN", "t"]);
  });
});

describe("create, update or leave", () => {
  const pr = (o: Partial<PullRequest> = {}): PullRequest => ({
    number: 4,
    url: "u",
    title: want.title,
    body: want.body,
    head: want.head,
    base: want.base,
    ...o,
  });
  it("none open from the head → create; same title/body/base → unchanged; anything else → update", () => {
    expect(decide([], want)).toEqual({ action: "create" });
    expect(decide([pr({ head: "someone/else" })], want)).toEqual({ action: "create" });
    expect(decide([pr()], want).action).toBe("unchanged");
    expect(decide([pr({ body: "old" })], want).action).toBe("update");
    expect(decide([pr({ base: "release" })], want).action).toBe("update");
    expect(decide([pr({ number: 9, body: "x" }), pr({ number: 2 })], want)).toMatchObject({ pr: { number: 2 } });
  });
  it("property: unchanged exactly when title, body and base all match", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom("main", "release"), (title, body, base) => {
        const d = decide([pr({ title, body, base })], want);
        expect(d.action).toBe(title === want.title && body === want.body && base === want.base ? "unchanged" : "update");
      }),
    );
  });
});

describe("API errors", () => {
  const req: ApiRequest = { method: "POST", url: "https://api.github.com/repos/a/b/pulls", endpoint: "POST /repos/{owner}/{repo}/pulls", headers: {} };
  it("GitHub's and GitLab's messages, one line", () => {
    expect(
      apiMessage({ message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for a:b." }] }),
    ).toBe("Validation Failed: A pull request already exists for a:b.");
    expect(apiMessage({ message: "Validation Failed", errors: [{ field: "head", code: "invalid" }] })).toBe("Validation Failed: head invalid");
    expect(apiMessage({ message: ["Another open merge request already exists for this source branch: !1"] })).toBe(
      "Another open merge request already exists for this source branch: !1",
    );
    expect(apiMessage({ message: { title: ["can't be blank"] } })).toBe("title can't be blank");
    expect(apiMessage({ error: "title is missing" })).toBe("title is missing");
    expect(apiMessage("<html>\n bad gateway </html>")).toBe("<html> bad gateway </html>");
    expect(apiMessage("x".repeat(500)).length).toBe(300);
  });
  it("401/403 name the token; other statuses name the endpoint and status", () => {
    const e401 = apiFailure("bump", "github", req, { status: 401, body: { message: "Bad credentials" } });
    expect(e401).toBeInstanceOf(InputError);
    expect((e401 as InputError).input).toBe("token");
    expect(e401.message).toContain("POST /repos/{owner}/{repo}/pulls answered 401 (Bad credentials)");
    const e422 = apiFailure("bump", "github", req, { status: 422, body: { message: "Validation Failed" } } as ApiResponse);
    expect(e422).toBeInstanceOf(StageError);
    expect(e422.message).toBe("bump failed: POST /repos/{owner}/{repo}/pulls answered 422 (Validation Failed)");
  });
  it("redact cuts every occurrence of the token", () => {
    expect(redact("a tok b tok", "tok")).toBe("a *** b ***");
    expect(redact("text", "")).toBe("text");
  });
});

describe("the body", () => {
  const facts = {
    stage: "bump",
    environment: "dev",
    base: "main",
    branch: "gitops-pipeline/dev",
    message: "chore(deploy): webapp dev → 1.2.3\n\nImage: ghcr.io/acme/webapp:1.2.3\nSource-Commit: abc1234\n",
    diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    validation: "validate passed",
  };
  it("title from the commit message; environment, image, source commit, the fenced diff, the validation", () => {
    const t = proposalText(facts);
    expect(t.title).toBe("chore(deploy): webapp dev → 1.2.3");
    expect(t.body).toContain("- **Environment**: `dev`");
    expect(t.body).toContain("- **Image**: `ghcr.io/acme/webapp:1.2.3`");
    expect(t.body).toContain("- **Source-Commit**: `abc1234`");
    expect(t.body).toContain("```diff\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n```\n");
    expect(t.body).toContain("### Validation\n\nvalidate passed\n");
  });
  it("property: the diff can never close its fence early", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom("`", "``", "```", "````", "\n"), fc.string()), { maxLength: 30 }), (parts) => {
        const diff = parts.join("");
        const fence = fenceFor(diff);
        expect(diff.includes(fence)).toBe(false);
        expect(fence.length).toBeGreaterThanOrEqual(3);
      }),
    );
  });
  it("a huge diff is cut, so the body stays under GitHub's 65536 characters", () => {
    const t = proposalText({ ...facts, diff: "+x\n".repeat(40_000) });
    expect(t.body.length).toBeLessThan(65_536);
    expect(t.body).toContain(`diff cut at ${MAX_DIFF} characters`);
  });
});

describe("git argv and parsers of pull-request mode", () => {
  it("ls-remote, the log format and its parser", () => {
    expect(gitArgv.lsRemote("gitops-pipeline/dev")).toEqual(["git", "ls-remote", "--heads", "origin", "refs/heads/gitops-pipeline/dev"]);
    expect(parseLsRemote(`${"a".repeat(40)}\trefs/heads/gitops-pipeline/dev\n`, "gitops-pipeline/dev")).toBe("a".repeat(40));
    expect(parseLsRemote(`${"a".repeat(40)}\trefs/heads/gitops-pipeline/dev-2\n`, "gitops-pipeline/dev")).toBeUndefined();
    expect(parseLsRemote("", "x")).toBeUndefined();
    const line = ["c".repeat(40), "t".repeat(40), `${"p".repeat(40)} ${"q".repeat(40)}`, "Jane Doe", "jane@example.com", "fix: a\x1fb"].join("\x1f");
    expect(parseLog(`${line}\n`)).toEqual([
      {
        sha: "c".repeat(40),
        tree: "t".repeat(40),
        parents: ["p".repeat(40), "q".repeat(40)],
        committer: { name: "Jane Doe", email: "jane@example.com" },
        subject: "fix: a\x1fb",
      },
    ]);
  });
});

// ---- the loop's order of effects, with a recording port and client ---------------------------

const BASE = "b".repeat(40);
const file = "gitops/environments/dev/values.yaml";
const text = (tag: string) => `image:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n`;

/** An in-memory proposal port: main at BASE holding tag 1.0.0, the proposal branch as given. */
function fakePort(branch?: { head: string; commits: CommitInfo[] }) {
  const events: string[] = [];
  let files: Record<string, string> = {};
  let n = 0;
  const port: ProposalPort<null> = {
    sync: async () => (events.push("sync"), (files = { [file]: text("1.0.0") }), BASE),
    read: async (p) => files[p],
    write: async (fs) => void fs.forEach((f) => (files[f.path] = f.text)),
    tree: () => null,
    commit: async () => (events.push("commit"), `${++n}`.padStart(40, "c")),
    push: async () => (events.push("push"), { status: "pushed", detail: "" }),
    branchHead: async () => (events.push("branchHead"), branch?.head),
    commits: async (from, to) =>
      to === branch?.head ? branch.commits : [{ sha: to, tree: "t".repeat(40), parents: [from], committer: { name: "bot", email: "bot@x.io" }, subject: "s" }],
    pushBranch: async (b, lease) => (events.push(`pushBranch ${b} lease=${lease.slice(0, 4)}`), { status: "pushed", detail: "" }),
  };
  return { port, events };
}
function fakeHttp(open: unknown[] = [], status = 200) {
  const calls: string[] = [];
  const http = async (r: ApiRequest): Promise<ApiResponse> => {
    calls.push(`${r.method} ${r.endpoint}`);
    if (r.method === "GET" && r.endpoint.endsWith("{repo}")) return { status, body: { permissions: { push: true } } };
    if (r.method === "GET") return { status: 200, body: open };
    return {
      status: r.method === "POST" ? 201 : 200,
      body: { number: 5, html_url: "https://github.com/acme/gitops/pull/5", ...(r.body ?? {}), head: { ref: "gitops-pipeline/dev" }, base: { ref: "main" } },
    };
  };
  return { http, calls };
}
const plan = bumpPlan({ env: "dev", ref: { tag: "1.1.0" }, source: { root: "gitops", format: "helm" }, app: "webapp" });
const opts = { validate: async () => ({ ok: true, summary: "ok" }), author: { name: "bot", email: "bot@x.io" } };

describe("proposeWriteBack: order of effects", () => {
  it("API check first, then sync, edit, read the branch, commit, lease-push, find, create", async () => {
    const { port, events } = fakePort();
    const { http, calls } = fakeHttp();
    const r = await proposeWriteBack(port, plan, opts, { config: GH, base: "main", http });
    expect(calls).toEqual(["GET GET /repos/{owner}/{repo}", "GET GET /repos/{owner}/{repo}/pulls", "POST POST /repos/{owner}/{repo}/pulls"]);
    expect(events).toEqual(["sync", "branchHead", "commit", "pushBranch gitops-pipeline/dev lease="]);
    expect(r).toMatchObject({ status: "proposed", branch: "gitops-pipeline/dev", pullRequest: { action: "created", number: 5, provider: "github" } });
  });

  it("a refused token stops before any git operation", async () => {
    const { port, events } = fakePort();
    const { http } = fakeHttp([], 401);
    await expect(proposeWriteBack(port, plan, opts, { config: GH, base: "main", http })).rejects.toThrow(/^--token: the GitHub API refused it/);
    expect(events).toEqual([]);
  });

  it("someone else's commit on the branch: InputError naming the branch, before commit or push", async () => {
    const head = "h".repeat(40);
    const { port, events } = fakePort({
      head,
      commits: [{ sha: head, tree: "x".repeat(40), parents: [BASE], committer: { name: "Jane", email: "jane@x.io" }, subject: "tweak" }],
    });
    const { http, calls } = fakeHttp();
    const e = (await proposeWriteBack(port, plan, opts, { config: GH, base: "main", http }).catch((x: unknown) => x)) as InputError;
    expect(e.input).toBe("gitops-pipeline/dev");
    expect(events).toEqual(["sync", "branchHead"]);
    expect(calls).toHaveLength(1);
  });

  it("the pipeline's own older commit on the branch: replaced, the lease on its head", async () => {
    const head = "d".repeat(40);
    const old = "o".repeat(40);
    const { port, events } = fakePort({ head, commits: [{ sha: head, tree: "x".repeat(40), parents: [old], committer: opts.author, subject: "old bump" }] });
    const { http } = fakeHttp([{ number: 5, html_url: "u", title: "old", body: "old", head: { ref: "gitops-pipeline/dev" }, base: { ref: "main" } }]);
    const r = await proposeWriteBack(port, plan, opts, { config: GH, base: "main", http });
    expect(events.at(-1)).toBe("pushBranch gitops-pipeline/dev lease=dddd");
    expect(r.pullRequest?.action).toBe("updated");
  });

  it("dry run: reads only (API check, sync, branch), no commit, push or post", async () => {
    const { port, events } = fakePort();
    const { http, calls } = fakeHttp();
    const r = await proposeWriteBack(port, plan, { ...opts, dryRun: true }, { config: GH, base: "main", http });
    expect(r.status).toBe("dry-run");
    expect(events).toEqual(["sync", "branchHead"]);
    expect(calls.every((c) => c.startsWith("GET"))).toBe(true);
  });
});

describe("the run report of a proposal", () => {
  it("carries pullRequest in its data and names the request in its details", () => {
    const pullRequest = {
      provider: "gitlab" as const,
      url: "https://gitlab.example.com/a/b/-/merge_requests/3",
      number: 3,
      branch: "gitops-pipeline/dev",
      action: "updated" as const,
    };
    const r = writeBackReport({
      stage: "bump",
      status: "proposed",
      summary: "bump: merge request !3 updated",
      commit: "c".repeat(40),
      attempts: 1,
      diff: "+x\n",
      validation: "ok",
      findings: [],
      pullRequest,
    });
    expect(r.passed).toBe(true);
    expect(r.data).toMatchObject({ status: "proposed", pullRequest });
    expect(r.details.split("\n")[0]).toBe("merge request !3 updated: https://gitlab.example.com/a/b/-/merge_requests/3 (branch gitops-pipeline/dev)");
    expect(
      writeBackReport({ stage: "bump", status: "pushed", summary: "s", commit: "", attempts: 1, diff: "", validation: "", findings: [] }).data,
    ).not.toHaveProperty("pullRequest");
  });
});
