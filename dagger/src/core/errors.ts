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
    super(`${stage} failed: ${summary}`);
  }
}
