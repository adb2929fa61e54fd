/**
 * GitOps write-back stage: bump and promote. Builds the git containers from the core's argv and
 * drives the core's `writeBack` loop through a Dagger `GitPort`; the loop itself lives in
 * core/writeback.ts and is the same code the contract tests run with the git CLI.
 *
 * Pull-request mode (with-pull-request) runs the core's `proposeWriteBack` over the same port:
 * the proposal branch is fetched and lease-pushed by the git containers; the forge API is called
 * from the module runtime (pull-request.ts).
 *
 * Credentials: an HTTPS token is a `Secret` set with `withSecretVariable` and handed to git by
 * the GIT_ASKPASS script (core/git.ts), so it is in no argv, URL, file, layer or log; an SSH key
 * is a `Secret` mounted with `withMountedSecret` (mode 0400), checked against given known hosts.
 */
import { randomUUID } from "node:crypto";
import { dag, ReturnType, Container, Directory, Secret } from "@dagger.io/dagger";
import type { Format } from "../core/writeback/layout.js";
import { execFailure, InputError, StageError } from "../core/errors.js";
import { oneLine } from "../core/run.js";
import { writeBackReport } from "../core/writeback/report.js";
import { Run } from "../run.js";
import {
  ASKPASS_PATH,
  ASKPASS_SCRIPT,
  checkRepoUrl,
  credentialHost,
  HOST_ENV,
  redirectFailure,
  classifyPush,
  GIT_ENV,
  gitArgv,
  isLocalAddress,
  parseLog,
  parseLsRemote,
  TOKEN_ENV,
  USER_ENV,
  type Author,
  type CommitInfo,
  type PushStatus,
} from "../core/writeback/git.js";
import {
  checkWritten,
  prepare,
  ValidationFailed,
  writeBack,
  type CheckEdited,
  type GitPort,
  type TreeValidation,
  type Validate,
  type WriteBackPlan,
} from "../core/writeback/loop.js";
import { chartOf, gateEdit, isTemplate, type TreeCheck } from "../core/writeback/gate.js";
import { GITOPS_CONFIG_FILE } from "../core/gitops-config.js";
import { proposeWriteBack, type ProposalPort } from "../core/writeback/pull-request/propose.js";
import { proposalTarget, type PullRequestTarget } from "./pull-request.js";
import { validateStage, type ValidateStageOptions } from "../validate/validate.js";
import { readText } from "./text-file.js";
import { readSecret } from "../core/secret.js";
import { signatureArgv, signingConfig } from "../core/writeback/commit-signing.js";
import { signedHeadCheck } from "../core/writeback/signed-head.js";

/** Work tree of the clone inside the git container. */
export const WORKTREE = "/repo";
/** Where the SSH key and known hosts are mounted. */
export const SSH_KEY_PATH = "/run/gitops/ssh-key";
export const KNOWN_HOSTS_PATH = "/run/gitops/known_hosts";
/** Where the commit signing key is mounted, and where the allowed signers of a head check are written. */
export const SIGNING_KEY_PATH = "/run/gitops/signing-key";
export const ALLOWED_SIGNERS_PATH = "/run/gitops/allowed_signers";
/** Changed on every call so clone, fetch and push re-run instead of coming from the layer cache. */
export const CACHE_BUST_ENV = "GITOPS_WRITEBACK_RUN";

/** The remote repository and how to authenticate to it. */
export interface GitRemote {
  url: string;
  branch: string;
  token?: Secret;
  sshKey?: Secret;
  sshKnownHosts?: string;
  user: string;
  /** SSH private key the commits are signed with (with-signing-key); mounted read-only, never printed. */
  signingKey?: Secret;
}

/** Check the remote's credentials fit its URL before any container runs (errors name gitops-repo's and the with- functions' arguments). */
export function checkRemote(r: GitRemote): GitRemote {
  checkRepoUrl(r.url, "url");
  const https = /^https?:\/\//.test(r.url);
  if (r.token && r.sshKey)
    throw new InputError("token, key", "both a token and an SSH key are set", "use with-token for an https URL or with-ssh-key for an ssh URL, not both");
  // Plain http only to a loopback / private-network IP address (a test or same-network server), as for the forge API.
  if (r.token && r.url.startsWith("http://") && !isLocalAddress(new URL(r.url).hostname)) {
    throw new InputError(
      "url",
      `${r.url} is plain http: the token would travel unencrypted`,
      "use the https URL (plain http is accepted only for a loopback or private-network IP address)",
    );
  }
  if (r.token && !https)
    throw new InputError("token", `is an HTTPS token but url ${r.url} is not https`, "use the https URL of the repository, or with-ssh-key");
  if (r.sshKey && https) throw new InputError("key", `is an SSH key but url ${r.url} is https`, "use the ssh URL (git@host:org/repo.git), or with-token");
  if (r.sshKey && !r.sshKnownHosts?.trim()) {
    throw new InputError(
      "knownHosts",
      "is required with an SSH key (host keys are never accepted blindly)",
      "pass the host's known_hosts lines, e.g. from your ~/.ssh/known_hosts",
    );
  }
  return r;
}

