/**
 * The policy engine: every rule over every rendered object, at the level the team's tuning gives
 * it, waivers applied (the object's annotation, then the gitops tree's waivers file). Pure data
 * in, pure data out, so it is unit-tested rule by rule and benchmarked on large renderings.
 */
import type { Manifest } from "../manifests.js";
import { objectId } from "../manifests.js";
import { ENV_RULES } from "./env.js";
import { waiveHint } from "./hints.js";
import { INGRESS_RULES } from "./ingress.js";
import { MONITORING_RULES } from "./monitoring.js";
import { PRODUCTION_RULES } from "./production.js";
import { SEALED_SECRET_RULES } from "./sealed-secrets.js";
import { SECRET_RULES } from "./secrets.js";
import { EXTERNAL_SECRET_RULES } from "./external-secrets.js";
import { SECURITY_RULES } from "./security.js";
import { PolicyTuning, WAIVER_EXPIRED_RULE, WAIVER_UNUSED_RULE, type PolicyScope } from "./tuning.js";
import type { PolicyContext, PolicyFinding, PolicyRule } from "./types.js";
import { parseWaivers, WAIVER_ANNOTATION, WAIVER_RULE } from "./waivers.js";
import { WORKLOAD_RULES } from "./workload.js";

export type { PolicyContext, PolicyFinding, PolicyRule, Violation } from "./types.js";
export { WAIVER_ANNOTATION, WAIVER_RULE } from "./waivers.js";
export { PolicyTuning, WAIVER_EXPIRED_RULE, WAIVER_UNUSED_RULE, type PolicyScope } from "./tuning.js";

/** Every policy rule, in report order. */
export const POLICY_RULES: readonly PolicyRule[] = [
  ...SECURITY_RULES,
  ...WORKLOAD_RULES,
  ...ENV_RULES,
  ...SECRET_RULES,
  ...SEALED_SECRET_RULES,
  ...EXTERNAL_SECRET_RULES,
  ...MONITORING_RULES,
  ...INGRESS_RULES,
  ...PRODUCTION_RULES,
];

const KNOWN = new Set(POLICY_RULES.map((r) => r.id));

/** Every rule id a level can be set for: the rules and the waivers' own findings. */
export const TUNABLE_RULES: ReadonlySet<string> = new Set([...KNOWN, WAIVER_RULE, WAIVER_EXPIRED_RULE, WAIVER_UNUSED_RULE]);

/** Options of a policy run. */
export interface PolicyOptions {
  /** Apply the production rules. */
  production: boolean;
  /** Rules to run (default: all). */
  rules?: readonly PolicyRule[];
  /** The app and environment of the rendering (levels, waivers and hints depend on them). */
  scope?: PolicyScope;
  /** The team's tuning (default: every rule an error, no waivers file). */
  tuning?: PolicyTuning;
}

/** A validation's tuning with no settings: every rule at its own severity, no waivers file. */
export function defaultTuning(): PolicyTuning {
  return new PolicyTuning({}, KNOWN);
}

/**
 * Run the rules over `objects`. A rule whose level is `off` is not run; a waived violation stays
 * in the result with severity `info` and its reason in `waived`, so reports show what was waived
 * and why; every other finding carries a hint saying how to waive or lower it.
 */
export function evaluatePolicy(objects: readonly Manifest[], opts: PolicyOptions): PolicyFinding[] {
  const ctx: PolicyContext = { production: opts.production, objects };
  const rules = opts.rules ?? POLICY_RULES;
  const tuning = opts.tuning ?? defaultTuning();
  const scope = opts.scope ?? {};
  tuning.judged(scope);
  const out: PolicyFinding[] = [];
  for (const m of objects) {
    const object = objectId(m);
    const waivers = parseWaivers(m, KNOWN);
    const waiverLevel = tuning.level(WAIVER_RULE, "error", scope);
    if (waiverLevel !== "off") {
      for (const problem of waivers.problems) {
        out.push({
          source: "policy",
          rule: WAIVER_RULE,
          severity: waiverLevel,
          object,
          path: `metadata.annotations.${WAIVER_ANNOTATION}`,
          template: m.source,
          message: problem,
          hint: `to fix: write '<RULE-ID>: <reason>' in the ${WAIVER_ANNOTATION} annotation, or move the waiver to ${tuning.waiversFile}`,
        });
      }
    }
    for (const rule of rules) {
      if (tuning.level(rule.id, rule.severity, scope) === "off" && tuning.level(rule.id, rule.severity, scope, { pss: "baseline" }) === "off") continue;
      for (const v of rule.check(m, ctx)) {
        const level = tuning.level(rule.id, rule.severity, scope, v);
        if (level === "off") continue;
        const annotated = waivers.reasons.get(rule.id);
        const filed = annotated === undefined ? tuning.waiverFor(rule.id, m, scope) : undefined;
        const reason = annotated ?? filed?.reason;
        const base = { source: "policy" as const, rule: rule.id, object, path: v.path, template: m.source };
        if (reason === undefined) {
          out.push({ ...base, severity: level, message: v.message, hint: waiveHint(rule.id, m, scope, tuning, level) });
        } else {
          const where = filed ? `; ${filed.file} ${filed.path}${filed.expires ? `, until ${filed.expires}` : ""}` : "";
          out.push({ ...base, severity: "info", message: `waived (${reason}${where}): ${v.message}`, waived: reason });
        }
      }
    }
  }
  return out;
}
