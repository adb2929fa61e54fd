/**
 * The validate stage's logic, independent of where the tools run: read the gitops tree's layout,
 * check the inputs, lint and render every environment with helm and render its kustomize overlay
 * (when it has one), validate the renderings and the Argo CD manifests with kubeconform, run the
 * policy rules over every rendering and the Argo CD and kustomize checks.
 *
 * The tools are reached through a small port: the Dagger stage implements it with containers,
 * the contract tests with the real binaries on the local disk, so both run this same code.
 */
import { checkArgoCd, GitopsTree } from "./argocd.js";
import { checkProjectResources } from "./argocd-project.js";
import { InputError } from "../errors.js";
import { runReport, type RunReport } from "../run.js";
import { countBySeverity, formatFinding, type Finding } from "../findings.js";
import { DEFAULT_GITOPS_CONFIG, GITOPS_CONFIG_FILE, parseGitopsConfig, selectEnvironments, type GitopsConfig } from "../gitops-config.js";
import { checkKustomization, kustomizeBuildFinding, overlaysOf } from "./kustomize.js";
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

/** Options of one validation. */
export interface ValidationOptions {
  /** Environments to validate (default: all the tree declares). */
  environments?: readonly string[];
  kubernetesVersion: string;
  /** kubeconform binary, schema locations and cache. */
  kubeconform: Omit<KubeconformOptions, "files" | "kubernetesVersion">;
  /** kustomize binary (default `kustomize`; `/app/kustomize` in its image). */
  kustomizeBinary?: string;
}

/** The rendering key of an environment's kustomize overlay (helm's is the environment name). */
export function overlayRenderKey(env: string): string {
  return `kustomize/${env}`;
}

/**
 * A finding, tagged with the environment it came from when there is one, and with the overlay
 * directory when it came from the kustomize rendering rather than the Helm one.
 */
export type ValidationFinding = Finding & { environment?: string; overlay?: string };