/** The git image with askpass, non-interactive git and the credentials wired in (no exec yet). */
export function gitContainer(image: string, r: GitRemote): Container {
  let c = dag.container().from(image).withNewFile(ASKPASS_PATH, ASKPASS_SCRIPT, { permissions: 0o755 });
  for (const [k, v] of Object.entries(GIT_ENV)) c = c.withEnvVariable(k, v);
  c = c.withEnvVariable(USER_ENV, r.user);
  // The askpass script answers only for this host (a redirect or submodule elsewhere gets nothing).
  if (r.token) c = c.withEnvVariable(HOST_ENV, credentialHost(r.url)).withSecretVariable(TOKEN_ENV, r.token);
  if (r.sshKey) {
    c = c
      .withMountedSecret(SSH_KEY_PATH, r.sshKey, { owner: "root", mode: 0o400 })
      .withNewFile(KNOWN_HOSTS_PATH, r.sshKnownHosts!.trim() + "\n", { permissions: 0o644 })
      .withEnvVariable(
        "GIT_SSH_COMMAND",
        `ssh -i ${SSH_KEY_PATH} -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${KNOWN_HOSTS_PATH}`,
      );
  }
  // ssh-keygen signs with the key file (git's gpg.format=ssh): it must be readable by its owner only.
  if (r.signingKey) c = c.withMountedSecret(SIGNING_KEY_PATH, r.signingKey, { owner: "root", mode: 0o400 });
  return c;
}

/** Clone the branch into WORKTREE. */
export const cloneContainer = (base: Container, r: GitRemote, nonce: string): Container =>
  base
    .withEnvVariable(CACHE_BUST_ENV, nonce)
    .withWorkdir("/")
    .withExec(gitArgv.clone(r.url, r.branch, WORKTREE))
    .withWorkdir(WORKTREE);

/** Fetch the branch head and reset the work tree to it. */
export const fetchContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.fetch(branch)).withExec(gitArgv.reset(branch)).withExec(gitArgv.clean());

/** Stage and commit `paths`. */
export const commitContainer = (c: Container, paths: string[], message: string, author: Author, signed = false): Container =>
  c.withExec(gitArgv.add(paths)).withExec(gitArgv.commit(message, author, ...(signed ? [signingConfig(SIGNING_KEY_PATH)] : [])));

/** Push HEAD; the exit code is read, not raised, so a lost race can be told from a failure. */
export const pushContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.push(branch), { expect: ReturnType.Any });

/** Fetch another branch of the remote (the proposal branch) into its remote-tracking ref. */
export const branchFetchContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.fetch(branch));

/** Push HEAD to `branch` with a lease on `expect`; the exit code is read, not raised. */
export const leasePushContainer = (c: Container, branch: string, expect: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.pushLease(branch, expect), { expect: ReturnType.Any });

/** A file of the clone's work tree in `c`, or undefined when it has none. */
export async function readWorktree(c: Container, path: string): Promise<string | undefined> {
  return (await c.exists(`${WORKTREE}/${path}`)) ? readText(c.file(`${WORKTREE}/${path}`), path) : undefined;
}

