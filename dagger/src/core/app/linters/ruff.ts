/**
 * ruff check, with ruff's port of bandit (the security rules `S`) always on. Its JSON report is
 * also the shape of ruff's format check (ruff-format.ts).
 */
import type { Finding } from "../../findings.js";
import { VERSIONS } from "../../versions.js";
import { relativeTo } from "../python-tools.js";
import { defineLinter } from "./types.js";

/**
 * Security rules ruff always checks (its port of bandit, `S`), whatever the app's own config
 * selects: given on the command line, they win over the config's `select`/`ignore`, so an app
 * can add rules but not silently drop these. An app waives one with an inline `# noqa: S…` or a
 * per-file ignore in its config, both visible in review.
 */
export const SECURITY_RULES = "S";

/** Test files: pytest's (test_*.py, *_test.py, conftest.py, tests/) and unittest's single tests.py. */
export const TEST_FILE_GLOBS = ["**/tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py", "**/tests.py"] as const;

/**
 * Security rules that are noise in test files, waived there only: `assert` (S101) is how pytest
 * works, and the hard-coded password rules (S105 string, S106 argument, S107 default argument)
 * fire on the fake credentials every login test needs. A real secret in a test file is still
 * caught by the secret scan (Trivy's rules match key and token formats, not variable names).
 */
export const TEST_FILE_WAIVED_RULES = ["S101", "S105", "S106", "S107"] as const;

/** ruff's configuration files (pyproject's `[tool.ruff]` too). */
export const RUFF_CONFIG_FILES = ["pyproject.toml", "ruff.toml", ".ruff.toml"] as const;

interface RuffItem {
  code: string | null;
  message: string;
  filename: string;
  location?: { row: number; column: number } | null;
}

/** ruff `--output-format=json` (check and format --check): an array of issues with absolute file names. */
export function parseRuffJson(report: string, root = "", source = "ruff"): Finding[] {
  const items = JSON.parse(report || "[]") as RuffItem[];
  if (!Array.isArray(items)) throw new Error("ruff report is not a JSON array");
  return items.map((i) => ({
    source,
    rule: i.code ?? "syntax-error",
    severity: "error" as const,
    message: i.message,
    file: relativeTo(i.filename, root),
    ...(i.location ? { line: i.location.row, column: i.location.column } : {}),
  }));
}

/** ruff check. */
export const ruff = defineLinter({
  id: "ruff",
  summary: "ruff check with the security rules (S) always on",
  package: "ruff",
  version: VERSIONS.linters.ruff,
  needs: "nothing",
  reportName: "ruff.json",
  configFiles: RUFF_CONFIG_FILES,
  // JSON with file, row, column and code for every issue; no cache dir in the source tree.
  argv: (paths) => [
    "ruff",
    "check",
    "--no-cache",
    "--output-format=json",
    `--extend-select=${SECURITY_RULES}`,
    "--config",
    `lint.extend-per-file-ignores = {${TEST_FILE_GLOBS.map((g) => `"${g}" = [${TEST_FILE_WAIVED_RULES.map((r) => `"${r}"`).join(", ")}]`).join(", ")}}`,
    ...paths,
  ],
  parse: (report, root) => parseRuffJson(report, root),
});
