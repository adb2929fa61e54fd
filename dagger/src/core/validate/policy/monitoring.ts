/**
 * Monitoring rules: what Prometheus is told to scrape must exist. A ServiceMonitor's endpoints
 * name a port of a Service it selects in the same rendering; a pod's prometheus.io/port
 * annotation names one of its container ports.
 */
import type { Manifest } from "../manifests.js";
import { asArray, asObj, podOf } from "./pod.js";
import type { PolicyContext, PolicyRule, Violation } from "./types.js";

const services = new WeakMap<readonly Manifest[], Manifest[]>();

function servicesOf(objects: readonly Manifest[]): Manifest[] {
  let s = services.get(objects);
  if (!s) {
    s = objects.filter((o) => o.kind === "Service");
    services.set(objects, s);
  }
  return s;
}

/** The Services of the rendering a ServiceMonitor selects (by matchLabels and namespace). */
export function selectedServices(sm: Manifest, objects: readonly Manifest[]): Manifest[] {
  const spec = asObj(sm.body.spec);
  const matchLabels = asObj(asObj(spec.selector).matchLabels);
  const nsSel = asObj(spec.namespaceSelector);
  const names = asArray(nsSel.matchNames).map(String);
  const inNamespace = (ns: string): boolean => nsSel.any === true || (names.length ? names.includes(ns) : ns === (sm.namespace ?? ""));
  return servicesOf(objects).filter((svc) => {
    const labels = asObj(asObj(svc.body.metadata).labels);
    return inNamespace(svc.namespace ?? "") && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
  });
}

export const serviceMonitorPort: PolicyRule = {
  id: "POL-SERVICEMONITOR-PORT",
  severity: "error",
  summary: "a ServiceMonitor selects a Service of the rendering, and each endpoint's port is a named port of it",
  check: (m, ctx: PolicyContext) => {
    if (m.kind !== "ServiceMonitor") return [];
    const spec = asObj(m.body.spec);
    const selector = asObj(spec.selector);
    // matchExpressions cannot be evaluated against labels alone without guessing: judge matchLabels only.
    if (Object.keys(asObj(selector.matchLabels)).length === 0) {
      return asArray(selector.matchExpressions).length ? [] : [{ path: "spec.selector", message: "selects no Service: spec.selector.matchLabels is empty" }];
    }
    const selected = selectedServices(m, ctx.objects);
    if (selected.length === 0) return [{ path: "spec.selector.matchLabels", message: "selects no Service of this rendering (labels or namespace differ)" }];
    const ports = new Set(
      selected.flatMap((s) => asArray(asObj(s.body.spec).ports).map((p) => asObj(p).name)).filter((n): n is string => typeof n === "string"),
    );
    const out: Violation[] = [];
    asArray(spec.endpoints).forEach((e, i) => {
      const ep = asObj(e);
      if (typeof ep.port === "string" && ep.port !== "") {
        if (!ports.has(ep.port))
          out.push({
            path: `spec.endpoints[${i}].port`,
            message: `port '${ep.port}' is not a named port of the selected Service${selected.length === 1 ? "" : "s"} (${[...ports].join(", ") || "no named ports"})`,
          });
      } else if (ep.targetPort === undefined) {
        out.push({ path: `spec.endpoints[${i}].port`, message: `endpoint ${i} names no port: set port to the Service's metrics port name` });
      }
    });
    if (asArray(spec.endpoints).length === 0) out.push({ path: "spec.endpoints", message: "has no endpoints: nothing is scraped" });
    return out;
  },
};

export const scrapePort: PolicyRule = {
  id: "POL-SCRAPE-PORT",
  severity: "error",
  summary: 'a pod annotated prometheus.io/scrape: "true" with prometheus.io/port names one of its container ports',
  check: (m) => {
    const pod = podOf(m);
    if (!pod) return [];
    const annotations = asObj(pod.meta.annotations);
    if (String(annotations["prometheus.io/scrape"]) !== "true" || annotations["prometheus.io/port"] === undefined) return [];
    const port = String(annotations["prometheus.io/port"]);
    const declared = pod.containers.flatMap((r) => asArray(r.c.ports).map((p) => String(asObj(p).containerPort)));
    return declared.includes(port)
      ? []
      : [
          {
            path: `${pod.metaPath}.annotations.prometheus.io/port`,
            message: `port ${port} is not a container port of the pod (${declared.join(", ") || "none declared"})`,
          },
        ];
  },
};

/** The monitoring rules, in report order. */
export const MONITORING_RULES: readonly PolicyRule[] = [serviceMonitorPort, scrapePort];
