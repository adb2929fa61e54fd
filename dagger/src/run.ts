/**
 * The one run type every stage returns: lint, test, validate, end-to-end, scan, bump, promote
 * and ci. Data first — passed, a one-line summary, the details beside it, typed findings, a JSON
 * report, the files the run produced — failure second: `assert`. A ci run also lists each
 * stage's run. The typed Finding lives here too, and notify posts through the core: Run is a leaf of
 * the shell (it imports no other shell file), so every stage can return it without adding a floor.
 */
import { dag, func, object, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { DEFAULTS } from "./core/defaults.js";
import { assertRun, reportJson, type RunReport } from "./core/run.js";
import { redactDeep } from "./core/redact.js";
import type { Finding as CoreFinding } from "./core/findings.js";
import { notifyReport } from "./core/notify/notify.js";
import { readSecret } from "./core/secret.js";

/** One problem a run found. Empty strings and zeros mean "not applicable". */
@object()
export class Finding {
  /** What found it: ruff, flake8, pylint, pytest, helm, kubeconform, policy, argocd, trivy, e2e, git... */
  @func()
  source: string;

  /** Rule or code: F401, POL-RUN-AS-NON-ROOT, SCHEMA-INVALID, CVE-2024-1234... */
  @func()
  rule: string;

  /** error, warning or info (a waived policy finding is info). */
  @func()
  severity: string;

  /** What is wrong, with the figures that matter. */
  @func()
  message: string;

  /** File, relative to the directory the run read (for a policy finding, the template its object was rendered from). */
  @func()
  file: string;

  /** Line in the file (1-based). */
  @func()
  line: number;

  /** Column in the line. */
  @func()
  column: number;

  /** Kubernetes object as Kind/name, or the package a vulnerability is in. */
  @func()
  object: string;

  /** Field path inside the object, or the fixed version of a vulnerable package. */
  @func()
  path: string;

  /** App of a multi-app gitops tree the finding belongs to ("" in a single-app tree). */
  @func()
  app: string;

  /** Environment the finding belongs to. */
  @func()
  environment: string;

  /** Kustomize overlay the finding belongs to. */
  @func()
  overlay: string;

  /** Why the finding is waived (the waiver's reason). */
  @func()
  waived: string;

  /** How to waive it or lower its level from the team's own files (policy findings): the waivers-file entry and the gitops-pipeline.yaml level to set. */
  @func()
  hint: string;

  /**
   * @param source What found it.
   * @param rule Rule or code.
   * @param severity error, warning or info.
   * @param message What is wrong.
   * @param file File.
   * @param line Line.
   * @param column Column.
   * @param object Kubernetes object or package.
   * @param path Field path or fixed version.
   * @param environment Environment.
   * @param overlay Kustomize overlay.
   * @param waived Waiver reason.
   * @param app App of a multi-app gitops tree.
   * @param hint How to waive or lower it.
   */
  constructor(
    source: string,
    rule: string,
    severity: string,
    message: string,
    file: string,
    line: number,
    column: number,
    object: string,
    path: string,
    environment: string,
    overlay: string,
    waived: string,
    app: string = "",
    hint: string = "",
  ) {
    this.app = app;
    this.hint = hint;
    this.source = source;
    this.rule = rule;
    this.severity = severity;
    this.message = message;
    this.file = file;
    this.line = line;
    this.column = column;
    this.object = object;
    this.path = path;
    this.environment = environment;
    this.overlay = overlay;
    this.waived = waived;
  }

  /** A finding from the core's data (a plain function: a TS interface in a constructor would become an empty Dagger interface). */
  static of(f: CoreFinding): Finding {
    // A policy finding's file is the template its object was rendered from.
    return new Finding(
      f.source,
      f.rule,
      f.severity,
      f.message,
      f.file ?? f.template ?? "",
      f.line ?? 0,
      f.column ?? 0,
      f.object ?? "",
      f.path ?? "",
      f.environment ?? "",
      f.overlay ?? "",
      f.waived ?? "",
      f.app ?? "",
      f.hint ?? "",
    );
  }
}

/** The typed findings of a core report. */
export const findingsOf = (findings: readonly CoreFinding[]): Finding[] => findings.map((f) => Finding.of(f));

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
    const report = this.result;
    const readUrl = (): Promise<string> => readSecret(webhook, "webhook", "pass an existing secret, e.g. env:SLACK_WEBHOOK_URL with the variable set");
    const outcome = await notifyReport(report, readUrl, on, runUrl);
    // One line in the call's log, so a skipped notification is not mistaken for a lost one.
    console.error(outcome.posted ? `notify: posted the ${report.stage} run (HTTP ${outcome.status})` : `notify: not posted: ${outcome.reason}`);
    return this;
  }
}
