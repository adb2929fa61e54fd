/** mypy, the static type checker, with the project's dependencies installed (it reads their types). */
import type { Finding, Severity } from "../../findings.js";
import { VERSIONS } from "../../versions.js";
import { relativeTo } from "../python-tools.js";
import { defineLinter } from "./types.js";

/** One line of mypy's `--output=json` report. */
interface MypyItem {
  file: string;
  line: number;
  column: number;
  message: string;
  hint: string | null;
  code: string | null;
  severity: string;
}

const MYPY_SEVERITY: Record<string, Severity> = { error: "error", note: "info" };

/**
 * mypy `--output=json`: one JSON object per line. Its columns count from 0 (the text format's
 * from 1, as Finding's do); a file-level problem (a duplicate module) has line -1. Lines that are
 * not JSON objects are skipped: mypy prints nothing else there, and a crash still fails the run by
 * its exit code.
 */
export function parseMypyJson(report: string, root = ""): Finding[] {
  const out: Finding[] = [];
  for (const line of report.split("\n")) {
    if (!line.trimStart().startsWith("{")) continue;
    const i = JSON.parse(line) as MypyItem;
    if (typeof i.file !== "string" || typeof i.message !== "string") throw new Error("mypy report line has no file or message");
    out.push({
      source: "mypy",
      rule: i.code ?? "mypy",
      severity: MYPY_SEVERITY[i.severity] ?? "info",
      // The hint says how to fix it (a missing stub, a duplicate module): one line.
      message: i.hint ? `${i.message} (${i.hint.replace(/\s+/g, " ").trim()})` : i.message,
      file: relativeTo(i.file, root),
      ...(i.line > 0 ? { line: i.line, ...(i.column >= 0 ? { column: i.column + 1 } : {}) } : {}),
    });
  }
  return out;
}

/** mypy over the paths, with the app's own mypy configuration; no cache in the source tree. */
export const mypy = defineLinter({
  id: "mypy",
  summary: "mypy, the static type checker, with the project's dependencies installed",
  package: "mypy",
  version: VERSIONS.linters.mypy,
  needs: "dependencies",
  reportName: "mypy.jsonl",
  configFiles: ["mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"],
  argv: (paths) => ["mypy", "--output=json", "--cache-dir=/dev/null", ...paths],
  parse: (report, root) => parseMypyJson(report, root),
});
