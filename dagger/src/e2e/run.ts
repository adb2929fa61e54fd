/**
 * The result of an e2e run, returned by the `e2e` function.
 */
import { Directory, func, object } from "@dagger.io/dagger";
import { StageError } from "../core/errors.js";

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The result of an e2e run: data first (passed, logs, diagnostics), failure second (`assert`). */
@object()
export class E2eRun {
  /** Whether every step, probe and helm test passed. */
  @func()
  passed: boolean;

  /** Name of the step that failed (empty when passed). */
  @func()
  failedStep: string;

  /** Why it failed: the step's purpose, exit code and last output lines (empty when passed). */
  @func()
  detail: string;

  /** One line per step and probe, in the order they ran. */
  @func()
  output: string;

  /** Diagnostics printed on failure: events, pod status, failing pods' logs, helm and node state. */
  @func()
  diagnosticsReport: string;

  /** Diagnostics files (one per section, plus `kind export logs`); empty when passed. */
  @func()
  diagnostics: Directory;

  /**
   * A finished run.
   *
   * @param passed Whether every step, probe and helm test passed.
   * @param failedStep Name of the step that failed (empty when passed).
   * @param detail Why it failed (empty when passed).
   * @param output One line per step and probe, in the order they ran.
   * @param diagnosticsReport Diagnostics printed on failure.
   * @param diagnostics Diagnostics files; empty when passed.
   */
  constructor(passed: boolean, failedStep: string, detail: string, output: string, diagnosticsReport: string, diagnostics: Directory) {
    this.passed = passed;
    this.failedStep = failedStep;
    this.detail = detail;
    this.output = output;
    this.diagnosticsReport = diagnosticsReport;
    this.diagnostics = diagnostics;
  }

  /** Everything the run reported: the step lines, then the diagnostics. */
  @func()
  logs(): string {
    return this.diagnosticsReport ? `${this.output}\n\n${this.diagnosticsReport}` : this.output;
  }

  /** A short Markdown summary of the run. */
  @func()
  summary(): string {
    const head = this.passed ? "e2e passed" : `e2e failed at ${this.failedStep}`;
    return [`### ${head}`, "", "```", this.output, "```", ...(this.passed ? [] : ["", this.detail])].join("\n");
  }

  /** Fail with the summary and the diagnostics when the run failed; return the summary otherwise. */
  @func()
  assert(): string {
    if (!this.passed) {
      throw new StageError("e2e", `${this.failedStep}: ${this.detail}\n\n${tail(this.diagnosticsReport, 300)}`);
    }
    return this.summary();
  }
}
