/**
 * Rollback: set an environment back to an earlier image reference, found in the git history of
 * the file that holds it (the image deployed before the current one), or read at a named
 * revision of the gitops repository. The write itself is an ordinary write-back plan, so it goes
 * through the same validate / commit / push-with-retry path (or pull request) as a bump.
 *
 * "Previous" means the newest reference in the file's history that differs from the current one:
 * rolling back twice in a row therefore goes back to where the first rollback started (as a
 * revert of a revert would), which is what an operator undoing their own rollback expects.
 */
import { InputError } from "../errors.js";
import { envFile, imageString, readImageRef, readLayout, refEdits, type Layout, type LayoutSource } from "./layout.js";
import type { ImageRef } from "./image-ref.js";
import { requireFile, type Reader, type WriteBackPlan } from "./loop.js";
import { editYaml } from "./yaml-edit.js";
import { guardRollback } from "./cas.js";

/** Most commits of the file's history read before giving up (each is one `git show`). */
export const HISTORY_DEPTH = 50;

/** A revision name `git rev-parse` may resolve: a sha, branch, tag, HEAD~2... never an option or a range. */
export const REVISION = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/~^@{}-]{1,200}$/;

/** The git history a rollback reads (the clone of the gitops repository's branch). */
export interface History {
  /** Commits that changed `path` on the branch, newest first, at most `max`. */
  log(path: string, max: number): Promise<string[]>;
  /** `path` as it was at `commit`, or undefined when it did not exist there. */
  readAt(commit: string, path: string): Promise<string | undefined>;
  /** The commit `revision` names, or undefined when it names none. */
  resolve(revision: string): Promise<string | undefined>;
}

/** The git argv of the history reads (run in the write-back's git image, and by the contract tests). */
export const historyArgv = {
  log: (path: string, max: number): string[] => ["git", "log", "--format=%H", `--max-count=${max}`, "--", path],
  show: (commit: string, path: string): string[] => ["git", "show", `${checkRevision(commit, "commit")}:${path}`],
  resolve: (revision: string): string[] => ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", `${checkRevision(revision)}^{commit}`],
};

/** Check a revision name before it goes into an argv. */
export function checkRevision(rev: string, arg = "to"): string {
  if (!REVISION.test(rev))
    throw new InputError(arg, `"${rev}" is not a revision name`, "pass a commit sha, a tag or a branch of the gitops repository, e.g. 3f2c1ab or HEAD~1");
  return rev;
}

/** Same image: repository, tag and digest (appVersion follows the tag). */
export const sameImage = (a: ImageRef, b: ImageRef): boolean => a.tag === b.tag && a.digest === b.digest && (a.repository ?? "") === (b.repository ?? "");

/** What a rollback restores, and from where. */
export interface RollbackTarget {
  environment: string;
  /** The file holding the environment's image reference. */
  file: string;
  current: ImageRef;
  target: ImageRef;
  /** The gitops commit at which the file held `target`. */
  from: string;
}

/**
 * Find what `env` rolls back to. `read` reads the branch head; `to` names a revision to take the
 * reference from ("" for the one deployed before the current). Throws an InputError naming the
 * environment or revision when there is nothing to roll back to.
 */
export async function findRollbackTarget(a: {
  env: string;
  source: LayoutSource;
  read: Reader;
  history: History;
  to?: string;
  depth?: number;
}): Promise<RollbackTarget> {
  const l = await readLayout(a.read, a.source);
  const file = await envFile(l, a.env, a.read);
  const current = readImageRef(l, file, await requireFile(a.read, file));
  if (!current) throw new InputError("environment", `${a.env} has no image tag in ${file}: nothing to roll back`, "bump the environment first");
  if (a.to) {
    const commit = await a.history.resolve(checkRevision(a.to));
    if (!commit)
      throw new InputError("to", `"${a.to}" names no commit of the gitops branch`, "pass a commit sha, tag or branch that exists in the gitops repository");
    const text = await a.history.readAt(commit, file);
    const target = text === undefined ? undefined : readImageRef(l, file, text);
    if (!target)
      throw new InputError("to", `${file} has no image tag at ${a.to} (${commit.slice(0, 12)})`, "pass a revision at which the environment was deployed");
    return { environment: a.env, file, current, target, from: commit };
  }
  const depth = a.depth ?? HISTORY_DEPTH;
  const commits = await a.history.log(file, depth);
  for (const commit of commits) {
    const text = await a.history.readAt(commit, file);
    if (text === undefined) break; // the file did not exist before: history of this environment ends here
    const ref = readImageRef(l, file, text);
    if (ref && !sameImage(ref, current)) return { environment: a.env, file, current, target: ref, from: commit };
  }
  const looked = commits.length >= depth ? `the last ${depth} commits of ${file}` : `the history of ${file} (${commits.length} commit(s))`;
  throw new InputError(
    "environment",
    `${a.env} has no earlier image than ${imageString(current)} in ${looked}: no previous revision to roll back to`,
    "pass --to with a gitops revision to restore, or bump the environment to the image you want",
  );
}

/** The one-line-safe commit message of a rollback. */
export function rollbackMessage(m: { app: string; env: string; current: ImageRef; target: ImageRef; from: string }): string {
  return [
    `revert(deploy): ${m.app} ${m.env} → ${m.target.tag}`,
    "",
    `Image: ${imageString(m.target)}`,
    `Rolled-Back-From: ${imageString(m.current)}`,
    `Restores: ${m.from}`,
    "",
  ].join("\n");
}

/**
 * The rollback plan: write `t.target` (repository, tag, digest, appVersion as they were) into the
 * environment's file, at a head where the environment still deploys `t.current` (the reference
 * the target was chosen against); anything else is refused, naming both. A digest the old
 * reference did not pin is cleared, as a bump without a digest clears it.
 */
export function rollbackPlan(t: RollbackTarget, source: LayoutSource, app = ""): WriteBackPlan {
  let name = app;
  const ref = {
    tag: t.target.tag,
    digest: t.target.digest,
    ...(t.target.repository ? { repository: t.target.repository } : {}),
    ...(t.target.appVersion ? { appVersion: t.target.appVersion } : {}),
  };
  return {
    stage: "rollback",
    environment: t.environment,
    edits: async (read: Reader) => {
      const l: Layout = await readLayout(read, source);
      name ||= l.release;
      const file = await envFile(l, t.environment, read);
      const text = await requireFile(read, file);
      // Compare-and-set: write only over the reference the target was chosen against (cas.ts).
      guardRollback({ env: t.environment, chosenAgainst: t.current, current: readImageRef(l, file, text), target: t.target });
      return [editYaml(file, text, refEdits(l, file, text, ref))];
    },
    message: () => rollbackMessage({ app: name, env: t.environment, current: t.current, target: t.target, from: t.from }),
  };
}