/** GitPort over Dagger containers: each step extends the current container. */
export class DaggerGitPort implements GitPort<Directory>, ProposalPort<Directory> {
  private ctr: Container | undefined;
  private n = 0;
  private readonly run = randomUUID();
  constructor(
    private readonly image: string,
    private readonly remote: GitRemote,
  ) {}
  private nonce(): string {
    return `${this.run}-${++this.n}`;
  }
  private get c(): Container {
    if (!this.ctr) throw new Error("DaggerGitPort: sync() first");
    return this.ctr;
  }
  async sync(): Promise<string> {
    this.ctr = this.ctr
      ? fetchContainer(this.ctr, this.remote.branch, this.nonce())
      : cloneContainer(gitContainer(this.image, this.remote), this.remote, this.nonce());
    return (await this.c.withExec(gitArgv.head()).stdout()).trim();
  }
  read(path: string): Promise<string | undefined> {
    return readWorktree(this.c, path);
  }
  async write(files: { path: string; text: string }[]): Promise<void> {
    for (const f of files) this.ctr = this.c.withNewFile(`${WORKTREE}/${f.path}`, f.text);
  }
  tree(): Directory {
    return this.c.directory(WORKTREE);
  }
  async commit(paths: string[], message: string, author: Author): Promise<string> {
    this.ctr = commitContainer(this.c, paths, message, author, Boolean(this.remote.signingKey));
    return (await this.c.withExec(gitArgv.head()).stdout()).trim();
  }
  async push(): Promise<{ status: PushStatus; detail: string }> {
    const pushed = pushContainer(this.c, this.remote.branch, this.nonce());
    const [code, out] = await Promise.all([pushed.exitCode(), pushed.combinedOutput()]);
    return { status: classifyPush(code, out), detail: out };
  }
  async branchHead(branch: string): Promise<string | undefined> {
    const listed = await this.c.withEnvVariable(CACHE_BUST_ENV, this.nonce()).withExec(gitArgv.lsRemote(branch)).stdout();
    if (!parseLsRemote(listed, branch)) return undefined;
    // The lease is on what was fetched and inspected, not on the listing (it may have moved since).
    this.ctr = branchFetchContainer(this.c, branch, this.nonce());
    return (await this.c.withExec(gitArgv.trackingHead(branch)).stdout()).trim();
  }
  /** git's signature verdict line of `rev` with these allowed signers (commit-signing.ts). */
  async signature(allowedSigners: string, rev: string): Promise<string> {
    return this.c.withNewFile(ALLOWED_SIGNERS_PATH, allowedSigners, { permissions: 0o644 }).withExec(signatureArgv(ALLOWED_SIGNERS_PATH, rev)).stdout();
  }
  async commits(from: string, to: string): Promise<CommitInfo[]> {
    return parseLog(await this.c.withExec(gitArgv.log(from, to)).stdout());
  }
  async pushBranch(branch: string, expect: string): Promise<{ status: PushStatus; detail: string }> {
    const pushed = leasePushContainer(this.c, branch, expect, this.nonce());
    const [code, out] = await Promise.all([pushed.exitCode(), pushed.combinedOutput()]);
    return { status: classifyPush(code, out), detail: out };
  }
}

/** A file of `dir`, or undefined when it has none. */
async function readFile(dir: Directory, path: string): Promise<string | undefined> {
  return (await dir.exists(path)) ? readText(dir.file(path), path) : undefined;
}

/** What the write-back validates an edited tree with: the pipeline's tools (images, offline schemas) and, in a multi-app tree, the app. */
export type ValidateImages = Omit<ValidateStageOptions, "gitops" | "environments">;

/** The validate stage as the write-back calls it (a stand-in in plan tests). */
export type ValidateStageFn = (o: ValidateStageOptions) => Promise<Pick<Run, "result" | "artifacts">>;

/** One validation of `gitops` for the gate: findings, and every rendering the stage wrote (`rendered/<key>.yaml`). */
export async function treeCheck(images: ValidateImages, gitops: Directory, stage: ValidateStageFn = validateStage): Promise<TreeCheck> {
  const run = await stage({ ...images, gitops });
  const r = run.result;
  const files = (await run.artifacts.glob("rendered/**/*.yaml")).sort();
  const texts = await Promise.all(files.map((f) => run.artifacts.file(f).contents()));
  return {
    passed: r.passed,
    summary: r.summary,
    findings: r.findings,
    renderings: Object.fromEntries(files.map((f, i) => [f.slice("rendered/".length, -".yaml".length), texts[i]!])),
  };
}

/** The templates of the chart the write-back's app renders, to name the values keys it reads. */
export async function chartTemplates(gitops: Directory, app = ""): Promise<{ file: string; text: string }[]> {
  const chart = chartOf(await readFile(gitops, GITOPS_CONFIG_FILE), app);
  if (!chart || !(await gitops.exists(chart))) return [];
  const files = (await gitops.directory(chart).glob("**/*")).filter(isTemplate).map((f) => `${chart}/${f}`);
  return Promise.all(files.map(async (file) => ({ file, text: await gitops.file(file).contents() })));
}

