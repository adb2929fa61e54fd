/**
 * add-app as a generator (`dagger generate`): what it does for a tree, and where its Changeset's
 * paths start. `dagger generate` exports the merged Changeset into the directory the CLI runs in
 * (the repository's root), and `dagger check` reports a generator whose Changeset is not empty as
 * stale: so the generator adds the declared app once and is empty from then on.
 */
import { posix } from "node:path";
import { z } from "zod";
import type { PipelineConfig } from "../gitops-config.js";
import { parseInputs } from "../inputs.js";

/** What the add-app generator does with a tree: nothing (no app declared, or it exists already) or add the app. */
export type AddAppGeneration = { action: "none"; reason: string } | { action: "add"; name: string };

/**
 * Decide from the tree's gitops-pipeline.yaml. An empty name declares nothing: the generator is
 * listed by `dagger generate -l` but changes nothing until a name is given (a customization in the
 * consumer's dagger.json, or `dagger call ... add-app --name`).
 */
export function addAppGeneration(pipeline: PipelineConfig, name: string): AddAppGeneration {
  const n = name.trim();
  if (!n) return { action: "none", reason: "no app declared (--name is empty)" };
  const known = [...pipeline.apps.map((a) => a.name), ...pipeline.duplicates.map((d) => d.name)];
  if (known.includes(n)) return { action: "none", reason: `app ${n} exists in ${pipeline.file}` };
  return { action: "add", name: n };
}

const pathArg = z.object({
  path: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._/-]*$/, { error: "is not a plain relative path (letters, digits, '.', '_', '-', '/')" })
    .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), { error: "must be relative to the repository's root, without '..'" })
    .describe('pass where the gitops tree sits in the repository dagger runs in, e.g. deploy, or "." for its root'),
});

/**
 * The directory, relative to where `dagger generate` runs, the Changeset's paths start at: the
 * `--path` given, else the tree's repoPath (where the tree sits in its repository, which is the
 * repository the team runs dagger in when the gitops tree lives beside the app). "." when at the root.
 */
export function changesRoot(path: string, repoPath: string): string {
  const given = parseInputs(pathArg, { path }).path;
  const p = posix.normalize(given || repoPath || ".").replace(/\/+$/, "");
  return p === "" ? "." : p;
}

/** The repository paths a Changeset touches for the tree's files (relative to the tree). */
export function repositoryPaths(root: string, files: readonly { path: string }[]): string[] {
  return files.map((f) => (root === "." ? f.path : posix.join(root, f.path)));
}
