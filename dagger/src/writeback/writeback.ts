/**
 * GitOps write-back stage: bump and promote. Builds the git containers from the core's argv and
 * drives the core's `writeBack` loop through a Dagger `GitPort`; the loop itself lives in
 * core/writeback.ts and is the same code the contract tests run with the git CLI.
 *
 * Credentials: an HTTPS token is a `Secret` set with `withSecretVariable` and handed to git by
 * the GIT_ASKPASS script (core/git.ts), so it is in no argv, URL, file, layer or log; an SSH key
 * is a `Secret` mounted with `withMountedSecret` (mode 0400), checked against given known hosts.
 */
import { randomUUID } from "node:crypto";
import { dag, func, object, ReturnType, Container, Directory, Secret } from "@dagger.io/dagger";
import { bumpPlan, layout, type Layout } from "../core/writeback/layout.js";
import { InputError } from "../core/errors.js";
import { ASKPASS_PATH, ASKPASS_SCRIPT, checkAuthor, checkRepoUrl, classifyPush, GIT_ENV, gitArgv, TOKEN_ENV, USER_ENV, type Author, type PushStatus } from "../core/writeback/git.js";
import { promotePlan } from "../core/writeback/promote.js";
import { checkWritten, prepare, writeBack, type GitPort, type WriteBackPlan } from "../core/writeback/loop.js";
import type { FileEdit } from "../core/writeback/yaml-edit.js";
import { validateStage, type ValidateRun, type ValidateStageOptions } from "../validate/validate.js";

/** Where the image reference lives: Helm values files or kustomize overlays. */
export enum WriteBackFormat {
  /** `image.repository`, `image.tag`, `image.digest`, `env.appVersion` in each environment's values file. */
  Helm = "helm",
  /** `newName`, `newTag`, `digest` of an `images:` entry in each environment's kustomization. */
  Kustomize = "kustomize",
}

/** Work tree of the clone inside the git container. */
export const WORKTREE = "/repo";
/** Where the SSH key and known hosts are mounted. */
export const SSH_KEY_PATH = "/run/gitops/ssh-key";
export const KNOWN_HOSTS_PATH = "/run/gitops/known_hosts";
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
}

/** Check the remote's credentials fit its URL before any container runs. */
export function checkRemote(r: GitRemote): GitRemote {
  checkRepoUrl(r.url);
  const https = /^https?:\/\//.test(r.url);
  if (r.token && r.sshKey) throw new InputError("token, sshKey", "both are set", "pass the token for an https URL or the SSH key for an ssh URL");
  if (r.token && r.url.startsWith("http://")) throw new InputError("repoUrl", `${r.url} is plain http: the token would travel unencrypted`, "use the https URL");
  if (r.token && !https) throw new InputError("token", `is an HTTPS token but repoUrl ${r.url} is not https`, "use the https URL of the repository, or pass sshKey");
  if (r.sshKey && https) throw new InputError("sshKey", `is an SSH key but repoUrl ${r.url} is https`, "use the ssh URL (git@host:org/repo.git), or pass token");
  if (r.sshKey && !r.sshKnownHosts?.trim()) {
    throw new InputError("sshKnownHosts", "is required with sshKey (host keys are never accepted blindly)", "pass the host's known_hosts lines, e.g. from your ~/.ssh/known_hosts");
  }
  return r;
}

/** The git image with askpass, non-interactive git and the credentials wired in (no exec yet). */
export function gitContainer(image: string, r: GitRemote): Container {
  let c = dag.container().from(image).withNewFile(ASKPASS_PATH, ASKPASS_SCRIPT, { permissions: 0o755 });
  for (const [k, v] of Object.entries(GIT_ENV)) c = c.withEnvVariable(k, v);
  c = c.withEnvVariable(USER_ENV, r.user);
  if (r.token) c = c.withSecretVariable(TOKEN_ENV, r.token);
  if (r.sshKey) {
    c = c
      .withMountedSecret(SSH_KEY_PATH, r.sshKey, { owner: "root", mode: 0o400 })
      .withNewFile(KNOWN_HOSTS_PATH, r.sshKnownHosts!.trim() + "\n", { permissions: 0o644 })
      .withEnvVariable("GIT_SSH_COMMAND", `ssh -i ${SSH_KEY_PATH} -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${KNOWN_HOSTS_PATH}`);
  }
  return c;
}

