/**
 * Gitops histories for the metrics tests: a list of steps (bump, promote, rollback, fix) with
 * known times becomes the commits the write-back would have made, their messages written by the
 * write-back's own message functions. The steps are the ground truth the tests compare with.
 */
import { commitMessage } from "../../dagger/src/core/writeback/git.js";
import { rollbackMessage } from "../../dagger/src/core/writeback/rollback.js";
import { imageString } from "../../dagger/src/core/writeback/layout.js";
import type { Commit } from "../../dagger/src/core/metrics/history.js";

/** One thing the team did. `time` is when it landed (unix seconds). */
export type Step =
  | { kind: "bump"; app: string; env: string; time: number; tag: string; sourceTime?: number; fix?: boolean }
  | { kind: "promote"; app: string; env: string; from: string; time: number }
  | { kind: "rollback"; app: string; env: string; time: number };

/** A commit id from a number (40 hex digits). */
export const shaOf = (n: number, salt = 0): string => (n * 2654435761 + salt).toString(16).padStart(40, "0").slice(-40);

const REPO = "registry.example.com/acme";
const iso = (s: number): string => new Date(s * 1000).toISOString().replace(".000Z", "Z");

/**
 * The commits of `steps` on one linear branch (in the order given), and what each environment
 * deployed after each step. Throws on a step that cannot happen (a rollback with nothing before).
 */
export function commitsOf(steps: Step[], o: { salt?: number } = {}): Commit[] {
  const deployed = new Map<string, { tag: string }[]>(); // app/env → images deployed, oldest first
  const commits: Commit[] = [];
  steps.forEach((s, i) => {
    const k = `${s.app}/${s.env}`;
    const list = deployed.get(k) ?? [];
    const current = list.at(-1);
    let message: string;
    if (s.kind === "bump") {
      message = commitMessage({
        app: s.app,
        env: s.env,
        tag: s.tag,
        image: imageString({ repository: `${REPO}/${s.app}`, tag: s.tag }),
        sourceCommit: shaOf(i, 7),
        ...(s.sourceTime !== undefined ? { sourceCommitTime: iso(s.sourceTime) } : {}),
        ...(s.fix ? { fixes: current ? imageString({ repository: `${REPO}/${s.app}`, tag: current.tag }) : "unknown" } : {}),
      });
      list.push({ tag: s.tag });
    } else if (s.kind === "promote") {
      const from = deployed.get(`${s.app}/${s.from}`)?.at(-1);
      if (!from) throw new Error(`step ${i}: nothing to promote from ${s.from}`);
      message = commitMessage({
        app: s.app,
        env: s.env,
        tag: from.tag,
        image: imageString({ repository: `${REPO}/${s.app}`, tag: from.tag }),
        promotedFrom: s.from,
      });
      list.push({ tag: from.tag });
    } else {
      // The write-back's rollback: back to the newest earlier image that differs from the current one.
      const target = [...list].reverse().find((x) => x.tag !== current?.tag);
      if (!current || !target) throw new Error(`step ${i}: nothing to roll back in ${k}`);
      message = rollbackMessage({
        app: s.app,
        env: s.env,
        current: { repository: `${REPO}/${s.app}`, tag: current.tag, digest: "" },
        target: { repository: `${REPO}/${s.app}`, tag: target.tag, digest: "" },
        from: shaOf(i, 3),
      });
      list.push({ tag: target.tag });
    }
    deployed.set(k, list);
    commits.push({ sha: shaOf(i + 1, o.salt ?? 0), parents: i === 0 ? [] : [commits[i - 1]!.sha], time: s.time, message });
  });
  return commits;
}

/** `git log -z --format=%H%x1f%P%x1f%ct%x1f%B` output of `commits` (newest first), as git prints it. */
export function logOutput(commits: Commit[]): string {
  return [...commits]
    .reverse()
    .map((c) => `${c.sha}\x1f${c.parents.join(" ")}\x1f${c.time}\x1f${c.message}`)
    .join("\0");
}