/** What happened to one environment's kustomize overlay. */
export interface OverlayResult {
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
  chart: string;
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
export async function loadConfig(port: Pick<ValidationPort, "read">, tree: GitopsTree): Promise<GitopsConfig> {
  return tree.hasFile(GITOPS_CONFIG_FILE) ? parseGitopsConfig(await port.read(GITOPS_CONFIG_FILE)) : DEFAULT_GITOPS_CONFIG;
}

/** Check the inputs that must be right before any tool runs; InputError names the file. */
export async function checkInputs(port: Pick<ValidationPort, "read">, tree: GitopsTree, config: GitopsConfig, envs: readonly string[]): Promise<void> {
  if (!tree.hasFile(`${config.chart}/Chart.yaml`)) {
    throw new InputError(`${config.chart}/Chart.yaml`, `no Helm chart at '${config.chart}' in the gitops directory`, `pass the gitops directory that holds the chart, or set 'chart' in ${GITOPS_CONFIG_FILE}`);
  }
  for (const env of envs) {
    for (const file of config.environments[env]!.values) {
      if (!tree.hasFile(file)) throw new InputError(file, `values file of environment ${env} does not exist`, `create it or fix 'environments.${env}.values' in ${GITOPS_CONFIG_FILE}`);
      checkValuesFile(await port.read(file), file);
    }
  }
}

async function readArgo(port: ValidationPort, tree: GitopsTree, config: GitopsConfig): Promise<{ files: string[]; objects: Manifest[] }> {
  const files = tree.filesUnder(config.argocd, [".yaml", ".yml"]);
  const objects: Manifest[] = [];
  for (const file of files) {
    const text = await port.read(file);
    parseYamlInput(text, file); // InputError naming the file when it is not YAML
    objects.push(...parseManifests(text, file).objects);
  }
  return { files, objects };
}

async function kustomizeFindings(port: ValidationPort, tree: GitopsTree, config: GitopsConfig): Promise<Finding[]> {
  if (!config.kustomize || !tree.hasDir(config.kustomize)) return [];
  const out: Finding[] = [];
  for (const file of tree.filesUnder(config.kustomize, ["kustomization.yaml", "kustomization.yml"])) {
    const [body] = parseYamlInput(await port.read(file), file);
    out.push(...checkKustomization(body, file, tree));
  }
  return out;
}

/** Validate a gitops tree through `port`. Throws InputError on bad input; tool failures are findings. */
export async function runValidation(port: ValidationPort, opts: ValidationOptions): Promise<ValidationResult> {
  const tree = new GitopsTree(await port.files());
  const config = await loadConfig(port, tree);
  const envNames = selectEnvironments(config, opts.environments ?? []);
  await checkInputs(port, tree, config, envNames);
  const argo = await readArgo(port, tree, config);
  const findings: ValidationFinding[] = [];
  const overlays = overlaysOf(tree, config.kustomize, envNames);

  // kustomize build of every overlay and helm lint + template of every environment, all at once.
  // One Promise.all: a failing overlay must not reject unobserved while helm is still awaited
  // (an unhandled rejection kills the module's process instead of failing the call).
  const [overlayRuns, runs] = await Promise.all([
    Promise.all(overlays.map(async (o) => ({ overlay: o, render: await port.renderOverlay(o.environment, kustomizeBuildArgv(o.dir, opts.kustomizeBinary)) }))),
    Promise.all(
      envNames.map(async (name) => {
        const env = config.environments[name]!;
        const helmOpts = { chart: config.chart, values: env.values, kubeVersion: opts.kubernetesVersion };
        const [lint, render] = await Promise.all([
          port.helm(helmLintArgv(helmOpts)),
          port.render(name, helmTemplateArgv({ ...helmOpts, release: config.release, namespace: env.namespace })),
        ]);
        return { name, env, lint, render };
      }),
    ),
  ]);

  const rendered = new Map<string, Manifest[]>();
  const results: EnvironmentResult[] = [];
  for (const { name, env, lint, render } of runs) {
    findings.push(...parseHelmLint(lint, name).map((f) => ({ ...f, environment: name })));
    const ok = render.exitCode === 0;
    if (ok) {
      const parsed = parseManifests(render.stdout, `rendered/${name}.yaml`, env.namespace);
      rendered.set(name, parsed.objects);
      findings.push(...parsed.findings.map((f) => ({ ...f, environment: name })));
    } else {
      findings.push({ ...parseHelmTemplateError(render, name), environment: name });
    }
    results.push({ name, namespace: env.namespace, production: env.production, values: env.values, lintPassed: lint.exitCode === 0, rendered: ok, objects: rendered.get(name)?.length ?? 0, schema: zero(), errors: 0 });
  }

  const overlayObjects = new Map<string, Manifest[]>();
  const overlayResults: OverlayResult[] = [];
  for (const { overlay, render } of overlayRuns) {
    const env = config.environments[overlay.environment]!;
    const tag = { environment: overlay.environment, overlay: overlay.dir };
    const ok = render.exitCode === 0;
    if (ok) {
      const parsed = parseManifests(render.stdout, overlay.dir, env.namespace);
      overlayObjects.set(overlay.environment, parsed.objects);
      findings.push(...parsed.findings.map((f) => ({ ...f, ...tag })));
    } else {
      findings.push({ ...kustomizeBuildFinding(render, overlay), ...tag });
    }
    overlayResults.push({ environment: overlay.environment, overlay: overlay.dir, production: env.production, rendered: ok, objects: overlayObjects.get(overlay.environment)?.length ?? 0, schema: zero(), errors: 0 });
  }

  // kubeconform over every rendering and the Argo CD manifests, in one run.
  const inputs = new Map<string, string>();
  for (const name of rendered.keys()) inputs.set(port.renderedPath(name), `env:${name}`);
  for (const name of overlayObjects.keys()) inputs.set(port.renderedPath(overlayRenderKey(name)), `overlay:${name}`);
  for (const file of argo.files) inputs.set(port.treePath(file), file);
  let argocdSchema = zero();
  if (inputs.size > 0) {
    const kc = await port.kubeconform(kubeconformArgv({ ...opts.kubeconform, kubernetesVersion: opts.kubernetesVersion, files: [...inputs.keys()] }));
    const parsed = parseKubeconform(kc, (f) => inputs.get(f) ?? f);
    for (const f of parsed.findings) {
      const env = f.file?.startsWith("env:") ? f.file.slice(4) : undefined;
      const overlay = f.file?.startsWith("overlay:") ? overlayResults.find((o) => o.environment === f.file!.slice(8)) : undefined;
      if (env) findings.push({ ...f, file: `rendered/${env}.yaml`, environment: env });
      else if (overlay) findings.push({ ...f, file: overlay.overlay, environment: overlay.environment, overlay: overlay.overlay });
      else findings.push(f);
    }
    for (const r of results) r.schema = parsed.counts.get(`env:${r.name}`) ?? zero();
    for (const o of overlayResults) o.schema = parsed.counts.get(`overlay:${o.environment}`) ?? zero();
    argocdSchema = argo.files.reduce((acc, file) => {
      const c = parsed.counts.get(file);
      return c ? { valid: acc.valid + c.valid, invalid: acc.invalid + c.invalid, errors: acc.errors + c.errors, skipped: acc.skipped + c.skipped } : acc;
    }, zero());
  }

  // Policy per environment, then the tree-wide checks.
  for (const r of results) {
    const objects = rendered.get(r.name);
    if (objects) findings.push(...evaluatePolicy(objects, { production: r.production }).map((f) => ({ ...f, environment: r.name })));
  }
  for (const o of overlayResults) {
    const objects = overlayObjects.get(o.environment);
    if (objects) findings.push(...evaluatePolicy(objects, { production: o.production }).map((f) => ({ ...f, environment: o.environment, overlay: o.overlay })));
  }
  findings.push(...checkArgoCd({ objects: argo.objects, tree, config, environments: envNames }));
  findings.push(...checkProjectResources({ argo: argo.objects, config, rendered }));
  findings.push(...(await kustomizeFindings(port, tree, config)));

  for (const r of results) r.errors = findings.filter((f) => f.environment === r.name && !f.overlay && f.severity === "error").length;
  for (const o of overlayResults) o.errors = findings.filter((f) => f.overlay === o.overlay && f.severity === "error").length;
  return {
    kubernetesVersion: opts.kubernetesVersion,
    chart: config.chart,
    environments: results,
    overlays: overlayResults,
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
      `  ${e.name} (${e.namespace}${e.production ? ", production" : ""}): lint ${e.lintPassed ? "ok" : "failed"}, ${e.rendered ? `${e.objects} objects rendered` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${e.errors} error finding${e.errors === 1 ? "" : "s"}`,
    );
  }
  for (const o of r.overlays) {
    const s = o.schema;
    lines.push(
      `  ${o.environment} kustomize (${o.overlay}): ${o.rendered ? `${o.objects} objects rendered` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${o.errors} error finding${o.errors === 1 ? "" : "s"}`,
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
  const envs = r.environments.map((e) => e.name).join(", ");
  const overlays = r.overlays.length ? `, ${r.overlays.length} kustomize overlay${r.overlays.length === 1 ? "" : "s"}` : "";
  const failing = [...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.rule))];
  const what = failing.length ? ` (${failing.slice(0, 4).join(", ")}${failing.length > 4 ? ", ..." : ""})` : "";
  return runReport({
    stage: "validate",
    passed: r.passed,
    summary: `validate ${r.passed ? "passed" : "failed"}: ${envs}${overlays}, chart ${r.chart}, Kubernetes ${r.kubernetesVersion}: ${countBySeverity(r.findings)}${what}`,
    details: summarize(r).split("\n").slice(1).map((l) => l.replace(/^ {2}/, "")).join("\n"),
    findings: r.findings,
    data: { kubernetesVersion: r.kubernetesVersion, chart: r.chart, environments: r.environments, overlays: r.overlays, argocdSchema: r.argocdSchema },
  });
}
