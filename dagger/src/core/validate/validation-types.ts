/**
 * The shapes of a validation, shared by the flow (validation.ts), the planning (app-plan.ts), the
 * report (validation-report.ts, origin.ts) and the ports that run the tools: kept apart so none of
 * them imports the flow for its types.
 */
import type { Finding } from "../findings.js";
import type { KubeconformOptions } from "./argv.js";
import type { ExecResult, SchemaCounts } from "./output.js";
import type { AppSelection } from "../gitops/changed-apps.js";

/** What one kubeconform run reads: renderings by key, files of the tree by path. */
export interface KubeconformScope {
  renderings: readonly string[];
  treeFiles: readonly string[];
}

/**
 * Where the validate tools run. Paths given to the port are relative to the gitops tree. `inputs`
 * (tree paths, files or directories) are everything a run reads from the tree (`render-inputs.ts`):
 * a port may hand the run those alone, so an unchanged rendering stays cached; none: the whole tree.
 */
export interface ValidationPort {
  /** Every file of the gitops tree, relative, `/`-separated. */
  files(): Promise<string[]>;
  /** Text of one file of the tree. */
  read(path: string): Promise<string>;
  /**
   * Run a helm argv with the tree as working directory. `files` (tree path → text) are laid over
   * the tree for this run only: the values an Application writes inline, as files helm reads.
   */
  helm(argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Promise<ExecResult>;
  /**
   * Run argvs in order in the helm image with the tree as working directory (`helm repo add`,
   * `helm dependency build`); when the last succeeds, every later helm run sees the tree as they
   * left it (the fetched dependencies in the chart's charts/). Returns the last run's result.
   */
  prepareChart(argvs: string[][]): Promise<ExecResult>;
  /** Run helm template for `env` (with `files` laid over the tree); stdout is the rendered YAML, kept where `renderedPath(env)` points. */
  render(env: string, argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Promise<ExecResult>;
  /**
   * Run kustomize build for the overlay of `env` with the tree as working directory (`files`
   * laid over it: an Application's kustomize settings written into the overlay); stdout is
   * the rendered YAML, kept where `renderedPath(overlayRenderKey(env))` points.
   */
  renderOverlay(env: string, argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Promise<ExecResult>;
  /**
   * Replace the rendering kubeconform reads for `key` (a key of `render` or `renderOverlay`) by
   * `yaml`: the objects Argo CD applies, once Helm test hooks are left out.
   */
  keep(key: string, yaml: string): Promise<void>;
  /**
   * Run a kubeconform argv over the files it names: `scope` lists the renderings (keys) and tree
   * files among them, so a port can give the run those alone.
   */
  kubeconform(argv: string[], scope?: KubeconformScope): Promise<ExecResult>;
  /** How kubeconform sees a rendering: `env` for helm's, `overlayRenderKey(env)` for kustomize's. */
  renderedPath(key: string): string;
  /** How kubeconform sees a file of the tree. */
  treePath(rel: string): string;
}

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
  /** The day (YYYY-MM-DD, UTC) waivers expire against; default today. */
  today?: string;
  /**
   * Files changed since the base commit (repository-root paths): only the apps they touch are
   * validated, the others listed as skipped with why (`core/gitops/changed-apps.ts`). Absent: every app.
   */
  changedFiles?: readonly string[];
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

/** What a rendering (an environment's or an overlay's) came to. */
export interface RenderCounts {
  rendered: boolean;
  /** Objects in the rendering. */
  objects: number;
  /** Hooks among them (they run during a sync; they are not synced resources). */
  hooks: number;
  /** Helm test hooks left out: Argo CD never applies them. */
  testHooksLeftOut: number;
  schema: SchemaCounts;
  errors: number;
}

/** What happened to one environment's kustomize overlay. */
export interface OverlayResult extends RenderCounts {
  /** The app, in a multi-app tree. */
  app?: string;
  environment: string;
  /** Overlay directory in the tree. */
  overlay: string;
  production: boolean;
}

/** What happened to one environment. */
export interface EnvironmentResult extends RenderCounts {
  /** The app, in a multi-app tree. */
  app?: string;
  name: string;
  namespace: string;
  production: boolean;
  /** The values files helm was given (the Application's when it has one; inline values and parameters are not files). */
  values: string[];
  /** The Application file whose source settings were rendered; absent when gitops-pipeline.yaml alone said how. */
  application?: string;
  lintPassed: boolean;
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
  /** With changed files: every app of the tree, validated or skipped, with why. */
  changes?: AppSelection[];
}
