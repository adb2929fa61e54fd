/**
 * The typed finding every run object returns from `findings` (lint issues, failed tests, schema
 * and policy violations, vulnerabilities, failed e2e steps...).
 */
import { func, object } from "@dagger.io/dagger";
import type { Finding as CoreFinding } from "./core/findings.js";

/** One problem a run found. Empty strings and zeros mean "not applicable". */
@object()
export class Finding {
  /** What found it: ruff, flake8, pylint, pytest, helm, kubeconform, policy, argocd, trivy, e2e, git... */
  @func()
  source: string;

  /** Rule or code: F401, POL-RUN-AS-NON-ROOT, SCHEMA-INVALID, CVE-2024-1234... */
  @func()
  rule: string;

  /** error, warning or info (a waived policy finding is info). */
  @func()
  severity: string;

  /** What is wrong, with the figures that matter. */
  @func()
  message: string;

  /** File, relative to the directory the run read. */
  @func()
  file: string;

  /** Line in the file (1-based). */
  @func()
  line: number;

  /** Column in the line. */
  @func()
  column: number;

  /** Kubernetes object as Kind/name, or the package a vulnerability is in. */
  @func()
  object: string;

  /** Field path inside the object, or the fixed version of a vulnerable package. */
  @func()
  path: string;

  /** Environment the finding belongs to. */
  @func()
  environment: string;

  /** Kustomize overlay the finding belongs to. */
  @func()
  overlay: string;

  /** Why the finding is waived (the waiver annotation's reason). */
  @func()
  waived: string;

  /**
   * A finding from the core's data.
   *
   * @param f The core finding.
   */
  constructor(f: CoreFinding) {
    this.source = f.source;
    this.rule = f.rule;
    this.severity = f.severity;
    this.message = f.message;
    this.file = f.file ?? "";
    this.line = f.line ?? 0;
    this.column = f.column ?? 0;
    this.object = f.object ?? "";
    this.path = f.path ?? "";
    this.environment = f.environment ?? "";
    this.overlay = f.overlay ?? "";
    this.waived = f.waived ?? "";
  }
}

/** The typed findings of a core report. */
export const findingsOf = (findings: readonly CoreFinding[]): Finding[] => findings.map((f) => new Finding(f));
