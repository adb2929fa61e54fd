/**
 * The validate stage's logic, independent of where the tools run: read the gitops tree's layout,
 * check the inputs, lint and render every environment with helm and render its kustomize overlay
 * (when it has one), validate the renderings and the Argo CD manifests with kubeconform, run the
 * policy rules over every rendering and the Argo CD and kustomize checks.
 *
 * The tools are reached through a small port: the Dagger stage implements it with containers,
 * the contract tests with the real binaries on the local disk, so both run this same code.
 */
import { checkApplications, checkEnvironments, GitopsTree } from "./argocd.js";
import { expandApplicationSets } from "./applicationset.js";
import { checkProjectResources } from "./argocd-project.js";
import { checkProjectPermits } from "./argocd-project-permits.js";
import { InputError } from "../errors.js";
import { runReport, type RunReport } from "../run.js";
import { countBySeverity, formatFinding, type Finding } from "../findings.js";
import { DEFAULT_PIPELINE_CONFIG, GITOPS_CONFIG_FILE, parsePipelineConfig, selectApp, selectEnvironments, type GitopsConfig, type PipelineConfig } from "../gitops-config.js";
import { checkKustomization, kustomizeBuildFinding, overlaysOf, type Overlay } from "./kustomize.js";
import { checkValuesFile, parseManifests, parseYamlInput, type Manifest } from "./manifests.js";
import { evaluatePolicy } from "./policy/index.js";
import { helmLintArgv, helmTemplateArgv, kubeconformArgv, kustomizeBuildArgv, type KubeconformOptions } from "./argv.js";
import { parseHelmLint, parseHelmTemplateError, parseKubeconform, type ExecResult, type SchemaCounts } from "./output.js";
import { findingOrigin, renderedFrom } from "./origin.js";

export { findingOrigin, renderedFrom } from "./origin.js";

/** Where the validate tools run. Paths given to the port are relative to the gitops tree. */
export interface ValidationPort {
  /** Every file of the gitops tree, relative, `/`-separated. */
  files(): Promise<string[]>;
  /** Text of one file of the tree. */
  read(path: string): Promise<string>;
  /** Run a helm argv with the tree as working directory. */
  helm(argv: string[]): Promise<ExecResult>;
  /** Run helm template for `env`; stdout is the rendered YAML, kept where `renderedPath(env)` points. */
  render(env: string, argv: string[]): Promise<ExecResult>;
  /**
   * Run kustomize build for the overlay of `env` with the tree as working directory; stdout is
   * the rendered YAML, kept where `renderedPath(overlayRenderKey(env))` points.
   */
  renderOverlay(env: string, argv: string[]): Promise<ExecResult>;
  /** Run a kubeconform argv. */
  kubeconform(argv: string[]): Promise<ExecResult>;
  /** How kubeconform sees a rendering: `env` for helm's, `overlayRenderKey(env)` for kustomize's. */
  renderedPath(key: string): string;
  /** How kubeconform sees a file of the tree. */
  treePath(rel: string): string;
}

/** The checks of a multi-app gitops-pipeline.yaml against the tree, with what each one proves. */
export const APP_RULES = {
  "APP-INPUT": "every app's chart and every environment's values files exist and are YAML maps (in a single-app tree these fail the call instead)",
  "APP-DUPLICATE": "every app of apps: has its own name",
} as const;

/** Options of one validation. */
export interface ValidationOptions {
  /** Environments to validate (default: all the tree declares); in a multi-app tree, of every app that declares them. */
  environments?: readonly string[];
  /** App of a multi-app tree to validate (default: every app). */
  app?: string;
  kubernetesVersion: string;
  /** kubeconform binary, schema locations and cache. */
  kubeconform: Omit<KubeconformOptions, "files" | "kubernetesVersion">;
  /** kustomize binary (default `kustomize`; `/app/kustomize` in its image). */
  kustomizeBinary?: string;
}

/** The rendering key of an environment's kustomize overlay (helm's is the environment name, `<app>/<env>` in a multi-app tree). */
export function overlayRenderKey(key: string): string {
  return `kustomize/${key}`;
}

/** The rendering key of one app's environment: the environment in a single-app tree, `<app>/<environment>` in a multi-app one. */
export function renderKey(app: string | undefined, env: string): string {
  return app ? `${app}/${env}` : env;
}

/**
 * A finding, tagged with the app (multi-app trees) and environment it came from when there is
 * one, and with the overlay directory when it came from the kustomize rendering rather than the Helm one.
 */
export type ValidationFinding = Finding & { app?: string; environment?: string; overlay?: string };

