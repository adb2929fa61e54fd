/**
 * What the secret rules compare: the Secrets a rendering produces (a plain Secret, a
 * SealedSecret's template, an ExternalSecret's target) with the keys and type each will carry,
 * and the Secrets each workload references (env secretKeyRef, envFrom, secret and projected
 * volumes, imagePullSecrets) with the field path of the reference. Values are never read.
 */
import type { Manifest } from "../manifests.js";
import { objectId } from "../manifests.js";
import { asArray, asObj, podOf } from "./pod.js";

/** A Secret the rendering will make exist in a namespace. */
export interface SecretProducer {
  /** Name and namespace of the Secret that will exist. */
  name: string;
  namespace: string;
  /** The object that produces it (`SealedSecret/ns/name`) and its file or template. */
  object: string;
  kind: "Secret" | "SealedSecret" | "ExternalSecret";
  source: string;
  /** Keys it will carry; undefined when they cannot be known offline (an ExternalSecret's dataFrom, a templateFrom...). */
  keys?: ReadonlySet<string>;
  /** The Secret's type (`Opaque` when unset). */
  type: string;
}

/** One reference of a workload to a Secret. */
export interface SecretRef {
  name: string;
  /** The key read, for key-level references (secretKeyRef, volume items). */
  key?: string;
  optional: boolean;
  /** Field path of the reference inside the workload. */
  path: string;
  /** What references it, for messages: `container 'app' env API_TOKEN`, `volume 'certs'`. */
  what: string;
  /** imagePullSecrets: the kubelet needs a docker config Secret. */
  pull?: boolean;
}

export const SEALED_SECRET_GROUP = "bitnami.com/";
export const EXTERNAL_SECRET_GROUP = "external-secrets.io/";

const isKind = (m: Manifest, group: string, kind: string): boolean => m.kind === kind && m.apiVersion.startsWith(group);
export const isSealedSecret = (m: Manifest): boolean => isKind(m, SEALED_SECRET_GROUP, "SealedSecret");
export const isExternalSecret = (m: Manifest): boolean => isKind(m, EXTERNAL_SECRET_GROUP, "ExternalSecret");
export const isPlainSecret = (m: Manifest): boolean => m.kind === "Secret" && m.apiVersion === "v1";

const keysOf = (...maps: unknown[]): Set<string> => new Set(maps.flatMap((v) => Object.keys(asObj(v))));
const text = (v: unknown, fallback = ""): string => (typeof v === "string" && v !== "" ? v : fallback);

/** The Secret an ExternalSecret writes, with its keys when they are known offline. */
function externalSecretTarget(m: Manifest): { name: string; keys?: Set<string>; type: string; creates: boolean } {
  const spec = asObj(m.body.spec);
  const target = asObj(spec.target);
  const template = asObj(target.template);
  const dataKeys = new Set(
    asArray(spec.data)
      .map((d) => text(asObj(d).secretKey))
      .filter(Boolean),
  );
  let keys: Set<string> | undefined = asArray(spec.dataFrom).length > 0 ? undefined : dataKeys;
  if (target.template !== undefined) {
    const templated = keysOf(template.data);
    if (asArray(template.templateFrom).length > 0) keys = undefined;
    else if (template.mergePolicy === "Merge") keys = keys && new Set([...keys, ...templated]);
    else if (templated.size > 0 || template.data !== undefined) keys = templated;
  }
  // Merge and None write into (or nothing to) a Secret made elsewhere: its keys are not all known.
  const policy = text(target.creationPolicy, "Owner");
  return { name: text(target.name, m.name), ...(keys && policy !== "Merge" ? { keys } : {}), type: text(template.type, "Opaque"), creates: policy !== "None" };
}

const producersCache = new WeakMap<readonly Manifest[], SecretProducer[]>();

