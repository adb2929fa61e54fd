/** ruff's Black-compatible format check (`ruff format --check`). */
import { VERSIONS } from "../../versions.js";
import { parseRuffJson, RUFF_CONFIG_FILES } from "./ruff.js";
import { defineLinter } from "./types.js";

/** ruff format --check: every file that would be reformatted, in ruff's JSON shape (code "unformatted"). */
export const ruffFormat = defineLinter({
  id: "ruff-format",
  summary: "ruff's Black-compatible format check (ruff format --check)",
  package: "ruff",
  version: VERSIONS.linters.ruff,
  needs: "nothing",
  reportName: "ruff-format.json",
  configFiles: RUFF_CONFIG_FILES,
  argv: (paths) => ["ruff", "format", "--check", "--no-cache", "--output-format=json", ...paths],
  parse: (report, root) => parseRuffJson(report, root, "ruff-format"),
});
