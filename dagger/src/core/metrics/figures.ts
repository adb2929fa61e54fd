/**
 * The four delivery figures (DORA) per app and environment, from the deploy events of the gitops
 * history alone:
 *
 * - deployment frequency: bumps and promotions that landed in the window, per day and per week
 *   (rollbacks are counted apart: they restore, they do not deliver a change);
 * - lead time for changes: source commit time (`Source-Commit-Time:`, or the promoted image's
 *   deploy in the environment it came from) → the deploy commit landing on the branch;
 * - change failure rate: deploys of the window replaced by a rollback or a fix (`Fixes:`)
 *   within the failure window, over the deploys of the window;
 * - time to restore: from a failed deploy landing to the rollback or fix that replaced it landing.
 *
 * Events after `until` are not read (the figures of a past window do not change later).
 */
import type { DeployEvent } from "./deploys.js";

/** What the figures are computed over. */
export interface MetricsWindow {
  /** Start, unix seconds (exclusive). */
  since: number;
  /** End, unix seconds (inclusive). */
  until: number;
  /** A rollback or fix later than this many seconds after a deploy does not make it a failure. */
  failureWindow: number;
}

/** A median and how many values it was taken over. */
export interface Durations {
  /** Median in seconds; null when there is no value. */
  medianSeconds: number | null;
  samples: number;
}

/** The figures of one app in one environment. */
export interface GroupFigures {
  app: string;
  environment: string;
  /** Bumps and promotions in the window (shared-values deploys included). */
  deployments: number;
  deploymentsPerDay: number;
  deploymentsPerWeek: number;
  rollbacks: number;
  fixes: number;
  /** Source commit → deploy landing. `missing`: deploys of the window without a known source time. */
  leadTime: Durations & { missing: number };
  /** Deploys of the window replaced by a rollback or fix within the failure window. */
  failures: number;
  /** failures / deployments; null without deployments. */
  changeFailureRate: number | null;
  /** Failed deploy landing → the restoring rollback or fix landing. */
  timeToRestore: Durations;
  /** Rollbacks and fixes that made no failure: too late, replacing a rollback, or naming another image than the deploy they replaced. */
  unattributed: number;
  /** Deploy commits of the window that record no source commit time. */
  noSourceTime: number;
  /** Source times after the deploy (clock skew): left out of the lead time. */
  skewed: number;
}

/** One deploy of the window and whether it failed (the chart's input). */
export interface DeployOutcome {
  app: string;
  environment: string;
  time: number;
  failed: boolean;
}

/** Median of numbers (mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const isChange = (e: DeployEvent): boolean => e.kind !== "rollback";

/** `[repository:]tag[@digest]` as the trailers write it (a bump given only a tag records only the tag). */
function imageParts(image: string): { repository?: string; tag: string; digest?: string } {
  const [name = "", digest] = image.split("@", 2);
  const colon = name.lastIndexOf(":");
  const repo = colon > name.lastIndexOf("/") ? name.slice(0, colon) : "";
  const tag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : name;
  return { tag, ...(repo ? { repository: repo } : {}), ...(digest ? { digest } : {}) };
}

/** Two trailer images name the same image: same tag, and same repository and digest where both record one. */
export function sameImage(a: string, b: string): boolean {
  const x = imageParts(a);
  const y = imageParts(b);
  return x.tag === y.tag && (!x.repository || !y.repository || x.repository === y.repository) && (!x.digest || !y.digest || x.digest === y.digest);
}
const key = (e: { app: string; environment: string }): string => `${e.app}\u0000${e.environment}`;

/**
 * The source time of each event: its own trailer, or, for a promotion without one, the source
 * time of the newest deploy of the same image (or tag) in the environment it was promoted from
 * before it (exact, not estimated: the same image carries the same source commit).
 */
export function sourceTimes(events: DeployEvent[]): Map<DeployEvent, number> {
  const out = new Map<DeployEvent, number>();
  const last = new Map<string, DeployEvent[]>(); // app/env → its deploys so far
  for (const e of [...events].sort((a, b) => a.order - b.order)) {
    let t = e.sourceTime;
    if (t === undefined && e.kind === "promote" && e.promotedFrom) {
      const from = last.get(key({ app: e.app, environment: e.promotedFrom })) ?? [];
      // The newest deploy of that image there whose source time is known (a rollback to it records none).
      const same = from.findLast((d) => out.has(d) && (e.image && d.image ? sameImage(d.image, e.image) : d.tag === e.tag));
      if (same) t = out.get(same);
    }
    if (t !== undefined) out.set(e, t);
    const k = key(e);
    if (!last.has(k)) last.set(k, []);
    last.get(k)!.push(e);
  }
  return out;
}

/** Figures per app and environment (sorted by app, then environment), and the window's deploys with their outcome. */
export function computeFigures(events: DeployEvent[], w: MetricsWindow): { groups: GroupFigures[]; deploys: DeployOutcome[] } {
  const seen = events.filter((e) => e.time <= w.until);
  const sources = sourceTimes(seen);
  const groups = new Map<string, DeployEvent[]>();
  for (const e of seen) {
    if (!groups.has(key(e))) groups.set(key(e), []);
    groups.get(key(e))!.push(e);
  }
  const days = (w.until - w.since) / 86_400;
  const out: GroupFigures[] = [];
  const deploys: DeployOutcome[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.order - b.order);
    const inWindow = (e: DeployEvent): boolean => e.time > w.since && e.time <= w.until;
    const failedAt = new Map<DeployEvent, number>(); // failed deploy → restore seconds
    let unattributed = 0;
    list.forEach((e, i) => {
      if (!(e.kind === "rollback" || e.fix) || !inWindow(e)) return;
      const before = list[i - 1];
      // The rollback or fix names the image it replaced: it must be the one the deploy before it wrote.
      const named = e.replaced && before?.image && e.replaced !== "unknown" ? sameImage(e.replaced, before.image) : true;
      if (!before || !isChange(before) || !named || e.time - before.time > w.failureWindow || failedAt.has(before)) {
        unattributed++;
        return;
      }
      failedAt.set(before, e.time - before.time);
    });
    const changes = list.filter((e) => isChange(e) && inWindow(e));
    const leads: number[] = [];
    let skewed = 0;
    let noSource = 0;
    for (const e of changes) {
      const s = sources.get(e);
      if (s === undefined) noSource++;
      else if (s > e.time) skewed++;
      else leads.push(e.time - s);
      deploys.push({ app: e.app, environment: e.environment, time: e.time, failed: failedAt.has(e) });
    }
    const restores = changes.filter((e) => failedAt.has(e)).map((e) => failedAt.get(e)!);
    const first = list[0]!;
    out.push({
      app: first.app,
      environment: first.environment,
      deployments: changes.length,
      deploymentsPerDay: days > 0 ? changes.length / days : 0,
      deploymentsPerWeek: days > 0 ? (changes.length / days) * 7 : 0,
      rollbacks: list.filter((e) => e.kind === "rollback" && inWindow(e)).length,
      fixes: list.filter((e) => e.fix && inWindow(e)).length,
      leadTime: { medianSeconds: median(leads), samples: leads.length, missing: noSource + skewed },
      failures: restores.length,
      changeFailureRate: changes.length ? restores.length / changes.length : null,
      timeToRestore: { medianSeconds: median(restores), samples: restores.length },
      unattributed,
      noSourceTime: noSource,
      skewed,
    });
  }
  out.sort((a, b) => (a.app === b.app ? (a.environment < b.environment ? -1 : 1) : a.app < b.app ? -1 : 1));
  deploys.sort((a, b) => a.time - b.time);
  return { groups: out, deploys };
}
