/**
 * Contract: the git token goes only to the host it was given for. Real git, two local HTTP
 * servers on loopback: host A (127.0.0.2) answers every request with a redirect to host B
 * (127.0.0.1, a real smart-HTTP remote that demands the token). Before the fix git followed
 * A's redirect and the askpass script answered B's prompt: B received `x-access-token:<token>`.
 *
 * Two independent guards are tested: the pipeline's git environment refuses to follow the
 * redirect (a failure naming it), and the askpass script refuses to answer for another host even
 * when git is made to follow one.
 */
import { afterAll, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ASKPASS_SCRIPT, credentialHost, GIT_ENV, gitArgv, HOST_ENV, redirectFailure, TOKEN_ENV, USER_ENV } from "../../dagger/src/core/writeback/git.js";
import { StageError } from "../../dagger/src/core/errors.js";
import { gitFailure } from "../../dagger/src/writeback/git.js";
import { bareRepo, run } from "../helpers/git-port.js";
import { serveGit, type GitHttp } from "../helpers/git-http.js";

const TOKEN = "ghp_REDIRECTtoken0123456789abcdef";
const USER = "x-access-token";
const closers: (() => Promise<void>)[] = [];
afterAll(async () => Promise.all(closers.map((c) => c())));

/** Host A: every request is redirected to the same path under `target`. */
async function redirector(target: string, status = 302): Promise<string> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").replace(/^\/[^/?]+/, "");
    res.writeHead(status, { Location: `${target}${path}` });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.2", r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.2:${(server.address() as AddressInfo).port}/gitops.git`;
}

/** The pipeline's git environment (GIT_ENV, the askpass script, user, host and token), as the Dagger container sets it. */
function pipelineEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "askpass-"));
  const askpass = join(dir, "askpass");
  writeFileSync(askpass, ASKPASS_SCRIPT);
  chmodSync(askpass, 0o755);
  return { ...GIT_ENV, GIT_ASKPASS: askpass, [USER_ENV]: USER, [TOKEN_ENV]: TOKEN, [HOST_ENV]: credentialHost(url), ...extra };
}

async function hostB(): Promise<GitHttp> {
  const bare = await bareRepo({ "gitops/values.yaml": "image:\n  tag: 1.0.0\n" });
  const b = await serveGit(bare, USER, TOKEN);
  closers.push(() => b.close());
  return b;
}

describe("a redirect never carries the git token to another host", () => {
  it("git does not follow the redirect: the clone fails naming it, and host B receives nothing", async () => {
    const b = await hostB();
    const a = await redirector(b.url);
    const dest = join(mkdtempSync(join(tmpdir(), "clone-")), "repo");
    const r = await run(gitArgv.clone(a, "main", dest), tmpdir(), pipelineEnv(a));
    expect(r.code).not.toBe(0);
    expect(b.requests).toEqual([]);
    expect(redirectFailure(r.stderr)).toMatch(/answered a redirect \(HTTP 302\), which is not followed/);
    const e = gitFailure(
      "bump",
      Object.assign(new Error("exit"), { name: "ExecError", cmd: gitArgv.clone(a, "main", dest), exitCode: r.code, stdout: r.stdout, stderr: r.stderr }),
    );
    expect(e).toBeInstanceOf(StageError);
    expect((e as StageError).message).toContain("redirect (HTTP 302)");
    expect(`${r.stdout}${r.stderr}${(e as Error).message}`).not.toContain(TOKEN);
  });

  it("the askpass script answers only for the token's host, even when git is made to follow the redirect", async () => {
    const b = await hostB();
    const a = await redirector(b.url);
    const dest = join(mkdtempSync(join(tmpdir(), "clone-")), "repo");
    // Override the pipeline's http.followRedirects=false: only the askpass guard is left.
    const r = await run(gitArgv.clone(a, "main", dest), tmpdir(), pipelineEnv(a, { GIT_CONFIG_VALUE_0: "initial" }));
    expect(r.code).not.toBe(0);
    expect(b.requests.length).toBeGreaterThan(0); // git did follow to B ...
    expect(b.requests.filter((q) => q.authed)).toEqual([]); // ... and B got no token.
    expect(r.stderr).toContain(`gitops-askpass: git asked for the credentials of 127.0.0.1:`);
  });

  it("the same environment clones from the token's own host (the guards refuse nothing else)", async () => {
    const b = await hostB();
    const dest = join(mkdtempSync(join(tmpdir(), "clone-")), "repo");
    const r = await run(gitArgv.clone(b.url, "main", dest), tmpdir(), pipelineEnv(b.url));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(b.requests.some((q) => q.authed)).toBe(true);
  });
});
