/**
 * The metrics report: the figures of every app and environment, the notes that say what the
 * history could not tell (never a figure made up in its place), and its Markdown table.
 */
import { deployEvents } from "./deploys.js";
import { computeFigures, type DeployOutcome, type GroupFigures, type MetricsWindow } from "./figures.js";
import { HISTORY_MAX, type Commit } from "./history.js";
import type { RunReport } from "../run.js";

/** The whole result, as the JSON report holds it. */
export interface MetricsReport {
  window: { since: string; until: string; days: number; failureWindowHours: number };
  /** Commits read, deploy commits among them. */
  commits: number;
  deployCommits: number;
  groups: GroupFigures[];
  /** The window's deploys and whether each failed (the chart). */
  deploys: DeployOutcome[];
  /** What the figures leave out or could not know, one sentence each. */
  notes: string[];
}

/** Options of a metrics computation. */
export interface MetricsOptions extends MetricsWindow {
  /** Only this app ("" for all). */
  app?: string;
  /** Commits that could not be parsed (a truncated read). */
  unreadable?: number;
}

const iso = (s: number): string => new Date(s * 1000).toISOString().replace(".000Z", "Z");

/** Compute the report from the branch's commits (any order). */
export function metricsReport(commits: Commit[], o: MetricsOptions): MetricsReport {
  const reading = deployEvents(commits);
  const events = o.app ? reading.events.filter((e) => e.app === o.app) : reading.events;
  const { groups, deploys } = computeFigures(events, o);
  const notes: string[] = [];
  const deployCommits = new Set(events.map((e) => e.sha)).size;
  if (deployCommits === 0) {
    notes.push(
      `none of the ${commits.length} commits read is a deploy commit of the gitops-pipeline write-back (subject "chore(deploy): <app> <environment> → <tag>" or "revert(deploy): …")${o.app ? ` for app ${o.app}` : ""}: there are no figures to give`,
    );
  }
  const noSource = groups.reduce((n, g) => n + g.noSourceTime, 0);
  if (noSource > 0) {
    notes.push(
      `${noSource} deploy(s) of the window record no source commit time (written before the Source-Commit-Time trailer existed, or bumped without --source-commit-time, or promoted from an environment whose deploy of that image is not in the history): the lead time is the median of the others`,
    );
  }
  const skewed = groups.reduce((n, g) => n + g.skewed, 0);
  if (skewed > 0) notes.push(`${skewed} deploy(s) record a source commit time later than the deploy (clock skew): left out of the lead time`);
  const unattributed = groups.reduce((n, g) => n + g.unattributed, 0);
  if (unattributed > 0) {
    notes.push(
      `${unattributed} rollback(s) or fix(es) made no change failure: later than the failure window after the deploy they replaced, replacing a rollback, or naming another image than the one deployed before them`,
    );
  }
  if (reading.badTimes.length) notes.push(`${reading.badTimes.length} commit(s) carry a Source-Commit-Time that is not an ISO 8601 time: ignored`);
  if (commits.length >= HISTORY_MAX) notes.push(`only the newest ${HISTORY_MAX} commits were read: deploys before them are not counted`);
  if (o.unreadable) notes.push(`${o.unreadable} record(s) of the history could not be read`);
  return {
    window: { since: iso(o.since), until: iso(o.until), days: (o.until - o.since) / 86_400, failureWindowHours: o.failureWindow / 3600 },
    commits: commits.length,
    deployCommits,
    groups,
    deploys,
    notes,
  };
}

/** A duration for people: 45s, 12m, 3.5h, 2.1d. */
export function humanDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

/** A cell of a Markdown table: no line break, pipes and backslashes escaped, HTML inert. */
export function mdCell(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

const pct = (r: number | null): string => (r === null ? "—" : `${(r * 100).toFixed(1)}%`);

/** The report as Markdown: one table row per app and environment, then the notes (for a CI job summary). */
export function metricsMarkdown(r: MetricsReport): string {
  const lines = [
    `### Delivery metrics, ${r.window.since.slice(0, 10)} → ${r.window.until.slice(0, 10)} (${+r.window.days.toFixed(2)} days)`,
    "",
    "| app | environment | deploys | per week | lead time (median) | change failure rate | time to restore (median) | rollbacks | fixes |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const g of r.groups) {
    const lead = g.leadTime.samples ? `${humanDuration(g.leadTime.medianSeconds)} (${g.leadTime.samples})` : "—";
    const restore = g.timeToRestore.samples ? `${humanDuration(g.timeToRestore.medianSeconds)} (${g.timeToRestore.samples})` : "—";
    const rate = g.changeFailureRate === null ? "—" : `${pct(g.changeFailureRate)} (${g.failures}/${g.deployments})`;
    lines.push(
      `| ${mdCell(g.app)} | ${mdCell(g.environment)} | ${g.deployments} | ${g.deploymentsPerWeek.toFixed(2)} | ${lead} | ${rate} | ${restore} | ${g.rollbacks} | ${g.fixes} |`,
    );
  }
  if (r.groups.length === 0) lines.push("| — | — | — | — | — | — | — | — | — |");
  lines.push("", `Failure window: ${r.window.failureWindowHours} h. Read from ${r.commits} commit(s), ${r.deployCommits} of them deploy commits.`);
  for (const n of r.notes) lines.push(`- ${mdCell(n)}`);
  return lines.join("\n") + "\n";
}

/** One line with the figures that matter. */
export function metricsSummary(r: MetricsReport): string {
  if (r.groups.length === 0) return `metrics: no deploy commits in ${r.commits} commit(s) read: no figures`;
  const parts = r.groups.map(
    (g) =>
      `${g.app}/${g.environment} ${g.deployments} deploys, lead ${humanDuration(g.leadTime.medianSeconds)}, CFR ${pct(g.changeFailureRate)}, restore ${humanDuration(g.timeToRestore.medianSeconds)}`,
  );
  return `metrics over ${+r.window.days.toFixed(2)} days: ${parts.join("; ")}`;
}

/** The run's report: always passed (figures are information, not a gate), the table as details, the figures as data. */
export function metricsRunReport(r: MetricsReport): RunReport {
  return { stage: "metrics", passed: true, summary: metricsSummary(r), details: metricsMarkdown(r), findings: [], data: { metrics: r } };
}
