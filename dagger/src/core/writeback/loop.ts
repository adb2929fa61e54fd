/**
 * The GitOps write-back loop: sync to the branch head, edit, validate, commit, push; when the
 * push loses a race, fetch the new head and do it all again on top of it.
 *
 * This is the only implementation of the loop. The Dagger stage and the contract tests differ
 * only in the `GitPort` they pass (containers from the git image vs the git CLI on a temp dir).
 */
import { InputError, StageError } from "../errors.js";
import type { Author, PushStatus } from "./git.js";
import type { Finding } from "../findings.js";
import { invalidValue } from "./image-ref.js";
import { readScalars, type FileEdit } from "./yaml-edit.js";

/** A git work tree the loop drives. `Tree` is what validation reads (a Directory, a path...). */
export interface GitPort<Tree> {
  /** Bring the work tree to the remote branch head (clone, or fetch + hard reset); return the head commit. */
  sync(): Promise<string>;
  /** A file of the work tree, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Write files into the work tree. */
  write(files: { path: string; text: string }[]): Promise<void>;
  /** The work tree, as validation reads it. */
  tree(): Tree;
  /** Stage `paths`, commit with `message` as `author`; return the new commit. */
  commit(paths: string[], message: string, author: Author): Promise<string>;
  /** Push HEAD to the branch; `detail` is git's output (never holds credentials). */
  push(): Promise<{ status: PushStatus; detail: string }>;
}

/** What validating an edited tree found. */
export interface TreeValidation {
  ok: boolean;
  summary: string;
  /** The validate stage's findings, when it ran (with the gate: the ones that block). */
  findings?: Finding[];
  /** The gate: rendered manifest diff per rendering key (environment), errors already there before the edit, other environments the edit changes. */
  renderedDiff?: Record<string, string>;
  preExisting?: Finding[];
  alsoChanged?: string[];
}

/** Check of an edited tree. */
export type CheckEdited<Tree> = (tree: Tree, changed: FileEdit[]) => Promise<TreeValidation>;

/**
 * Validation of an edited tree (the validate stage). Nothing is pushed unless `ok`. With
 * `before`, the write-back gate: the tree is seen before the edit is written, and the check it
 * returns judges the edited tree against it.
 */
export type Validate<Tree> = CheckEdited<Tree> & { before?: (tree: Tree, edit: { environment: string; changed: FileEdit[] }) => Promise<CheckEdited<Tree>> };

/** The edited tree failed validation: nothing was written or pushed. */
export class ValidationFailed extends StageError {
  constructor(
    stage: string,
    summary: string,
    /** What the validation found. */
    readonly findings: Finding[],
    /** The edit that was refused, and what it would have changed in the renderings: a failed run still shows them. */
    readonly diff = "",
    readonly validation?: TreeValidation,
  ) {
    super(stage, summary);
  }
}

/** Reads a file of the current head (undefined when absent). */
export type Reader = (path: string) => Promise<string | undefined>;

/** What to write: recomputed against every head the loop syncs to. */
export interface WriteBackPlan {
  /** Stage name for errors: bump or promote. */
  stage: string;
  /**
   * The environment the edits write (a pull request is proposed on `<branchPrefix><environment>`).
   * A plan may know it only once `edits` ran (promote's default target): read it after edits.
   */
  readonly environment: string;
  /** The edited files (changed or not) for the head `read` sees. */
  edits(read: Reader): Promise<FileEdit[]>;
  /** The commit message for these edits. */
  message(edits: FileEdit[]): string;
}

