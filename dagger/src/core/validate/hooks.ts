/**
 * What Argo CD does with hooks, applied to a rendering: Helm test hooks (`helm.sh/hook: test`,
 * `test-success`, `test-failure`) are never applied — Argo CD's Helm hook mapping has no
 * equivalent for them — so they are left out of what kubeconform and the policy judge; every
 * other hook stays, marked (`Manifest.hook`), since it runs during a sync without being a synced
 * resource.
 */
import { stringify } from "yaml";
import type { Manifest } from "./manifests.js";

/** The Helm hook types Argo CD never runs. */
export const HELM_TEST_HOOKS: readonly string[] = ["test", "test-success", "test-failure"];

/** True when every Helm hook type of the object is a test one (an object that is also, say, a pre-install hook still runs). */
export function isHelmTestHook(m: Pick<Manifest, "body">): boolean {
  const ann = (m.body.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  const raw = ann?.["helm.sh/hook"];
  if (typeof raw !== "string") return false;
  const types = raw
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  return types.length > 0 && types.every((t) => HELM_TEST_HOOKS.includes(t));
}

/** A rendering as Argo CD applies it: the objects kept, and the Helm test hooks left out. */
export interface ArgoRendering {
  objects: Manifest[];
  /** Test hooks left out (`Kind/name`, with their template). */
  leftOut: Manifest[];
  /** Hooks kept (they run during a sync). */
  hooks: number;
}

/** Split a rendering into what Argo CD applies and the Helm test hooks it never does. */
export function argoRendering(objects: readonly Manifest[]): ArgoRendering {
  const kept = objects.filter((m) => !isHelmTestHook(m));
  return { objects: kept, leftOut: objects.filter((m) => isHelmTestHook(m)), hooks: kept.filter((m) => m.hook).length };
}

/**
 * The YAML stream of `objects`, each document headed by `# Source: <chart>/<template>` the way
 * helm writes it: what kubeconform reads once test hooks are left out.
 */
export function renderingText(objects: readonly Manifest[], chart = "rendering"): string {
  return objects.map((m) => `---\n# Source: ${chart}/${m.source}\n${stringify(m.body, { lineWidth: 0 })}`).join("");
}
