/**
 * The result of an e2e run: data first (passed, the step log, diagnostics), failure second (`assert`).
 */
import { dag, Directory, func, object, type File } from "@dagger.io/dagger";
import { assertRun, reportJson, type RunReport } from "../core/run.js";
import { Finding, findingsOf } from "../finding.js";

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** A finished e2e run in a kind cluster. */
@object()
export class EndToEndRun {
  /** The run's report as JSON. */
  reportText: string;

  /** Diagnostics printed on failure: events, pod status, failing pods' logs, helm and node state ("" when passed). */
  @func()
  diagnosticsReport: string;

  /** Diagnostics files (one per section, plus `kind export logs`); empty when passed. */
  @func()
  diagnostics: Directory;

  /**
   * A finished run.
   *
   * @param reportText The run's report as JSON.
   * @param diagnosticsReport Diagnostics printed on failure.
   * @param diagnostics Diagnostics files; empty when passed.
   */
  constructor(reportText: string, diagnosticsReport: string, diagnostics: Directory) {
    this.reportText = reportText;
    this.diagnosticsReport = diagnosticsReport;
    this.diagnostics = diagnostics;
  }

  private get result(): RunReport {
    return JSON.parse(this.reportText) as RunReport;
  }

  /** True when every step, probe and helm test passed. */
  @func()
  passed(): boolean {
    return this.result.passed;
  }

  /** One line: what was deployed and probed, or the step that failed. */
  @func()
  summary(): string {
    return this.result.summary;
  }

  /** One line per step and probe in the order they ran, then why the failing one failed. */
  @func()
  details(): string {
    return this.result.details;
  }

  /** The failed step, typed (empty when passed). */
  @func()
  findings(): Finding[] {
    return findingsOf(this.result.findings);
  }

  /** The whole run as JSON (e2e-report.json). */
  @func()
  report(): File {
    return dag.directory().withNewFile("e2e-report.json", reportJson(this.result)).file("e2e-report.json");
  }

  /** Return the summary; fail with it, the step log and the tail of the diagnostics when the run failed. */
  @func()
  assert(): string {
    const r = this.result;
    return assertRun(r.passed || !this.diagnosticsReport ? r : { ...r, details: `${r.details}\n\n${tail(this.diagnosticsReport, 200)}` });
  }
}
