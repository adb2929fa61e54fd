/**
 * Build an SDK `Directory` from files on disk with `dag.directory().withNewFile(...)`, so plan
 * tests and benchmarks can give stages a real tree (app/, a fixture) without an engine.
 */
import { dag, type Directory } from "@dagger.io/dagger";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  declarationsToRead,
  needsRequirementsDir,
  REQUIREMENTS_DIR,
  withDeclarationTexts,
  type ProjectDeclarations,
} from "../../dagger/src/core/app/dependencies.js";

const SKIP = new Set(["__pycache__", ".pytest_cache", ".venv", ".ruff_cache", ".coverage"]);

/** Every file below `dir` (relative paths, sorted), skipping caches. */
export function filesOf(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, filesOf(p, base));
    else out[relative(base, p)] = readFileSync(p, "utf8");
  }
  return out;
}

/** A Directory holding exactly `files`. */
export function treeOf(files: Record<string, string>): Directory {
  let d = dag.directory();
  for (const [path, contents] of Object.entries(files)) d = d.withNewFile(path, contents);
  return d;
}

/** The declarations a tree gives, read as readDeclarations reads them from the engine (the same core loop). */
export function declarationsOf(files: Record<string, string>): ProjectDeclarations {
  const entries = [...new Set(Object.keys(files).map((f) => (f.includes("/") ? `${f.split("/")[0]}/` : f)))];
  let d: ProjectDeclarations = { entries, contents: {} };
  if (needsRequirementsDir(entries))
    d = {
      ...d,
      requirementsDir: Object.keys(files)
        .filter((f) => f.startsWith(`${REQUIREMENTS_DIR}/`) && !f.slice(REQUIREMENTS_DIR.length + 1).includes("/"))
        .map((f) => f.slice(REQUIREMENTS_DIR.length + 1)),
    };
  for (let need = declarationsToRead(d); need.length; need = declarationsToRead(d))
    d = withDeclarationTexts(
      d,
      need,
      need.map((f) => files[f]),
    );
  return d;
}
