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
import { checkProjectResources } from "./argocd-project.js";
import { checkProjectPermits } from "./argocd-project-permits.js";
import type { Finding } from "../findings.js";
import { checkKustomization, KUSTOMIZATION_FILES, kustomizeBuildFinding } from "./kustomize.js";
import { applyKustomizeSettings, kustomizeSettingsFor } from "./argo-kustomize.js";
import { parseManifests, parseYamlInput, type Manifest } from "./manifests.js";
import { evaluatePolicy } from "./policy/index.js";
import { prepareCharts } from "./chart-deps.js";
import { argoHelmRender, pipelineRender, type HelmRender } from "./argo-source.js";
import { argoRendering, renderingText, type ArgoRendering } from "./hooks.js";
import { posix } from "node:path";
import { helmLintArgv, helmTemplateArgv, kubeconformArgv, kustomizeBuildArgv } from "./argv.js";
import { collapseDownloadErrors, parseHelmLint, parseHelmTemplateError, parseKubeconform, type SchemaCounts } from "./output.js";
import { loadPolicyTuning } from "./policy/load.js";
import { planApps, type AppPlan } from "./app-plan.js";
import { discoveryFinding, readTreeLayout } from "./discover.js";
import { helmInputs, overlayInputs } from "./render-inputs.js";
import { kubeconformGroups } from "./kubeconform-groups.js";
import { selectChangedApps, type AppSelection } from "../gitops/changed-apps.js";

export { findingOrigin, renderedFrom } from "./origin.js";
export { summarize, validationReport } from "./validation-report.js";
export { APP_RULES } from "./app-plan.js";
export { DISCOVER_RULES } from "./discover.js";
export { RENDER_RULES } from "./render-rules.js";
export { ARGO_SOURCE_RULES } from "./argo-source.js";
export * from "./validation-types.js";
import {
  overlayRenderKey,
  renderKey,
  type EnvironmentResult,
  type OverlayResult,
  type ValidationFinding,
  type ValidationOptions,
  type ValidationPort,
  type ValidationResult,
} from "./validation-types.js";

const zero = (): SchemaCounts => ({ valid: 0, invalid: 0, errors: 0, skipped: 0 });

