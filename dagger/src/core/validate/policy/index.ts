/**
 * The policy engine: every rule over every rendered object, waivers applied. Pure data in, pure
 * data out, so it is unit-tested rule by rule and benchmarked on large renderings.
 */
import type { Manifest } from "../manifests.js";
import { objectId } from "../manifests.js";
import { ENV_RULES } from "./env.js";
import { INGRESS_RULES } from "./ingress.js";
import { MONITORING_RULES } from "./monitoring.js";
import { PRODUCTION_RULES } from "./production.js";
import { SEALED_SECRET_RULES } from "./sealed-secrets.js";
import { SECRET_RULES } from "./secrets.js";
import { EXTERNAL_SECRET_RULES } from "./external-secrets.js";
import { SECURITY_RULES } from "./security.js";
import type { PolicyContext, PolicyFinding, PolicyRule } from "./types.js";
import { parseWaivers, WAIVER_ANNOTATION, WAIVER_RULE } from "./waivers.js";
import { WORKLOAD_RULES } from "./workload.js";

export type { PolicyContext, PolicyFinding, PolicyRule, Violation } from "./types.js";
export { WAIVER_ANNOTATION, WAIVER_RULE } from "./waivers.js";

/** Every policy rule, in report order. */
export const POLICY_RULES: readonly PolicyRule[] = [...SECURITY_RULES, ...WORKLOAD_RULES, ...ENV_RULES, ...SECRET_RULES, ...SEALED_SECRET_RULES, ...EXTERNAL_SECRET_RULES, ...MONITORING_RULES, ...INGRESS_RULES, ...PRODUCTION_RULES];

const KNOWN = new Set(POLICY_RULES.map((r) => r.id));

/** Options of a policy run. */
export interface PolicyOptions {
  /** Apply the production rules. */
  production: boolean;
  /** Rules to run (default: all). */
  rules?: readonly PolicyRule[];
}

/**
 * Run the rules over `objects`. A waived violation stays in the result with severity `info` and
 * its reason in `waived`, so reports show what was waived and why.
 */
export function evaluatePolicy(objects: readonly Manifest[], opts: PolicyOptions): PolicyFinding[] {
  const ctx: PolicyContext = { production: opts.production, objects };
  const rules = opts.rules ?? POLICY_RULES;
  const out: PolicyFinding[] = [];
  for (const m of objects) {
    const object = objectId(m);
    const waivers = parseWaivers(m, KNOWN);
    for (const problem of waivers.problems) {
      out.push({ source: "policy", rule: WAIVER_RULE, severity: "error", object, path: `metadata.annotations.${WAIVER_ANNOTATION}`, template: m.source, message: problem });
    }
    for (const rule of rules) {
      for (const v of rule.check(m, ctx)) {
        const reason = waivers.reasons.get(rule.id);
        out.push({
          source: "policy",
          rule: rule.id,
          severity: reason === undefined ? rule.severity : "info",
          object,
          path: v.path,
          template: m.source,
          message: reason === undefined ? v.message : `waived (${reason}): ${v.message}`,
          ...(reason === undefined ? {} : { waived: reason }),
        });
      }
    }
  }
  return out;
}