/**
 * Validation of the edited tree before anything is pushed or returned: the write-back's own check
 * (each edited file re-parses; each written value is a valid tag/digest), then, when `images` are
 * given, the gate: the validate stage (helm lint/template, kubeconform, policy, Argo CD checks)
 * on the whole gitops tree before and after the edit, every environment (of `images.app` alone in
 * a multi-app tree, when given). It blocks on errors the edit introduces, reports the ones already
 * there as pre-existing, carries the rendered diff, and refuses an edit whose image reference does
 * not reach the target's rendering or that changes another environment (unless `allowShared`).
 * `root` is the gitops directory inside the tree. Called without `before` (no baseline), it
 * judges the edited tree alone: every error blocks.
 */
export function validateTree(images?: ValidateImages, root = "", stage: ValidateStageFn = validateStage, allowShared = false): Validate<Directory> {
  const sub = (tree: Directory): Directory => (root ? tree.directory(root) : tree);
  const alone: CheckEdited<Directory> = async (tree, changed) => {
    const own = await checkWritten((p) => readFile(tree, p), changed);
    if (!own.ok || !images) return own;
    const r = (await stage({ ...images, gitops: sub(tree) })).result;
    return { ok: r.passed, summary: `${own.summary}; ${r.summary}`, findings: r.findings.filter((f) => f.severity === "error") };
  };
  if (!images) return alone;
  const before = async (head: Directory, edit: { environment: string }): Promise<CheckEdited<Directory>> => {
    const base = await treeCheck(images, sub(head), stage);
    return async (tree, changed): Promise<TreeValidation> => {
      const own = await checkWritten((p) => readFile(tree, p), changed);
      if (!own.ok) return own;
      // Edited paths are relative to the work tree; the gate reads the gitops tree at `root`.
      const rel = changed.map((f) => ({ ...f, file: root && f.file.startsWith(`${root}/`) ? f.file.slice(root.length + 1) : f.file }));
      const after = await treeCheck(images, sub(tree), stage);
      const g = await gateEdit({
        before: base,
        after,
        environment: edit.environment,
        ...(images.app ? { app: images.app } : {}),
        changed: rel,
        allowShared,
        templates: () => chartTemplates(sub(tree), images.app ?? ""),
      });
      return {
        ok: g.ok,
        summary: `${own.summary}; ${after.summary}; gate: ${g.summary}`,
        findings: g.blocking,
        renderedDiff: g.renderedDiff,
        preExisting: g.preExisting,
        alsoChanged: g.alsoChanged,
      };
    };
  };
  return Object.assign(alone, { before });
}

/** Where a write-back writes: the remote repository, or (no url) the local gitops directory. */
export interface WriteBackTarget {
  /** The local gitops tree, edited and returned when there is no remote. */
  gitops: Directory;
  remote?: GitRemote;
  /** Where the tree is inside the remote repository. */
  root: string;
  format?: Format;
  imageName?: string;
  /** The app of a multi-app tree the write-back edits ("" or absent: the tree's only app). */
  app?: string;
  author: Author;
  maxAttempts: number;
  gitImage: string;
  validate: ValidateImages;
  /** Propose the change as a pull / merge request instead of pushing to the branch (with-pull-request). */
  pullRequest?: PullRequestTarget;
  /** Proceed when the edit changes other environments' renderings too (a shared values file); they are named in the report and the commit. */
  allowShared?: boolean;
}

/**
 * A git command that failed for a reason other than a lost race (an unreachable remote, refused
 * credentials, a missing branch) as a stage failure: its exit code and git's last lines. The
 * output holds no credential: tokens reach git only through askpass, and URLs with credentials
 * are refused before any container runs.
 */
export function gitFailure(stage: string, err: unknown): unknown {
  const x = execFailure(err);
  if (!x) return err;
  const redirect = redirectFailure(`${x.stderr}\n${x.stdout}`);
  if (redirect) return new StageError(stage, `git ${x.cmd[1] ?? ""} exited ${x.exitCode}: ${redirect}`);
  const why = (x.stderr || x.stdout).trim().split("\n").filter(Boolean).slice(-3).join(" / ") || "no output";
  return new StageError(stage, `git ${x.cmd[1] ?? ""} exited ${x.exitCode}: ${why}`);
}

