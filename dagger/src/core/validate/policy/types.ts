/**
 * Shapes shared by the policy rules: a rule inspects one rendered object (with a context built
 * once per rendering) and returns violations; the engine turns them into findings and applies
 * waivers.
 */
import type { Finding, Severity } from "../../findings.js";
import type { Manifest } from "../manifests.js";

/** A violation of one rule by one object, before waivers. */
export interface Violation {
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.runAsNonRoot`. */
  path: string;
  message: string;
  /** Set when this violation breaks the Pod Security Standards baseline level although its rule is a restricted one (see profiles.ts). */
  pss?: "baseline";
}

/** Facts about the whole rendering that some rules need (built once, not per object). */
export interface PolicyContext {
  /** The environment is production: the replica, PodDisruptionBudget and Ingress TLS rules apply. */
  production: boolean;
  /** Every object of the rendering. */
  objects: readonly Manifest[];
}

/** One policy rule. */
export interface PolicyRule {
  /** Stable id, used in findings and waivers: `POL-...`. */
  id: string;
  severity: Severity;
  /** One line for docs and reports. */
  summary: string;
  check(m: Manifest, ctx: PolicyContext): Violation[];
}

/** A policy finding: always names the object and the field; `waived` holds the reason when waived. */
export interface PolicyFinding extends Finding {
  source: "policy";
  object: string;
  path: string;
  /** Template (or file) the object came from; `object` + `path` locate the finding. */
  template: string;
  waived?: string;
}
