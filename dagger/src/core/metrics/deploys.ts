/**
 * The deploy events of a gitops history: the commits the write-back made (bump, promote,
 * rollback), read from their subject and trailers (core/writeback/git.ts, rollback.ts, loop.ts).
 * Any other commit is not a deploy: the metrics never guess one from a diff.
 */
import { landing, type Commit } from "./history.js";

/** What a deploy commit did. */
export type DeployKind = "bump" | "promote" | "rollback";

/** One deploy of an app to an environment, as the history records it. */
export interface DeployEvent {
  /** The gitops commit. */
  sha: string;
  app: string;
  environment: string;
  kind: DeployKind;
  tag: string;
  /** `Image:` trailer (repository:tag@digest), when recorded. */
  image?: string;
  /** When it reached the branch Argo CD watches (unix seconds; a merge's time in pull-request mode). */
  time: number;
  /** Position on the branch (ties of equal times). */
  order: number;
  /** `Source-Commit:` trailer ("unknown" left out). */
  sourceCommit?: string;
  /** `Source-Commit-Time:` trailer, unix seconds. */
  sourceTime?: number;
  /** Promotions: the environment promoted from. */
  promotedFrom?: string;
  /** The image this deploy replaced, when the commit names it (`Rolled-Back-From:` of a rollback, `Fixes:` of a fix). */
  replaced?: string;
  /** A bump made to repair the deploy it replaced (`Fixes:` trailer). */
  fix: boolean;
  /** Deployed through another environment's commit (its `Also-Deploys:` trailer: a shared values file). */
  shared: boolean;
}

/** Subject of a write-back commit: `chore(deploy): <app> <env> → <tag>` or `revert(deploy): …` for a rollback. */
const SUBJECT = /^(chore|revert)\(deploy\): (\S+) (\S+) → (\S+)$/;
/** A trailer line: `Key: value`. */
const TRAILER = /^([A-Za-z][A-Za-z0-9-]*): (.*)$/;
/** ISO 8601 date-time with seconds and an offset, as `git log --format=%cI` prints it. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** The trailers of a message (first occurrence of each key; keys compared case-insensitively). */
export function trailers(message: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = message.split("\n").slice(1);
  for (const line of lines) {
    const m = TRAILER.exec(line.trimEnd());
    if (m && !out.has(m[1]!.toLowerCase())) out.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return out;
}

/** Unix seconds of an ISO 8601 time, or undefined when it is not one. */
export function isoSeconds(value: string | undefined): number | undefined {
  if (!value || !ISO_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

/** What reading the history found besides the deploys (the report's notes are made from it). */
export interface HistoryReading {
  events: DeployEvent[];
  /** Commits read. */
  commits: number;
  /** Deploy commits whose Source-Commit-Time trailer is present but not an ISO 8601 time. */
  badTimes: string[];
}

/** The deploy events of `commits` (any order), oldest first along the branch. */
export function deployEvents(commits: Commit[]): HistoryReading {
  const landed = landing(commits);
  const events: DeployEvent[] = [];
  const badTimes: string[] = [];
  for (const c of commits) {
    const subject = c.message.split("\n", 1)[0]!.trim();
    const s = SUBJECT.exec(subject);
    if (!s) continue;
    const t = trailers(c.message);
    const at = landed.get(c.sha)!;
    const rawTime = t.get("source-commit-time");
    const sourceTime = isoSeconds(rawTime);
    if (rawTime !== undefined && sourceTime === undefined) badTimes.push(c.sha);
    const source = t.get("source-commit");
    const kind: DeployKind = s[1] === "revert" ? "rollback" : t.has("promoted-from") ? "promote" : "bump";
    const replaced = kind === "rollback" ? t.get("rolled-back-from") : t.get("fixes");
    const base: DeployEvent = {
      sha: c.sha,
      app: s[2]!,
      environment: s[3]!,
      kind,
      tag: s[4]!,
      ...(t.get("image") ? { image: t.get("image")! } : {}),
      time: at.time,
      order: at.order,
      ...(source && source !== "unknown" ? { sourceCommit: source } : {}),
      ...(sourceTime !== undefined ? { sourceTime } : {}),
      ...(kind === "promote" ? { promotedFrom: t.get("promoted-from")! } : {}),
      ...(replaced ? { replaced } : {}),
      fix: kind !== "rollback" && t.has("fixes"),
      shared: false,
    };
    events.push(base);
    // A shared values file deployed the same image to these environments too (`Also-Deploys: dev, qa (shared values file)`).
    const also = t.get("also-deploys")?.replace(/\s*\(.*\)\s*$/, "");
    for (const env of also ? also.split(",").map((e) => e.trim()) : []) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(env) || env === base.environment) continue;
      const { replaced: _replaced, promotedFrom: _from, ...rest } = base;
      events.push({ ...rest, environment: env, shared: true, fix: false, kind: kind === "rollback" ? "rollback" : "bump" });
    }
  }
  events.sort((a, b) => a.order - b.order || (a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0));
  return { events, commits: commits.length, badTimes };
}