/** The failed run of a write-back, for a StageError (or a failed git command); anything else is rethrown. */
export function failedWriteBack(stage: "bump" | "promote" | "rollback", err: unknown, tree: Directory, data: Record<string, unknown> = {}): Run {
  const e = gitFailure(stage, err);
  if (!(e instanceof StageError)) throw e;
  const refused = e instanceof ValidationFailed ? e : undefined;
  const findings = refused?.findings.length ? refused.findings : [{ source: "git", rule: stage.toUpperCase(), severity: "error" as const, message: e.summary }];
  // A refused edit still shows what it would have changed: the file diff and the rendered diff.
  const v = refused?.validation;
  const gate = v?.renderedDiff ? { renderedDiff: v.renderedDiff, preExisting: v.preExisting ?? [], alsoChanged: v.alsoChanged ?? [] } : {};
  return Run.of(
    writeBackReport({
      stage,
      status: "failed",
      summary: `${stage} failed: ${oneLine(e.summary)}`,
      commit: "",
      attempts: 0,
      diff: refused?.diff ?? "",
      validation: v?.summary ?? "",
      findings,
      data,
      ...gate,
    }),
    tree,
  );
}

/**
 * Run `plan` on the local gitops directory or on the remote repository. The run's artifacts are
 * the gitops tree as written (local mode: export it; remote mode: the tree at the pushed commit).
 */
export async function runWriteBack(t: WriteBackTarget, plan: WriteBackPlan, dryRun: boolean, data: Record<string, unknown> = {}): Promise<Run> {
  const stage = plan.stage as "bump" | "promote" | "rollback";
  const failed = (e: unknown, tree: Directory): Run => failedWriteBack(stage, e, tree, data);
  if (!t.remote) {
    let dir = t.gitops;
    const read = (p: string): Promise<string | undefined> => readFile(dir, p);
    const write = async (files: { path: string; text: string }[]): Promise<void> => {
      for (const f of files) dir = dir.withNewFile(f.path, f.text);
    };
    try {
      const p = await prepare(plan, read, write, () => dir, validateTree(t.validate, "", validateStage, t.allowShared));
      const status = p.changed.length === 0 ? "no-op" : dryRun ? "dry-run" : "edited";
      const summary = `${stage}: ${status}${p.changed.length ? `: ${p.changed.map((f) => f.file).join(", ")}` : ""}`;
      return Run.of(
        writeBackReport({ stage, status, summary, commit: "", attempts: 0, diff: p.diff, validation: p.validation, findings: [], data, ...p.gate }),
        dryRun ? t.gitops : dir,
      );
    } catch (e) {
      return failed(e, t.gitops);
    }
  }
  // git gets the token as a secret variable; its value is remembered too, so no report quotes it whatever git prints.
  if (t.remote.token) await readSecret(t.remote.token, "token", "pass a readable secret to with-token, e.g. --token env://GITOPS_TOKEN with that variable set");
  // The signing key's value is remembered too: no report quotes it, whatever ssh-keygen prints.
  if (t.remote.signingKey) await readSecret(t.remote.signingKey, "key", "pass a readable secret to with-signing-key, e.g. --key file://./signing_key");
  const port = new DaggerGitPort(t.gitImage, t.remote);
  const checkHead = signedHeadCheck({
    stage,
    root: t.root,
    read: (p) => port.read(p),
    signing: Boolean(t.remote.signingKey),
    signature: (a, r) => port.signature(a, r),
  });
  const opts = { validate: validateTree(t.validate, t.root, validateStage, t.allowShared), author: t.author, dryRun, maxAttempts: t.maxAttempts, checkHead };
  try {
    // Pull-request mode proposes on its own branch; every write-back (bump, promote...) gets it here.
    const r = t.pullRequest ? await proposeWriteBack(port, plan, opts, proposalTarget(t.pullRequest, t.remote.branch)) : await writeBack(port, plan, opts);
    const tree = t.root ? port.tree().directory(t.root) : port.tree();
    const pullRequest = "pullRequest" in r && r.pullRequest ? { pullRequest: r.pullRequest } : {};
    return Run.of(
      writeBackReport({
        stage,
        status: r.status,
        summary: r.summary,
        commit: r.commit,
        attempts: r.attempts,
        diff: r.diff,
        validation: r.validation,
        findings: [],
        data,
        ...r.gate,
        ...pullRequest,
      }),
      tree,
    );
  } catch (e) {
    return failed(e, t.gitops);
  }
}
