/**
 * The apps a validation covers and what their inputs allow, before any tool runs: the layout
 * (gitops-pipeline.yaml or the defaults), the strict input checks of a single-app tree, and, in
 * a multi-app tree, the same problems as findings naming the app (APP-INPUT, APP-DUPLICATE), so
 * one broken app does not hide the others.
 */
import { InputError } from "../errors.js";
import {
  DEFAULT_PIPELINE_CONFIG,
  GITOPS_CONFIG_FILE,
  parsePipelineConfig,
  selectApp,
  selectEnvironments,
  type GitopsConfig,
  type PipelineConfig,
} from "../gitops-config.js";
import { sourcesOf, treePath, type GitopsTree } from "./argocd.js";
import { KUSTOMIZATION_FILES, missingOverlays, overlaysOf, type Overlay } from "./kustomize.js";
import { asText, checkValuesFile, type Manifest } from "./manifests.js";
import type { ValidationFinding, ValidationOptions, ValidationPort } from "./validation-types.js";

/** The checks of a multi-app gitops-pipeline.yaml against the tree, with what each one proves. */
export const APP_RULES = {
  "APP-INPUT": "every app's chart and every environment's values files exist and are YAML maps (in a single-app tree these fail the call instead)",
  "APP-DUPLICATE": "every app of apps: has its own name",
} as const;

/** Read the tree's layout: gitops-pipeline.yaml when present, else the defaults. */
export async function loadPipeline(port: Pick<ValidationPort, "read">, tree: GitopsTree): Promise<PipelineConfig> {
  return tree.hasFile(GITOPS_CONFIG_FILE) ? parsePipelineConfig(await port.read(GITOPS_CONFIG_FILE)) : DEFAULT_PIPELINE_CONFIG;
}

/** Check the inputs that must be right before any tool runs; InputError names the file. */
export async function checkInputs(port: Pick<ValidationPort, "read">, tree: GitopsTree, config: GitopsConfig, envs: readonly string[]): Promise<void> {
  if (config.chart && !tree.hasFile(`${config.chart}/Chart.yaml`)) {
    throw new InputError(
      `${config.chart}/Chart.yaml`,
      `no Helm chart at '${config.chart}' in the gitops directory`,
      `pass the gitops directory that holds the chart, or set 'chart' in ${GITOPS_CONFIG_FILE}`,
    );
  }
  for (const env of envs) {
    for (const file of config.environments[env]!.values) {
      if (!tree.hasFile(file))
        throw new InputError(
          file,
          `values file of environment ${env} does not exist`,
          `create it or fix 'environments.${env}.values' in ${GITOPS_CONFIG_FILE}`,
        );
      checkValuesFile(await port.read(file), file);
    }
  }
}

/** One app's share of the work: the environments it validates and what its inputs allow. */
export interface AppPlan {
  config: GitopsConfig;
  /** The app's name in a multi-app tree (tags findings and renderings), undefined in a single-app one. */
  tag?: string;
  envNames: string[];
  /** Environments helm renders (a missing chart or values file leaves them out, as a finding). */
  helmEnvs: string[];
  overlays: Overlay[];
}

/**
 * The apps and environments to validate. A single-app tree keeps its strict inputs (a missing
 * chart or values file is an InputError); in a multi-app tree those become findings naming the
 * app, so one broken app does not hide the others' results.
 */
