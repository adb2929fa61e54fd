/** The checks of what an environment renders, as Argo CD would apply it, with what each one proves. */
export const RENDER_RULES = {
  "RENDER-EMPTY":
    "every environment's rendering (helm template or kustomize build) holds at least one object Argo CD would apply: an empty rendering is a finding, never a pass",
  "HELM-DEPENDENCY":
    "every dependency of a chart is vendored in its charts/ or fetched by helm dependency build; else the finding names each missing dependency and how to vendor it",
} as const;
