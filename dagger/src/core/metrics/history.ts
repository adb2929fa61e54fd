/**
 * The gitops branch's history as the metrics read it: one `git log` with a fixed format, parsed
 * here. The only free text (the commit message) is the last field of each record, and records are
 * NUL-separated (`-z`; a commit message cannot hold a NUL), so no message can forge a field.
 */
import { checkBranch } from "../writeback/git.js";

/** Field separator inside one record (US, 0x1f). */
const US = "\x1f";

/** `git log` format: commit, parents, committer time (unix seconds), then the raw message. */
export const HISTORY_FORMAT = "%H%x1f%P%x1f%ct%x1f%B";

/** Most commits read: the newest ones of the branch (a bound on the output the shell holds in memory). */
export const HISTORY_MAX = 50_000;

/** One commit of the gitops branch. */
export interface Commit {
  sha: string;
  /** Parents, first parent first. */
  parents: string[];
  /** Committer time, unix seconds. */
  time: number;
  /** The whole commit message (subject, body, trailers). */
  message: string;
}

/**
 * The argv of the history read, run in the clone of the branch. `branch` is the remote-tracking
 * branch the clone holds (checked by git's ref rules before it goes into the argv).
 */
export function historyLogArgv(branch: string, max = HISTORY_MAX): string[] {
  return ["git", "log", "-z", `--format=${HISTORY_FORMAT}`, `--max-count=${max}`, `refs/remotes/origin/${checkBranch(branch)}`, "--"];
}

/**
 * Parse `git log -z --format=HISTORY_FORMAT` output. A record that does not have the fixed
 * fields (a truncated output) is left out and counted in `unreadable`.
 */
export function parseHistory(out: string): { commits: Commit[]; unreadable: number } {
  const commits: Commit[] = [];
  let unreadable = 0;
  for (const record of out.split("\0")) {
    const r = record.replace(/^\n/, ""); // git puts a newline between -z records of some formats
    if (r.trim() === "") continue;
    const [sha = "", parents = "", time = "", ...message] = r.split(US);
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha) || !/^\d+$/.test(time) || message.length === 0) {
      unreadable++;
      continue;
    }
    commits.push({ sha, parents: parents.split(" ").filter(Boolean), time: Number(time), message: message.join(US) });
  }
  return { commits, unreadable };
}

/**
 * When each commit reached the branch, and in which order: a commit on the first-parent chain
 * landed at its own committer time; a commit a merge brought in (pull-request mode) landed when
 * that merge did. Computed from the parent graph alone, so the order of `commits` does not matter.
 * `order` increases along the branch (ties of equal times are broken by it).
 */
export function landing(commits: Commit[]): Map<string, { time: number; order: number }> {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const isParent = new Set(commits.flatMap((c) => c.parents));
  // The tip: the commit nobody here names as parent (the newest one if a partial read left several).
  const tips = commits.filter((c) => !isParent.has(c.sha)).sort((a, b) => b.time - a.time || (a.sha < b.sha ? -1 : 1));
  const chain: Commit[] = [];
  const onChain = new Set<string>();
  for (let c = tips[0]; c && !onChain.has(c.sha); c = c.parents[0] ? bySha.get(c.parents[0]) : undefined) {
    chain.push(c);
    onChain.add(c.sha);
  }
  chain.reverse();
  const landed = new Map<string, { time: number; order: number }>();
  let order = 0;
  for (const c of chain) {
    // What this merge brought in: ancestors through its other parents not yet landed, oldest first.
    const brought: Commit[] = [];
    const seen = new Set<string>();
    const todo = c.parents.slice(1);
    while (todo.length) {
      const s = todo.pop()!;
      const x = bySha.get(s);
      if (!x || landed.has(s) || onChain.has(s) || seen.has(s)) continue;
      seen.add(s);
      brought.push(x);
      todo.push(...x.parents);
    }
    brought.sort((a, b) => a.time - b.time || (a.sha < b.sha ? -1 : 1));
    for (const x of brought) landed.set(x.sha, { time: c.time, order: order++ });
    landed.set(c.sha, { time: c.time, order: order++ });
  }
  // Commits off the read chain (a cut history): their own time, after everything ordered above.
  const rest = commits.filter((c) => !landed.has(c.sha)).sort((a, b) => a.time - b.time || (a.sha < b.sha ? -1 : 1));
  for (const c of rest) landed.set(c.sha, { time: c.time, order: order++ });
  return landed;
}
