/**
 * GitOps write-back stage: bump and promote. Builds the git containers from the core's argv and
 * drives the core's `writeBack` loop through a Dagger `GitPort`; the loop itself lives in
 * core/writeback.ts and is the same code the contract tests run with the git CLI.
 *
 * Pull-request mode (with-pull-request) runs the core's `proposeWriteBack` over the same port:
 * the proposal branch is fetched and lease-pushed by the git containers; the forge API is called
 * from the module runtime (pull-request.ts).
 *
 * The git containers and how credentials reach git are in git.ts (shared with history and metrics);
 * the validate stage the gate runs is handed in (WriteBackTarget.validateStage).
 */
import { randomUUID } from "node:crypto";
import { Container, Directory } from "@dagger.io/dagger";
import type { Format } from "../core/writeback/layout.js";
import { StageError } from "../core/errors.js";
import { oneLine } from "../core/run.js";
import { writeBackReport } from "../core/writeback/report.js";
import { Run } from "../run.js";
import { classifyPush, gitArgv, parseLog, parseLsRemote, type Author, type CommitInfo, type PushStatus } from "../core/writeback/git.js";
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
import type { ValidateStageOptions } from "../validate/containers.js";
import {
  cloneContainer,
  commitContainer,
  fetchContainer,
  gitContainer,
  gitFailure,
  branchFetchContainer,
  leasePushContainer,
  pushContainer,
  readWorktree,
  ALLOWED_SIGNERS_PATH,
  CACHE_BUST_ENV,
  WORKTREE,
  type GitRemote,
} from "./git.js";
import { readText } from "../core/writeback/text.js";
import { readSecret } from "../core/secret.js";
import { signatureArgv } from "../core/writeback/commit-signing.js";
import { signedHeadCheck } from "../core/writeback/signed-head.js";

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
export async function treeCheck(images: ValidateImages, gitops: Directory, stage: ValidateStageFn): Promise<TreeCheck> {
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
export function validateTree(images: ValidateImages | undefined, root: string, stage: ValidateStageFn, allowShared = false): Validate<Directory> {
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
  /** The validate stage the gate runs (handed in by the caller, so this stage imports no other stage). */
  validateStage: ValidateStageFn;
  /** Propose the change as a pull / merge request instead of pushing to the branch (with-pull-request). */
  pullRequest?: PullRequestTarget;
  /** Proceed when the edit changes other environments' renderings too (a shared values file); they are named in the report and the commit. */
  allowShared?: boolean;
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
      const p = await prepare(plan, read, write, () => dir, validateTree(t.validate, "", t.validateStage, t.allowShared));
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
  const opts = { validate: validateTree(t.validate, t.root, t.validateStage, t.allowShared), author: t.author, dryRun, maxAttempts: t.maxAttempts, checkHead };
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
