/**
 * The registry of the lint stage's linters: one file per linter in this folder, listed once here.
 * Everything else reads this list: the `--linters` and `lint.linters` choices and their errors,
 * the toolchain's Python pins, the stage's containers and reports, the settings' JSON Schema and
 * the linter table of docs/app-stages.md (`tests/unit/linters.test.ts` fails when one of them
 * does not follow it). Adding a linter: its file here, its pin in versions.ts, one line below.
 */
import { InputError } from "../../errors.js";
import { commaList } from "../../inputs.js";
import { flake8 } from "./flake8.js";
import { mypy } from "./mypy.js";
import { pylint } from "./pylint.js";
import { ruffFormat } from "./ruff-format.js";
import { ruff } from "./ruff.js";

export type { Linter, LinterNeeds } from "./types.js";

/** Every linter, in the order the docs list them. */
export const LINTER_REGISTRY = [ruff, ruffFormat, flake8, pylint, mypy] as const;

/** A linter's name, as `--linters` and the settings take it. */
export type LinterName = (typeof LINTER_REGISTRY)[number]["id"];

/** The PyPI package of some linter. */
export type LinterPackage = (typeof LINTER_REGISTRY)[number]["package"];

/** The linters' names. */
export const LINTERS: readonly LinterName[] = LINTER_REGISTRY.map((l) => l.id);

/** The linter of a (valid) name. */
export function linter(name: LinterName): (typeof LINTER_REGISTRY)[number] {
  return LINTER_REGISTRY.find((l) => l.id === name)!;
}

/** The linters' PyPI packages and their pinned versions (ruff once for ruff and ruff-format). */
export const LINTER_PINS = Object.fromEntries(LINTER_REGISTRY.map((l) => [l.package, l.version])) as Record<LinterPackage, string>;

/**
 * Linter names as a user writes them (any case, `_` for `-`, comma-separated items), checked
 * against the registry and deduplicated; an InputError naming `input` for an unknown name or none.
 */
export function parseLinterNames(items: readonly string[], input = "linters"): LinterName[] {
  const names = [...new Set(items.flatMap(commaList).map((x) => x.toLowerCase().replace(/_/g, "-")))];
  const bad = names.find((n) => !(LINTERS as readonly string[]).includes(n));
  if (bad !== undefined) throw new InputError(input, `"${bad}" is not a linter`, `use some of ${LINTERS.join(", ")}`);
  if (names.length === 0) throw new InputError(input, "lists no linter", "give at least one, e.g. ruff");
  return names as LinterName[];
}

/** The linter table of docs/app-stages.md (between its `linters` markers), rendered from the registry. */
export function lintersTable(): string {
  const rows = LINTER_REGISTRY.map(
    (l) => `| \`${l.id}\` | ${l.summary} | ${l.package} ${l.version} | ${l.needs} | \`${l.reportName}\` | ${l.configFiles.map((f) => `\`${f}\``).join(", ")} |`,
  );
  return ["| linter | checks | PyPI package | needs from the project | report | its own config |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}
