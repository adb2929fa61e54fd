/**
 * The gitops repository's history as a rollback reads it: one clone of the branch (full history
 * of that branch, no tags), then `git log` / `git show` / `git rev-parse` on it, with the core's
 * argv. Separate from the write-back's own clone: finding the target only reads, and the
 * write-back then syncs to the newest head as every write-back does.
 */
import { randomUUID } from "node:crypto";
import { ReturnType, type Container } from "@dagger.io/dagger";
import { historyArgv, type History } from "../core/writeback/rollback.js";
import { cloneContainer, gitContainer, readWorktree, type GitRemote } from "./git.js";

/** `git log` of one path on the clone. */
export const logContainer = (clone: Container, path: string, max: number): Container => clone.withExec(historyArgv.log(path, max));
/** `git show commit:path`; the exit code is read (a path absent at that commit is not an error). */
export const showContainer = (clone: Container, commit: string, path: string): Container =>
  clone.withExec(historyArgv.show(commit, path), { expect: ReturnType.Any });
/** `git rev-parse` of a revision; the exit code is read (an unknown revision is an answer, not an error). */
export const resolveContainer = (clone: Container, revision: string): Container => clone.withExec(historyArgv.resolve(revision), { expect: ReturnType.Any });

/** History over a clone made in the write-back's git image with the remote's credentials. */
export class DaggerHistory implements History {
  private readonly clone: Container;
  constructor(image: string, remote: GitRemote) {
    this.clone = cloneContainer(gitContainer(image, remote), remote, randomUUID());
  }
  /** The clone's container: the head's files are read from it. */
  get container(): Container {
    return this.clone;
  }
  read(path: string): Promise<string | undefined> {
    return readWorktree(this.clone, path);
  }
  async log(path: string, max: number): Promise<string[]> {
    const out = await logContainer(this.clone, path, max).stdout();
    return out
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
  }
  async readAt(commit: string, path: string): Promise<string | undefined> {
    const c = showContainer(this.clone, commit, path);
    return (await c.exitCode()) === 0 ? c.stdout() : undefined;
  }
  async resolve(revision: string): Promise<string | undefined> {
    const c = resolveContainer(this.clone, revision);
    return (await c.exitCode()) === 0 ? (await c.stdout()).trim() || undefined : undefined;
  }
}
