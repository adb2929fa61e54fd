/**
 * Contract-test GitPort: the core's git argv (core/git.ts) run with the real git CLI on a temp
 * work tree. The write-back loop itself is the core's `writeBack`, the same code the Dagger
 * stage runs; only this port differs. Every command is recorded (argv, env, output) so a test
 * can search all of it for a credential.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  ASKPASS_SCRIPT,
  credentialHost,
  HOST_ENV,
  GIT_ENV,
  TOKEN_ENV,
  USER_ENV,
  classifyPush,
  gitArgv,
  parseLog,
  parseLsRemote,
  type Author,
  type CommitInfo,
  type PushStatus,
} from "../../dagger/src/core/writeback/git.js";
import type { GitPort } from "../../dagger/src/core/writeback/loop.js";
import { signatureArgv, signingConfig } from "../../dagger/src/core/writeback/commit-signing.js";
import { decodeUtf8 } from "../../dagger/src/core/writeback/text.js";
import type { ProposalPort } from "../../dagger/src/core/writeback/pull-request/propose.js";
import { historyArgv, type History } from "../../dagger/src/core/writeback/rollback.js";

/** One command the port ran. */
export interface Ran {
  argv: string[];
  env: Record<string, string>;
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command asynchronously (so concurrent ports really run concurrently). */
export function run(argv: string[], cwd: string, env: Record<string, string> = {}, log?: Ran[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, GIT_CONFIG_GLOBAL: "/dev/null", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ran = { argv, env, code: code ?? -1, stdout, stderr };
      log?.push(ran);
      resolve(ran);
    });
  });
}