export async function planApps(
  port: ValidationPort,
  tree: GitopsTree,
  pipeline: PipelineConfig,
  opts: ValidationOptions,
  application: (name: string) => Manifest | undefined = () => undefined,
  /** The apps a change selected (undefined: every app). */
  only?: readonly string[],
): Promise<{ plans: AppPlan[]; findings: ValidationFinding[]; reported: Set<string> }> {
  // An environment's Application that deploys a kustomization of the tree says where its overlay is.
  const overlaysFor = (config: GitopsConfig, envNames: readonly string[]): Overlay[] =>
    overlaysOf(tree, config.kustomize, envNames, (env) => {
      const app = application(config.environments[env]!.application);
      return app
        ? sourcesOf(app)
            .map((s) => treePath(config.repoPath, asText(s.s.path)))
            .find((d): d is string => d !== undefined && d !== "" && KUSTOMIZATION_FILES.some((n) => tree.hasFile(`${d}/${n}`)))
        : undefined;
    });
  const requested = opts.environments ?? [];
  const reported = new Set<string>();
  const findings: ValidationFinding[] = [];
  if (!pipeline.multiApp) {
    const config = selectApp(pipeline);
    const envNames = selectEnvironments(config, requested);
    await checkInputs(port, tree, config, envNames);
    const overlays = overlaysFor(config, envNames);
    if (!config.chart && config.kustomize)
      findings.push(...missingOverlays(config.kustomize, envNames, overlays, pipeline.file).map((f) => (reported.add(f.file!), f)));
    return { plans: [{ config, envNames, helmEnvs: config.chart ? envNames : [], overlays }], findings, reported };
  }
  for (const d of pipeline.duplicates) {
    findings.push({
      source: "gitops-pipeline",
      rule: "APP-DUPLICATE",
      severity: "error",
      file: pipeline.file,
      path: `apps[${d.index}].name`,
      app: d.name,
      environment: d.environments.join(", "),
      message: `app ${d.name} is declared twice (apps[${d.index}] repeats the name, its environments ${d.environments.join(", ")} are not validated): give every app its own name`,
    });
  }
  const apps = (opts.app ? [selectApp(pipeline, opts.app)] : pipeline.apps).filter((a) => !only || only.includes(a.name));
  if (requested.length) {
    const known = [...new Set(apps.flatMap((a) => Object.keys(a.environments)))];
    const unknown = requested.filter((e) => !known.includes(e));
    if (unknown.length)
      throw new InputError(
        "environments",
        `unknown environment '${unknown.join("', '")}' (no app of ${pipeline.file} declares it; they declare ${known.join(", ")})`,
        `pass one of: ${known.join(", ")}`,
      );
  }
  const plans: AppPlan[] = [];
  for (const config of apps) {
    const envNames = Object.keys(config.environments).filter((e) => !requested.length || requested.includes(e));
    if (envNames.length === 0) continue;
    const tag = config.name;
    const problem = (file: string, environment: string, message: string): void => {
      reported.add(file);
      findings.push({ source: "gitops-pipeline", rule: "APP-INPUT", severity: "error", file, app: tag, environment, message: `app ${tag}: ${message}` });
    };
    let helmEnvs: string[] = [];
    if (config.chart && !tree.hasFile(`${config.chart}/Chart.yaml`)) {
      reported.add(config.chart);
      problem(
        `${config.chart}/Chart.yaml`,
        envNames.join(", "),
        `no Helm chart at '${config.chart}' (environments ${envNames.join(", ")} cannot be rendered); add the chart or fix apps[].chart in ${pipeline.file}`,
      );
    } else if (config.chart) {
      for (const env of envNames) {
        let ok = true;
        for (const file of config.environments[env]!.values) {
          if (!tree.hasFile(file)) {
            problem(file, env, `values file of environment ${env} does not exist; create it or fix its values in ${pipeline.file}`);
            ok = false;
            continue;
          }
          try {
            checkValuesFile(await port.read(file), file);
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
            problem(file, env, `${e.problem}; ${e.fix}`);
            ok = false;
          }
        }
        if (ok) helmEnvs.push(env);
      }
    }
    const overlays = overlaysFor(config, envNames);
    if (!config.chart && config.kustomize)
      findings.push(
        ...missingOverlays(config.kustomize, envNames, overlays, pipeline.file).map(
          (f) => (reported.add(f.file!), { ...f, app: tag, message: `app ${tag}: ${f.message}` }),
        ),
      );
    plans.push({ config, tag, envNames, helmEnvs, overlays });
  }
  return { plans, findings, reported };
}
