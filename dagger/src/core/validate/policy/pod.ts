/**
 * Where the pod spec and containers sit in each workload kind, so every rule reads them the
 * same way and reports the same field paths.
 */
import { asObj, type Manifest } from "../manifests.js";

export { asObj };

type Obj = Record<string, unknown>;

const POD_SPEC_PATH: Record<string, readonly string[]> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Long-running workloads: the kinds that need probes and count for availability. */
export const LONG_RUNNING = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]);

/** A container of a pod spec with its field path. */
export interface ContainerRef {
  c: Obj;
  path: string;
  /** `containers`, `initContainers` or `ephemeralContainers`. */
  list: string;
  name: string;
}

/** The pod spec of a workload object and its path, or undefined for other kinds. */
export interface PodRef {
  spec: Obj;
  path: string;
  /** The pod's metadata (a Pod's own, a workload's pod template's) and its path. */
  meta: Obj;
  metaPath: string;
  containers: ContainerRef[];
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

const cache = new WeakMap<Manifest, PodRef | null>();

/** The pod spec of `m` (cached per object: every rule asks for it). */
export function podOf(m: Manifest): PodRef | undefined {
  const hit = cache.get(m);
  if (hit !== undefined) return hit ?? undefined;
  const keys = POD_SPEC_PATH[m.kind];
  let ref: PodRef | null = null;
  if (keys) {
    let parent: unknown = m.body;
    for (const k of keys.slice(0, -1)) parent = asObj(parent)[k];
    const spec = asObj(asObj(parent)[keys.at(-1)!]);
    const meta = asObj(asObj(parent).metadata);
    const path = keys.join(".");
    const metaPath = [...keys.slice(0, -1), "metadata"].join(".");
    const containers: ContainerRef[] = [];
    for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
      asArray(spec[list]).forEach((c, i) => {
        const o = asObj(c);
        containers.push({ c: o, path: `${path}.${list}[${i}]`, list, name: typeof o.name === "string" ? o.name : `#${i}` });
      });
    }
    ref = { spec, path, meta, metaPath, containers };
  }
  cache.set(m, ref);
  return ref ?? undefined;
}
