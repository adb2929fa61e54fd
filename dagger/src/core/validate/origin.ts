/**
 * Where a validate finding came from, for the one-line report: the environment (and kustomize
 * overlay) in front, the template and values files behind a policy finding.
 */
import type { EnvironmentResult, ValidationFinding } from "./validation.js";

/** `[env] ` or `[env kustomize/overlays/env] `: where a finding came from, for one-line reports. */
export function findingOrigin(f: ValidationFinding): string {
  if (!f.environment) return "";
  return f.overlay ? `[${f.environment} ${f.overlay}] ` : `[${f.environment}] `;
}

/**
 * For a policy finding on a Helm rendering: the template and the environment's values files it
 * was rendered from, ` (from templates/ingress.yaml with environments/prod/values.yaml)`, so the
 * one-line report names the file to fix. Kustomize findings already name their overlay.
 */
export function renderedFrom(f: ValidationFinding, r: { environments: readonly Pick<EnvironmentResult, "name" | "values">[] }): string {
  const template = (f as { template?: unknown }).template;
  if (f.source !== "policy" || f.overlay || typeof template !== "string" || !template) return "";
  const values = r.environments.find((e) => e.name === f.environment)?.values ?? [];
  return ` (from ${template}${values.length ? ` with ${values.join(", ")}` : ""})`;
}
