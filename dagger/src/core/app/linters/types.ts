/**
 * What one linter of the lint stage is: everything the stage, the inputs, the settings, the
 * toolchain pins and the docs read about it. Each linter is one file in this folder exporting one
 * `Linter`, registered in `index.ts` (as policy rule groups are in `validate/policy/index.ts`).
 */
import type { Finding } from "../../findings.js";

/**
 * What a linter needs from the app's project before it runs:
 * - `nothing`: it parses the source alone and runs on the pinned Python image (ruff);
 * - `interpreter`: it runs on the project's Python version, without the project's packages (flake8);
 * - `dependencies`: it imports or type-checks against the project's packages, installed first (pylint, mypy).
 */
export type LinterNeeds = "nothing" | "interpreter" | "dependencies";

/** One linter: its name, pin, argv, report parser and configuration files. */
export interface Linter<Id extends string = string, Package extends string = string> {
  /** Its name in `--linters` and in the settings' `lint.linters` (lower-case kebab case). */
  readonly id: Id;
  /** One line for the docs: what it checks. */
  readonly summary: string;
  /** The PyPI package it comes from; several linters may share one (ruff, ruff-format). */
  readonly package: Package;
  /** The package's pinned version: read from versions.ts, the one pin place. */
  readonly version: string;
  /** What it needs from the project before it runs. */
  readonly needs: LinterNeeds;
  /** File name of its report among the lint stage's artifacts. */
  readonly reportName: string;
  /** Configuration files of the app it reads on its own (for the docs; the linter finds them itself). */
  readonly configFiles: readonly string[];
  /** argv over `paths` (relative to the source directory), writing a machine-readable report to stdout. */
  argv(paths: readonly string[]): string[];
  /** Findings of its report (the stdout of `argv`), with file names relative to `root` (the directory it ran in). */
  parse(report: string, root: string): Finding[];
}

/** Declares a linter keeping its id and package as literal types (so the registry's ids are a union). */
export function defineLinter<const Id extends string, const Package extends string>(linter: Linter<Id, Package>): Linter<Id, Package> {
  return linter;
}