/** Clone the branch into WORKTREE. */
export const cloneContainer = (base: Container, r: GitRemote, nonce: string): Container =>
  base.withEnvVariable(CACHE_BUST_ENV, nonce).withWorkdir("/").withExec(gitArgv.clone(r.url, r.branch, WORKTREE)).withWorkdir(WORKTREE);

/** Fetch the branch head and reset the work tree to it. */
export const fetchContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.fetch(branch)).withExec(gitArgv.reset(branch)).withExec(gitArgv.clean());

/** Stage and commit `paths`. */
export const commitContainer = (c: Container, paths: string[], message: string, author: Author): Container =>
  c.withExec(gitArgv.add(paths)).withExec(gitArgv.commit(message, author));

/** Push HEAD; the exit code is read, not raised, so a lost race can be told from a failure. */
export const pushContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.push(branch), { expect: ReturnType.Any });

/** GitPort over Dagger containers: each step extends the current container. */
export class DaggerGitPort implements GitPort<Directory> {
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
  async read(path: string): Promise<string | undefined> {
    return (await this.c.exists(`${WORKTREE}/${path}`)) ? this.c.file(`${WORKTREE}/${path}`).contents() : undefined;
  }
  async write(files: { path: string; text: string }[]): Promise<void> {
    for (const f of files) this.ctr = this.c.withNewFile(`${WORKTREE}/${f.path}`, f.text);
  }
  tree(): Directory {
    return this.c.directory(WORKTREE);
  }
  async commit(paths: string[], message: string, author: Author): Promise<string> {
    this.ctr = commitContainer(this.c, paths, message, author);
    return (await this.c.withExec(gitArgv.head()).stdout()).trim();
  }
  async push(): Promise<{ status: PushStatus; detail: string }> {
    const pushed = pushContainer(this.c, this.remote.branch, this.nonce());
    const [code, out] = await Promise.all([pushed.exitCode(), pushed.combinedOutput()]);
    return { status: classifyPush(code, out), detail: out };
  }
}

/** Images of the validate stage, when the write-back validates with it (the module always does). */
export type ValidateImages = Pick<ValidateStageOptions, "helmImage" | "kubeconformImage" | "kustomizeImage" | "kubernetes" | "schemas" | "crdSchemas">;

/**
 * Validation of the edited tree before anything is pushed or returned: the write-back's own check
 * (each edited file re-parses; each written value is a valid tag/digest), then, when `images` are
 * given, the validate stage (helm lint/template, kubeconform, policy, Argo CD checks) on the whole
 * edited gitops tree, every environment. `root` is the gitops directory inside the tree.
 */
export function validateTree(
  images?: ValidateImages,
  root = "",
  stage: (o: ValidateStageOptions) => Promise<Pick<ValidateRun, "passed" | "summary">> = validateStage,
): (tree: Directory, changed: FileEdit[]) => Promise<{ ok: boolean; summary: string }> {
  return async (tree, changed) => {
    const own = await checkWritten(async (p) => ((await tree.exists(p)) ? tree.file(p).contents() : undefined), changed);
    if (!own.ok || !images) return own;
    const run = await stage({ ...images, gitops: root ? tree.directory(root) : tree });
    return { ok: run.passed(), summary: `${own.summary}; validate: ${run.summary()}` };
  };
}

/** What a bump or promote did. */
@object()
export class BumpResult {
  /** pushed, no-op (the branch already had these values), dry-run, or edited (local directory mode). */
  @func() status: string;
  /** The pushed commit; in dry-run and no-op the head the edits were computed on; "" in local mode. */
  @func() commit: string;
  /** Whether any file changed. */
  @func() changed: boolean;
  /** Unified diff of the edit ("" when nothing changed). */
  @func() diff: string;
  /** One line: what happened. */
  @func() summary: string;
  /** Validation summary of the edited tree. */
  @func() validation: string;
  /** Push attempts used (0 in local mode). */
  @func() attempts: number;
  /** The gitops directory as written (local mode: export it; remote mode: the pushed tree). */
  @func() directory: Directory;

