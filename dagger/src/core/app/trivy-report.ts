/**
 * Reading the image scan's Trivy JSON report: each vulnerability names the package, the installed
 * version, the CVE (or GHSA) id, the severity and the fixed version (or that there is no fix);
 * what the app's ignore file waived is reported too, marked waived.
 */
import { formatFinding, type Finding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";
import type { TrivySeverity } from "./trivy.js";

interface TrivyVuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Severity: string;
  Title?: string;
}

/** A finding the ignore file suppressed (`--show-suppressed`). */
interface TrivyModified {
  Type?: string;
  Status?: string;
  Statement?: string;
  Source?: string;
  Finding?: Record<string, unknown>;
}

/** The part of a Trivy JSON report (SchemaVersion 2) the pipeline reads. */
export interface TrivyJson {
  Results?:
    | {
        Target: string;
        Vulnerabilities?: TrivyVuln[] | null;
        Secrets?: Record<string, unknown>[] | null;
        ExperimentalModifiedFindings?: TrivyModified[] | null;
      }[]
    | null;
}

/** Parse a Trivy JSON report; throws when it is not one. */
export function readTrivyJson(report: string): TrivyJson {
  const doc = JSON.parse(report) as TrivyJson | null;
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("Trivy report is not a JSON object");
  return doc;
}

/** Why Trivy suppressed a finding: the waiver's statement, or the file that listed it. */
export function waiverReason(m: TrivyModified): string {
  return m.Statement?.trim() || `listed in ${m.Source || "the ignore file"}`;
}

/** One vulnerability of a Trivy JSON report. */
export interface Vulnerability {
  id: string;
  severity: string;
  pkg: string;
  installed: string;
  fixed?: string;
  title?: string;
  /** Scan target, e.g. `image.tar (debian 13.2)` or `opt/venv/lib/.../METADATA`. */
  target: string;
  /** Why the app's ignore file waived it; absent when it is not waived. */
  waived?: string;
}

function vulnerability(v: TrivyVuln, target: string, waived?: string): Vulnerability {
  return {
    id: v.VulnerabilityID,
    severity: v.Severity,
    pkg: v.PkgName,
    installed: v.InstalledVersion ?? "?",
    ...(v.FixedVersion ? { fixed: v.FixedVersion } : {}),
    ...(v.Title ? { title: v.Title } : {}),
    target,
    ...(waived ? { waived } : {}),
  };
}

/** Vulnerabilities of a Trivy JSON report (`Results[].Vulnerabilities[]`), then the waived ones. */
export function parseTrivyJson(report: string): Vulnerability[] {
  const results = readTrivyJson(report).Results ?? [];
  const found = results.flatMap((r) => (r.Vulnerabilities ?? []).map((v) => vulnerability(v, r.Target)));
  const waived = results.flatMap((r) =>
    (r.ExperimentalModifiedFindings ?? [])
      .filter((m) => m.Type === "vulnerability" && m.Finding && typeof m.Finding.VulnerabilityID === "string")
      .map((m) => vulnerability(m.Finding as unknown as TrivyVuln, r.Target, waiverReason(m))),
  );
  return [...found, ...waived];
}

/** A vulnerability as a finding (rule = CVE id, file = scan target, path = fixed version). */
export function vulnerabilityFinding(v: Vulnerability): Finding {
  const fix = v.fixed ? `fixed in ${v.fixed}` : "no fix";
  return {
    source: "trivy",
    rule: v.id,
    severity: v.waived ? "info" : "error",
    message: `${v.severity} ${v.pkg} ${v.installed} (${fix})${v.title ? `: ${v.title}` : ""}`,
    file: v.target,
    object: v.pkg,
    ...(v.fixed ? { path: v.fixed } : {}),
    ...(v.waived ? { waived: v.waived } : {}),
  };
}

/** Verdict of a scan. */
export interface ScanResult {
  ok: boolean;
  /** Vulnerabilities at the failing severities. */
  vulnerabilities: Vulnerability[];
  /** Vulnerabilities the app's ignore file waived. */
  waived: Vulnerability[];
  summary: string;
}

/** Verdict of a scan: the vulnerabilities at the failing severities, counted, and a summary. */
export function scanResult(exitCode: number, report: string | undefined, failOn: readonly TrivySeverity[], stderr = ""): ScanResult {
  if (report === undefined) {
    const last = stderr.trim().split("\n").filter(Boolean).slice(-3);
    // The summary line is cut to one line; the details keep Trivy's own words whole.
    return {
      ok: false,
      vulnerabilities: [],
      waived: [],
      summary: [`trivy exited ${exitCode} without writing a report (a tool or vulnerability-database error): ${last.join(" | ") || "no output"}`, ...last].join(
        "\n",
      ),
    };
  }
  let all: Vulnerability[];
  try {
    all = parseTrivyJson(report);
  } catch (e) {
    return { ok: false, vulnerabilities: [], waived: [], summary: `trivy exited ${exitCode} and its report could not be read (${(e as Error).message})` };
  }
  const vulns = all.filter((v) => !v.waived && (failOn as readonly string[]).includes(v.severity));
  const waived = all.filter((v) => v.waived);
  const ok = vulns.length === 0 && exitCode === 0;
  const counts = failOn.map((s) => `${vulns.filter((v) => v.severity === s).length} ${s}`).join(", ");
  const head = ok
    ? `no ${failOn.join("/")} vulnerabilities${waived.length ? ` (${waived.length} waived)` : ""}`
    : vulns.length
      ? `${counts} vulnerabilities`
      : `trivy exited ${exitCode} without reporting a ${failOn.join("/")} vulnerability: a tool or database error`;
  const lines = vulns.slice(0, 25).map((v) => formatFinding(vulnerabilityFinding(v)));
  if (vulns.length > 25) lines.push(`... and ${vulns.length - 25} more in the report`);
  lines.push(...waived.map((v) => `waived: ${formatFinding(vulnerabilityFinding(v))} — ${v.waived}`));
  return { ok, vulnerabilities: vulns, waived, summary: [head, ...lines].join("\n") };
}

/** What the run says about the scan's settings: unfixed vulnerabilities ignored, the ignore file's waivers. */
export interface ScanContext {
  ignoreUnfixed?: boolean;
  /** Lines describing the ignore file's waivers (trivyignore.ts waiverLines). */
  waivers?: readonly string[];
}

/** The scan under the run-object contract: each vulnerability at a failing severity is a finding (waived ones as info). */
export function scanReport(r: ScanResult, failOn: readonly TrivySeverity[], ctx: ScanContext = {}): RunReport {
  const [head = "", ...rest] = r.summary.split("\n");
  const notes = [...(ctx.ignoreUnfixed ? ["unfixed vulnerabilities ignored (--ignore-unfixed)"] : []), ...(ctx.waivers ?? [])];
  return runReport({
    stage: "scan",
    passed: r.ok,
    summary: `scan ${r.ok ? "passed" : "failed"}: ${head}`,
    details: [...rest, ...notes].join("\n"),
    findings: [...r.vulnerabilities, ...r.waived].map(vulnerabilityFinding),
    data: { failOn, ignoreUnfixed: ctx.ignoreUnfixed ?? false },
  });
}
