/**
 * The run of a stage whose dependency install failed: a failed run (never a raw exec error)
 * whose summary quotes pip's (or uv's) first error line and whose details hold the command and
 * the tail of its output, so a conflict such as `Cannot install packaging==23.2 and pytest==9.2.0`
 * is read where the run is read.
 */
import { runReport, type RunReport } from "../run.js";
import type { DependencyPlan } from "./dependencies.js";
import { TOOLS_INSTALL_PROGRAM, withoutColour } from "./python-tools.js";

/** Lines of the install's output kept in the details. */
export const INSTALL_TAIL = 25;

/** What the failed install command reported. */
export interface InstallFailure {
  cmd: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The command as a reader wants it: the tools program shown by what it installs. */
export function describeCommand(cmd: readonly string[]): string {
  const i = cmd.indexOf(TOOLS_INSTALL_PROGRAM);
  if (i >= 0) return `the pipeline's tools (${cmd.slice(i + 1).join(" ")}), beside the project's installed packages`;
  return cmd.join(" ");
}

/** The run report of `stage` when installing its dependencies failed. */
export function installFailedReport(stage: string, failure: InstallFailure, plan: Pick<DependencyPlan, "why" | "source" | "notes">): RunReport {
  const f = { ...failure, stdout: withoutColour(failure.stdout), stderr: withoutColour(failure.stderr) };
  const output = `${f.stderr}\n${f.stdout}`;
  const lines = output.split("\n").map((l) => l.trimEnd());
  // pip's own verdict (`ERROR: ...`) first; a build backend's `error:` lines come before it.
  // Without such a line, the last of stderr (where pip and uv say what went wrong) before stdout's progress lines.
  const lastOf = (s: string) =>
    s
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1);
  const firstError =
    lines.find((l) => /^ERROR\b/.test(l.trim())) ??
    lines.find((l) => /^(error|Error)\b/.test(l.trim())) ??
    lastOf(f.stderr) ??
    lastOf(f.stdout) ??
    `exit code ${f.exitCode}`;
  const tail = (s: string) => s.trim().split("\n").slice(-INSTALL_TAIL).join("\n");
  const details = [
    `dependencies: ${plan.source} (${plan.why})`,
    `install command: ${describeCommand(f.cmd)} (exit ${f.exitCode})`,
    ...plan.notes,
    f.stderr.trim() ? tail(f.stderr) : "",
    f.stdout.trim() ? `stdout:\n${tail(f.stdout)}` : "",
  ].filter(Boolean);
  return runReport({
    stage,
    passed: false,
    summary: `${stage} failed: installing the project's dependencies failed: ${firstError.trim()}`,
    details: details.join("\n"),
    findings: [{ source: "pip", rule: "INSTALL", severity: "error", message: firstError.trim() }],
    data: { install: { source: plan.source, exitCode: f.exitCode } },
  });
}
