/**
 * The report of a `ci` run under the run-object contract, plus what CI systems read from it: the
 * stages, the Markdown for a job summary page, the artifacts directory, the published images and
 * the pushed gitops commit.
 */
import { dag, func, object, type Directory, type File } from "@dagger.io/dagger";
import { ciRunReport, renderMarkdown } from "../core/ci/report.js";
import type { PipelineResult } from "../core/ci/orchestrate.js";
import { assertRun, reportJson, type RunReport } from "../core/run.js";
import { Finding, findingsOf } from "../finding.js";

/** One stage of the run. */
@object()
export class CiStage {
  /** Stage name: lint, test, validate, build, e2e, scan, publish, bump. */
  @func()
  name: string;

  /** passed, failed, skipped (not wanted in this run) or blocked (something it needs failed). */
  @func()
  status: string;

  /** Wall time in milliseconds (0 when it did not run). */
  @func()
  durationMs: number;

  /** True when the engine replayed the stage's work from its cache (known for lint, test, validate, scan). */
  @func()
  cached: boolean;

  /** One line: what happened, with the figures that matter. */
  @func()
  summary: string;

  /** The lines behind the summary. */
  @func()
  details: string;

  /**
   * @param name Stage name.
   * @param status passed, failed, skipped or blocked.
   * @param durationMs Wall time in milliseconds.
   * @param cached Whether the engine replayed it from its cache.
   * @param summary One line.
   * @param details The lines behind it.
   */
  constructor(name: string, status: string, durationMs: number, cached: boolean, summary: string, details: string) {
    this.name = name;
    this.status = status;
    this.durationMs = durationMs;
    this.cached = cached;
    this.summary = summary;
    this.details = details;
  }
}

/** Files and directories the stages produced, by their name in the artifacts directory. */
export interface CiArtifacts {
  files: Record<string, File>;
  directories: Record<string, Directory>;
  /** Digest-pinned image references that were published. */
  images: string[];
  /** The gitops commit that was pushed. */
  gitopsCommit: string;
}

/** The report of a `ci` run. */
@object()
export class CiRun {
  /** The run's report as JSON. */
  reportText: string;

  /** Every stage, in pipeline order. */
  @func()
  stages: CiStage[];

  /** Markdown for a CI job summary page: one row per stage, details in collapsible sections. */
  @func()
  markdown: string;

  /** Published image references, digest-pinned (repository@sha256:...). */
  @func()
  images: string[];

  /** The gitops commit that was pushed ("" when nothing was bumped). */
  @func()
  gitopsCommit: string;

  /**
   * Everything in one directory: summary.md, status (passed/failed), report.json, and the stage
   * outputs that exist (lint-report.json and each linter's report, test-report.json, junit.xml,
   * coverage.xml, validate-report.json, e2e-report.json, scan-report.json, sbom.cdx.json,
   * e2e-diagnostics/).
   */
  @func()
  artifacts: Directory;

  /**
   * @param reportText The run's report as JSON.
   * @param stages Every stage.
   * @param markdown Markdown summary.
   * @param images Published image references.
   * @param gitopsCommit The pushed gitops commit.
   * @param artifacts The artifacts directory.
   */
  constructor(reportText: string, stages: CiStage[], markdown: string, images: string[], gitopsCommit: string, artifacts: Directory) {
    this.reportText = reportText;
    this.stages = stages;
    this.markdown = markdown;
    this.images = images;
    this.gitopsCommit = gitopsCommit;
    this.artifacts = artifacts;
  }

  private get result(): RunReport {
    return JSON.parse(this.reportText) as RunReport;
  }

  /** True when every stage that ran passed (skipped stages do not fail a run). */
  @func()
  passed(): boolean {
    return this.result.passed;
  }

  /** One line: stage counts, wall time, and how many stages the engine replayed from its cache. */
  @func()
  summary(): string {
    return this.result.summary;
  }

  /** One line per stage (`name status (duration): summary`), then the failing stages. */
  @func()
  details(): string {
    return this.result.details;
  }

  /** Every finding of every stage, typed. */
  @func()
  findings(): Finding[] {
    return findingsOf(this.result.findings);
  }

  /** The whole run as JSON (report.json). */
  @func()
  report(): File {
    return dag.directory().withNewFile("report.json", reportJson(this.result)).file("report.json");
  }

  /** Return the summary; fail with it and the details unless the run passed. */
  @func()
  assert(): string {
    return assertRun(this.result);
  }
}

/** Build the run object from a finished run and what its stages produced. */
export function ciRun(result: PipelineResult, a: CiArtifacts): CiRun {
  const facts = { images: a.images.join(", ") || undefined, "gitops commit": a.gitopsCommit || undefined };
  const report = ciRunReport(result, { images: a.images, gitopsCommit: a.gitopsCommit });
  const markdown = renderMarkdown(result, facts);
  let dir = dag
    .directory()
    .withNewFile("summary.md", markdown)
    .withNewFile("status", `${result.ok ? "passed" : "failed"}\n`)
    .withNewFile("report.json", reportJson(report));
  for (const [name, file] of Object.entries(a.files)) dir = dir.withFile(name, file);
  for (const [name, sub] of Object.entries(a.directories)) dir = dir.withDirectory(name, sub);
  const stages = result.stages.map((s) => new CiStage(s.name, s.status, Math.round(s.durationMs), s.cached === true, s.summary, s.details ?? ""));
  return new CiRun(JSON.stringify(report), stages, markdown, a.images, a.gitopsCommit, dir);
}
