/** flake8 (pycodestyle, pyflakes, mccabe), on the project's Python version. */
import type { Finding } from "../../findings.js";
import { VERSIONS } from "../../versions.js";
import { relativeTo } from "../python-tools.js";
import { defineLinter } from "./types.js";

/** flake8 default format: `path:line:col: CODE message`, one issue per line; W codes are warnings. */
export function parseFlake8(report: string, root = ""): Finding[] {
  const out: Finding[] = [];
  for (const line of report.split("\n")) {
    const m = /^(.+?):(\d+):(\d+): ([A-Z]+\d+) (.*)$/.exec(line.trimEnd());
    if (!m) continue;
    out.push({
      source: "flake8",
      rule: m[4]!,
      severity: m[4]!.startsWith("W") ? "warning" : "error",
      message: m[5]!,
      file: relativeTo(m[1]!, root),
      line: Number(m[2]),
      column: Number(m[3]),
    });
  }
  return out;
}

/** flake8: its default format, since it has no JSON formatter without plugins. */
export const flake8 = defineLinter({
  id: "flake8",
  summary: "flake8 (pycodestyle, pyflakes, mccabe)",
  package: "flake8",
  version: VERSIONS.linters.flake8,
  // The project's Python decides which syntax pyflakes accepts.
  needs: "interpreter",
  reportName: "flake8.txt",
  configFiles: [".flake8", "setup.cfg", "tox.ini"],
  argv: (paths) => ["flake8", "--format=default", ...paths],
  parse: (report, root) => parseFlake8(report, root),
});
