/**
 * Contract: an HTTPS-style token reaches git only through the askpass script and an environment
 * variable (what the Dagger stage fills with `withSecretVariable`). A real smart-HTTP remote
 * (git http-backend) demands the token; afterwards every argv, every output, the commit
 * metadata, every file of the clone and the result are searched for the token value.
 */
import { afterAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { TOKEN_ENV } from "../../dagger/src/core/writeback/git.js";
import { checkWritten, writeBack } from "../../dagger/src/core/writeback/loop.js";
import { bareRepo, CliGitPort, must } from "../helpers/git-port.js";
import { serveGit, type GitHttp } from "../helpers/git-http.js";

const TOKEN = "ghp_FAKEtoken0123456789recognisable";
const USER = "x-access-token";
const values = `# dev\nimage:\n  repository: ghcr.io/acme/webapp\n  tag: "1.0.0"\n  digest: ""\nenv:\n  appVersion: "1.0.0"\n`;
/** The tree sits at gitops/ and has no gitops-pipeline.yaml: this repository's layout applies. */
const SRC = { root: "gitops" };
const servers: GitHttp[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

/** Every file under `dir`, as text. */
function allFiles(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? allFiles(p) : [{ path: p, text: readFileSync(p).toString("latin1") }];
  });
}

describe("credentials over HTTP", () => {
  it("a token-authenticated bump lands and the token appears nowhere but its secret variable", async () => {
    const bare = await bareRepo({ "gitops/environments/dev/values.yaml": values });
    const http = await serveGit(bare, USER, TOKEN);
    servers.push(http);
    const port = new CliGitPort({ url: http.url, branch: "main", token: TOKEN, user: USER });
    const r = await writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.1.0" }, source: SRC, sourceCommit: "abc" }), {
      validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed),
      author: { name: "gitops-bot", email: "bot@example.com" },
    });
    expect(r.status).toBe("pushed");
    // The remote really demanded the token, and got it, for fetch and push.
    expect(http.requests.some((q) => !q.authed)).toBe(true);
    expect(http.requests.filter((q) => q.authed).map((q) => q.path)).toEqual(
      expect.arrayContaining(["/gitops.git/info/refs", "/gitops.git/git-upload-pack", "/gitops.git/git-receive-pack"]),
    );
    expect(await must(["git", "show", "main:gitops/environments/dev/values.yaml"], bare)).toContain('tag: "1.1.0"');

    const haystacks: [string, string][] = [];
    for (const ran of port.log) {
      haystacks.push([`argv ${ran.argv.join(" ")}`, ran.argv.join("\0")], [`stdout of ${ran.argv[1]}`, ran.stdout], [`stderr of ${ran.argv[1]}`, ran.stderr]);
      // The token's own variable is the secret reference; every other variable is searched.
      for (const [k, v] of Object.entries(ran.env)) if (k !== TOKEN_ENV) haystacks.push([`env ${k}`, v]);
    }
    haystacks.push(["commit metadata", await must(["git", "log", "--format=%H%n%an%n%ae%n%cn%n%ce%n%B", "--all"], bare)]);
    haystacks.push(["raw commit", await must(["git", "cat-file", "-p", r.commit], bare)]);
    for (const f of allFiles(port.dir)) haystacks.push([f.path, f.text]); // includes .git/config, logs, index
    for (const f of allFiles(bare)) haystacks.push([f.path, f.text]);
    haystacks.push(["result", JSON.stringify(r)]);
    expect(port.log.length).toBeGreaterThan(5);
    const leaks = haystacks.filter(([, text]) => text.includes(TOKEN) || text.includes(Buffer.from(`${USER}:${TOKEN}`).toString("base64")));
    expect(leaks.map(([where]) => where)).toEqual([]);
    // And the token did travel: the only place it is set is the secret variable.
    expect(port.log.every((ran) => ran.env[TOKEN_ENV] === TOKEN)).toBe(true);
  });

  it("a wrong token fails the clone with an error that does not contain the token", async () => {
    const bare = await bareRepo({ "gitops/environments/dev/values.yaml": values });
    const http = await serveGit(bare, USER, TOKEN);
    servers.push(http);
    const wrong = "ghp_WRONGtoken_recognisable_too";
    const port = new CliGitPort({ url: http.url, branch: "main", token: wrong, user: USER });
    const err = await port.sync().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/Authentication failed|401/);
    expect(String(err)).not.toContain(wrong);
    expect(port.log.flatMap((x) => [x.stdout, x.stderr, ...x.argv]).join("\n")).not.toContain(wrong);
  });
});
