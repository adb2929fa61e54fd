/**
 * How the renderings are split into kubeconform runs: one per environment (its Helm rendering and
 * its overlay's, by rendering key) and one for the Argo CD manifests (files of the tree and the
 * app-of-apps charts' renderings). Each run reads only its own inputs, so the run of an environment
 * whose rendering did not change is the same work as before and stays in the engine's cache.
 */
import type { KubeconformScope } from "./validation-types.js";
import { overlayRenderKey } from "./validation-types.js";

/** The kubeconform runs for these renderings, environments first (in the order given), the Argo CD manifests last; none empty. */
export function kubeconformGroups(o: {
  /** Rendering keys of the Helm renderings. */
  environments: readonly string[];
  /** Rendering keys (before `overlayRenderKey`) of the overlays' renderings. */
  overlays: readonly string[];
  /** Argo CD manifests of the tree. */
  argoFiles: readonly string[];
  /** Renderings of the app-of-apps charts. */
  argoCharts: readonly { key: string }[];
}): KubeconformScope[] {
  const keys = [...new Set([...o.environments, ...o.overlays])];
  const groups: KubeconformScope[] = keys.map((key) => ({
    renderings: [...(o.environments.includes(key) ? [key] : []), ...(o.overlays.includes(key) ? [overlayRenderKey(key)] : [])],
    treeFiles: [],
  }));
  if (o.argoFiles.length > 0 || o.argoCharts.length > 0) groups.push({ renderings: o.argoCharts.map((c) => c.key), treeFiles: [...o.argoFiles] });
  return groups;
}
