/**
 * Profiles: which level each rule starts at. `strict` is this module's own bar (every rule at its
 * own severity: an error, but where a rule declares itself a warning). `restricted` and `baseline` follow the Kubernetes Pod Security Standards levels: the
 * rules a PSS level requires are errors, the hardening beyond it (read-only root filesystem,
 * probes, resources, and for baseline the restricted-only rules) warnings, so a third-party chart
 * that meets the level passes while the rest stays visible. Rules about correctness (image
 * pinning, secrets in manifests, scrape targets) and the production rules (which apply only to
 * `production: true` environments) are errors in every profile.
 */
import type { Level, Profile } from "./settings.js";
import type { Violation } from "./types.js";

/** The Pod Security Standards level a rule (or one violation of it) belongs to. */
export type PssLevel = "baseline" | "restricted";

/** A rule's level in each profile: strict, restricted, baseline. */
type Row = readonly [Level | "info", Level | "info", Level | "info"];

const E = "error";
const W = "warning";

/** Each rule's level per profile (rules not listed keep their own severity in every profile). */
export const PROFILE_TABLE: Readonly<Record<string, Row>> = {
  // PSS restricted (baseline too where a violation says `pss: "baseline"`, see below).
  "POL-RUN-AS-NON-ROOT": [E, E, W],
  "POL-NO-PRIVILEGE-ESCALATION": [E, E, W],
  "POL-DROP-ALL-CAPABILITIES": [E, E, W],
  "POL-NO-ADDED-CAPABILITIES": [E, E, W],
  "POL-SECCOMP": [E, E, W],
  // PSS baseline.
  "POL-NO-HOST-NAMESPACES": [E, E, E],
  "POL-NO-HOST-PATH": [E, E, E],
  // Hardening beyond PSS.
  "POL-READ-ONLY-ROOT-FS": [E, W, W],
  "POL-LIVENESS-PROBE": [E, W, W],
  "POL-READINESS-PROBE": [E, W, W],
  "POL-RESOURCES": [E, W, W],
  // Correctness: the same in every profile.
  "POL-IMAGE-TAG": [E, E, E],
  "POL-ENV-SECRET-LITERAL": [E, E, E],
  "POL-SERVICEMONITOR-PORT": [E, E, E],
  "POL-SCRAPE-PORT": [E, E, E],
  // Production environments only (the rules themselves check `production: true`).
  "POL-INGRESS-TLS": [E, E, E],
  "POL-PROD-REPLICAS": [E, E, E],
  "POL-PROD-PDB": [E, E, E],
};

/** The PSS level each rule checks (for the docs and the hint); absent for rules outside PSS. */
export const RULE_PSS: Readonly<Record<string, PssLevel>> = {
  "POL-RUN-AS-NON-ROOT": "restricted",
  "POL-NO-PRIVILEGE-ESCALATION": "restricted",
  "POL-DROP-ALL-CAPABILITIES": "restricted",
  "POL-NO-ADDED-CAPABILITIES": "restricted",
  "POL-SECCOMP": "restricted",
  "POL-NO-HOST-NAMESPACES": "baseline",
  "POL-NO-HOST-PATH": "baseline",
};

const COLUMN: Record<Profile, 0 | 1 | 2> = { strict: 0, restricted: 1, baseline: 2 };

/**
 * The level `profile` gives a violation of `rule`. A violation that breaks PSS baseline (a
 * privileged container, an explicit Unconfined seccomp profile, a capability outside baseline's
 * allowed set) is an error under baseline too, although its rule is a restricted one.
 */
export function profileLevel(profile: Profile, rule: string, fallback: Level | "info", v?: Pick<Violation, "pss">): Level | "info" {
  const row = PROFILE_TABLE[rule];
  const level = row ? row[COLUMN[profile]] : fallback;
  if (profile === "baseline" && v?.pss === "baseline" && level === "warning") return "error";
  return level;
}
