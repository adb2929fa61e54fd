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

  /** File, relative to the directory the run read (for a policy finding, the template its object was rendered from). */
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

  /** App of a multi-app gitops tree the finding belongs to ("" in a single-app tree). */
  @func()
  app: string;

  /** Environment the finding belongs to. */
  @func()
  environment: string;

  /** Kustomize overlay the finding belongs to. */
  @func()
  overlay: string;

  /** Why the finding is waived (the waiver's reason). */
  @func()
  waived: string;

  /** How to waive it or lower its level from the team's own files (policy findings): the waivers-file entry and the gitops-pipeline.yaml level to set. */
  @func()
  hint: string;

  /**
   * @param source What found it.
   * @param rule Rule or code.
   * @param severity error, warning or info.
   * @param message What is wrong.
   * @param file File.
   * @param line Line.
   * @param column Column.
   * @param object Kubernetes object or package.
   * @param path Field path or fixed version.
   * @param environment Environment.
   * @param overlay Kustomize overlay.
   * @param waived Waiver reason.
   * @param app App of a multi-app gitops tree.
   * @param hint How to waive or lower it.
   */
  constructor(
    source: string,
    rule: string,
    severity: string,
    message: string,
    file: string,
    line: number,
    column: number,
    object: string,
    path: string,
    environment: string,
    overlay: string,
    waived: string,
    app: string = "",
    hint: string = "",
  ) {
    this.app = app;
    this.hint = hint;
    this.source = source;
    this.rule = rule;
    this.severity = severity;
    this.message = message;
    this.file = file;
    this.line = line;
    this.column = column;
    this.object = object;
    this.path = path;
    this.environment = environment;
    this.overlay = overlay;
    this.waived = waived;
  }

  /** A finding from the core's data (a plain function: a TS interface in a constructor would become an empty Dagger interface). */
  static of(f: CoreFinding): Finding {
    // A policy finding's file is the template its object was rendered from.
    return new Finding(
      f.source,
      f.rule,
      f.severity,
      f.message,
      f.file ?? f.template ?? "",
      f.line ?? 0,
      f.column ?? 0,
      f.object ?? "",
      f.path ?? "",
      f.environment ?? "",
      f.overlay ?? "",
      f.waived ?? "",
      f.app ?? "",
      f.hint ?? "",
    );
  }
}

/** The typed findings of a core report. */
export const findingsOf = (findings: readonly CoreFinding[]): Finding[] => findings.map((f) => Finding.of(f));