/** What happened to one environment's kustomize overlay. */
export interface OverlayResult {
  /** The app, in a multi-app tree. */
  app?: string;
  environment: string;
  /** Overlay directory in the tree. */
  overlay: string;
  production: boolean;
  rendered: boolean;
  /** Objects in the rendering. */
  objects: number;
  schema: SchemaCounts;
  errors: number;
}

/** What happened to one environment. */
export interface EnvironmentResult {
  /** The app, in a multi-app tree. */
  app?: string;
  name: string;
  namespace: string;
  production: boolean;
  values: string[];
  lintPassed: boolean;
  rendered: boolean;
  /** Objects in the rendering. */
  objects: number;
  schema: SchemaCounts;
  errors: number;
}

/** The whole validation: data first; `passed` is false when any finding is an error. */
export interface ValidationResult {
  kubernetesVersion: string;
  /** The chart (the charts of a multi-app tree, comma-separated). */
  chart: string;
  /** The apps validated (one for a single-app tree). */
  apps: string[];
  environments: EnvironmentResult[];
  /** The kustomize overlays rendered (environments without an overlay are absent). */
  overlays: OverlayResult[];
  /** kubeconform counts of the Argo CD manifests. */
  argocdSchema: SchemaCounts;
  findings: ValidationFinding[];
  passed: boolean;
}

const zero = (): SchemaCounts => ({ valid: 0, invalid: 0, errors: 0, skipped: 0 });

/** Read the tree's layout: gitops-pipeline.yaml when present, else the defaults. */
export async function loadPipeline(port: Pick<ValidationPort, "read">, tree: GitopsTree): Promise<PipelineConfig> {
  return tree.hasFile(GITOPS_CONFIG_FILE) ? parsePipelineConfig(await port.read(GITOPS_CONFIG_FILE)) : DEFAULT_PIPELINE_CONFIG;
}

/** Read the layout of a single-app tree (or its one app): gitops-pipeline.yaml when present, else the defaults. */
export async function loadConfig(port: Pick<ValidationPort, "read">, tree: GitopsTree): Promise<GitopsConfig> {
  return selectApp(await loadPipeline(port, tree));
}

/** Check the inputs that must be right before any tool runs; InputError names the file. */
export async function checkInputs(port: Pick<ValidationPort, "read">, tree: GitopsTree, config: GitopsConfig, envs: readonly string[]): Promise<void> {
  if (config.chart && !tree.hasFile(`${config.chart}/Chart.yaml`)) {
    throw new InputError(`${config.chart}/Chart.yaml`, `no Helm chart at '${config.chart}' in the gitops directory`, `pass the gitops directory that holds the chart, or set 'chart' in ${GITOPS_CONFIG_FILE}`);
  }
  for (const env of envs) {
    for (const file of config.environments[env]!.values) {
      if (!tree.hasFile(file)) throw new InputError(file, `values file of environment ${env} does not exist`, `create it or fix 'environments.${env}.values' in ${GITOPS_CONFIG_FILE}`);
      checkValuesFile(await port.read(file), file);
    }
  }
}

async function readArgo(port: ValidationPort, tree: GitopsTree, argocd: string): Promise<{ files: string[]; objects: Manifest[] }> {
  const files = tree.filesUnder(argocd, [".yaml", ".yml"]);
  const objects: Manifest[] = [];
  for (const file of files) {
    const text = await port.read(file);
    parseYamlInput(text, file); // InputError naming the file when it is not YAML
    objects.push(...parseManifests(text, file).objects);
  }
  return { files, objects };
}

async function kustomizeFindings(port: ValidationPort, tree: GitopsTree, dirs: readonly string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const dir of [...new Set(dirs)]) {
    if (!tree.hasDir(dir)) continue;
    for (const file of tree.filesUnder(dir, ["kustomization.yaml", "kustomization.yml"])) {
      const [body] = parseYamlInput(await port.read(file), file);
      out.push(...checkKustomization(body, file, tree));
    }
  }
  return out;
}

/** One app's share of the work: the environments it validates and what its inputs allow. */
interface AppPlan {
  config: GitopsConfig;
  /** The app's name in a multi-app tree (tags findings and renderings), undefined in a single-app one. */
  tag?: string;
  envNames: string[];
  /** Environments helm renders (a missing chart or values file leaves them out, as a finding). */
  helmEnvs: string[];
  overlays: Overlay[];
}

/** One environment to render with helm, and its rendering key. */
interface HelmRun {
  plan: AppPlan;
  name: string;
  key: string;
}