  /**
   * @param status pushed, no-op, dry-run or edited.
   * @param commit The pushed commit, or the head the edits were computed on.
   * @param changed Whether any file changed.
   * @param diff Unified diff of the edit.
   * @param summary One line: what happened.
   * @param validation Validation summary of the edited tree.
   * @param attempts Push attempts used.
   * @param directory The gitops directory as written.
   */
  constructor(status: string, commit: string, changed: boolean, diff: string, summary: string, validation: string, attempts: number, directory: Directory) {
    this.status = status;
    this.commit = commit;
    this.changed = changed;
    this.diff = diff;
    this.summary = summary;
    this.validation = validation;
    this.attempts = attempts;
    this.directory = directory;
  }
}

/** Arguments shared by bump and promote (as the Dagger functions receive them). */
export interface WriteBackArgs {
  gitImage: string;
  /** Run the validate stage on the edited tree before pushing or returning it (omitted in plan tests). */
  validate?: ValidateImages;
  gitops?: Directory;
  repoUrl: string;
  branch: string;
  token?: Secret;
  sshKey?: Secret;
  sshKnownHosts: string;
  gitUser: string;
  gitopsPath: string;
  format: string;
  valuesPath: string;
  kustomizationPath: string;
  imageName: string;
  environments: string;
  authorName: string;
  authorEmail: string;
  maxAttempts: number;
  dryRun: boolean;
}

function layoutOf(a: WriteBackArgs, remote: boolean): Layout {
  if (a.format !== "helm" && a.format !== "kustomize") throw new InputError("format", `"${a.format}" is not helm or kustomize`, "pass helm or kustomize");
  return layout({ ...a, format: a.format, imageName: a.imageName || undefined, root: remote ? a.gitopsPath : "" });
}

/** Run `plan` on the local gitops directory (returned edited) or on the remote repository. */
export async function runWriteBack(a: WriteBackArgs, makePlan: (l: Layout) => WriteBackPlan): Promise<BumpResult> {
  const author = checkAuthor({ name: a.authorName, email: a.authorEmail });
  if (!a.repoUrl) {
    if (!a.gitops) throw new InputError("gitops", "no gitops directory and no repoUrl", "pass --gitops ./gitops, or --repo-url for a remote repository");
    let dir = a.gitops;
    const plan = makePlan(layoutOf(a, false));
    const read = async (p: string): Promise<string | undefined> => ((await dir.exists(p)) ? dir.file(p).contents() : undefined);
    const write = async (files: { path: string; text: string }[]): Promise<void> => {
      for (const f of files) dir = dir.withNewFile(f.path, f.text);
    };
    const p = await prepare(plan, read, write, () => dir, validateTree(a.validate));
    const status = p.changed.length === 0 ? "no-op" : a.dryRun ? "dry-run" : "edited";
    const summary = `${plan.stage}: ${status}${p.changed.length ? `: ${p.changed.map((f) => f.file).join(", ")}` : ""}`;
    return new BumpResult(status, "", p.changed.length > 0, p.diff, summary, p.validation, 0, a.dryRun ? a.gitops : dir);
  }
  const remote = checkRemote({ url: a.repoUrl, branch: a.branch, token: a.token, sshKey: a.sshKey, sshKnownHosts: a.sshKnownHosts, user: a.gitUser });
  const l = layoutOf(a, true);
  const port = new DaggerGitPort(a.gitImage, remote);
  const r = await writeBack(port, makePlan(l), { validate: validateTree(a.validate, l.root), author, dryRun: a.dryRun, maxAttempts: a.maxAttempts });
  const tree = l.root ? port.tree().directory(l.root) : port.tree();
  return new BumpResult(r.status, r.commit, r.diff !== "", r.diff, r.summary, r.validation, r.attempts, tree);
}

/** The bump: write a new image reference into one environment. */
export function bump(a: WriteBackArgs & { app: string; env: string; tag: string; digest: string; repository: string; appVersion: string; sourceCommit: string }): Promise<BumpResult> {
  const ref = { tag: a.tag, digest: a.digest || undefined, repository: a.repository || undefined, appVersion: a.appVersion || undefined };
  return runWriteBack(a, (l) => bumpPlan({ app: a.app, env: a.env, ref, layout: l, sourceCommit: a.sourceCommit || undefined }));
}

/** The promotion: copy one environment's image reference to the next. */
export function promote(a: WriteBackArgs & { app: string; from: string; to: string; sourceCommit: string }): Promise<BumpResult> {
  return runWriteBack(a, (l) => promotePlan({ app: a.app, from: a.from, to: a.to || undefined, layout: l, sourceCommit: a.sourceCommit || undefined }));
}
