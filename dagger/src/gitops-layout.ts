/** Reads a gitops tree's layout file (gitops-pipeline.yaml), shared by validate, e2e and bump. */
import type { Directory } from "@dagger.io/dagger";
import { DEFAULT_PIPELINE_CONFIG, GITOPS_CONFIG_FILE, parsePipelineConfig, selectApp, type GitopsConfig, type PipelineConfig } from "./core/gitops-config.js";

/** The tree's gitops-pipeline.yaml (every app), or this repository's layout when the tree has none. */
export async function readPipelineLayout(gitops: Directory): Promise<PipelineConfig> {
  const entries = await gitops.entries();
  if (!entries.includes(GITOPS_CONFIG_FILE)) return DEFAULT_PIPELINE_CONFIG;
  return parsePipelineConfig(await gitops.file(GITOPS_CONFIG_FILE).contents());
}

/** One app of the tree: `app` by name, or the only one when "" (a multi-app tree needs the name; errors name `arg`). */
export async function readGitopsLayout(gitops: Directory, app = "", arg = "app"): Promise<GitopsConfig> {
  return selectApp(await readPipelineLayout(gitops), app, arg);
}
