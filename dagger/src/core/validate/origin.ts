/**
 * Where a validate finding came from, for the one-line report: the environment (and kustomize
 * overlay) in front, the template and values files behind a policy finding.
 */
import type { EnvironmentResult, ValidationFinding } from "./validation-types.js";

/**
 * `[env] `, `[env kustomize/overlays/env] `, or with the app of a multi-app tree in front
 * (`[orders prod] `): where a finding came from, for one-line reports.
 */
export function findingOrigin(f: ValidationFinding): string {
  const where = [f.app, f.environment, f.overlay].filter((x): x is string => Boolean(x));
  return where.length ? `[${where.join(" ")}] ` : "";
}

/**
 * For a policy finding on a Helm rendering: the template and the environment's values files it
 * was rendered from, ` (from templates/ingress.yaml with environments/prod/values.yaml)`, so the
 * one-line report names the file to fix. Kustomize findings already name their overlay.
 */
export function renderedFrom(f: ValidationFinding, r: { environments: readonly Pick<EnvironmentResult, "app" | "name" | "values">[] }): string {
  const template = (f as { template?: unknown }).template;
  if (f.source !== "policy" || f.overlay || typeof template !== "string" || !template) return "";
  const values = r.environments.find((e) => e.name === f.environment && e.app === f.app)?.values ?? [];
  return ` (from ${template}${values.length ? ` with ${values.join(", ")}` : ""})`;
}
