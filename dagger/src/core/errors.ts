/**
 * User-facing errors. Every failure names the input that caused it, what is wrong, and what to
 * do about it, so a `dagger call` user can fix the call without reading the source.
 *
 * Both error classes pass their texts through the module's one redaction (redact.ts): an error
 * is a text that leaves the module, and its pieces (problem, summary) are quoted by reports.
 */
import { redact } from "./redact.js";

/**
 * How a `dagger call` user sees an argument: the engine kebab-cases names and splits digits from
 * letters (`minCoverage` → `--min-coverage`, `e2e` → `--e-2-e`), each of a comma-separated pair. A
 * file path (`file: key`) or any other text is shown as it is.
 */
export function cliSpelling(input: string): string {
  // Two arguments at fault together ("key, identityToken"): each spelt as a flag.
  if (/^[a-z][A-Za-z0-9]*(, [a-z][A-Za-z0-9]*)+$/.test(input)) return input.split(", ").map(cliSpelling).join(", ");
  if (!/^[a-z][A-Za-z0-9]*$/.test(input)) return input;
  const words = (input.match(/[0-9]+|[A-Za-z]+/g) ?? []).flatMap((chunk) =>
    /^[0-9]/.test(chunk) ? [chunk] : (chunk.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? [chunk]),
  );
  return `--${words.map((w) => w.toLowerCase()).join("-")}`;
}

/** A bad argument, file or configuration value. Raised before anything is run, written or pushed. */
export class InputError extends Error {
  override readonly name = "InputError";
  /** The argument (its TypeScript name; the message spells it as the CLI does), file or path at fault, e.g. `platforms`, `gitops/values-prod.yaml: image.tag`. */
  readonly input: string;
  /** What is wrong with it. */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: string;
  constructor(input: string, problem: string, fix: string) {
    super(redact(`${cliSpelling(input)}: ${problem}. ${fix}`));
    this.input = redact(input);
    this.problem = redact(problem);
    this.fix = redact(fix);
  }
}

/** A stage ran and failed (lint issues, failing tests, policy violations...). */
export class StageError extends Error {
  override readonly name = "StageError";
  /** Pipeline stage: lint, test, build, publish, scan, validate, e2e, bump, promote. */
  readonly stage: string;
  /** One-paragraph summary of why, with the figures that matter. */
  readonly summary: string;
  constructor(stage: string, summary: string) {
    // A run's summary usually names its stage already ("lint failed: ..."): no second prefix.
    super(redact(summary.startsWith(`${stage} `) ? summary : `${stage} failed: ${summary}`));
    this.stage = stage;
    this.summary = redact(summary);
  }
}

/** What a failed container command reports: its argv, exit code and output. */
export interface ExecFailure {
  cmd: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The failed command behind an SDK error, or undefined for any other error. Read by shape, not
 * by class: inside a module the runtime's `@dagger.io/dagger` entry does not export the SDK's
 * error classes (importing `ExecError` fails at load time), but the errors it throws still carry
 * `name: "ExecError"` and these fields.
 */
export function execFailure(err: unknown): ExecFailure | undefined {
  if (!(err instanceof Error) || err.name !== "ExecError") return undefined;
  const e = err as Error & Partial<ExecFailure>;
  if (!Array.isArray(e.cmd) || typeof e.exitCode !== "number") return undefined;
  return { cmd: e.cmd.map(String), exitCode: e.exitCode, stdout: String(e.stdout ?? ""), stderr: String(e.stderr ?? "") };
}
