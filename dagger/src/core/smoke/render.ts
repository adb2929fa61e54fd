/**
 * The environment's rendering for the smoke check, made by validate's own flow (runValidation:
 * the Application's values, parameters and kustomize settings, chart dependencies) through a
 * port that renders only: helm lint and kubeconform are left to the validate stage. The helm
 * template and kustomize build runs are the very ones validate runs, so the engine's cache
 * serves them to whichever of the two comes second.
 */
import { InputError } from "../errors.js";
import { parseManifests, type Manifest } from "../validate/manifests.js";
import { overlayRenderKey, renderKey, type ValidationPort, type ValidationResult } from "../validate/validation-types.js";
import type { ExecResult } from "../validate/output.js";

/** The renderings a render-only run produced, by rendering key. */
export type Renderings = Map<string, string>;

const SKIPPED: ExecResult = { exitCode: 0, stdout: "", stderr: "" };

/** `port` with helm lint and kubeconform skipped, and every successful rendering recorded. */
export function renderOnlyPort(port: ValidationPort): { port: ValidationPort; renderings: Renderings } {
  const renderings: Renderings = new Map();
  const record = (key: string, r: ExecResult): ExecResult => {
    if (r.exitCode === 0) renderings.set(key, r.stdout);
    return r;
  };
  return {
    renderings,
    port: {
      files: () => port.files(),
      read: (p) => port.read(p),
      // helm lint: the validate stage's job.
      helm: async () => SKIPPED,
      prepareChart: (argvs) => port.prepareChart(argvs),
      render: async (env, argv, files) => record(env, await port.render(env, argv, files)),
      renderOverlay: async (env, argv, files) => record(overlayRenderKey(env), await port.renderOverlay(env, argv, files)),
      keep: async () => undefined,
      // kubeconform: the validate stage's job; an empty report.
      kubeconform: async () => ({ exitCode: 0, stdout: '{"resources":[],"summary":{}}', stderr: "" }),
      renderedPath: (k) => port.renderedPath(k),
      treePath: (p) => port.treePath(p),
    },
  };
}

/** The objects of one environment's rendering: its Helm rendering, else (a kustomize-only app) its overlay's. */
export interface EnvironmentRendering {
  objects: Manifest[];
  /** `rendered/<key>.yaml`, as validate's artifacts name it. */
  file: string;
  namespace: string;
}

/**
 * Pick `environment`'s rendering out of a render-only validation. A rendering that failed fails
 * here with validate's own finding (the smoke check cannot run what does not render).
 */
export function environmentRendering(res: ValidationResult, renderings: Renderings, environment: string, app: string | undefined): EnvironmentRendering {
  const errors = res.findings.filter(
    (f) => f.severity === "error" && (f.environment === undefined || f.environment === environment) && (!app || !f.app || f.app === app),
  );
  const key = renderKey(app || undefined, environment);
  const env = res.environments.find((e) => e.name === environment && (!app || e.app === app));
  const overlay = res.overlays.find((o) => o.environment === environment && (!app || o.app === app));
  const pick = env?.rendered
    ? { key, namespace: env.namespace }
    : overlay?.rendered
      ? { key: overlayRenderKey(key), namespace: env?.namespace ?? "default" }
      : undefined;
  const text = pick && renderings.get(pick.key);
  if (!pick || text === undefined) {
    const why = errors.find((f) => /HELM-TEMPLATE|KUSTOMIZE|RENDER/.test(f.rule)) ?? errors[0];
    throw new InputError(
      "environment",
      `'${environment}' has no rendering to run${why ? `: ${why.message}` : ""}`,
      "fix the rendering first (dagger call manifests validate shows why), or pass an environment that renders",
    );
  }
  const file = `rendered/${pick.key}.yaml`;
  return { objects: parseManifests(text, file, pick.namespace).objects, file, namespace: pick.namespace };
}
