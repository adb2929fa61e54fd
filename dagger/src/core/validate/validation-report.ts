/**
 * The validation for people and for the run-object contract: the summary lines (one per
 * environment and overlay, the Argo CD line, every error) and the report.
 */
import { countBySeverity, formatFinding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import { findingOrigin, renderedFrom } from "./origin.js";
import type { ValidationResult } from "./validation-types.js";

/** ` (1 hook, 2 helm test hooks left out)`: what Argo CD runs around a sync rather than syncs, and what it never applies. */
function hookNote(r: { hooks: number; testHooksLeftOut: number }): string {
  const parts = [
    ...(r.hooks ? [`${r.hooks} hook${r.hooks === 1 ? "" : "s"}`] : []),
    ...(r.testHooksLeftOut ? [`${r.testHooksLeftOut} helm test hook${r.testHooksLeftOut === 1 ? "" : "s"} left out`] : []),
  ];
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** A few lines for humans: one per environment, the Argo CD line, then every error. */
export function summarize(r: ValidationResult): string {
  const lines = [`validate ${r.passed ? "passed" : "FAILED"}: chart ${r.chart}, Kubernetes ${r.kubernetesVersion}, ${countBySeverity(r.findings)}`];
  for (const e of r.environments) {
    const s = e.schema;
    lines.push(
      `  ${e.app ? `${e.app}/` : ""}${e.name} (${e.namespace}${e.production ? ", production" : ""}): lint ${e.lintPassed ? "ok" : "failed"}, ${e.rendered ? `${e.objects} objects rendered${hookNote(e)}` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${e.errors} error finding${e.errors === 1 ? "" : "s"}`,
    );
  }
  for (const o of r.overlays) {
    const s = o.schema;
    lines.push(
      `  ${o.app ? `${o.app}/` : ""}${o.environment} kustomize (${o.overlay}): ${o.rendered ? `${o.objects} objects rendered${hookNote(o)}` : "render failed"}, schema ${s.valid} valid / ${s.invalid} invalid / ${s.errors} errors / ${s.skipped} skipped, ${o.errors} error finding${o.errors === 1 ? "" : "s"}`,
    );
  }
  for (const c of r.changes ?? []) lines.push(`  ${c.app}: ${c.selected ? "validated" : "skipped"}, ${c.reason}`);
  const a = r.argocdSchema;
  lines.push(`  argocd: schema ${a.valid} valid / ${a.invalid} invalid / ${a.errors} errors / ${a.skipped} skipped`);
  // A layout discovered from the Applications (no gitops-pipeline.yaml): what was found, and the file to commit.
  for (const f of r.findings.filter((x) => x.rule === "GITOPS-DISCOVERED")) {
    lines.push(`  ${f.message}`);
    if (f.hint)
      lines.push(
        ...f.hint
          .split("\n")
          .filter(Boolean)
          .map((l) => `    ${l}`),
      );
  }
  const errors = r.findings.filter((f) => f.severity === "error");
  for (const f of errors) {
    lines.push(`  ${findingOrigin(f)}${formatFinding(f)}${renderedFrom(f, r)}`);
    // The hint under its finding: how the team waives or lowers it from its own files.
    if (f.hint) lines.push(`    ${f.hint}`);
  }
  const warnings = r.findings.filter((f) => f.severity === "warning").length;
  if (warnings) lines.push(`  ${warnings} warning${warnings === 1 ? "" : "s"} (not blocking; each with its hint in the report)`);
  const waived = r.findings.filter((f) => "waived" in f).length;
  if (waived) lines.push(`  ${waived} finding${waived === 1 ? "" : "s"} waived (see the report)`);
  const unused = r.findings.filter((f) => f.rule === "POL-WAIVER-UNUSED").length;
  if (unused) lines.push(`  ${unused} waiver${unused === 1 ? "" : "s"} of the waivers file waived nothing (POL-WAIVER-UNUSED, see the report)`);
  return lines.join("\n");
}

/** The validation under the run-object contract: one line, then a line per environment, overlay and error. */
export function validationReport(r: ValidationResult): RunReport {
  // One app of a multi-app tree is named: "payments: dev, staging, prod".
  const oneApp = [...r.environments, ...r.overlays].find((e) => e.app)?.app;
  // The environments rendered by helm or kustomize (a kustomize-only app has overlays only).
  const names = [...new Set([...r.environments.map((e) => `${e.app ?? ""}/${e.name}`), ...r.overlays.map((o) => `${o.app ?? ""}/${o.environment}`)])];
  const envList = names.length ? names.map((n) => n.slice(n.indexOf("/") + 1)).join(", ") : "no environment rendered";
  const envs = r.apps.length > 1 ? `${r.apps.length} apps (${r.apps.join(", ")}), ${names.length} environments` : `${oneApp ? `${oneApp}: ` : ""}${envList}`;
  const overlays = r.overlays.length ? `, ${r.overlays.length} kustomize overlay${r.overlays.length === 1 ? "" : "s"}` : "";
  const leftOut = [...r.environments, ...r.overlays].reduce((n, e) => n + e.testHooksLeftOut, 0);
  const failing = [...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.rule))];
  const what = failing.length ? ` (${failing.slice(0, 4).join(", ")}${failing.length > 4 ? ", ..." : ""})` : "";
  const skipped = (r.changes ?? []).filter((c) => !c.selected).map((c) => c.app);
  const skipNote = skipped.length ? `; skipped (unchanged since the base): ${skipped.join(", ")}` : "";
  if (r.changes && r.apps.length === 0)
    return runReport({
      stage: "validate",
      passed: true,
      summary: `validate passed: no app changed since the base, nothing to validate${skipNote}`,
      details: r.changes.map((c) => `${c.app}: skipped, ${c.reason}`).join("\n"),
      findings: [],
      data: { kubernetesVersion: r.kubernetesVersion, apps: [], changes: r.changes },
    });
  return runReport({
    stage: "validate",
    passed: r.passed,
    summary: `validate ${r.passed ? "passed" : "failed"}: ${envs}${overlays}, chart ${r.chart}, Kubernetes ${r.kubernetesVersion}: ${countBySeverity(r.findings)}${what}${leftOut ? `; ${leftOut} helm test hook${leftOut === 1 ? "" : "s"} left out (Argo CD never applies them)` : ""}${skipNote}`,
    details: summarize(r)
      .split("\n")
      .slice(1)
      .map((l) => l.replace(/^ {2}/, ""))
      .join("\n"),
    findings: r.findings,
    data: {
      kubernetesVersion: r.kubernetesVersion,
      chart: r.chart,
      apps: r.apps,
      environments: r.environments,
      overlays: r.overlays,
      argocdSchema: r.argocdSchema,
      ...(r.changes ? { changes: r.changes } : {}),
    },
  });
}
