/**
 * The scan stage's Trivy argv and the reading of its JSON report. Trivy scans the built image as
 * an OCI tarball (`trivy image --input`), so no registry or daemon is needed.
 */
import { InputError } from "../errors.js";
import { formatFinding, type Finding } from "../findings.js";
import { runReport, type RunReport } from "../run.js";

/** Trivy's severities, lowest first. */
export const TRIVY_SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type TrivySeverity = (typeof TRIVY_SEVERITIES)[number];

/** Default: fail the scan on these. */
export const DEFAULT_FAIL_ON = "CRITICAL,HIGH";

/** Paths inside the scan container. */
export const TRIVY_PATHS = {
  image: "/scan/image.tar",
  cache: "/root/.cache/trivy",
  report: "/reports/trivy.json",
  sbom: "/reports/sbom.cdx.json",
} as const;

/** Parse `CRITICAL,HIGH` (any case, spaces allowed); InputError naming `arg` otherwise. */
export function parseSeverities(raw: string, arg = "severity"): TrivySeverity[] {
  const items = raw.split(",").map((s) => s.trim().toUpperCase()).filter((s) => s !== "");
  if (items.length === 0) throw new InputError(arg, "no severity given", `pass some of ${TRIVY_SEVERITIES.join(",")}, e.g. ${DEFAULT_FAIL_ON}`);
  const bad = items.find((s) => !(TRIVY_SEVERITIES as readonly string[]).includes(s));
  if (bad !== undefined) throw new InputError(arg, `"${bad}" is not a Trivy severity`, `use ${TRIVY_SEVERITIES.join(", ")}`);
  return TRIVY_SEVERITIES.filter((s) => items.includes(s));
}

/** Where Trivy gets its vulnerability database. */
export interface TrivyDbOptions {
  /** OCI repository of the vulnerability DB (a mirror in air-gapped networks); Trivy's default when empty. */
  dbRepository?: string;
  /** Use the DB already in the cache volume, never download (offline runs). */
  skipDbUpdate?: boolean;
}

function dbFlags(o: TrivyDbOptions): string[] {
  const flags = ["--cache-dir", TRIVY_PATHS.cache];
  if (o.dbRepository) flags.push("--db-repository", o.dbRepository);
  if (o.skipDbUpdate) flags.push("--skip-db-update");
  return flags;
}

/**
 * argv of the vulnerability scan: JSON report of the given severities, exit code 1 when any is
 * found (the stage runs it with "any exit code" and judges from the report).
 */
export function trivyScanArgv(severities: readonly TrivySeverity[], o: TrivyDbOptions = {}): string[] {
  return [
    "trivy", "image", "--input", TRIVY_PATHS.image, ...dbFlags(o),
    "--scanners", "vuln", "--severity", severities.join(","), "--exit-code", "1",
    "--format", "json", "--output", TRIVY_PATHS.report, "--quiet",
  ];
}

/** argv of the CycloneDX SBOM of the image (packages only: needs no vulnerability DB). */
export function trivySbomArgv(): string[] {
  return ["trivy", "image", "--input", TRIVY_PATHS.image, "--cache-dir", TRIVY_PATHS.cache, "--format", "cyclonedx", "--output", TRIVY_PATHS.sbom, "--quiet"];
}

interface TrivyVuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Severity: string;
  Title?: string;
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
}

/** Vulnerabilities of a Trivy JSON report (`Results[].Vulnerabilities[]`). */
export function parseTrivyJson(report: string): Vulnerability[] {
  const doc = JSON.parse(report) as { Results?: { Target: string; Vulnerabilities?: TrivyVuln[] | null }[] | null } | null;
  if (!doc || typeof doc !== "object") throw new Error("Trivy report is not a JSON object");
  return (doc.Results ?? []).flatMap((r) =>
    (r.Vulnerabilities ?? []).map((v) => ({
      id: v.VulnerabilityID,
      severity: v.Severity,
      pkg: v.PkgName,
      installed: v.InstalledVersion ?? "?",
      ...(v.FixedVersion ? { fixed: v.FixedVersion } : {}),
      ...(v.Title ? { title: v.Title } : {}),
      target: r.Target,
    })),
  );
}

/** A vulnerability as a finding (rule = CVE id, file = scan target). */
export function vulnerabilityFinding(v: Vulnerability): Finding {
  const fix = v.fixed ? `fixed in ${v.fixed}` : "no fix yet";
  return {
    source: "trivy",
    rule: v.id,
    severity: "error",
    message: `${v.severity} ${v.pkg} ${v.installed} (${fix})${v.title ? `: ${v.title}` : ""}`,
    file: v.target,
    object: v.pkg,
    ...(v.fixed ? { path: v.fixed } : {}),
  };
}

/** Verdict of a scan. */
export interface ScanResult {
  ok: boolean;
  /** Vulnerabilities at the failing severities. */
  vulnerabilities: Vulnerability[];
  summary: string;
}

/** Verdict of a scan: the vulnerabilities at the failing severities, counted, and a summary. */
export function scanResult(exitCode: number, report: string | undefined, failOn: readonly TrivySeverity[], stderr = ""): ScanResult {
  if (report === undefined) {
    const why = stderr.trim().split("\n").filter(Boolean).slice(-3).join(" | ") || "no output";
    return { ok: false, vulnerabilities: [], summary: `trivy exited ${exitCode} without writing a report (a tool or vulnerability-database error): ${why}` };
  }
  let vulns: Vulnerability[];
  try {
    vulns = parseTrivyJson(report).filter((v) => (failOn as readonly string[]).includes(v.severity));
  } catch (e) {
    return { ok: false, vulnerabilities: [], summary: `trivy exited ${exitCode} and its report could not be read (${(e as Error).message})` };
  }
  const ok = vulns.length === 0 && exitCode === 0;
  const counts = failOn.map((s) => `${vulns.filter((v) => v.severity === s).length} ${s}`).join(", ");
  const head = ok
    ? `no ${failOn.join("/")} vulnerabilities`
    : vulns.length
      ? `${counts} vulnerabilities`
      : `trivy exited ${exitCode} without reporting a ${failOn.join("/")} vulnerability: a tool or database error`;
  const lines = vulns.slice(0, 25).map((v) => formatFinding(vulnerabilityFinding(v)));
  if (vulns.length > 25) lines.push(`... and ${vulns.length - 25} more in the report`);
  return { ok, vulnerabilities: vulns, summary: [head, ...lines].join("\n") };
}

/** The scan under the run-object contract: each vulnerability at a failing severity is a finding. */
export function scanReport(r: ScanResult, failOn: readonly TrivySeverity[]): RunReport {
  const [head = "", ...rest] = r.summary.split("\n");
  return runReport({
    stage: "scan",
    passed: r.ok,
    summary: `scan ${r.ok ? "passed" : "failed"}: ${head}`,
    details: rest.join("\n"),
    findings: r.vulnerabilities.map(vulnerabilityFinding),
    data: { failOn },
  });
}
