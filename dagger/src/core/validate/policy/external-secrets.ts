/**
 * External Secrets Operator rules: every ExternalSecret names a store it can read from. A
 * `SecretStore` is namespaced (the operator looks it up in the ExternalSecret's own namespace),
 * so it must deploy with the app, into the same namespace; a `ClusterSecretStore` is cluster-wide
 * and usually managed by the platform outside the app's tree, so it is accepted as named.
 */
import type { Manifest } from "../manifests.js";
import { asArray, asObj } from "./pod.js";
import { EXTERNAL_SECRET_GROUP, isExternalSecret } from "./secret-refs.js";
import type { PolicyContext, PolicyRule, Violation } from "./types.js";

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** Whether a store reference resolves in this rendering; a message when it does not. */
function unresolved(ref: Record<string, unknown>, m: Manifest, ctx: PolicyContext): string | undefined {
  const name = text(ref.name);
  const kind = text(ref.kind) || "SecretStore";
  if (kind === "ClusterSecretStore") return undefined;
  if (kind !== "SecretStore") return `names a store of kind ${kind}: use SecretStore or ClusterSecretStore`;
  const found = ctx.objects.some(
    (o) => o.kind === "SecretStore" && o.apiVersion.startsWith(EXTERNAL_SECRET_GROUP) && o.name === name && o.namespace === m.namespace,
  );
  if (found) return undefined;
  const elsewhere = ctx.objects.filter((o) => o.kind === "SecretStore" && o.name === name).map((o) => o.namespace ?? "?");
  const where = elsewhere.length ? ` (one deploys to ${elsewhere.join(", ")}, but a SecretStore serves its own namespace only)` : "";
  return `names SecretStore ${name}, which this rendering does not deploy to namespace ${m.namespace ?? "(none)"}${where}: add the SecretStore to the app, or point secretStoreRef at a ClusterSecretStore (kind: ClusterSecretStore)`;
}

export const externalSecretStore: PolicyRule = {
  id: "POL-EXTERNAL-SECRET-STORE",
  severity: "error",
  summary: "every ExternalSecret's secretStoreRef resolves: a SecretStore deployed to the same namespace, or a ClusterSecretStore",
  check: (m, ctx) => {
    if (!isExternalSecret(m)) return [];
    const spec = asObj(m.body.spec);
    const out: Violation[] = [];
    const say = (path: string, problem: string | undefined): void => {
      if (problem) out.push({ path, message: `ExternalSecret ${m.name} ${problem}` });
    };
    if (spec.secretStoreRef !== undefined) {
      say("spec.secretStoreRef", unresolved(asObj(spec.secretStoreRef), m, ctx));
      return out;
    }
    // Without a default store, every entry must name its own (sourceRef.storeRef) or a generator.
    let bare = 0;
    for (const field of ["data", "dataFrom"] as const) {
      asArray(spec[field]).forEach((d, i) => {
        const source = asObj(asObj(d).sourceRef);
        if (source.storeRef !== undefined) say(`spec.${field}[${i}].sourceRef.storeRef`, unresolved(asObj(source.storeRef), m, ctx));
        else if (source.generatorRef === undefined) bare++;
      });
    }
    if (bare > 0 || asArray(spec.data).length + asArray(spec.dataFrom).length === 0) {
      say(
        "spec.secretStoreRef",
        "has no secretStoreRef (and not every entry names a sourceRef): the operator has no store to read from; set spec.secretStoreRef to a SecretStore of this namespace or a ClusterSecretStore",
      );
    }
    return out;
  },
};

/** The External Secrets rules, in report order. */
export const EXTERNAL_SECRET_RULES: readonly PolicyRule[] = [externalSecretStore];
