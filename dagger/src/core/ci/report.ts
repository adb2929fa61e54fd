/**
 * Rendering of a pipeline run: a Markdown summary for CI job summary pages, and the one-line
 * failure message that names the failing stage with its summary.
 */
import type { PipelineResult, StageResult, StageStatus } from "./orchestrate.js";

const ICON: Record<StageStatus, string> = { passed: "✅", failed: "❌", skipped: "⏭️", blocked: "⛔" };

/** `1.2 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").trim();
}

/** Extra lines for the report: image references, the gitops commit... (label → value). */
export type ReportFacts = Record<string, string | undefined>;

/** Markdown summary: status line, one table row per stage, then the facts that are set. */
export function renderMarkdown(result: PipelineResult, facts: ReportFacts = {}, title = "gitops-pipeline"): string {
  const lines = [
    `## ${title}: ${result.ok ? "✅ passed" : "❌ failed"} in ${formatDuration(result.durationMs)}`,
    "",
    "| stage | status | duration | summary |",
    "| --- | --- | --- | --- |",
    ...result.stages.map(
      (s) => `| ${s.name} | ${ICON[s.status]} ${s.status} | ${s.durationMs ? formatDuration(s.durationMs) : "–"} | ${cell(s.summary)} |`,
    ),
  ];
  const set = Object.entries(facts).filter(([, v]) => v !== undefined && v !== "");
  if (set.length) {
    lines.push("", ...set.map(([k, v]) => `- **${k}**: \`${cell(v!)}\``));
  }
  return `${lines.join("\n")}\n`;
}

/** The failing stages with their summaries, and what they blocked; empty when the run passed. */
export function failureMessage(result: PipelineResult): string {
  if (result.ok) return "";
  const failed = result.stages.filter((s: StageResult) => s.status === "failed");
  const blocked = result.stages.filter((s: StageResult) => s.status === "blocked").map((s) => s.name);
  const parts = failed.map((s) => `${s.name} failed: ${s.summary}`);
  if (blocked.length) parts.push(`not run because of it: ${blocked.join(", ")}`);
  return parts.join("\n");
}
