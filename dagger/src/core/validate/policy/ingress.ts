/**
 * Ingress rules: in production every host an Ingress serves is covered by a TLS entry that names
 * its certificate Secret, so nothing is served over plain HTTP.
 */
import { asArray, asObj } from "./pod.js";
import { asText as str } from "../manifests.js";
import type { PolicyContext, PolicyRule, Violation } from "./types.js";

/** Whether the TLS host `pattern` (a name or `*.domain`) covers `host`. */
export function tlsCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h) return true;
  // A wildcard covers exactly one more label: *.example.com covers a.example.com, not a.b.example.com.
  if (!p.startsWith("*.")) return false;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

export const ingressTls: PolicyRule = {
  id: "POL-INGRESS-TLS",
  severity: "error",
  summary: "production: an Ingress has TLS (with a secretName) covering each of its hosts",
  check: (m, ctx: PolicyContext) => {
    if (!ctx.production || m.kind !== "Ingress") return [];
    const spec = asObj(m.body.spec);
    const rules = asArray(spec.rules).map(asObj);
    const tls = asArray(spec.tls).map(asObj);
    const hosts = rules.map((r) => str(r.host));
    if (tls.length === 0) {
      const named = hosts.filter(Boolean);
      return [
        {
          path: "spec.tls",
          message: `no TLS: ${named.length ? `host${named.length === 1 ? "" : "s"} ${named.join(", ")}` : "every request"} would be served over plain HTTP; add a TLS entry with a secretName and the hosts (the chart's ingress.tls)`,
        },
      ];
    }
    const out: Violation[] = [];
    tls.forEach((t, i) => {
      if (!str(t.secretName)) out.push({ path: `spec.tls[${i}].secretName`, message: `TLS entry ${i} names no certificate Secret (secretName)` });
    });
    const covered = tls.flatMap((t) => asArray(t.hosts).map(str)).filter(Boolean);
    hosts.forEach((host, i) => {
      if (!host) {
        out.push({ path: `spec.rules[${i}].host`, message: `rule ${i} has no host, so no TLS entry can cover it; give it a host` });
      } else if (!covered.some((p) => tlsCovers(p, host))) {
        out.push({
          path: `spec.rules[${i}].host`,
          message: `host ${host} is not in any TLS entry's hosts (${covered.join(", ") || "none"}); add it to a TLS entry (the chart's ingress.tls)`,
        });
      }
    });
    return out;
  },
};

/** The Ingress rules, in report order. */
export const INGRESS_RULES: readonly PolicyRule[] = [ingressTls];
