/**
 * add-app's stage: read the tree, plan the new app (core/scaffold), write its files onto the
 * tree, and validate the new app with the validate stage before the tree is returned. A tree
 * that does not validate is not returned: the call fails with the findings.
 */
import type { Directory } from "@dagger.io/dagger";
import { planAddApp, type AddAppInputs } from "../core/scaffold/add-app.js";
import { readScaffoldSource } from "../core/scaffold/source.js";
import { withWrites, type ValidateStageOptions, type ValidateTools } from "../validate/containers.js";
import type { Run } from "../run.js";

/**
 * The tree with the new app (new files, and gitops-pipeline.yaml replaced), validated with the
 * pipeline's tools by `validateStage` (handed in by the caller, so this stage imports no other stage).
 */
export async function addAppStage(
  gitops: Directory,
  inputs: AddAppInputs,
  tools: ValidateTools,
  validateStage: (o: ValidateStageOptions) => Promise<Run>,
): Promise<Directory> {
  const files = (await gitops.glob("**/*")).filter((p) => !p.endsWith("/"));
  const source = await readScaffoldSource(files, (p) => gitops.file(p).contents());
  const plan = planAddApp(source, inputs);
  const tree = withWrites(gitops, plan.files);
  const run = await validateStage({ tools, gitops: tree, app: plan.app });
  const r = run.result;
  if (!r.passed) throw new Error(`add-app: the new app ${plan.app} does not validate, so no tree is returned: ${r.summary}\n${r.details}`);
  return tree;
}