/**
 * The apps and environments to validate. A single-app tree keeps its strict inputs (a missing
 * chart or values file is an InputError); in a multi-app tree those become findings naming the
 * app, so one broken app does not hide the others' results.
 */
async function planApps(port: ValidationPort, tree: GitopsTree, pipeline: PipelineConfig, opts: ValidationOptions): Promise<{ plans: AppPlan[]; findings: ValidationFinding[]; reported: Set<string> }> {
  const requested = opts.environments ?? [];
  const reported = new Set<string>();
  const findings: ValidationFinding[] = [];
  if (!pipeline.multiApp) {
    const config = selectApp(pipeline);
    const envNames = selectEnvironments(config, requested);
    await checkInputs(port, tree, config, envNames);
    return { plans: [{ config, envNames, helmEnvs: config.chart ? envNames : [], overlays: overlaysOf(tree, config.kustomize, envNames) }], findings, reported };
  }
  for (const d of pipeline.duplicates) {
    findings.push({ source: "gitops-pipeline", rule: "APP-DUPLICATE", severity: "error", file: pipeline.file, path: `apps[${d.index}].name`, app: d.name, environment: d.environments.join(", "), message: `app ${d.name} is declared twice (apps[${d.index}] repeats the name, its environments ${d.environments.join(", ")} are not validated): give every app its own name` });
  }
  const apps = opts.app ? [selectApp(pipeline, opts.app)] : pipeline.apps;
  if (requested.length) {
    const known = [...new Set(apps.flatMap((a) => Object.keys(a.environments)))];
    const unknown = requested.filter((e) => !known.includes(e));
    if (unknown.length) throw new InputError("environments", `unknown environment '${unknown.join("', '")}' (no app of ${pipeline.file} declares it; they declare ${known.join(", ")})`, `pass one of: ${known.join(", ")}`);
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
      problem(`${config.chart}/Chart.yaml`, envNames.join(", "), `no Helm chart at '${config.chart}' (environments ${envNames.join(", ")} cannot be rendered); add the chart or fix apps[].chart in ${pipeline.file}`);
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
    plans.push({ config, tag, envNames, helmEnvs, overlays: overlaysOf(tree, config.kustomize, envNames) });
  }
  return { plans, findings, reported };
}

