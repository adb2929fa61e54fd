/**
 * The validation for people and for the run-object contract: the summary lines (one per
 * environment and overlay, the Argo CD line, every error) and the report.
 */
import { countBySeverity, formatFinding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import { findingOrigin, renderedFrom } from "./origin.js";
import type { ValidationResult } from "./validation.js";

/** A few lines for humans: one per environment, the Argo CD line, then every error. */
export function summarize(r: ValidationResult): string {
  const lines = [`validate ${r.passed ? "passed" : "FAILED"}: chart ${r.chart}, Kubernetes ${r.kubernetesVersion}, ${countBySeverity(r.findings)}`];
  for (const e of r.environments) {
    const s = e.schema;
    lines.push(
      `  ${e.app ? `${e.app}/` : ""}${e.name} (${e.namespace}${e.production ? ", production" : ""}): lint ${e.lintPassed ? "ok" : "failed"}, ${e.rendered ? `${e.objects} objects rendered` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${e.errors} error finding${e.errors === 1 ? "" : "s"}`,
    );
  }
  for (const o of r.overlays) {
    const s = o.schema;
    lines.push(
      `  ${o.app ? `${o.app}/` : ""}${o.environment} kustomize (${o.overlay}): ${o.rendered ? `${o.objects} objects rendered` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${o.errors} error finding${o.errors === 1 ? "" : "s"}`,
    );
  }
  const a = r.argocdSchema;
  lines.push(`  argocd: schema ${a.valid} valid / ${a.invalid} invalid / ${a.errors} errors / ${a.skipped} skipped`);
  const errors = r.findings.filter((f) => f.severity === "error");
  for (const f of errors) lines.push(`  ${findingOrigin(f)}${formatFinding(f)}${renderedFrom(f, r)}`);
  const waived = r.findings.filter((f) => "waived" in f).length;
  if (waived) lines.push(`  ${waived} finding${waived === 1 ? "" : "s"} waived (see the report)`);
  return lines.join("\n");
}

/** The validation under the run-object contract: one line, then a line per environment, overlay and error. */
export function validationReport(r: ValidationResult): RunReport {
  // One app of a multi-app tree is named: "payments: dev, staging, prod".
  const oneApp = r.environments.find((e) => e.app)?.app;
  const envs = r.apps.length > 1 ? `${r.apps.length} apps (${r.apps.join(", ")}), ${r.environments.length} environments` : `${oneApp ? `${oneApp}: ` : ""}${r.environments.map((e) => e.name).join(", ")}`;
  const overlays = r.overlays.length ? `, ${r.overlays.length} kustomize overlay${r.overlays.length === 1 ? "" : "s"}` : "";
  const failing = [...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.rule))];
  const what = failing.length ? ` (${failing.slice(0, 4).join(", ")}${failing.length > 4 ? ", ..." : ""})` : "";
  return runReport({
    stage: "validate",
    passed: r.passed,
    summary: `validate ${r.passed ? "passed" : "failed"}: ${envs}${overlays}, chart ${r.chart}, Kubernetes ${r.kubernetesVersion}: ${countBySeverity(r.findings)}${what}`,
    details: summarize(r).split("\n").slice(1).map((l) => l.replace(/^ {2}/, "")).join("\n"),
    findings: r.findings,
    data: { kubernetesVersion: r.kubernetesVersion, chart: r.chart, apps: r.apps, environments: r.environments, overlays: r.overlays, argocdSchema: r.argocdSchema },
  });
}
