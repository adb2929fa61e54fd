/** pylint, with the project's dependencies installed (it imports the app's modules). */
import type { Finding, Severity } from "../../findings.js";
import { VERSIONS } from "../../versions.js";
import { relativeTo } from "../python-tools.js";
import { defineLinter } from "./types.js";

interface PylintMessage {
  type: string;
  symbol: string;
  message: string;
  messageId: string;
  path: string;
  line: number;
  column: number;
}

const PYLINT_SEVERITY: Record<string, Severity> = { fatal: "error", error: "error", warning: "warning" };

/** pylint `--output-format=json2`: `{ messages: [...], statistics: {...} }`. */
export function parsePylintJson2(report: string, root = ""): Finding[] {
  const doc = JSON.parse(report || '{"messages": []}') as { messages?: PylintMessage[] };
  if (!doc || !Array.isArray(doc.messages)) throw new Error("pylint report has no messages array");
  return doc.messages.map((m) => ({
    source: "pylint",
    rule: `${m.messageId} ${m.symbol}`,
    severity: PYLINT_SEVERITY[m.type] ?? "info",
    message: m.message,
    file: relativeTo(m.path, root),
    line: m.line,
    column: m.column,
  }));
}

/** pylint over every package and module below the paths. */
export const pylint = defineLinter({
  id: "pylint",
  summary: "pylint, with the project's dependencies installed",
  package: "pylint",
  version: VERSIONS.linters.pylint,
  needs: "dependencies",
  reportName: "pylint.json",
  configFiles: ["pyproject.toml", ".pylintrc", "pylintrc", "setup.cfg"],
  argv: (paths) => ["pylint", "--output-format=json2", "--recursive=y", "--score=n", ...paths],
  parse: (report, root) => parsePylintJson2(report, root),
});
