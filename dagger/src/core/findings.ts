/**
 * Findings: the common data shape of lint issues, policy violations, schema errors and Argo CD
 * check results, so run objects can return data first and fail second.
 */

export type Severity = "error" | "warning" | "info";

/** One issue found by a stage. */
export interface Finding {
  /** What found it: ruff, flake8, pylint, kubeconform, policy, argocd, helm... */
  source: string;
  /** Rule or code, e.g. `F401`, `POL-RUN-AS-NON-ROOT`. */
  rule: string;
  severity: Severity;
  message: string;
  /** File, relative to the input directory, and position when known. */
  file?: string;
  line?: number;
  column?: number;
  /** Template (or manifest file) a rendered object came from, for policy findings: where to fix it. */
  template?: string;
  /** Kubernetes object as `Kind/namespace/name` and field path, for manifest findings. */
  object?: string;
  path?: string;
  /** App of a multi-app gitops tree (its `apps[].name`), environment and kustomize overlay the finding belongs to, for gitops findings. */
  app?: string;
  environment?: string;
  overlay?: string;
  /** Why the finding is waived (a waiver's reason); absent when it is not. */
  waived?: string;
  /** How to waive it or lower its level from the team's own files (policy findings), e.g. `to waive: ...`. */
  hint?: string;
}

/** `file:line:col` or `Kind/name .path`, whichever the finding has. */
export function locate(f: Finding): string {
  if (f.file) return [f.file, f.line, f.column].filter((x) => x !== undefined).join(":");
  if (f.object) return f.path ? `${f.object} ${f.path}` : f.object;
  return "";
}

/** One line per finding: `file:line:col rule message (source)`. */
export function formatFinding(f: Finding): string {
  const where = locate(f);
  return `${where ? `${where} ` : ""}${f.rule} ${f.message} (${f.source}, ${f.severity})`;
}

/** Count by severity, e.g. `3 errors, 1 warning`; `no findings` when empty. */
export function countBySeverity(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  const parts: string[] = [];
  for (const sev of ["error", "warning", "info"] as const) {
    const n = findings.filter((f) => f.severity === sev).length;
    if (n) parts.push(`${n} ${sev}${n === 1 ? "" : "s"}`);
  }
  return parts.join(", ");
}
