/**
 * Delivery metrics of a gitops repository: one clone of the branch in the write-back's git image
 * (with its credentials), one `git log` with the core's argv, then the pure core computes the
 * figures and renders them (core/metrics). The history is only read.
 */
import { randomUUID } from "node:crypto";
import { dag } from "@dagger.io/dagger";
import { StageError } from "../core/errors.js";
import { historyLogArgv, parseHistory } from "../core/metrics/history.js";
import { metricsMarkdown, metricsReport, metricsRunReport } from "../core/metrics/report.js";
import { metricsChart } from "../core/metrics/chart.js";
import { redact } from "../core/redact.js";
import { oneLine } from "../core/run.js";
import { Run } from "../run.js";
import { cloneContainer, gitContainer, gitFailure, type GitRemote } from "../writeback/git.js";

/** What the metrics read and over which window. */
export interface MetricsTarget {
  remote: GitRemote;
  gitImage: string;
  /** Only this app ("" for all). */
  app: string;
  window: { since: number; until: number; failureWindow: number };
}

/** The metrics run: figures in the report, metrics.json, metrics.md and metrics.svg as artifacts. */
export async function metricsRun(t: MetricsTarget): Promise<Run> {
  let out: string;
  try {
    out = await cloneContainer(gitContainer(t.gitImage, t.remote), t.remote, randomUUID()).withExec(historyLogArgv(t.remote.branch)).stdout();
  } catch (e) {
    const err = gitFailure("metrics", e);
    if (!(err instanceof StageError)) throw err;
    const summary = `metrics failed: ${oneLine(err.summary)}`;
    return Run.of({
      stage: "metrics",
      passed: false,
      summary,
      details: "",
      findings: [{ source: "git", rule: "METRICS", severity: "error", message: err.summary }],
    });
  }
  const parsed = parseHistory(out);
  const report = metricsReport(parsed.commits, { ...t.window, ...(t.app ? { app: t.app } : {}), unreadable: parsed.unreadable });
  // Every text that leaves the module passes the one redaction (the run's report does in Run.of).
  const files = dag
    .directory()
    .withNewFile("metrics.json", redact(JSON.stringify(report, null, 2) + "\n"))
    .withNewFile("metrics.md", redact(metricsMarkdown(report)))
    .withNewFile("metrics.svg", redact(metricsChart(report)));
  return Run.of(metricsRunReport(report), files);
}
