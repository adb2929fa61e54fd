/** Reads a gitops tree's layout file (gitops-pipeline.yaml), shared by validate, e2e and bump. */
import type { Directory } from "@dagger.io/dagger";
import { DEFAULT_GITOPS_CONFIG, GITOPS_CONFIG_FILE, parseGitopsConfig, type GitopsConfig } from "./core/gitops-config.js";

/** The tree's gitops-pipeline.yaml, or this repository's layout when the tree has none. */
export async function readGitopsLayout(gitops: Directory): Promise<GitopsConfig> {
  const entries = await gitops.entries();
  if (!entries.includes(GITOPS_CONFIG_FILE)) return DEFAULT_GITOPS_CONFIG;
  return parseGitopsConfig(await gitops.file(GITOPS_CONFIG_FILE).contents());
}