/** Every Secret `objects` produce (cached per rendering: every workload asks). */
export function secretProducers(objects: readonly Manifest[]): SecretProducer[] {
  const hit = producersCache.get(objects);
  if (hit) return hit;
  const out: SecretProducer[] = [];
  for (const m of objects) {
    const namespace = m.namespace ?? "";
    const base = { namespace, object: objectId(m), source: m.source };
    if (isPlainSecret(m)) {
      out.push({ ...base, name: m.name, kind: "Secret", keys: keysOf(m.body.data, m.body.stringData), type: text(m.body.type, "Opaque") });
    } else if (isSealedSecret(m)) {
      const spec = asObj(m.body.spec);
      const template = asObj(spec.template);
      // The deprecated whole-secret `data` blob hides its keys.
      const keys = spec.data !== undefined && spec.encryptedData === undefined ? undefined : keysOf(spec.encryptedData, template.data);
      out.push({ ...base, name: m.name, kind: "SealedSecret", ...(keys ? { keys } : {}), type: text(template.type, "Opaque") });
    } else if (isExternalSecret(m)) {
      const t = externalSecretTarget(m);
      if (t.creates) out.push({ ...base, name: t.name, kind: "ExternalSecret", ...(t.keys ? { keys: t.keys } : {}), type: t.type });
    }
  }
  producersCache.set(objects, out);
  return out;
}

/** The producer of Secret `name` in `namespace`, if the rendering has one. */
export function producerOf(objects: readonly Manifest[], name: string, namespace: string | undefined): SecretProducer | undefined {
  return secretProducers(objects).find((p) => p.name === name && p.namespace === (namespace ?? ""));
}

/** Every reference of `m`'s pod spec to a Secret (none for kinds without one). */
export function secretRefs(m: Manifest): SecretRef[] {
  const pod = podOf(m);
  if (!pod) return [];
  const out: SecretRef[] = [];
  for (const r of pod.containers) {
    const who = `container '${r.name}'`;
    asArray(r.c.env).forEach((e, i) => {
      const ref = asObj(asObj(asObj(e).valueFrom).secretKeyRef);
      const name = text(ref.name);
      if (name)
        out.push({
          name,
          key: text(ref.key),
          optional: ref.optional === true,
          path: `${r.path}.env[${i}].valueFrom.secretKeyRef`,
          what: `${who} env ${text(asObj(e).name, `#${i}`)}`,
        });
    });
    asArray(r.c.envFrom).forEach((e, i) => {
      const ref = asObj(asObj(e).secretRef);
      const name = text(ref.name);
      if (name) out.push({ name, optional: ref.optional === true, path: `${r.path}.envFrom[${i}].secretRef`, what: `${who} envFrom` });
    });
  }
  asArray(pod.spec.volumes).forEach((v, i) => {
    const vol = asObj(v);
    const volName = text(vol.name, `#${i}`);
    const secret = asObj(vol.secret);
    const addItems = (name: string, items: unknown, optional: boolean, path: string): void => {
      const list = asArray(items);
      if (list.length === 0) out.push({ name, optional, path, what: `volume '${volName}'` });
      list.forEach((it, j) => out.push({ name, key: text(asObj(it).key), optional, path: `${path}.items[${j}].key`, what: `volume '${volName}'` }));
    };
    if (text(secret.secretName)) addItems(text(secret.secretName), secret.items, secret.optional === true, `${pod.path}.volumes[${i}].secret`);
    asArray(asObj(vol.projected).sources).forEach((s, j) => {
      const ps = asObj(asObj(s).secret);
      if (text(ps.name)) addItems(text(ps.name), ps.items, ps.optional === true, `${pod.path}.volumes[${i}].projected.sources[${j}].secret`);
    });
  });
  asArray(pod.spec.imagePullSecrets).forEach((p, i) => {
    const name = text(asObj(p).name);
    // The kubelet pulls without a missing pull secret (with a warning): not a hard requirement.
    if (name) out.push({ name, optional: true, path: `${pod.path}.imagePullSecrets[${i}]`, what: "imagePullSecrets", pull: true });
  });
  return out;
}
