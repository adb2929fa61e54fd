/** The checks of what an environment renders, as Argo CD would apply it, with what each one proves. */
export const RENDER_RULES = {
  "RENDER-EMPTY": "every environment's rendering (helm template or kustomize build) holds at least one object Argo CD would apply: an empty rendering is a finding, never a pass",
} as const;
