/**
 * Plan tests of the write-back containers: clone / fetch / commit / push from the pinned git
 * image, the core's argv, cache busting, and the credentials as secret references only.
 */
import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { execs, plan, stepsOf, type Step } from "../helpers/plan.js";
import {
  CACHE_BUST_ENV,
  checkRemote,
  cloneContainer,
  commitContainer,
  fetchContainer,
  gitContainer,
  KNOWN_HOSTS_PATH,
  pushContainer,
  SSH_KEY_PATH,
  WORKTREE,
  type GitRemote,
} from "../../dagger/src/writeback/git.js";
import { ASKPASS_PATH, ASKPASS_SCRIPT, gitArgv, TOKEN_ENV } from "../../dagger/src/core/writeback/git.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { InputError } from "../../dagger/src/core/errors.js";

const TOKEN = "ghp_PLANtest_recognisable_token_value";
const author = { name: "gitops-bot", email: "bot@example.com" };

/** Every string anywhere in a plan, except inside the `secret` argument of secret steps. */
function stringsOutsideSecrets(steps: Step[]): string[] {
  const out: string[] = [];
  const visit = (v: unknown, key?: string, op?: string): void => {
    if ((op === "withSecretVariable" || op === "withMountedSecret") && key === "secret") return;
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => visit(x));
    else if (v && typeof v === "object") {
      if ("ref" in v) (v as { ref: Step[] }).ref.forEach((s) => Object.entries(s.args).forEach(([k, x]) => visit(x, k, s.op)));
      else Object.entries(v).forEach(([k, x]) => visit(x, k, op));
    }
  };
  steps.forEach((s) => {
    out.push(s.op);
    Object.entries(s.args).forEach(([k, x]) => visit(x, k, s.op));
  });
  return out;
}

