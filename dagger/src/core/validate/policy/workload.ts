/**
 * Workload rules: probes on long-running containers, requests and limits everywhere, immutable
 * image references, no host namespaces or hostPath volumes.
 */
import { asArray, asObj, LONG_RUNNING, podOf } from "./pod.js";
import type { PolicyRule, Violation } from "./types.js";

function probeRule(id: string, field: "livenessProbe" | "readinessProbe"): PolicyRule {
  return {
    id,
    severity: "error",
    summary: `every container of a long-running workload has a ${field}`,
    check: (m) => {
      const pod = podOf(m);
      if (!pod || !LONG_RUNNING.has(m.kind)) return [];
      return pod.containers
        .filter((r) => r.list === "containers" && (r.c[field] === undefined || r.c[field] === null))
        .map((r) => ({ path: `${r.path}.${field}`, message: `container '${r.name}' has no ${field}` }));
    },
  };
}

export const livenessProbe = probeRule("POL-LIVENESS-PROBE", "livenessProbe");
export const readinessProbe = probeRule("POL-READINESS-PROBE", "readinessProbe");

const REQUIRED_RESOURCES = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

export const resources: PolicyRule = {
  id: "POL-RESOURCES",
  severity: "error",
  summary: "every container sets cpu and memory requests and limits",
  check: (m) => {
    const pod = podOf(m);
    if (!pod) return [];
    const out: Violation[] = [];
    for (const r of pod.containers) {
      if (r.list === "ephemeralContainers") continue; // cannot have resources
      const res = asObj(r.c.resources);
      const missing = REQUIRED_RESOURCES.filter((k) => {
        const [group, name] = k.split(".") as [string, string];
        const v = asObj(res[group])[name];
        return v === undefined || v === null || v === "";
      });
      if (missing.length > 0) out.push({ path: `${r.path}.resources`, message: `container '${r.name}' has no ${missing.join(", ")}` });
    }
    return out;
  },
};

/** Split an image reference into its tag and digest (the registry port is not a tag). */
export function imageParts(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : undefined;
  return { ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export const imageTag: PolicyRule = {
  id: "POL-IMAGE-TAG",
  severity: "error",
  summary: "every image is pinned: a digest, or a tag that is neither empty nor latest",
  check: (m) => {
    const pod = podOf(m);
    if (!pod) return [];
    const out: Violation[] = [];
    for (const r of pod.containers) {
      const image = typeof r.c.image === "string" ? r.c.image.trim() : "";
      const path = `${r.path}.image`;
      if (!image) {
        out.push({ path, message: `container '${r.name}' has no image` });
        continue;
      }
      const { tag, digest } = imageParts(image);
      if (digest) continue;
      if (!tag) out.push({ path, message: `container '${r.name}' image '${image}' has no tag (means latest)` });
      else if (tag === "latest") out.push({ path, message: `container '${r.name}' image '${image}' uses the mutable tag latest` });
    }
    return out;
  },
};

export const noHostNamespaces: PolicyRule = {
  id: "POL-NO-HOST-NAMESPACES",
  severity: "error",
  summary: "hostNetwork, hostPID and hostIPC are not used",
  check: (m) => {
    const pod = podOf(m);
    if (!pod) return [];
    return (["hostNetwork", "hostPID", "hostIPC"] as const)
      .filter((k) => pod.spec[k] === true)
      .map((k) => ({ path: `${pod.path}.${k}`, message: `shares the node's ${k.slice(4)} namespace` }));
  },
};

export const noHostPath: PolicyRule = {
  id: "POL-NO-HOST-PATH",
  severity: "error",
  summary: "no hostPath volumes",
  check: (m) => {
    const pod = podOf(m);
    if (!pod) return [];
    const out: Violation[] = [];
    asArray(pod.spec.volumes).forEach((v, i) => {
      const vol = asObj(v);
      if (vol.hostPath !== undefined)
        out.push({
          path: `${pod.path}.volumes[${i}].hostPath`,
          message: `volume '${String(vol.name)}' mounts the node path ${String(asObj(vol.hostPath).path)}`,
        });
    });
    return out;
  },
};

/** The workload rules, in report order. */
export const WORKLOAD_RULES: readonly PolicyRule[] = [livenessProbe, readinessProbe, resources, imageTag, noHostNamespaces, noHostPath];
