/**
 * The report of a `ci` run: per-stage status, duration and summary, the artifacts, a Markdown
 * summary for CI job pages. Data first; `assert` fails with the failing stage and its summary.
 */
import { dag, func, object, type Directory, type File } from "@dagger.io/dagger";
import { StageError } from "../core/errors.js";
import type { PipelineResult } from "../core/ci/orchestrate.js";
import { failureMessage, renderMarkdown } from "../core/ci/report.js";

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

  /** What happened, with the figures that matter. */
  @func()
  summary: string;

  /**
   * @param name Stage name.
   * @param status passed, failed, skipped or blocked.
   * @param durationMs Wall time in milliseconds.
   * @param summary What happened.
   */
  constructor(name: string, status: string, durationMs: number, summary: string) {
    this.name = name;
    this.status = status;
    this.durationMs = durationMs;
    this.summary = summary;
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
export class CiReport {
  /** True when every stage that ran passed (skipped stages do not fail a run). */
  @func()
  ok: boolean;

  /** Every stage, in pipeline order. */
  @func()
  stages: CiStage[];

  /** Markdown summary for a CI job summary page. */
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
   * outputs that exist (lint-report, junit.xml, coverage.xml, validate-report.json, scan-report.json,
   * sbom.cdx.json, e2e-diagnostics/).
   */
  @func()
  artifacts: Directory;

  /** The failing stages with their summaries ("" when the run passed). */
  failure: string;

  /**
   * @param ok Whether the run passed.
   * @param stages Every stage.
   * @param markdown Markdown summary.
   * @param images Published image references.
   * @param gitopsCommit The pushed gitops commit.
   * @param artifacts The artifacts directory.
   * @param failure The failing stages with their summaries.
   */
  constructor(ok: boolean, stages: CiStage[], markdown: string, images: string[], gitopsCommit: string, artifacts: Directory, failure: string) {
    this.ok = ok;
    this.stages = stages;
    this.markdown = markdown;
    this.images = images;
    this.gitopsCommit = gitopsCommit;
    this.artifacts = artifacts;
    this.failure = failure;
  }

  /** One line per stage: `name status (duration): summary`. */
  @func()
  summary(): string {
    return this.stages.map((s) => `${s.name} ${s.status}${s.durationMs ? ` (${(s.durationMs / 1000).toFixed(1)} s)` : ""}: ${s.summary}`).join("\n");
  }

  /** Fail, naming each failing stage with its summary, unless the run passed. */
  @func()
  assert(): string {
    if (!this.ok) throw new StageError("ci", this.failure);
    return this.summary();
  }
}

/** Build the report from a finished run and what its stages produced. */
export function ciReport(result: PipelineResult, a: CiArtifacts): CiReport {
  const facts = { images: a.images.join(", ") || undefined, "gitops commit": a.gitopsCommit || undefined };
  const markdown = renderMarkdown(result, facts);
  const json = {
    ok: result.ok,
    durationMs: result.durationMs,
    stages: result.stages.map(({ name, status, needs, durationMs, summary }) => ({ name, status, needs, durationMs, summary })),
    images: a.images,
    gitopsCommit: a.gitopsCommit,
  };
  let dir = dag
    .directory()
    .withNewFile("summary.md", markdown)
    .withNewFile("status", `${result.ok ? "passed" : "failed"}\n`)
    .withNewFile("report.json", `${JSON.stringify(json, null, 2)}\n`);
  for (const [name, file] of Object.entries(a.files)) dir = dir.withFile(name, file);
  for (const [name, sub] of Object.entries(a.directories)) dir = dir.withDirectory(name, sub);
  const stages = result.stages.map((s) => new CiStage(s.name, s.status, Math.round(s.durationMs), s.summary));
  return new CiReport(result.ok, stages, markdown, a.images, a.gitopsCommit, dir, failureMessage(result));
}
