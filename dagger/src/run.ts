/**
 * The one run type every stage returns: lint, test, validate, end-to-end, scan, bump, promote
 * and ci. Data first — passed, a one-line summary, the details beside it, typed findings, a JSON
 * report, the files the run produced — failure second: `assert`. A ci run also lists each
 * stage's run.
 */
import { dag, func, object, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { DEFAULTS } from "./core/defaults.js";
import { assertRun, reportJson, type RunReport } from "./core/run.js";
import { redactDeep } from "./core/redact.js";
import { Finding, findingsOf } from "./finding.js";
import { notifyRun } from "./notify.js";

/** A finished run of one stage (or of the whole pipeline). */
@object()
export class Run {
  /** The run's report as JSON. */
  reportText: string;

  /**
   * The files the run produced: each linter's report; junit.xml and coverage.xml; the rendered
   * manifests; the e2e diagnostics; the Trivy report and SBOM; the gitops tree as written (bump,
   * promote); for ci: summary.md, status, report.json and every stage's files.
   */
  @func()
  artifacts: Directory;

  /** For ci: each stage's run, in pipeline order (empty for a single stage). */
  @func()
  stages: Run[];

  /**
   * @param reportText The run's report as JSON.
   * @param artifacts The files the run produced.
   * @param stages For ci: each stage's run.
   */
  constructor(reportText: string, artifacts: Directory, stages: Run[] = []) {
    this.reportText = reportText;
    this.artifacts = artifacts;
    this.stages = stages;
  }

  /**
   * A run from a report (a plain function: a TS interface in a constructor would become an empty
   * Dagger interface). Every text of the report passes the module's one redaction here, so no
   * summary, details, finding or JSON report can carry a credential.
   */
  static of(report: RunReport, artifacts: Directory = dag.directory(), stages: Run[] = []): Run {
    return new Run(JSON.stringify(redactDeep(report)), artifacts, stages);
  }

  /** The report, as data. */
  get result(): RunReport {
    return JSON.parse(this.reportText) as RunReport;
  }

  /** What ran: lint, test, validate, e2e, scan, bump, promote, publish, build or ci. */
  @func()
  stage(): string {
    return this.result.stage;
  }

  /** passed or failed; a ci stage may also be skipped (not wanted in this run) or blocked (something it needs failed). */
  @func()
  status(): string {
    const r = this.result;
    return r.status ?? (r.passed ? "passed" : "failed");
  }

  /** True when nothing failed the run (a skipped ci stage counts as passed). */
  @func()
  passed(): boolean {
    return this.result.passed;
  }

  /** One line: what ran and what it found, with the figures that matter. */
  @func()
  summary(): string {
    return this.result.summary;
  }

  /** The lines behind the summary: per linter, environment, failed test, step or stage. */
  @func()
  details(): string {
    return this.result.details;
  }

  /** Every problem found, typed: file, line, rule, object, field path, environment... */
  @func()
  findings(): Finding[] {
    return findingsOf(this.result.findings);
  }

  /** The whole run as JSON (<stage>-report.json). */
  @func()
  report(): File {
    const name = `${this.result.stage}-report.json`;
    return dag.directory().withNewFile(name, reportJson(this.result)).file(name);
  }

  /** Return the summary; fail with the summary and the details unless the run passed. */
  @func()
  assert(): string {
    return assertRun(this.result);
  }

  /** Wall time in milliseconds, where it was measured (ci's stages; 0 otherwise). */
  @func()
  durationMs(): number {
    return Math.round(this.result.durationMs ?? 0);
  }

  /** True when the engine replayed the work from its cache (known for lint, test, validate and scan). */
  @func()
  cached(): boolean {
    return this.result.cached === true;
  }

  /**
   * Post the run's summary to a chat webhook (Slack-compatible JSON: a text line plus blocks with
   * the stage, passed or failed, the summary, the first failing stages or findings and a link to
   * the run) when its outcome matches `on`; returns this same run, so assert or artifacts can
   * follow. The URL is checked on every call (https; plain http only to a loopback or private IP address) and never
   * shown; an empty secret (an unset CI variable) posts nothing; a refused post fails with the
   * HTTP status and the first line of the answer.
   *
   * @param webhook Incoming-webhook URL, as a secret (e.g. env:SLACK_WEBHOOK_URL).
   * @param on When to post: failure, success or always.
   * @param runUrl Link to the CI run shown in the message, e.g. $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID; empty: no link.
   */
  @func({ cache: "never" })
  async notify(webhook: Secret, on: string = DEFAULTS.notifyOn, runUrl: string = ""): Promise<Run> {
    await notifyRun(this.result, webhook, on, runUrl);
    return this;
  }
}