/** Validate a gitops tree through `port`. Throws InputError on bad input; tool failures are findings. */
export async function runValidation(port: ValidationPort, opts: ValidationOptions): Promise<ValidationResult> {
  const tree = new GitopsTree(await port.files());
  const pipeline = await loadPipeline(port, tree);
  const planned = await planApps(port, tree, pipeline, opts);
  const { plans } = planned;
  const argo = await readArgo(port, tree, pipeline.argocd);
  const expansion = expandApplicationSets(argo.objects);
  const argoObjects = [...argo.objects, ...expansion.applications];
  const findings: ValidationFinding[] = [...planned.findings];
  const helmRuns: HelmRun[] = plans.flatMap((plan) => plan.helmEnvs.map((name) => ({ plan, name, key: renderKey(plan.tag, name) })));
  const overlayRuns0 = plans.flatMap((plan) => plan.overlays.map((o) => ({ plan, overlay: o, key: renderKey(plan.tag, o.environment) })));

  // kustomize build of every overlay and helm lint + template of every environment, all at once.
  // One Promise.all: a failing overlay must not reject unobserved while helm is still awaited
  // (an unhandled rejection kills the module's process instead of failing the call).
  const [overlayRuns, runs] = await Promise.all([
    Promise.all(overlayRuns0.map(async (o) => ({ ...o, render: await port.renderOverlay(o.key, kustomizeBuildArgv(o.overlay.dir, opts.kustomizeBinary)) }))),
    Promise.all(
      helmRuns.map(async (h) => {
        const env = h.plan.config.environments[h.name]!;
        const helmOpts = { chart: h.plan.config.chart!, values: env.values, kubeVersion: opts.kubernetesVersion };
        const [lint, render] = await Promise.all([
          port.helm(helmLintArgv(helmOpts)),
          port.render(h.key, helmTemplateArgv({ ...helmOpts, release: h.plan.config.release, namespace: env.namespace })),
        ]);
        return { ...h, env, lint, render };
      }),
    ),
  ]);

  const appTag = (plan: AppPlan): { app?: string } => (plan.tag ? { app: plan.tag } : {});
  const rendered = new Map<string, Manifest[]>();
  const results: (EnvironmentResult & { key: string })[] = [];
  for (const { plan, name, key, env, lint, render } of runs) {
    const tag = { ...appTag(plan), environment: name };
    findings.push(...parseHelmLint(lint, name).map((f) => ({ ...f, ...tag })));
    const ok = render.exitCode === 0;
    if (ok) {
      const parsed = parseManifests(render.stdout, `rendered/${key}.yaml`, env.namespace);
      rendered.set(key, parsed.objects);
      findings.push(...parsed.findings.map((f) => ({ ...f, ...tag })));
    } else {
      findings.push({ ...parseHelmTemplateError(render, name), ...tag });
    }
    results.push({ key, ...appTag(plan), name, namespace: env.namespace, production: env.production, values: env.values, lintPassed: lint.exitCode === 0, rendered: ok, objects: rendered.get(key)?.length ?? 0, schema: zero(), errors: 0 });
  }

  const overlayObjects = new Map<string, Manifest[]>();
  const overlayResults: (OverlayResult & { key: string })[] = [];
  for (const { plan, overlay, key, render } of overlayRuns) {
    const env = plan.config.environments[overlay.environment]!;
    const tag = { ...appTag(plan), environment: overlay.environment, overlay: overlay.dir };
    const ok = render.exitCode === 0;
    if (ok) {
      const parsed = parseManifests(render.stdout, overlay.dir, env.namespace);
      overlayObjects.set(key, parsed.objects);
      findings.push(...parsed.findings.map((f) => ({ ...f, ...tag })));
    } else {
      findings.push({ ...kustomizeBuildFinding(render, overlay), ...tag });
    }
    overlayResults.push({ key, ...appTag(plan), environment: overlay.environment, overlay: overlay.dir, production: env.production, rendered: ok, objects: overlayObjects.get(key)?.length ?? 0, schema: zero(), errors: 0 });
  }

  // kubeconform over every rendering and the Argo CD manifests, in one run.
  const inputs = new Map<string, string>();
  for (const key of rendered.keys()) inputs.set(port.renderedPath(key), `env:${key}`);
  for (const key of overlayObjects.keys()) inputs.set(port.renderedPath(overlayRenderKey(key)), `overlay:${key}`);
  for (const file of argo.files) inputs.set(port.treePath(file), file);
  let argocdSchema = zero();
  if (inputs.size > 0) {
    const kc = await port.kubeconform(kubeconformArgv({ ...opts.kubeconform, kubernetesVersion: opts.kubernetesVersion, files: [...inputs.keys()] }));
    const parsed = parseKubeconform(kc, (f) => inputs.get(f) ?? f);
    for (const f of parsed.findings) {
      const env = f.file?.startsWith("env:") ? results.find((r) => r.key === f.file!.slice(4)) : undefined;
      const overlay = f.file?.startsWith("overlay:") ? overlayResults.find((o) => o.key === f.file!.slice(8)) : undefined;
      if (env) findings.push({ ...f, file: `rendered/${env.key}.yaml`, ...(env.app ? { app: env.app } : {}), environment: env.name });
      else if (overlay) findings.push({ ...f, file: overlay.overlay, ...(overlay.app ? { app: overlay.app } : {}), environment: overlay.environment, overlay: overlay.overlay });
      else findings.push(f);
    }
    for (const r of results) r.schema = parsed.counts.get(`env:${r.key}`) ?? zero();
    for (const o of overlayResults) o.schema = parsed.counts.get(`overlay:${o.key}`) ?? zero();
    argocdSchema = argo.files.reduce((acc, file) => {
      const c = parsed.counts.get(file);
      return c ? { valid: acc.valid + c.valid, invalid: acc.invalid + c.invalid, errors: acc.errors + c.errors, skipped: acc.skipped + c.skipped } : acc;
    }, zero());
  }

  // Policy per environment, then the tree-wide checks.
  for (const r of results) {
    const objects = rendered.get(r.key);
    if (objects) findings.push(...evaluatePolicy(objects, { production: r.production }).map((f) => ({ ...f, ...(r.app ? { app: r.app } : {}), environment: r.name })));
  }
  for (const o of overlayResults) {
    const objects = overlayObjects.get(o.key);
    if (objects) findings.push(...evaluatePolicy(objects, { production: o.production }).map((f) => ({ ...f, ...(o.app ? { app: o.app } : {}), environment: o.environment, overlay: o.overlay })));
  }
  findings.push(...expansion.findings);
  findings.push(...checkApplications({ objects: argoObjects, tree, repoPath: pipeline.repoPath, reported: planned.reported }));
  findings.push(...checkProjectPermits(argoObjects));
  for (const plan of plans) {
    findings.push(...checkEnvironments({ objects: argoObjects, config: plan.config, environments: plan.envNames, ...(plan.tag ? { app: plan.tag } : {}) }));
    const byEnv = new Map(results.filter((r) => r.app === plan.tag && rendered.has(r.key)).map((r) => [r.name, rendered.get(r.key)!]));
    findings.push(...checkProjectResources({ argo: argoObjects, config: plan.config, rendered: byEnv }).map((f) => ({ ...f, ...appTag(plan) })));
  }
  findings.push(...(await kustomizeFindings(port, tree, plans.flatMap((p) => (p.config.kustomize ? [p.config.kustomize] : [])))));

  for (const r of results) r.errors = findings.filter((f) => f.app === r.app && f.environment === r.name && !f.overlay && f.severity === "error").length;
  for (const o of overlayResults) o.errors = findings.filter((f) => f.overlay === o.overlay && f.severity === "error").length;
  const charts = [...new Set(plans.map((p) => p.config.chart ?? `${p.config.kustomize} (kustomize)`))];
  return {
    kubernetesVersion: opts.kubernetesVersion,
    chart: charts.join(", "),
    apps: plans.map((p) => p.config.name),
    environments: results.map(({ key: _key, ...r }) => r),
    overlays: overlayResults.map(({ key: _key, ...o }) => o),
    argocdSchema,
    findings,
    passed: !findings.some((f) => f.severity === "error"),
  };
}

