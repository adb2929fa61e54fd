/**
 * Sealed Secrets rules. kubeseal encrypts every value with a label made of the scope: strict
 * (the default) binds it to `namespace/name`, namespace-wide to the namespace, cluster-wide to
 * nothing. The controller decrypts with the label of the SealedSecret as deployed (its own
 * metadata: name, namespace and scope annotations), so one sealed for staging and deployed to
 * prod (a copied values file, a kustomize `namespace:`, another Application destination), or
 * renamed (a kustomize namePrefix), never decrypts. kubeseal records what it sealed for in
 * spec.template.metadata; the rule compares that with where the object deploys.
 */
import { asObj } from "./pod.js";
import { isSealedSecret } from "./secret-refs.js";
import type { PolicyRule, Violation } from "./types.js";

export const NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide";
export const CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide";

export type SealingScope = "strict" | "namespace-wide" | "cluster-wide";

/** The scope the controller reads from these annotations (cluster-wide wins, as in the controller). */
export function scopeOf(annotations: unknown): SealingScope {
  const a = asObj(annotations);
  if (a[CLUSTER_WIDE] === "true") return "cluster-wide";
  if (a[NAMESPACE_WIDE] === "true") return "namespace-wide";
  return "strict";
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

export const sealedSecretScope: PolicyRule = {
  id: "POL-SEALED-SECRET-SCOPE",
  severity: "error",
  summary: "a SealedSecret deploys to the namespace (strict scope: and under the name) it was sealed for, or it never decrypts",
  check: (m) => {
    if (!isSealedSecret(m)) return [];
    const scope = scopeOf(asObj(m.body.metadata).annotations);
    if (scope === "cluster-wide") return [];
    const template = asObj(asObj(m.body.spec).template);
    const sealed = asObj(template.metadata);
    // The controller reads the scope from the SealedSecret's own annotations only.
    const claimed = scopeOf(sealed.annotations);
    const note =
      claimed !== scope ? ` (spec.template.metadata says ${claimed}, but the controller reads the scope from metadata.annotations, where it is ${scope})` : "";
    const out: Violation[] = [];
    const sealedNs = text(sealed.namespace);
    if (sealedNs && m.namespace && sealedNs !== m.namespace) {
      out.push({
        path: "spec.template.metadata.namespace",
        message: `SealedSecret ${m.name} was sealed for namespace ${sealedNs} but deploys to ${m.namespace}: with ${scope} scope${note} the controller cannot decrypt it there; seal the values again for ${m.namespace} (kubeseal --namespace ${m.namespace}, or the pipeline's \`manifests seal\` for this environment)`,
      });
    }
    const sealedName = text(sealed.name);
    if (scope === "strict" && sealedName && sealedName !== m.name) {
      out.push({
        path: "spec.template.metadata.name",
        message: `SealedSecret ${m.name} was sealed under the name ${sealedName}: with strict scope${note} a renamed SealedSecret (a namePrefix, a templated name) never decrypts; keep the name ${sealedName}, or seal the values again under ${m.name}`,
      });
    }
    return out;
  },
};

/** The Sealed Secrets rules, in report order. */
export const SEALED_SECRET_RULES: readonly PolicyRule[] = [sealedSecretScope];
