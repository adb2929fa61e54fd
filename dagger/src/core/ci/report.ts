/**
 * Rendering of a pipeline run: the run report (one line, one line per stage, every finding), the
 * Markdown for CI job summary pages (one table row per stage, details in collapsible sections,
 * which stages the engine replayed from its cache), and the failure message.
 */
import { redact } from "../redact.js";
import { oneLine, runReport, type RunReport } from "../run.js";
import type { PipelineResult, StageResult, StageStatus } from "./orchestrate.js";

const ICON: Record<StageStatus, string> = { passed: "✅", failed: "❌", skipped: "⏭️", blocked: "⛔" };

/** `1.2 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

function cell(text: string): string {
  return oneLine(text, 200).replace(/\|/g, "\\|");
}

/** Extra lines for the report: image references, the gitops commit... (label → value). */
export type ReportFacts = Record<string, string | undefined>;

/** `3 passed, 1 failed, 2 skipped`. */
function counts(stages: readonly StageResult[]): string {
  const by = (s: StageStatus) => stages.filter((x) => x.status === s).length;
  return (["passed", "failed", "blocked", "skipped"] as const)
    .filter((s) => by(s) > 0)
    .map((s) => `${by(s)} ${s}`)
    .join(", ");
}

/** Which ran stages the engine replayed from its cache: `(2 of 4 from cache)`, or "" when none is known. */
function cacheNote(stages: readonly StageResult[]): string {
  const known = stages.filter((s) => s.cached !== undefined);
  const hits = known.filter((s) => s.cached).length;
  return known.length ? ` (${hits} of ${known.length} checked stages from the engine's cache)` : "";
}

/** How long a stage took, and whether the engine replayed it. */
function took(s: StageResult): string {
  if (!s.durationMs) return "–";
  return `${formatDuration(s.durationMs)}${s.cached ? " (cached)" : ""}`;
}

/** One line for the whole run. */
export function runSummary(result: PipelineResult, title = "ci"): string {
  return `${title} ${result.ok ? "passed" : "failed"}: ${counts(result.stages)} in ${formatDuration(result.durationMs)}${cacheNote(result.stages)}`;
}

/** A stage's summary without the `<stage> passed:` / `<stage> failed` it starts with (the line says it already). */
function rest(s: StageResult): string {
  return s.summary.replace(new RegExp(`^${s.name} (passed|failed):? `), "");
}

/** One line per stage: `name status (duration[, cached]): summary`. */
export function stageLines(result: PipelineResult): string[] {
  return result.stages.map((s) => `${s.name} ${s.status}${s.durationMs ? ` (${formatDuration(s.durationMs)}${s.cached ? ", cached" : ""})` : ""}: ${rest(s)}`);
}

/**
 * Markdown summary: the run's line, one table row per stage (one-line summaries), then each
 * stage's details in a collapsible section, then the facts that are set.
 */
export function renderMarkdown(result: PipelineResult, facts: ReportFacts = {}, title = "gitops-pipeline"): string {
  const lines = [
    `## ${title}: ${result.ok ? "✅" : "❌"} ${runSummary(result, "ci")}`,
    "",
    "| stage | status | duration | summary |",
    "| --- | --- | --- | --- |",
    ...result.stages.map((s) => `| ${s.name} | ${ICON[s.status]} ${s.status} | ${took(s)} | ${cell(s.summary)} |`),
  ];
  const set = Object.entries(facts).filter(([, v]) => v !== undefined && v !== "");
  if (set.length) lines.push("", ...set.map(([k, v]) => `- **${k}**: \`${oneLine(v!, 400)}\``));
  for (const s of result.stages.filter((x) => x.details?.trim())) {
    lines.push("", `<details><summary>${s.name}: ${s.status}</summary>`, "", "```text", s.details!.replace(/```/g, "'''").trimEnd(), "```", "", "</details>");
  }
  return redact(`${lines.join("\n")}\n`);
}

/**
 * What `ci` writes to its log when it finishes: the run's line and one line per stage, then how
 * to get the rest. Dagger 0.21's CLI prints a bare `dagger call ci` (any function returning an
 * object) as `Run@<digest>` only; this log is the report that call shows above it.
 */
export function consoleReport(result: PipelineResult): string {
  return redact(
    [
      runSummary(result),
      ...stageLines(result).map((l) => `  ${l}`),
      "more: chain summary, details, assert, or artifacts export --path=out (summary.md, report.json, every stage's files)",
    ].join("\n"),
  );
}

/** The failing stages with their summaries, and what they blocked; empty when the run passed. */
export function failureMessage(result: PipelineResult): string {
  if (result.ok) return "";
  const failed = result.stages.filter((s: StageResult) => s.status === "failed");
  const blocked = result.stages.filter((s: StageResult) => s.status === "blocked").map((s) => s.name);
  const parts = failed.map((s) => `${s.name} failed: ${rest(s)}`);
  if (blocked.length) parts.push(`not run because of it: ${blocked.join(", ")}`);
  return parts.join("\n");
}

/** The whole run under the run-object contract. */
export function ciRunReport(result: PipelineResult, facts: Record<string, unknown> = {}): RunReport {
  return runReport({
    stage: "ci",
    passed: result.ok,
    summary: runSummary(result),
    details: [...stageLines(result), ...(result.ok ? [] : ["", failureMessage(result)])].join("\n"),
    findings: result.stages.flatMap((s) => (s.findings ?? []).map((f) => ({ ...f, source: f.source || s.name }))),
    data: {
      durationMs: Math.round(result.durationMs),
      stages: result.stages.map(({ name, status, needs, durationMs, summary, cached }) => ({
        name,
        status,
        needs,
        durationMs: Math.round(durationMs),
        summary,
        ...(cached !== undefined ? { cached } : {}),
      })),
      ...facts,
    },
  });
}
