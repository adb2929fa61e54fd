/**
 * What add-app reads from a gitops tree, through any reader (the stage's Directory, a local
 * directory in the tests): the layout, the Argo CD objects (ApplicationSets expanded, so a
 * template app whose Applications are generated works too) and the apps' values files.
 */
import { DEFAULT_PIPELINE_CONFIG, GITOPS_CONFIG_FILE, parsePipelineConfig } from "../gitops-config.js";
import { expandApplicationSets } from "../validate/applicationset.js";
import { GitopsTree, readArgoObjects } from "../validate/argocd.js";
import type { ScaffoldSource } from "./add-app.js";

/** Read everything add-app needs from a tree with these files. */
export async function readScaffoldSource(files: readonly string[], read: (path: string) => Promise<string>): Promise<ScaffoldSource> {
  const tree = new GitopsTree(files);
  const configText = tree.hasFile(GITOPS_CONFIG_FILE) ? await read(GITOPS_CONFIG_FILE) : undefined;
  const pipeline = configText === undefined ? DEFAULT_PIPELINE_CONFIG : parsePipelineConfig(configText);
  const { objects } = await readArgoObjects(read, tree, pipeline.argocd);
  const texts = new Map<string, string>();
  for (const app of pipeline.apps)
    for (const env of Object.values(app.environments)) for (const f of env.values) if (tree.hasFile(f) && !texts.has(f)) texts.set(f, await read(f));
  return {
    pipeline,
    ...(configText === undefined ? {} : { configText }),
    tree,
    read: (p) => {
      const t = texts.get(p);
      if (t === undefined) throw new Error(`${p}: not read`); // planAddApp reads only the template's values files
      return t;
    },
    argo: [...objects, ...expandApplicationSets(objects).applications],
  };
}