/** Run and fail loudly on a non-zero exit. */
export async function must(argv: string[], cwd: string, env: Record<string, string> = {}, log?: Ran[]): Promise<string> {
  const r = await run(argv, cwd, env, log);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export interface CliPortOptions {
  url: string;
  branch: string;
  /** HTTPS token: reaches git only through the askpass script and an environment variable. */
  token?: string;
  user?: string;
  /** More environment for every git command (e.g. GIT_COMMITTER_DATE for commits at known times). */
  env?: Record<string, string>;
  /** SSH private key file the commits are signed with (as with-signing-key). */
  signingKey?: string;
}

/** GitPort over the git CLI; `tree()` is the work tree's path. */
export class CliGitPort implements GitPort<string>, ProposalPort<string> {
  readonly dir: string;
  readonly log: Ran[] = [];
  private readonly env: Record<string, string>;
  private cloned = false;

  constructor(private readonly opts: CliPortOptions) {
    const base = mkdtempSync(join(tmpdir(), "wb-port-"));
    this.dir = join(base, "repo");
    const askpass = join(base, "askpass");
    writeFileSync(askpass, ASKPASS_SCRIPT);
    chmodSync(askpass, 0o755);
    this.env = { ...GIT_ENV, GIT_ASKPASS: askpass, ...(opts.env ?? {}) };
    if (opts.user) this.env[USER_ENV] = opts.user;
    if (opts.token) {
      this.env[TOKEN_ENV] = opts.token;
      this.env[HOST_ENV] = credentialHost(opts.url);
    }
  }

  private git(argv: string[], cwd = this.dir): Promise<Ran> {
    return run(argv, cwd, this.env, this.log);
  }

  private async ok(argv: string[], cwd = this.dir): Promise<string> {
    const r = await this.git(argv, cwd);
    if (r.code !== 0) throw new Error(`${argv.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async sync(): Promise<string> {
    if (!this.cloned) {
      await this.ok(gitArgv.clone(this.opts.url, this.opts.branch, this.dir), dirname(this.dir));
      this.cloned = true;
    } else {
      await this.ok(gitArgv.fetch(this.opts.branch));
      await this.ok(gitArgv.reset(this.opts.branch));
      await this.ok(gitArgv.clean());
    }
    return (await this.ok(gitArgv.head())).trim();
  }

  async read(path: string): Promise<string | undefined> {
    const p = join(this.dir, path);
    // As the Dagger port does: text only when the bytes are UTF-8 (a file that is not is refused, naming it).
    return existsSync(p) ? decodeUtf8(path, readFileSync(p)) : undefined;
  }

  async write(files: { path: string; text: string }[]): Promise<void> {
    for (const f of files) {
      mkdirSync(dirname(join(this.dir, f.path)), { recursive: true });
      writeFileSync(join(this.dir, f.path), f.text);
    }
  }

  tree(): string {
    return this.dir;
  }

  async commit(paths: string[], message: string, author: Author): Promise<string> {
    await this.ok(gitArgv.add(paths));
    await this.ok(gitArgv.commit(message, author, ...(this.opts.signingKey ? [signingConfig(this.opts.signingKey)] : [])));
    return (await this.ok(gitArgv.head())).trim();
  }

  async push(): Promise<{ status: PushStatus; detail: string }> {
    const r = await this.git(gitArgv.push(this.opts.branch));
    return { status: classifyPush(r.code, r.stdout + r.stderr), detail: r.stdout + r.stderr };
  }

  async branchHead(branch: string): Promise<string | undefined> {
    if (!parseLsRemote(await this.ok(gitArgv.lsRemote(branch)), branch)) return undefined;
    await this.ok(gitArgv.fetch(branch));
    return (await this.ok(gitArgv.trackingHead(branch))).trim();
  }

  /** git's signature verdict line of `rev` with these allowed signers (as the Dagger port). */
  async signature(allowedSigners: string, rev: string): Promise<string> {
    const file = join(dirname(this.dir), "allowed_signers");
    writeFileSync(file, allowedSigners);
    return this.ok(signatureArgv(file, rev));
  }

  async commits(from: string, to: string): Promise<CommitInfo[]> {
    return parseLog(await this.ok(gitArgv.log(from, to)));
  }

  async pushBranch(branch: string, expect: string): Promise<{ status: PushStatus; detail: string }> {
    const r = await this.git(gitArgv.pushLease(branch, expect));
    return { status: classifyPush(r.code, r.stdout + r.stderr), detail: r.stdout + r.stderr };
  }
}

/** A bare repository seeded with `files` on `branch`; returns its path. */
export async function bareRepo(files: Record<string, string>, branch = "main"): Promise<string> {
  const base = mkdtempSync(join(tmpdir(), "wb-remote-"));
  const bare = join(base, "gitops.git");
  const seed = join(base, "seed");
  await must(["git", "init", "--quiet", "--bare", "--initial-branch", branch, bare], base);
  await must(["git", "init", "--quiet", "--initial-branch", branch, seed], base);
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, p)), { recursive: true });
    writeFileSync(join(seed, p), t);
  }
  await must(["git", "add", "-A"], seed);
  await must(["git", "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-m", "seed"], seed);
  await must(["git", "push", "--quiet", bare, `HEAD:refs/heads/${branch}`], seed);
  return bare;
}

/** A rollback's History over a real clone of `url`, with the same argv the Dagger stage runs; `read` gives a file at HEAD (undefined when absent). */
export async function cliHistory(url: string): Promise<{ history: History; read: (p: string) => Promise<string | undefined> }> {
  const dir = join(mkdtempSync(join(tmpdir(), "rb-")), "repo");
  await must(gitArgv.clone(url, "main", dir), tmpdir());
  const history: History = {
    log: async (path, max) => (await must(historyArgv.log(path, max), dir)).split("\n").filter(Boolean),
    readAt: async (commit, path) => {
      const r = await run(historyArgv.show(commit, path), dir);
      return r.code === 0 ? r.stdout : undefined;
    },
    resolve: async (rev) => {
      const r = await run(historyArgv.resolve(rev), dir);
      return r.code === 0 ? r.stdout.trim() : undefined;
    },
  };
  const read = async (p: string) => {
    const r = await run(["git", "show", `HEAD:${p}`], dir);
    return r.code === 0 ? r.stdout : undefined;
  };
  return { history, read };
}
