/**
 * add-app as a Changeset, for `dagger generate` and `dagger call ... add-app`: the scaffolded tree
 * compared with the tree as it is, both placed where the tree sits in the repository, so the
 * CLI applies the new files there (it exports a Changeset into the directory it runs in).
 */
import { dag, type Changeset, type Directory } from "@dagger.io/dagger";
import { addAppGeneration, changesRoot } from "../core/scaffold/generate.js";
import { DEFAULTS } from "../core/defaults.js";
import { readPipelineLayout } from "../gitops-layout.js";

/** `dir` placed at `root` of an empty directory ("." keeps it as it is). */
export function atRoot(root: string, dir: Directory): Directory {
  return root === "." ? dir : dag.directory().withDirectory(root, dir);
}

/** A Changeset that changes nothing: the generator is up to date. */
export function noChanges(): Changeset {
  return dag.directory().changes(dag.directory());
}

/**
 * The changes add-app makes to `gitops`: none when no app is named or the app exists (the
 * generator is then up to date), else the files of the new, validated app (`scaffold` builds the
 * tree with it) under the tree's place in the repository.
 */
export async function addAppChanges(gitops: Directory, name: string, path: string, scaffold: () => Promise<Directory>): Promise<Changeset> {
  if (!name.trim()) return noChanges();
  const pipeline = await readPipelineLayout(gitops);
  const root = changesRoot(path, pipeline.repoPath); // before anything is built
  if (addAppGeneration(pipeline, name).action === "none") return noChanges();
  const after = await scaffold();
  return atRoot(root, after).changes(atRoot(root, gitops));
}

/** The environment `dagger up` runs locally when none is given: the default one when the tree declares it, else its first. */
export function localEnvironment(declared: readonly string[]): string {
  return declared.includes(DEFAULTS.environment) ? DEFAULTS.environment : (declared[0] ?? DEFAULTS.environment);
}
