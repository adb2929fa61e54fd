/**
 * User-facing errors. Every failure names the input that caused it, what is wrong, and what to
 * do about it, so a `dagger call` user can fix the call without reading the source.
 */

/** A bad argument, file or configuration value. Raised before anything is run, written or pushed. */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    /** The argument, file or path at fault, e.g. `platforms`, `gitops/values-prod.yaml: image.tag`. */
    readonly input: string,
    /** What is wrong with it. */
    readonly problem: string,
    /** What to do instead. */
    readonly fix: string,
  ) {
    super(`${input}: ${problem}. ${fix}`);
  }
}

/** A stage ran and failed (lint issues, failing tests, policy violations...). */
export class StageError extends Error {
  override readonly name = "StageError";
  constructor(
    /** Pipeline stage: lint, test, build, publish, scan, validate, e2e, bump, promote. */
    readonly stage: string,
    /** One-paragraph summary of why, with the figures that matter. */
    readonly summary: string,
  ) {
    // A run's summary usually names its stage already ("lint failed: ..."): no second prefix.
    super(summary.startsWith(`${stage} `) ? summary : `${stage} failed: ${summary}`);
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