export interface WriteBackOptions<Tree> {
  validate: Validate<Tree>;
  author: Author;
  /** Return the diff without committing or pushing. */
  dryRun?: boolean;
  /**
   * Pushes lost with nobody else landing before giving up (default 6). A push lost to a commit
   * another writer landed meanwhile (contention) does not count, so the budget grows with the
   * number of concurrent writers, up to ATTEMPTS_PER_BUDGET × maxAttempts pushes in all.
   */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt, with jitter (default 250 ms, cap 8 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called after each attempt, for logs. */
  onAttempt?: (attempt: number, outcome: string) => void;
  /** Checked on every head synced to, before anything is edited (signed commits: commit-signing.ts); throws to refuse. */
  checkHead?: (head: string) => Promise<unknown>;
}

export interface WriteBackResult {
  /** pushed: a commit landed; no-op: the branch already had these values; dry-run: nothing pushed. */
  status: "pushed" | "no-op" | "dry-run";
  /** The pushed commit, or the head the edits were computed on. */
  commit: string;
  attempts: number;
  diff: string;
  files: FileEdit[];
  validation: string;
  summary: string;
  /** The gate's rendered diff, pre-existing errors and other environments changed, when it ran. */
  gate?: Pick<TreeValidation, "renderedDiff" | "preExisting" | "alsoChanged">;
}

/** Pushes in all, per unit of maxAttempts: the default 6 allows 60, enough for 20+ concurrent writers. */
export const ATTEMPTS_PER_BUDGET = 10;

/**
 * Git's reason for a failed or rejected push, from `git push --porcelain` output: the refused
 * ref's status (`[rejected] (fetch first)`, `[remote rejected] (pre-receive hook declined)`), the
 * server's `remote:` lines and `fatal:` / `error:` lines, never the `hint:` lines advice.
 */
export function pushReason(detail: string): string {
  const lines = detail
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const refused = lines.filter((l) => l.startsWith("!")).map((l) => l.split("\t").slice(2).join(" ").trim() || l.slice(1).trim());
  const remote = lines
    .filter((l) => /^remote:/.test(l))
    .map((l) => l.replace(/^remote:\s*/, ""))
    .filter(Boolean);
  const errors = lines.filter((l) => /^(fatal|error):/.test(l) && !/failed to push some refs/.test(l));
  const why = [...refused, ...remote, ...errors];
  if (why.length) return why.join("; ");
  return lines.filter((l) => !/^(hint:|To |Done$)/.test(l)).at(-1) ?? "no output";
}

/** A wait of `base * 2^(attempt-1)`, capped, with "equal jitter" so racing writers spread out. */
export function backoffMs(attempt: number, base: number, cap: number, random: () => number): number {
  const exp = Math.min(cap, base * 2 ** (attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/** Read every file a plan needs and apply its edits; a missing file is an InputError. */
export const requireFile = async (read: Reader, path: string): Promise<string> => {
  const text = await read(path);
  if (text === undefined) throw new InputError(path, "does not exist at the branch head", "check the path template and the branch");
  return text;
};

/** Edit, validate and (when not a no-op) return the changed files. Shared by the local and remote modes. */
export async function prepare<Tree>(
  plan: WriteBackPlan,
  read: Reader,
  write: (files: { path: string; text: string }[]) => Promise<void>,
  tree: () => Tree,
  validate: Validate<Tree>,
): Promise<{ files: FileEdit[]; changed: FileEdit[]; diff: string; validation: string; gate?: WriteBackResult["gate"] }> {
  const files = await plan.edits(read);
  const changed = files.filter((f) => f.changed);
  const diff = changed.map((f) => f.diff).join("");
  if (changed.length === 0) return { files, changed, diff, validation: "nothing to validate: no change" };
  // The gate sees the tree before the edit is written.
  const check = validate.before ? await validate.before(tree(), { environment: plan.environment, changed }) : validate;
  await write(changed.map((f) => ({ path: f.file, text: f.after })));
  const v = await check(tree(), changed);
  if (!v.ok) throw new ValidationFailed(plan.stage, `validation of the edited tree failed, nothing was pushed: ${v.summary}`, v.findings ?? [], diff, v);
  const gate = v.renderedDiff ? { gate: { renderedDiff: v.renderedDiff, preExisting: v.preExisting ?? [], alsoChanged: v.alsoChanged ?? [] } } : {};
  return { files, changed, diff, validation: v.summary, ...gate };
}

/** The commit message, naming every other environment the edit deploys to (a shared values file, allowed by the caller). */
export function gatedMessage(message: string, alsoChanged: string[] = []): string {
  return alsoChanged.length ? `${message.trimEnd()}\nAlso-Deploys: ${alsoChanged.join(", ")} (shared values file)\n` : message;
}

/**
 * The write-back's own check of an edited tree: each edited file, read back from the tree, is
 * exactly what was written, re-parses, and holds valid values at the edited paths. The validate
 * stage (helm/kubeconform/policy) runs on top of this where it is wired in.
 */
export async function checkWritten(read: Reader, changed: FileEdit[]): Promise<{ ok: boolean; summary: string }> {
  const problems: string[] = [];
  for (const f of changed) {
    const text = await read(f.file);
    if (text !== f.after) {
      problems.push(`${f.file}: content differs from what was written`);
      continue;
    }
    const written = f.outcomes.filter((x) => x.changed);
    try {
      const values = readScalars(f.file, text, written);
      written.forEach((o, i) => {
        const v = values[i] ?? "";
        const bad = invalidValue(o.kind, v) ?? (v === o.to ? undefined : `reads back as "${v}", not "${o.to}"`);
        if (bad) problems.push(`${f.file}: ${o.path}: ${bad}`);
      });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const n = changed.reduce((k, f) => k + f.outcomes.filter((o) => o.changed).length, 0);
  return problems.length
    ? { ok: false, summary: problems.join("; ") }
    : { ok: true, summary: `${changed.length} edited file(s) re-parse; ${n} written value(s) are valid` };
}

/**
 * Run the write-back loop over `port`. Throws InputError / StageError; never pushes an invalid tree.
 *
 * Every attempt re-plans on the head it synced to (the plans compare what they replace there:
 * cas.ts), and a push lands only on that head (no force): what reports `pushed` is on the branch,
 * on top of everything pushed before it, and history stays linear.
 */
export async function writeBack<Tree>(port: GitPort<Tree>, plan: WriteBackPlan, opts: WriteBackOptions<Tree>): Promise<WriteBackResult> {
  const max = opts.maxAttempts ?? 6;
  if (!Number.isInteger(max) || max < 1 || max > 50)
    throw new InputError("attempts", `${max} is out of range`, "pass with-max-attempts --attempts from 1 to 50");
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  const cap = max * ATTEMPTS_PER_BUDGET;
  let lastReason = "";
  let lostBase: string | undefined; // the head our last lost push was made on
  let contended = 0; // lost pushes after which the branch had moved: another writer landed
  for (let attempt = 1; ; attempt++) {
    const head = await port.sync();
    await opts.checkHead?.(head);
    if (lostBase !== undefined && head !== lostBase) contended++;
    if (attempt > max + contended || attempt > cap) {
      const lost = attempt - 1;
      throw new StageError(
        plan.stage,
        `push rejected ${lost} times (${contended} of them to commits other writers landed meanwhile): others keep pushing to the branch. Nothing of this write-back landed; run it again or raise maxAttempts. Last: ${lastReason}`,
      );
    }
    const p = await prepare(plan, port.read.bind(port), port.write.bind(port), () => port.tree(), opts.validate);
    const paths = p.changed.map((f) => f.file);
    if (p.changed.length === 0) {
      opts.onAttempt?.(attempt, "no-op");
      return {
        status: "no-op",
        commit: head,
        attempts: attempt,
        diff: "",
        files: p.files,
        validation: p.validation,
        summary: `${plan.stage}: no change at ${head.slice(0, 12)}: the branch already has these values; nothing committed`,
      };
    }
    if (opts.dryRun) {
      opts.onAttempt?.(attempt, "dry-run");
      return {
        status: "dry-run",
        commit: head,
        attempts: attempt,
        diff: p.diff,
        files: p.files,
        validation: p.validation,
        ...(p.gate ? { gate: p.gate } : {}),
        summary: `${plan.stage}: dry run on ${head.slice(0, 12)}: would change ${paths.join(", ")}; nothing pushed`,
      };
    }
    const commit = await port.commit(paths, gatedMessage(plan.message(p.changed), p.gate?.alsoChanged), opts.author);
    const push = await port.push();
    opts.onAttempt?.(attempt, push.status);
    if (push.status === "pushed") {
      const retried = attempt > 1 ? ` after ${attempt - 1} rejected push(es)` : "";
      return {
        status: "pushed",
        commit,
        attempts: attempt,
        diff: p.diff,
        files: p.files,
        validation: p.validation,
        ...(p.gate ? { gate: p.gate } : {}),
        summary: `${plan.stage}: pushed ${commit.slice(0, 12)} changing ${paths.join(", ")}${retried}`,
      };
    }
    if (push.status === "failed") throw new StageError(plan.stage, `push failed (not a race; not retried): ${pushReason(push.detail)}`);
    lastReason = pushReason(push.detail);
    lostBase = head;
    await sleep(backoffMs(Math.min(attempt, 16), opts.baseDelayMs ?? 250, opts.maxDelayMs ?? 8000, random));
  }
}
