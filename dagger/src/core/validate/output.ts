/**
 * Readers of the validate tools' output: helm lint's `[ERROR] file: message` lines, helm
 * template's error, kubeconform's JSON. Each turns tool output into findings.
 */
import type { Finding } from "../findings.js";

/** What a tool run returned. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const LINT_LINE = /^\[(ERROR|WARNING|INFO)\] ([^:]*): ?(.*)$/;

/** helm lint findings (under --strict a WARNING fails the lint, so it is an error here). */
export function parseHelmLint(r: ExecResult, env: string): Finding[] {
  const out: Finding[] = [];
  let cur: Finding | undefined;
  for (const line of r.stdout.split("\n")) {
    const m = LINT_LINE.exec(line);
    if (m) {
      const level = m[1]!;
      cur = {
        source: "helm",
        rule: `HELM-LINT-${level}`,
        severity: level === "INFO" ? "info" : "error",
        file: m[2]!.replace(/\/$/, "") || undefined,
        message: `${env}: ${m[3]!.trim()}`,
      };
      if (!cur.file) delete cur.file;
      out.push(cur);
    } else if (cur && line.trim() !== "" && !line.startsWith("==>") && !/chart\(s\) linted/.test(line)) {
      cur.message += ` ${line.trim()}`;
    } else {
      cur = undefined;
    }
  }
  if (r.exitCode !== 0 && !out.some((f) => f.severity === "error")) {
    out.push({ source: "helm", rule: "HELM-LINT-ERROR", severity: "error", message: `${env}: helm lint failed: ${firstError(r)}` });
  }
  return out;
}

function firstError(r: ExecResult): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => l.startsWith("Error:")) ?? lines[0] ?? `exit code ${r.exitCode}`).replace(/^Error: /, "");
}

