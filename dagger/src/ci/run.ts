/**
 * The run of the whole pipeline: one `Run` like every stage's, whose `stages` are the stages'
 * runs (status, duration, whether the engine replayed it from its cache) and whose artifacts are
 * what CI systems read: summary.md (the job summary), status, report.json and every stage's files.
 */
import { dag, type Directory } from "@dagger.io/dagger";
import { ciRunReport, consoleReport, renderMarkdown } from "../core/ci/report.js";
import type { PipelineResult, StageResult } from "../core/ci/orchestrate.js";
import { reportJson } from "../core/run.js";
import { Run } from "../run.js";

/** What the stages produced, for the run. */
export interface CiArtifacts {
  /** Each stage's files (merged at the top of the run's artifacts). */
  directories: Record<string, Directory>;
  /** Digest-pinned image references that were published. */
  images: string[];
  /** The gitops commit that was pushed. */
  gitopsCommit: string;
}

/** A stage of the run as a run of its own. */
function stageRun(s: StageResult, artifacts: Directory | undefined): Run {
  return Run.of(
    {
      stage: s.name,
      passed: s.status === "passed" || s.status === "skipped",
      status: s.status,
      durationMs: Math.round(s.durationMs),
      ...(s.cached !== undefined ? { cached: s.cached } : {}),
      summary: s.summary,
      details: s.details ?? "",
      findings: s.findings ?? [],
    },
    artifacts ?? dag.directory(),
  );
}

/**
 * Build the run from a finished pipeline and what its stages produced, and write its report to
 * `log` (ci's own log: a bare `dagger call ci` prints only the Run's ID on stdout).
 */
export function ciRun(result: PipelineResult, a: CiArtifacts, log: (text: string) => void = (t) => console.log(t)): Run {
  const report = ciRunReport(result, { images: a.images, gitopsCommit: a.gitopsCommit });
  const markdown = renderMarkdown(result, { images: a.images.join(", ") || undefined, "gitops commit": a.gitopsCommit || undefined });
  let dir = dag
    .directory()
    .withNewFile("summary.md", markdown)
    .withNewFile("status", `${result.ok ? "passed" : "failed"}\n`)
    .withNewFile("report.json", reportJson(report));
  for (const sub of Object.values(a.directories)) dir = dir.withDirectory(".", sub);
  log(consoleReport(result));
  return Run.of(
    report,
    dir,
    result.stages.map((s) => stageRun(s, a.directories[s.name])),
  );
}