describe("write-back containers (plan)", () => {
  const https: GitRemote = { url: "https://github.com/acme/gitops.git", branch: "main", token: dag.setSecret("gitops-token", TOKEN), user: "x-access-token" };

  it("clone, fetch, commit and push run the core's argv in the pinned git image", () => {
    const base = gitContainer(VERSIONS.gitImage, https);
    const cloned = cloneContainer(base, https, "n1");
    const fetched = fetchContainer(cloned, "main", "n2");
    const committed = commitContainer(fetched, ["gitops/environments/dev/values.yaml"], "chore(deploy): webapp dev → 1.2.3\n", author);
    const pushed = pushContainer(committed, "main", "n3");
    const steps = plan(pushed);
    expect(steps[1]).toEqual({ op: "from", args: { address: VERSIONS.gitImage } });
    expect(execs(pushed)).toEqual([
      gitArgv.clone(https.url, "main", WORKTREE),
      gitArgv.fetch("main"),
      gitArgv.reset("main"),
      gitArgv.clean(),
      gitArgv.add(["gitops/environments/dev/values.yaml"]),
      gitArgv.commit("chore(deploy): webapp dev → 1.2.3\n", author),
      gitArgv.push("main"),
    ]);
    // A lost race must be readable (exit code), not an engine error.
    expect(stepsOf(pushed, "withExec").at(-1)!.args.expect).toBe("ANY");
    expect(stepsOf(pushed, "withWorkdir").map((s) => s.args.path)).toEqual(["/", WORKTREE]);
  });

  it("clone, fetch and push are cache-busted (each gets its own nonce right before it)", () => {
    const pushed = pushContainer(fetchContainer(cloneContainer(gitContainer(VERSIONS.gitImage, https), https, "n1"), "main", "n2"), "main", "n3");
    const steps = plan(pushed);
    const busts = steps.flatMap((s, i) => (s.op === "withEnvVariable" && s.args.name === CACHE_BUST_ENV ? [{ i, value: s.args.value }] : []));
    expect(busts.map((b) => b.value)).toEqual(["n1", "n2", "n3"]);
    const execIdx = steps.flatMap((s, i) => (s.op === "withExec" ? [{ i, argv: (s.args.args as string[]).slice(0, 2).join(" ") }] : []));
    for (const [n, cmd] of [
      [0, "git clone"],
      [1, "git fetch"],
      [2, "git push"],
    ] as const) {
      const firstAfter = execIdx.find((e) => e.i > busts[n]!.i)!;
      expect(firstAfter.argv).toBe(cmd);
    }
  });

  it("the HTTPS token is a secret variable read by the askpass script, and nowhere else", () => {
    const pushed = pushContainer(commitContainer(cloneContainer(gitContainer(VERSIONS.gitImage, https), https, "n1"), ["f"], "m\n", author), "main", "n2");
    const steps = plan(pushed);
    const sv = stepsOf(steps, "withSecretVariable");
    expect(sv.map((s) => s.args.name)).toEqual([TOKEN_ENV]);
    expect((sv[0]!.args.secret as { ref: Step[] }).ref.at(-1)!.op).toBe("setSecret");
    const env = Object.fromEntries(stepsOf(steps, "withEnvVariable").map((s) => [s.args.name, s.args.value]));
    expect(env).toMatchObject({ GIT_ASKPASS: ASKPASS_PATH, GIT_TERMINAL_PROMPT: "0" });
    const askpass = stepsOf(steps, "withNewFile").find((s) => s.args.path === ASKPASS_PATH)!;
    expect(askpass.args.contents).toBe(ASKPASS_SCRIPT);
    expect(askpass.args.permissions).toBe(0o755);
    expect(ASKPASS_SCRIPT).toContain(`\${${TOKEN_ENV}}`);
    // Search every argv, env var, file and nested chain for the token value.
    const everything = stringsOutsideSecrets(steps);
    expect(everything.length).toBeGreaterThan(30);
    expect(everything.filter((s) => s.includes(TOKEN))).toEqual([]);
    // The only place it appears at all is inside the secret reference.
    expect(JSON.stringify(steps)).toContain(TOKEN);
  });

  it("a secret from the caller's environment is a reference by URI, with no value in the plan", () => {
    const remote = { ...https, token: dag.secret("env://GITOPS_TOKEN") };
    const steps = plan(pushContainer(cloneContainer(gitContainer(VERSIONS.gitImage, remote), remote, "n"), "main", "m"));
    const ref = (stepsOf(steps, "withSecretVariable")[0]!.args.secret as { ref: Step[] }).ref;
    expect(ref.at(-1)).toEqual({ op: "secret", args: { uri: "env://GITOPS_TOKEN" } });
  });

  it("an SSH key is a mounted secret (0400), checked against the given known hosts", () => {
    const ssh: GitRemote = {
      url: "git@github.com:acme/gitops.git",
      branch: "main",
      sshKey: dag.secret("file:///home/me/.ssh/id_ed25519"),
      sshKnownHosts: "github.com ssh-ed25519 AAAAC3Nza",
      user: "git",
    };
    const c = cloneContainer(gitContainer(VERSIONS.gitImage, checkRemote(ssh)), ssh, "n");
    const steps = plan(c);
    const mount = stepsOf(steps, "withMountedSecret")[0]!;
    expect(mount.args).toMatchObject({ path: SSH_KEY_PATH, owner: "root", mode: 0o400 });
    expect(stepsOf(steps, "withSecretVariable")).toEqual([]);
    const sshCmd = stepsOf(steps, "withEnvVariable").find((s) => s.args.name === "GIT_SSH_COMMAND")!.args.value as string;
    expect(sshCmd).toContain("StrictHostKeyChecking=yes");
    expect(sshCmd).toContain(`UserKnownHostsFile=${KNOWN_HOSTS_PATH}`);
    expect(stepsOf(steps, "withNewFile").find((s) => s.args.path === KNOWN_HOSTS_PATH)!.args.contents).toBe("github.com ssh-ed25519 AAAAC3Nza\n");
  });

  it("refuses credentials that do not fit the URL, credentials in the URL, and SSH without known hosts", () => {
    const key = dag.secret("env://K");
    const bad: [GitRemote, RegExp][] = [
      [{ ...https, url: "https://me:ghp_x@github.com/a/b.git" }, /^--url: contains credentials/],
      [{ ...https, sshKey: key }, /^--token, --key: both a token and an SSH key are set/],
      [{ ...https, url: "http://git.example.com/a/b.git" }, /^--url: http:\/\/git.example.com\/a\/b.git is plain http/],
      [{ ...https, url: "git@github.com:a/b.git" }, /^--token: is an HTTPS token/],
      [{ url: "https://github.com/a/b.git", branch: "main", sshKey: key, sshKnownHosts: "x", user: "git" }, /^--key: is an SSH key but url/],
      [{ url: "git@github.com:a/b.git", branch: "main", sshKey: key, user: "git" }, /^--known-hosts: is required with an SSH key/],
      [{ ...https, branch: "main;rm" }, /branch: "main;rm" is not a valid branch name/],
    ];
    for (const [remote, re] of bad) {
      const err = (() => {
        try {
          checkRemote(remote);
          gitArgv.clone(remote.url, remote.branch, WORKTREE);
        } catch (e) {
          return e;
        }
      })();
      expect(err, String(re)).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(re);
    }
  });
});
