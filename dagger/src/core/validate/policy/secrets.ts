/**
 * Secret rules: no readable Secret in the repository's rendering (base64 is an encoding, not
 * encryption: anyone who reads the repository, or its history, reads the value), and every
 * Secret a workload reads carries the keys and type it needs, checked against the SealedSecret,
 * ExternalSecret or Secret that produces it, so a missing key is a finding before deploy rather
 * than a CreateContainerConfigError after. Findings name keys, never values.
 */
import { asObj } from "./pod.js";
import { isExternalSecret, isPlainSecret, isSealedSecret, producerOf, secretProducers, secretRefs, type SecretProducer } from "./secret-refs.js";
import type { PolicyRule, Violation } from "./types.js";

/** How to keep a credential out of git, for the messages. */
export const HOW_TO_SEAL =
  "seal it for the cluster (kubeseal --cert <cluster certificate>, or the pipeline's `manifests seal`) and commit the SealedSecret, or fetch it with an ExternalSecret; then point the workload (or the chart's existing-secret value) at that Secret";

/** Keys of a data map whose value is not empty (an empty placeholder reveals nothing). */
function filledKeys(v: unknown): string[] {
  return Object.entries(asObj(v))
    .filter(([, value]) => value !== null && value !== undefined && String(value) !== "")
    .map(([k]) => k);
}

export const secretPlaintext: PolicyRule = {
  id: "POL-SECRET-PLAINTEXT",
  severity: "error",
  summary:
    "no Secret with data or stringData in the repository's rendering (readable by anyone who reads the repository): seal it (SealedSecret) or use an ExternalSecret",
  check: (m) => {
    if (!isPlainSecret(m)) return [];
    const fields = (["data", "stringData"] as const).filter((f) => filledKeys(m.body[f]).length > 0);
    if (fields.length === 0) return [];
    const keys = fields.flatMap((f) => filledKeys(m.body[f]));
    const how = fields.map((f) => (f === "data" ? "data is base64, not encryption" : "stringData is plain text")).join("; ");
    return [
      {
        path: fields[0]!,
        message: `Secret ${m.name} carries ${keys.length === 1 ? "key" : "keys"} ${keys.join(", ")} readable by anyone who reads the repository (${how}): ${HOW_TO_SEAL}`,
      },
    ];
  },
};

/** How to add a missing key, by what produces the Secret. */
const ADD_KEY: Record<SecretProducer["kind"], string> = {
  SealedSecret: "seal the key into the SealedSecret (kubeseal --raw, or `manifests seal` with that --key)",
  ExternalSecret: "add it to the ExternalSecret (spec.data[].secretKey, or its target template)",
  Secret: "add the key to the Secret",
};

const describe = (p: SecretProducer): string => `${p.kind === "Secret" ? "the Secret" : `its ${p.kind}`} (${p.object}, ${p.source})`;

export const secretKeyMissing: PolicyRule = {
  id: "POL-SECRET-KEY",
  severity: "error",
  summary: "every key a workload reads (secretKeyRef, secret volume items) exists in the SealedSecret, ExternalSecret or Secret that produces it",
  check: (m, ctx) => {
    const out: Violation[] = [];
    for (const ref of secretRefs(m)) {
      if (!ref.key || ref.optional) continue;
      const p = producerOf(ctx.objects, ref.name, m.namespace);
      if (!p?.keys || p.keys.has(ref.key)) continue;
      const has = p.keys.size ? `it carries ${[...p.keys].sort().join(", ")}` : "it carries no key";
      out.push({
        path: ref.path,
        message: `${ref.what} reads key '${ref.key}' of Secret ${ref.name}, which ${describe(p)} does not carry (${has}): the pod would not start (CreateContainerConfigError); ${ADD_KEY[p.kind]} or fix the reference`,
      });
    }
    return out;
  },
};

const PULL_TYPES = new Set(["kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg"]);

export const secretType: PolicyRule = {
  id: "POL-SECRET-TYPE",
  severity: "error",
  summary: "an imagePullSecrets entry names a Secret of type kubernetes.io/dockerconfigjson (or dockercfg)",
  check: (m, ctx) =>
    secretRefs(m)
      .filter((ref) => ref.pull)
      .flatMap((ref) => {
        const p = producerOf(ctx.objects, ref.name, m.namespace);
        return p && !PULL_TYPES.has(p.type)
          ? [
              {
                path: ref.path,
                message: `imagePullSecrets names Secret ${ref.name}, but ${describe(p)} makes it of type ${p.type}: the kubelet cannot pull with it; set the type to kubernetes.io/dockerconfigjson (the SealedSecret's spec.template.type, the ExternalSecret's spec.target.template.type)`,
              },
            ]
          : [];
      }),
};

export const secretRefUnknown: PolicyRule = {
  id: "POL-SECRET-REF",
  severity: "warning",
  summary:
    "in a namespace whose secrets come from SealedSecrets or ExternalSecrets, every Secret a workload needs is produced by one of them (a name mismatch never resolves)",
  check: (m, ctx) => {
    const managed = ctx.objects.filter((o) => (isSealedSecret(o) || isExternalSecret(o)) && o.namespace === m.namespace);
    if (managed.length === 0) return [];
    const produced = secretProducers(ctx.objects).filter((p) => p.namespace === (m.namespace ?? "") && p.kind !== "Secret");
    return secretRefs(m)
      .filter((ref) => !ref.optional && !producerOf(ctx.objects, ref.name, m.namespace))
      .map((ref) => ({
        path: ref.path,
        message: `${ref.what} needs Secret ${ref.name}, which nothing in this rendering produces; the namespace's secrets come from ${produced.map((p) => `${p.object} (Secret ${p.name})`).join(", ")}: fix the name, or waive this rule if ${ref.name} is made outside the repository`,
      }));
  },
};

/** The secret rules, in report order. */
export const SECRET_RULES: readonly PolicyRule[] = [secretPlaintext, secretKeyMissing, secretType, secretRefUnknown];
