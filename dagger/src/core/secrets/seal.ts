/**
 * Sealing one value for one app and environment, offline: kubeseal encrypts it with the
 * cluster's public certificate (`--raw --cert`, no cluster access), bound to the Secret's name
 * and the environment's namespace (strict scope) or wider, and the ciphertext is written into
 * the gitops tree where the environment deploys it from: the chart's `sealedSecrets` value in the
 * environment's values file (helm layout), or a SealedSecret file in the environment's kustomize
 * overlay, listed under its `resources:` (kustomize layout).
 *
 * The plaintext never passes through here: kubeseal reads it from a secret mount
 * (`SEAL_PATHS.value`), and only the ciphertext comes back on stdout.
 */
import { posix } from "node:path";
import { Document, isMap, isSeq, parseDocument } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";
import { environmentField, type GitopsConfig } from "../gitops-config.js";
import { overlayDir } from "../validate/kustomize.js";

/** Sealing scopes, as kubeseal names them. */
export const SEAL_SCOPES = ["strict", "namespace-wide", "cluster-wide"] as const;
export type SealScope = (typeof SEAL_SCOPES)[number];

/** Where the kubeseal container sees its inputs. */
export const SEAL_PATHS = { cert: "/seal/cert.pem", value: "/run/secrets/sealed-value" } as const;

/** The values key the sample chart renders SealedSecrets from. */
export const SEALED_SECRETS_VALUE = "sealedSecrets";

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const CIPHERTEXT = /^[A-Za-z0-9+/]{16,}={0,2}$/;

/** The seal function's arguments (the value itself is a Secret and never reaches the core). */
export const sealInputs = z.object({
  name: z
    .string()
    .max(253)
    .regex(SECRET_NAME, { error: "is not a Secret name (a DNS-1123 subdomain, e.g. gitops-demo-credentials)" })
    .describe("pass the name of the Secret the workload reads"),
  key: z
    .string()
    .max(253)
    .regex(SECRET_KEY, { error: "is not a Secret key (letters, digits, '-', '_' and '.')" })
    .describe("pass the key the workload reads, e.g. api-token"),
  environment: environmentField,
  scope: z
    .string()
    .refine((s): s is SealScope => (SEAL_SCOPES as readonly string[]).includes(s), { error: "is not a sealing scope" })
    .transform((s) => s as SealScope)
    .describe("pass strict, namespace-wide or cluster-wide"),
  type: z
    .string()
    .max(253)
    .regex(/^[A-Za-z0-9][A-Za-z0-9./_-]*$/, { error: "is not a Secret type" })
    .describe("pass e.g. Opaque or kubernetes.io/dockerconfigjson"),
});

/** kubeseal's argv: encrypt the one value at SEAL_PATHS.value for `name` in `namespace` with the certificate at SEAL_PATHS.cert. */
export function kubesealArgv(o: { name: string; namespace: string; scope: SealScope; binary?: string }): string[] {
  return [
    o.binary ?? "kubeseal",
    "--raw",
    "--scope",
    o.scope,
    "--cert",
    SEAL_PATHS.cert,
    "--from-file",
    SEAL_PATHS.value,
    // The label binds the ciphertext: name and namespace for strict, the namespace for namespace-wide.
    ...(o.scope === "cluster-wide" ? [] : ["--namespace", o.namespace]),
    ...(o.scope === "strict" ? ["--name", o.name] : []),
  ];
}

/** kubeseal's stdout as one ciphertext; anything else is an error that quotes none of it. */
export function parseCiphertext(stdout: string): string {
  const c = stdout.trim();
  if (!CIPHERTEXT.test(c))
    throw new InputError(
      "cert",
      `kubeseal did not return a ciphertext (${c.length} characters of output)`,
      "pass the sealed-secrets controller's public certificate (kubeseal --fetch-cert > cert.pem)",
    );
  return c;
}

/** One sealed value and where it is bound. */
export interface SealedValue {
  name: string;
  key: string;
  /** The namespace it was sealed for (the environment's). */
  namespace: string;
  scope: SealScope;
  type: string;
  ciphertext: string;
}

/** A file of the gitops tree to write: its path and new text. */
export interface TreeWrite {
  path: string;
  text: string;
}

/** Where `seal` writes for this app and environment, and how: the plan, before any file is read. */
export interface SealTarget {
  format: "helm" | "kustomize";
  /** helm: the values file; kustomize: the SealedSecret file. */
  file: string;
  /** kustomize: the overlay directory, whose kustomization lists the file. */
  overlay?: string;
  namespace: string;
}

/** Where the sealed value of `name` goes for `environment` of `config`; InputError when the layout has no place for it. */
export function sealTarget(config: GitopsConfig, environment: string, name: string): SealTarget {
  const env = config.environments[environment];
  const known = Object.keys(config.environments);
  if (!env)
    throw new InputError(
      "environment",
      `unknown environment '${environment}' (the app ${config.name} declares ${known.join(", ")})`,
      `pass one of: ${known.join(", ")}`,
    );
  if (config.writeBack.format === "kustomize" || !config.chart) {
    if (!config.kustomize)
      throw new InputError("environment", `app ${config.name} has neither a chart nor a kustomize base`, "set chart: or kustomize: in gitops-pipeline.yaml");
    const overlay = overlayDir(config.kustomize, environment);
    return { format: "kustomize", file: posix.join(overlay, `sealedsecret-${name}.yaml`), overlay, namespace: env.namespace };
  }
  const file = env.values.at(-1);
  if (!file)
    throw new InputError("environment", `environment ${environment} has no values file`, "list one under environments.<env>.values in gitops-pipeline.yaml");
  return { format: "helm", file, namespace: env.namespace };
}

