/**
 * How each finding can be waived or lowered from the team's own files: one short line the reports
 * print under the finding, naming the waivers file entry to add (with a selector built from the
 * finding's own object, app and environment) and the gitops-pipeline.yaml level to set.
 */
import type { Manifest } from "../manifests.js";
import type { PolicyScope, PolicyTuning } from "./tuning.js";

/** A YAML flow scalar for the hint: plain when safe, double-quoted otherwise. */
function scalar(s: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s) ? s : JSON.stringify(s);
}

/** The waivers-file entry that waives `rule` for exactly this object in this scope. */
export function waiverEntry(rule: string, m: Pick<Manifest, "kind" | "name" | "namespace">, scope: PolicyScope, withApp: boolean): string {
  const match = [
    ...(withApp && scope.app ? [`app: ${scalar(scope.app)}`] : []),
    ...(scope.environment ? [`environment: ${scalar(scope.environment)}`] : []),
    `kind: ${scalar(m.kind)}`,
    `name: ${scalar(m.name)}`,
  ];
  return `{rule: ${rule}, match: {${match.join(", ")}}, reason: "<why>"}`;
}

/** Where in gitops-pipeline.yaml the level of `rule` is set for this scope (the environment's, else the global one). */
export function levelKey(rule: string, scope: PolicyScope): string {
  return scope.environment ? `policy.environments.${scope.environment}.rules.${rule}` : `policy.rules.${rule}`;
}

/** `to waive: ...; or lower it: ...` for a finding of `rule` on `m` at `level`. */
export function waiveHint(rule: string, m: Pick<Manifest, "kind" | "name" | "namespace">, scope: PolicyScope, tuning: PolicyTuning, level: string): string {
  const lower = level === "error" ? "warning" : "off";
  return `to waive: add ${waiverEntry(rule, m, scope, tuning.multiApp)} to ${tuning.waiversFile} (waivers:); or set ${levelKey(rule, scope)}: ${lower} in ${tuning.settingsFile}`;
}