/** The parsed kubeconform runs as one: their findings in run order, their counts (disjoint inputs) together. */
function mergeKubeconform(runs: readonly { findings: Finding[]; counts: Map<string, SchemaCounts> }[]): {
  findings: Finding[];
  counts: Map<string, SchemaCounts>;
} {
  return { findings: collapseDownloadErrors(runs.flatMap((r) => r.findings)), counts: new Map(runs.flatMap((r) => [...r.counts])) };
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

/**
 * The objects Argo CD would apply (Helm test hooks left out). When some were left out, the
 * rendering kubeconform reads is replaced by the kept objects, so it judges the same set.
 */
async function keepApplied(port: ValidationPort, key: string, objects: Manifest[], chart: string): Promise<ArgoRendering> {
  const kept = argoRendering(objects);
  if (kept.leftOut.length > 0) await port.keep(key, renderingText(kept.objects, chart));
  return kept;
}

/** The finding for a rendering with no object: Argo CD would sync nothing, which is never a pass. */
function emptyRendering(what: string, env: string, kept: ArgoRendering): Finding {
  const tests = kept.leftOut.length ? ` (only ${kept.leftOut.length} helm test hook${kept.leftOut.length === 1 ? "" : "s"}, which Argo CD never applies)` : "";
  return {
    source: "render",
    rule: "RENDER-EMPTY",
    severity: "error",
    message: `${env}: ${what} rendered no object${tests}: Argo CD would sync nothing; check the values (or overlay) that turn the templates on`,
  };
}

/**
 * How Argo CD renders one environment: from its Application (file or generated) when the tree
 * has it, else from gitops-pipeline.yaml alone (ARGO-ENVIRONMENT reports the missing Application).
 */
function howArgoRenders(h: HelmRun, argoObjects: readonly Manifest[], tree: GitopsTree): { render: HelmRender; findings: Finding[] } {
  const env = h.plan.config.environments[h.name]!;
  const app = argoObjects.find((o) => o.kind === "Application" && o.name === env.application);
  return app ? argoHelmRender(app, h.plan.config, env, tree, h.key) : { render: pipelineRender(h.plan.config, env), findings: [] };
}

/** The overlay's kustomization with its Application's kustomize settings applied, as a file to lay over the tree (none without settings). */
async function overlaySettings(
  port: ValidationPort,
  tree: GitopsTree,
  plan: AppPlan,
  overlay: { environment: string; dir: string },
  argoObjects: readonly Manifest[],
): Promise<Record<string, string>> {
  const env = plan.config.environments[overlay.environment]!;
  const app = argoObjects.find((o) => o.kind === "Application" && o.name === env.application);
  const settings = app && kustomizeSettingsFor(app, plan.config.repoPath, overlay.dir);
  const file = KUSTOMIZATION_FILES.map((n) => `${overlay.dir}/${n}`).find((f) => tree.hasFile(f));
  if (!settings || !file) return {};
  return { [file]: applyKustomizeSettings(await port.read(file), settings) };
}

/** One environment to render with helm, and its rendering key. */
interface HelmRun {
  plan: AppPlan;
  name: string;
  key: string;
}

/** Validate a gitops tree through `port`. Throws InputError on bad input; tool failures are findings. */
export async function runValidation(port: ValidationPort, opts: ValidationOptions): Promise<ValidationResult> {
  const tree = new GitopsTree(await port.files());
  // gitops-pipeline.yaml, the sample layout, or the layout the tree's Applications describe.
  const { pipeline, argo, argoCharts, expansion, argoObjects, discovery } = await readTreeLayout(port, tree, opts.kubernetesVersion);
  // With the files changed since a base: only the apps they touch (the others listed as skipped, with why).
  const changes = opts.changedFiles ? selectChangedApps(pipeline, opts.changedFiles).filter((c) => !opts.app || c.app === opts.app) : undefined;
  const only = changes?.filter((c) => c.selected).map((c) => c.app);
  if (only && only.length === 0) return nothingChanged(opts, changes!);
  const planned = await planApps(
    port,
    tree,
    pipeline,
    opts,
    (name) => argoObjects.find((o) => o.kind === "Application" && o.name === name),
    pipeline.multiApp ? only : undefined,
  );
  const tuning = await loadPolicyTuning({ hasFile: (p) => tree.hasFile(p), read: (p) => port.read(p) }, pipeline, opts.today);
  const { plans } = planned;
  const findings: ValidationFinding[] = [...(discovery ? [discoveryFinding(discovery)] : []), ...planned.findings, ...argoCharts.findings];
  const appTag = (plan: AppPlan): { app?: string } => (plan.tag ? { app: plan.tag } : {});
  const planned1: (HelmRun & { how: HelmRender })[] = plans.flatMap((plan) =>
    plan.helmEnvs.map((name) => {
      const h = { plan, name, key: renderKey(plan.tag, name) };
      const how = howArgoRenders(h, argoObjects, tree);
      findings.push(...how.findings.map((f) => ({ ...f, ...appTag(plan), environment: name })));
      return { ...h, how: how.render };
    }),
  );
  // Dependencies first (vendored, else helm dependency build): a chart that still lacks one is not rendered.
  const byChart = new Map<string, string[]>();
  for (const h of planned1) byChart.set(h.how.chart, [...(byChart.get(h.how.chart) ?? []), renderKey(h.plan.tag, h.name)]);
  const deps = await prepareCharts(port, tree, byChart);
  // A chart rendered for one app (or one environment) names it, so waivers and per-app reports can select the finding.
  for (const f of deps.findings) {
    const users = planned1.filter((h) => f.file === posix.join(h.how.chart, "Chart.yaml"));
    const apps = new Set(users.map((h) => h.plan.tag));
    const envs = new Set(users.map((h) => renderKey(h.plan.tag, h.name)));
    const app = apps.size === 1 ? [...apps][0] : undefined;
    findings.push({ ...f, ...(app ? { app } : {}), ...(envs.size === 1 ? { environment: users[0]!.name } : {}) });
  }
  const helmRuns = planned1.filter((h) => !deps.blocked.has(h.how.chart));
  const overlayPlans = plans.flatMap((plan) => plan.overlays.map((o) => ({ plan, overlay: o, key: renderKey(plan.tag, o.environment) })));

  // kustomize build of every overlay and helm lint + template of every environment, all at once.
  // One Promise.all: a failing overlay must not reject unobserved while helm is still awaited
  // (an unhandled rejection kills the module's process instead of failing the call).
  const [overlayRuns, runs] = await Promise.all([
    Promise.all(
      overlayPlans.map(async (o) => ({
        ...o,
        render: await port.renderOverlay(
          o.key,
          kustomizeBuildArgv(o.overlay.dir, opts.kustomizeBinary),
          await overlaySettings(port, tree, o.plan, o.overlay, argoObjects),
          await overlayInputs(o.overlay.dir, tree, (p) => port.read(p)),
        ),
      })),
    ),
    Promise.all(
      helmRuns.map(async (h) => {
        const env = h.plan.config.environments[h.name]!;
        const r = h.how;
        const helmOpts = {
          chart: r.chart,
          values: r.values,
          set: r.set,
          setString: r.setString,
          setFile: r.setFile,
          kubeVersion: r.kubeVersion ?? opts.kubernetesVersion,
        };
        const inputs = helmInputs(r);
        const [lint, render] = await Promise.all([
          port.helm(helmLintArgv(helmOpts), r.files, inputs),
          port.render(
            h.key,
            helmTemplateArgv({ ...helmOpts, release: r.release, namespace: r.namespace, includeCrds: r.includeCrds, apiVersions: r.apiVersions }),
            r.files,
            inputs,
          ),
        ]);
        return { ...h, env, how: r, lint, render };
      }),
    ),
  ]);

  const rendered = new Map<string, Manifest[]>();
  const results: (EnvironmentResult & { key: string })[] = [];
  for (const { plan, name, key, env, how, lint, render } of runs) {
    const tag = { ...appTag(plan), environment: name };
    findings.push(...parseHelmLint(lint, name).map((f) => ({ ...f, ...tag })));
    const ok = render.exitCode === 0;
    let kept: ArgoRendering | undefined;
    if (ok) {
      const parsed = parseManifests(render.stdout, `rendered/${key}.yaml`, how.namespace);
      kept = await keepApplied(port, key, parsed.objects, posix.basename(how.chart));
      rendered.set(key, kept.objects);
      findings.push(...parsed.findings.map((f) => ({ ...f, ...tag })));
      if (kept.objects.length === 0 && parsed.findings.length === 0)
        findings.push({ ...emptyRendering(`helm template of ${how.chart}`, name, kept), file: how.chart, ...tag });
    } else {
      findings.push({ ...parseHelmTemplateError(render, name), ...tag });
    }
    const values = how.values.filter((v) => !(v in how.files));
    results.push({
      key,
      ...appTag(plan),
      name,
      namespace: how.namespace,
      production: env.production,
      values,
      ...(how.application ? { application: how.application } : {}),
      lintPassed: lint.exitCode === 0,
      rendered: ok,
      objects: rendered.get(key)?.length ?? 0,
      hooks: kept?.hooks ?? 0,
      testHooksLeftOut: kept?.leftOut.length ?? 0,
      schema: zero(),
      errors: 0,
    });
  }

  const overlayObjects = new Map<string, Manifest[]>();
  const overlayResults: (OverlayResult & { key: string })[] = [];
  for (const { plan, overlay, key, render } of overlayRuns) {
    const env = plan.config.environments[overlay.environment]!;
    const tag = { ...appTag(plan), environment: overlay.environment, overlay: overlay.dir };
    const ok = render.exitCode === 0;
    let kept: ArgoRendering | undefined;
    if (ok) {
      const parsed = parseManifests(render.stdout, overlay.dir, env.namespace);
      kept = await keepApplied(port, overlayRenderKey(key), parsed.objects, overlay.dir);
      overlayObjects.set(key, kept.objects);
      findings.push(...parsed.findings.map((f) => ({ ...f, ...tag })));
      if (kept.objects.length === 0 && parsed.findings.length === 0)
        findings.push({ ...emptyRendering(`kustomize build ${overlay.dir}`, overlay.environment, kept), file: overlay.dir, ...tag });
    } else {
      findings.push({ ...kustomizeBuildFinding(render, overlay), ...tag });
    }
    overlayResults.push({
      key,
      ...appTag(plan),
      environment: overlay.environment,
      overlay: overlay.dir,
      production: env.production,
      rendered: ok,
      objects: overlayObjects.get(key)?.length ?? 0,
      hooks: kept?.hooks ?? 0,
      testHooksLeftOut: kept?.leftOut.length ?? 0,
      schema: zero(),
      errors: 0,
    });
  }

  // kubeconform per environment (its rendering and its overlay's) and once over the Argo CD
  // manifests: each run reads its own inputs only, so an unchanged environment's run stays cached.
  const inputs = new Map<string, string>();
  for (const key of rendered.keys()) inputs.set(port.renderedPath(key), `env:${key}`);
  for (const key of overlayObjects.keys()) inputs.set(port.renderedPath(overlayRenderKey(key)), `overlay:${key}`);
  for (const file of argo.files) inputs.set(port.treePath(file), file);
  for (const c of argoCharts.rendered) inputs.set(port.renderedPath(c.key), c.dir);
  let argocdSchema = zero();
  if (inputs.size > 0) {
    const groups = kubeconformGroups({
      environments: [...rendered.keys()],
      overlays: [...overlayObjects.keys()],
      argoFiles: argo.files,
      argoCharts: argoCharts.rendered,
    });
    const runs = await Promise.all(
      groups.map((g) =>
        port.kubeconform(
          kubeconformArgv({
            ...opts.kubeconform,
            kubernetesVersion: opts.kubernetesVersion,
            files: [...g.renderings.map((k) => port.renderedPath(k)), ...g.treeFiles.map((f) => port.treePath(f))],
          }),
          g,
        ),
      ),
    );
    const parsed = mergeKubeconform(runs.map((kc) => parseKubeconform(kc, (f) => inputs.get(f) ?? f, false)));
    // kubeconform's workers print in completion order: report in the inputs' order (environments as declared), the same every run.
    const rank = new Map([...inputs.values()].map((v, i) => [v, i]));
    const byInput = [...parsed.findings].sort((a, b) => (rank.get(a.file ?? "") ?? rank.size) - (rank.get(b.file ?? "") ?? rank.size));
    for (const f of byInput) {
      const env = f.file?.startsWith("env:") ? results.find((r) => r.key === f.file!.slice(4)) : undefined;
      const overlay = f.file?.startsWith("overlay:") ? overlayResults.find((o) => o.key === f.file!.slice(8)) : undefined;
      if (env) findings.push({ ...f, file: `rendered/${env.key}.yaml`, ...(env.app ? { app: env.app } : {}), environment: env.name });
      else if (overlay)
        findings.push({
          ...f,
          file: overlay.overlay,
          ...(overlay.app ? { app: overlay.app } : {}),
          environment: overlay.environment,
          overlay: overlay.overlay,
        });
      else findings.push(f);
    }
    for (const r of results) r.schema = parsed.counts.get(`env:${r.key}`) ?? zero();
    for (const o of overlayResults) o.schema = parsed.counts.get(`overlay:${o.key}`) ?? zero();
    argocdSchema = [...argo.files, ...argoCharts.rendered.map((c) => c.dir)].reduce((acc, file) => {
      const c = parsed.counts.get(file);
      return c ? { valid: acc.valid + c.valid, invalid: acc.invalid + c.invalid, errors: acc.errors + c.errors, skipped: acc.skipped + c.skipped } : acc;
    }, zero());
  }

  // Policy per environment, then the tree-wide checks.
  for (const r of results) {
    const objects = rendered.get(r.key);
    const scope = { app: r.app ?? pipeline.apps[0]!.name, environment: r.name };
    if (objects)
      findings.push(
        ...evaluatePolicy(objects, { production: r.production, scope, tuning }).map((f) => ({ ...f, ...(r.app ? { app: r.app } : {}), environment: r.name })),
      );
  }
  for (const o of overlayResults) {
    const objects = overlayObjects.get(o.key);
    const scope = { app: o.app ?? pipeline.apps[0]!.name, environment: o.environment };
    if (objects)
      findings.push(
        ...evaluatePolicy(objects, { production: o.production, scope, tuning }).map((f) => ({
          ...f,
          ...(o.app ? { app: o.app } : {}),
          environment: o.environment,
          overlay: o.overlay,
        })),
      );
  }
  findings.push(...tuning.fileFindings());
  findings.push(...expansion.findings);
  findings.push(...checkApplications({ objects: argoObjects, tree, repoPath: pipeline.repoPath, reported: planned.reported }));
  findings.push(...checkProjectPermits(argoObjects));
  for (const plan of plans) {
    findings.push(
      ...checkEnvironments({
        objects: argoObjects,
        tree,
        config: plan.config,
        environments: plan.envNames,
        ...(plan.tag ? { app: plan.tag } : {}),
        // A team whose policy profile is baseline is not asked for a restricted namespace.
        podSecurity: (environment) => (tuning.profile({ app: plan.tag ?? plan.config.name, environment }) === "baseline" ? "baseline" : "restricted"),
      }),
    );
    const byEnv = new Map(results.filter((r) => r.app === plan.tag && rendered.has(r.key)).map((r) => [r.name, rendered.get(r.key)!]));
    findings.push(...checkProjectResources({ argo: argoObjects, config: plan.config, rendered: byEnv }).map((f) => ({ ...f, ...appTag(plan) })));
  }
  findings.push(
    ...(await kustomizeFindings(
      port,
      tree,
      plans.flatMap((p) => (p.config.kustomize ? [p.config.kustomize] : [])),
    )),
  );

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
    ...(changes ? { changes } : {}),
  };
}

/** The validation of a change that touches no app: nothing rendered, every app listed as skipped with why. */
function nothingChanged(opts: ValidationOptions, changes: AppSelection[]): ValidationResult {
  const none = { valid: 0, invalid: 0, errors: 0, skipped: 0 };
  return {
    kubernetesVersion: opts.kubernetesVersion,
    chart: "",
    apps: [],
    environments: [],
    overlays: [],
    argocdSchema: none,
    findings: [],
    passed: true,
    changes,
  };
}