// `template: chart/templates/x.yaml:14:28: ...` or `... at (chart/templates/x.yaml:8:34): ...`
const TEMPLATE_POS = /(?:\(|template: )(?:[^/():\s]+\/)?([^():\s]+?\.(?:yaml|yml|tpl|txt|json))(?::(\d+))?(?::(\d+))?/;

/** The finding for a failed helm template run (file and position of the template error when given). */
export function parseHelmTemplateError(r: ExecResult, env: string): Finding {
  const message = firstError(r);
  const pos = TEMPLATE_POS.exec(message);
  const f: Finding = { source: "helm", rule: "HELM-TEMPLATE", severity: "error", message: `${env}: ${message}` };
  if (pos) {
    f.file = pos[1]!;
    if (pos[2]) f.line = Number(pos[2]);
    if (pos[3]) f.column = Number(pos[3]);
  }
  return f;
}

/** kubeconform's per-status counts for one input file. */
export interface SchemaCounts {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
}

/** Findings and per-file counts of one kubeconform run. */
export interface KubeconformResult {
  findings: Finding[];
  counts: Map<string, SchemaCounts>;
  summary: SchemaCounts;
}

interface KcResource {
  filename?: string;
  kind?: string;
  name?: string;
  version?: string;
  status?: string;
  msg?: string;
}

/**
 * Read `kubeconform -output json -verbose -summary`. `label` maps a file name to how findings
 * should name it (e.g. the environment's rendering). Unreadable output is one error finding.
 * `collapse`: failed schema downloads as one finding (off when several runs are merged first).
 */
export function parseKubeconform(r: ExecResult, label: (file: string) => string = (f) => f, collapse = true): KubeconformResult {
  const zero = (): SchemaCounts => ({ valid: 0, invalid: 0, errors: 0, skipped: 0 });
  const counts = new Map<string, SchemaCounts>();
  const findings: Finding[] = [];
  let parsed: { resources?: KcResource[]; summary?: Partial<SchemaCounts> };
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch {
    findings.push({
      source: "kubeconform",
      rule: "KUBECONFORM",
      severity: "error",
      message: `kubeconform gave no JSON report (exit code ${r.exitCode}): ${firstError(r)}`,
    });
    return { findings, counts, summary: zero() };
  }
  for (const res of parsed.resources ?? []) {
    const file = label(res.filename ?? "");
    const c = counts.get(file) ?? zero();
    counts.set(file, c);
    const object = res.kind ? `${res.kind}/${res.name ?? ""}` : undefined;
    const base = { source: "kubeconform", file, ...(object ? { object } : {}) };
    switch (res.status) {
      case "statusValid":
        c.valid++;
        break;
      case "statusInvalid":
        c.invalid++;
        findings.push({ ...base, rule: "SCHEMA-INVALID", severity: "error", message: schemaMessage(res.msg ?? "") });
        break;
      case "statusSkipped":
        c.skipped++;
        findings.push({ ...base, rule: "SCHEMA-SKIPPED", severity: "warning", message: res.msg || "skipped: not validated" });
        break;
      default:
        c.errors++;
        findings.push({ ...base, rule: "SCHEMA-ERROR", severity: "error", message: missingSchemaHint(res) ?? (res.msg || `status ${String(res.status)}`) });
    }
  }
  const s = parsed.summary ?? {};
  return {
    findings: collapse ? collapseDownloadErrors(findings) : findings,
    counts,
    summary: { valid: s.valid ?? 0, invalid: s.invalid ?? 0, errors: s.errors ?? 0, skipped: s.skipped ?? 0 },
  };
}

/**
 * kubeconform's `could not find schema for Kind`, with what to do: for a custom resource, the
 * CRD-catalog file `--crd-schemas` must hold (`<group>/<kind>_<version>.json`); for a core kind,
 * a wrong apiVersion or a schema directory without that Kubernetes version.
 */
export function missingSchemaHint(res: { kind?: string; version?: string; msg?: string }): string | undefined {
  if (!res.msg || !/^could not find schema for /.test(res.msg)) return undefined;
  const [group, version] = (res.version ?? "").includes("/") ? (res.version ?? "").split("/") : ["", res.version ?? ""];
  // Kubernetes API groups (apps, networking.k8s.io...) have no CRD schema: only other dotted groups are CRDs.
  if (group && group.includes(".") && !/(^|\.)k8s\.io$/.test(group) && res.kind) {
    return `${res.msg} (${res.version}): give --crd-schemas a CRD-catalog directory holding ${group}/${res.kind.toLowerCase()}_${version}.json, or validate online`;
  }
  return `${res.msg} (${res.version ?? "no apiVersion"}): check the apiVersion and kind, and that the schemas hold this Kubernetes version`;
}

/** Keep the useful tail of kubeconform's schema message: `at '/spec/replicas': got string, want integer`. */
export function schemaMessage(msg: string): string {
  const tail = / - (at '.*)$/s.exec(msg);
  return (tail?.[1] ?? msg).replace(/\s+/g, " ").trim();
}

const DOWNLOAD_FAILED = /^failed downloading schema at (\S+?): (.*)$/s;

/**
 * kubeconform reports an unreachable schema location once per object, each with the whole URL
 * and the network error. Those become one finding that says where the schemas could not be
 * downloaded from, how many objects went unvalidated, and how to run offline.
 */
export function collapseDownloadErrors(findings: Finding[]): Finding[] {
  const failed = findings.filter((f) => f.rule === "SCHEMA-ERROR" && DOWNLOAD_FAILED.test(f.message));
  if (failed.length === 0) return findings;
  const urls = failed.map((f) => DOWNLOAD_FAILED.exec(f.message)![1]!);
  const hosts = [...new Set(urls.map((u) => /^[a-z]+:\/\/([^/]+)/.exec(u)?.[1] ?? u))];
  const reason = DOWNLOAD_FAILED.exec(failed[0]!.message)![2]!
    .split(/Get "[^"]*": /)
    .pop()!
    .trim();
  const one: Finding = {
    source: "kubeconform",
    rule: "SCHEMA-DOWNLOAD",
    severity: "error",
    message:
      `could not download schemas from ${hosts.join(", ")} (${failed.length} object${failed.length === 1 ? "" : "s"} not validated; first: ${urls[0]}): ${reason}. ` +
      "To validate offline, pass --schemas (a copy of yannh/kubernetes-json-schema or the kubernetes-validate package's schemas) and --crd-schemas (a CRDs-catalog copy)",
  };
  return [...findings.filter((f) => !failed.includes(f)), one];
}