/** A few lines for humans: one per environment, the Argo CD line, then every error. */
export function summarize(r: ValidationResult): string {
  const lines = [`validate ${r.passed ? "passed" : "FAILED"}: chart ${r.chart}, Kubernetes ${r.kubernetesVersion}, ${countBySeverity(r.findings)}`];
  for (const e of r.environments) {
    const s = e.schema;
    lines.push(
      `  ${e.app ? `${e.app}/` : ""}${e.name} (${e.namespace}${e.production ? ", production" : ""}): lint ${e.lintPassed ? "ok" : "failed"}, ${e.rendered ? `${e.objects} objects rendered` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${e.errors} error finding${e.errors === 1 ? "" : "s"}`,
    );
  }
  for (const o of r.overlays) {
    const s = o.schema;
    lines.push(
      `  ${o.app ? `${o.app}/` : ""}${o.environment} kustomize (${o.overlay}): ${o.rendered ? `${o.objects} objects rendered` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${o.errors} error finding${o.errors === 1 ? "" : "s"}`,
    );
  }
  const a = r.argocdSchema;
  lines.push(`  argocd: schema ${a.valid} valid / ${a.invalid} invalid / ${a.errors} errors / ${a.skipped} skipped`);
  const errors = r.findings.filter((f) => f.severity === "error");
  for (const f of errors) lines.push(`  ${findingOrigin(f)}${formatFinding(f)}${renderedFrom(f, r)}`);
  const waived = r.findings.filter((f) => "waived" in f).length;
  if (waived) lines.push(`  ${waived} finding${waived === 1 ? "" : "s"} waived (see the report)`);
  return lines.join("\n");
}

/** The validation under the run-object contract: one line, then a line per environment, overlay and error. */
export function validationReport(r: ValidationResult): RunReport {
  // One app of a multi-app tree is named: "payments: dev, staging, prod".
  const oneApp = r.environments.find((e) => e.app)?.app;
  const envs = r.apps.length > 1 ? `${r.apps.length} apps (${r.apps.join(", ")}), ${r.environments.length} environments` : `${oneApp ? `${oneApp}: ` : ""}${r.environments.map((e) => e.name).join(", ")}`;
  const overlays = r.overlays.length ? `, ${r.overlays.length} kustomize overlay${r.overlays.length === 1 ? "" : "s"}` : "";
  const failing = [...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.rule))];
  const what = failing.length ? ` (${failing.slice(0, 4).join(", ")}${failing.length > 4 ? ", ..." : ""})` : "";
  return runReport({
    stage: "validate",
    passed: r.passed,
    summary: `validate ${r.passed ? "passed" : "failed"}: ${envs}${overlays}, chart ${r.chart}, Kubernetes ${r.kubernetesVersion}: ${countBySeverity(r.findings)}${what}`,
    details: summarize(r).split("\n").slice(1).map((l) => l.replace(/^ {2}/, "")).join("\n"),
    findings: r.findings,
    data: { kubernetesVersion: r.kubernetesVersion, chart: r.chart, apps: r.apps, environments: r.environments, overlays: r.overlays, argocdSchema: r.argocdSchema },
  });
}
