/**
 * The tuning of one validation, read from the gitops tree: the `policy:` section of
 * gitops-pipeline.yaml (rule names, apps and environments checked) and the waivers file (the one
 * `policy.waivers` names, which must exist, else policy-waivers.yaml when the tree has it).
 */
import { InputError } from "../../errors.js";
import type { PipelineConfig } from "../../gitops-config.js";
import { TUNABLE_RULES } from "./index.js";
import { DEFAULT_POLICY, parseWaiversFile, WAIVERS_FILE, type FileWaiver } from "./settings.js";
import { checkTuningNames, PolicyTuning } from "./tuning.js";

/** What loading needs from the tree. */
export interface PolicySource {
  hasFile(path: string): boolean;
  read(path: string): Promise<string>;
}

/** Read the tuning of `pipeline`'s tree; `today` (YYYY-MM-DD, UTC) is when waivers expire against. */
export async function loadPolicyTuning(tree: PolicySource, pipeline: PipelineConfig, today?: string): Promise<PolicyTuning> {
  const settings = pipeline.policy ?? DEFAULT_POLICY;
  checkTuningNames(settings, pipeline.file, {
    rules: TUNABLE_RULES,
    apps: pipeline.apps.map((a) => a.name),
    environments: [...new Set(pipeline.apps.flatMap((a) => Object.keys(a.environments)))],
  });
  const file = settings.waivers ?? WAIVERS_FILE;
  let waivers: FileWaiver[] = [];
  if (tree.hasFile(file)) waivers = parseWaiversFile(await tree.read(file), file);
  else if (settings.waivers)
    throw new InputError(`${pipeline.file}: policy.waivers`, `names ${file}, which is not in the gitops tree`, `create ${file} or fix policy.waivers`);
  return new PolicyTuning(
    { settings, settingsFile: pipeline.file, waivers, waiversFile: file, multiApp: pipeline.multiApp, ...(today ? { today } : {}) },
    TUNABLE_RULES,
  );
}