function parseYaml(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new InputError(file, `is not valid YAML (${doc.errors[0]!.message.split("\n")[0]})`, "fix the YAML syntax of this file");
  return doc;
}

/** A line-width-0 rendering: no folding of the long ciphertexts or of any other line. */
const render = (doc: Document): string => doc.toString({ lineWidth: 0 });

/**
 * Set `sealedSecrets.<name>` in a values file: the namespace and scope it was sealed for, its
 * type and the key's ciphertext (other keys of the entry are kept). Comments stay.
 */
export function sealIntoValues(text: string, file: string, v: SealedValue, valuesKey = SEALED_SECRETS_VALUE): string {
  const doc = parseYaml(text, file);
  if (doc.contents !== null && !isMap(doc.contents)) throw new InputError(file, "is not a YAML mapping of values", "write `key: value` pairs at the top level");
  const entry = doc.getIn([valuesKey, v.name]);
  if (entry !== undefined && !isMap(entry))
    throw new InputError(file, `${valuesKey}.${v.name} is not a mapping`, `make ${valuesKey}.${v.name} a mapping with encryptedData, or remove it`);
  const sealedFor = doc.getIn([valuesKey, v.name, "namespace"]);
  const scope = doc.getIn([valuesKey, v.name, "scope"]) ?? "strict";
  if (isMap(entry) && (sealedFor !== v.namespace || scope !== v.scope)) {
    // The other keys were sealed for another namespace or scope: mixing them never decrypts as a whole.
    throw new InputError(
      file,
      `${valuesKey}.${v.name} holds values sealed for ${String(sealedFor ?? "no namespace")} (${String(scope)}), not ${v.namespace} (${v.scope})`,
      `seal every key of ${v.name} again for ${v.namespace}, or remove the entry first`,
    );
  }
  doc.setIn([valuesKey, v.name, "namespace"], v.namespace);
  doc.setIn([valuesKey, v.name, "scope"], v.scope);
  doc.setIn([valuesKey, v.name, "type"], v.type);
  doc.setIn([valuesKey, v.name, "encryptedData", v.key], v.ciphertext);
  return render(doc);
}

/** A SealedSecret as kubeseal writes it, with one sealed key. */
export function sealedSecretManifest(v: SealedValue): string {
  const annotations = v.scope === "strict" ? undefined : { [`sealedsecrets.bitnami.com/${v.scope}`]: "true" };
  // Two separate objects: one shared object would be written as a YAML anchor and alias.
  const meta = () => ({ name: v.name, namespace: v.namespace, ...(annotations ? { annotations: { ...annotations } } : {}) });
  const doc = new Document({
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    metadata: meta(),
    spec: { encryptedData: { [v.key]: v.ciphertext }, template: { metadata: meta(), type: v.type } },
  });
  doc.commentBefore = ` Sealed with kubeseal (${v.scope} scope) for ${v.scope === "cluster-wide" ? "any namespace" : `namespace ${v.namespace}`}; only the cluster's controller decrypts it.`;
  return render(doc);
}

/** Add `key` to an existing SealedSecret file (sealed for the same namespace and scope), or make a new one. */
export function sealIntoManifest(existing: string | undefined, file: string, v: SealedValue): string {
  if (existing === undefined) return sealedSecretManifest(v);
  const doc = parseYaml(existing, file);
  if (doc.get("kind") !== "SealedSecret") throw new InputError(file, "exists and is not a SealedSecret", "move it away, or seal under another --name");
  const ns = doc.getIn(["spec", "template", "metadata", "namespace"]) ?? doc.getIn(["metadata", "namespace"]);
  if (ns !== v.namespace)
    throw new InputError(
      file,
      `holds values sealed for namespace ${String(ns)}, not ${v.namespace}`,
      `seal every key of ${v.name} again for ${v.namespace}, or remove the file first`,
    );
  doc.setIn(["spec", "encryptedData", v.key], v.ciphertext);
  return render(doc);
}

/** The kustomization text with `resource` listed under `resources:` (unchanged when it already is). */
export function withResource(text: string, file: string, resource: string): string {
  const doc = parseYaml(text, file);
  const list = doc.get("resources");
  if (list !== undefined && !isSeq(list)) throw new InputError(file, "resources is not a list", "make resources: a YAML list");
  if (isSeq(list) && list.items.some((i) => String((i as { value?: unknown }).value ?? i) === resource)) return text;
  if (isSeq(list)) list.add(doc.createNode(resource));
  else doc.set("resources", doc.createNode([resource]));
  return render(doc);
}

/**
 * The files to write for one sealed value: the values file (helm), or the SealedSecret file and
 * the overlay's kustomization (kustomize). `read` returns a tree file's text, undefined when absent.
 */
export async function sealWrites(
  target: SealTarget,
  v: SealedValue,
  read: (path: string) => Promise<string | undefined>,
  valuesKey = SEALED_SECRETS_VALUE,
): Promise<TreeWrite[]> {
  if (target.format === "helm") {
    const text = await read(target.file);
    if (text === undefined)
      throw new InputError(target.file, "values file of the environment does not exist", "create it, or fix environments.<env>.values in gitops-pipeline.yaml");
    return [{ path: target.file, text: sealIntoValues(text, target.file, v, valuesKey) }];
  }
  const overlay = target.overlay!;
  const kfile = posix.join(overlay, "kustomization.yaml");
  const kustomization = await read(kfile);
  if (kustomization === undefined) throw new InputError(kfile, "the environment has no kustomize overlay", "create the overlay's kustomization.yaml first");
  return [
    { path: target.file, text: sealIntoManifest(await read(target.file), target.file, v) },
    { path: kfile, text: withResource(kustomization, kfile, posix.basename(target.file)) },
  ];
}
