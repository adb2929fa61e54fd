/**
 * The scan stage's Trivy argv with the pinned Trivy, on real files: the secret scan of fixture
 * apps (a planted fake key; waived by .trivyignore.yaml and by .trivyignore), and the image
 * scan's options.
 *
 * What this level reaches: the secret scanner needs no database, so secret detection, the ignore
 * files and the redaction are proven end to end. Trivy's vulnerability database is downloaded
 * from mirror.gcr.io / ghcr.io at run time, which a contract run cannot rely on: the image scan
 * runs against a tiny database written by scripts/trivy-test-db (two made-up advisories,
 * CVE-2099-*, for packages of a hand-made Debian 13 image tarball). So Trivy's real matching,
 * severities, --ignore-unfixed, the ignore file and the report format are exercised; what is not
 * is the content of Trivy's real database (which CVEs the real base image has).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TRIVY_PATHS, trivySbomArgv, trivyScanArgv, trivySecretArgv, type TrivyScanOptions } from "../../dagger/src/core/app/trivy.js";
import { scanReport, scanResult } from "../../dagger/src/core/app/trivy-report.js";
import { redactedSecretsJson, secretsReport } from "../../dagger/src/core/app/trivy-secrets.js";
import { parseIgnoreFile, pickIgnoreFile, waiverLines } from "../../dagger/src/core/app/trivyignore.js";
import { reportJson } from "../../dagger/src/core/run.js";
import { ROOT, runArgv, tool } from "../helpers/tools.js";

const FIXTURES = join(ROOT, "tests", "fixtures");
/** The fake key planted in tests/fixtures/app-planted-secret/settings.py (see its docstring: not a credential). */
const PLANTED = /AKIA[A-Z2-7]{16}/;
const TODAY = new Date().toISOString().slice(0, 10);

/** The stage's container paths (/scan, /reports, the caches) under a fresh local root, as the container mounts them. */
function mounted(argv: readonly string[], root: string): string[] {
  return argv.map((a) => (a.startsWith("/scan") || a.startsWith("/reports") || a.startsWith("/tmp/trivy") || a.startsWith("/root/.cache") ? join(root, a) : a));
}

/** Run the secret scan's argv on `app` exactly as the stage does: the source and its ignore file mounted, the report read and judged. */
function secretScan(app: string) {
  const root = mkdtempSync(join(tmpdir(), "scan-secrets-"));
  cpSync(app, join(root, TRIVY_PATHS.source), { recursive: true });
  mkdirSync(join(root, "reports"));
  const name = pickIgnoreFile(readdirSync(app));
  let waivers: string[] = [];
  if (name) {
    mkdirSync(join(root, TRIVY_PATHS.ignoreDir), { recursive: true });
    cpSync(join(app, name), join(root, TRIVY_PATHS.ignoreDir, name));
    waivers = waiverLines(name, parseIgnoreFile(name, readFileSync(join(app, name), "utf8")), TODAY);
  }
  const r = runArgv(mounted(trivySecretArgv(name), root), root);
  expect(r.error).toBeUndefined();
  const out = join(root, TRIVY_PATHS.secrets);
  const raw = existsSync(out) ? readFileSync(out, "utf8") : undefined;
  return { ...secretsReport(r.status ?? -1, raw, r.stderr, waivers), raw, status: r.status, stderr: r.stderr };
}

/** A copy of the planted-secret fixture with `files` added. */
function plantedWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "app-planted-"));
  cpSync(join(FIXTURES, "app-planted-secret"), dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

describe("secret scan with the pinned Trivy", () => {
  it("finds the planted fake key: fails, naming file, line and rule; no output of the run carries the key", () => {
    const s = secretScan(join(FIXTURES, "app-planted-secret"));
    expect(s.status, s.stderr).toBe(1);
    expect(s.report.passed).toBe(false);
    expect(s.report.summary).toBe("secrets failed: 1 secret in 1 file");
    expect(s.report.findings).toEqual([
      { source: "trivy-secret", rule: "aws-access-key-id", severity: "error", message: "CRITICAL AWS Access Key ID (AWS)", file: "settings.py", line: 8 },
    ]);
    for (const out of [reportJson(s.report), redactedSecretsJson(s.hits), s.report.details]) expect(out).not.toMatch(PLANTED);
  });

  it("the app's .trivyignore.yaml waives it: passes, and the waiver and its statement are in the run", () => {
    const s = secretScan(join(FIXTURES, "app-secret-waived"));
    expect(s.status, s.stderr).toBe(0);
    expect(s.report.summary).toBe("secrets passed: no secrets in the source (1 waived)");
    expect(s.report.findings).toEqual([
      expect.objectContaining({
        rule: "aws-access-key-id",
        file: "settings.py",
        line: 8,
        severity: "info",
        waived: "planted fake key of the secret-scan fixture, not a credential",
      }),
    ]);
    expect(s.report.details).toContain("  waived secrets aws-access-key-id in settings.py: planted fake key of the secret-scan fixture, not a credential");
  });

  it("a plain .trivyignore waives it too; once its exp: date has passed, Trivy applies it no more and the run says it expired", () => {
    const waived = secretScan(plantedWith({ ".trivyignore": "# the fixture's fake key\naws-access-key-id\n" }));
    expect(waived.report.passed, waived.report.summary).toBe(true);
    expect(waived.report.findings[0]!.waived).toMatch(/^listed in .*\.trivyignore$/);
    const expired = secretScan(plantedWith({ ".trivyignore": "aws-access-key-id exp:2020-01-31\n" }));
    expect(expired.report.passed).toBe(false);
    expect(expired.report.details).toContain("waived aws-access-key-id expired 2020-01-31, no longer applied");
  });

  it("the app itself has no secret (ci's secrets stage passes on app/)", () => {
    const s = secretScan(join(ROOT, "app"));
    expect(s.report.passed, s.report.details).toBe(true);
    expect(s.report.summary).toBe("secrets passed: no secrets in the source");
  });
});

/** A Debian 13 image (docker save layout) with two packages, as a tarball at `path`. */
function debianImage(path: string): void {
  const dir = mkdtempSync(join(tmpdir(), "scan-image-build-"));
  const rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "etc"), { recursive: true });
  mkdirSync(join(rootfs, "var", "lib", "dpkg"), { recursive: true });
  writeFileSync(join(rootfs, "etc", "os-release"), 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nID=debian\n');
  writeFileSync(join(rootfs, "etc", "debian_version"), "13.2\n");
  const pkg = (name: string, version: string, source?: string) =>
    `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: libs\nMaintainer: Test <test@example.com>\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ""}Version: ${version}\nDescription: test package\n\n`;
  writeFileSync(join(rootfs, "var", "lib", "dpkg", "status"), pkg("zlib1g", "1:1.3.dfsg+really1.3.1-1+b1", "zlib") + pkg("libgcrypt20", "1.11.0-7"));
  const tar = (args: string[]) => {
    const r = spawnSync("tar", args, { encoding: "utf8" });
    expect(r.status, `tar ${args.join(" ")}: ${r.stderr}`).toBe(0);
  };
  tar(["-C", rootfs, "-cf", join(dir, "layer.tar"), "etc", "var"]);
  const diffId = `sha256:${createHash("sha256")
    .update(readFileSync(join(dir, "layer.tar")))
    .digest("hex")}`;
  writeFileSync(join(dir, "config.json"), JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [diffId] }, config: {} }));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: "config.json", RepoTags: ["fixture:1"], Layers: ["layer.tar"] }]));
  tar(["-C", dir, "-cf", path, "manifest.json", "config.json", "layer.tar"]);
}

/** Two made-up advisories: zlib (source of zlib1g) fixed in a later version, libgcrypt20 with no fix. */
const DB_SPEC = {
  platform: "debian 13",
  source: { ID: "debian", Name: "Debian Security Tracker", URL: "https://salsa.debian.org/security-tracker-team/security-tracker" },
  advisories: [
    { package: "zlib", id: "CVE-2099-0001", fixedVersion: "1:1.3.dfsg+really1.3.1-2" },
    { package: "libgcrypt20", id: "CVE-2099-0002" },
  ],
  vulnerabilities: {
    "CVE-2099-0001": { Title: "zlib: made-up advisory of the contract test", Severity: "HIGH" },
    "CVE-2099-0002": { Title: "libgcrypt: made-up advisory, no fix", Severity: "CRITICAL" },
  },
};

/** Run the image scan's argv (and the SBOM's) as the stage does, against the test database; judged as the stage judges. */
function imageScan(o: TrivyScanOptions & { ignoreText?: string; db?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), "scan-image-"));
  mkdirSync(join(root, "scan", "ignore"), { recursive: true });
  mkdirSync(join(root, "reports"));
  debianImage(join(root, TRIVY_PATHS.image));
  if (o.db !== false) {
    const seeded = spawnSync(tool("trivy-test-db"), [join(root, TRIVY_PATHS.cache)], { input: JSON.stringify(DB_SPEC), encoding: "utf8" });
    expect(seeded.status, seeded.stderr).toBe(0);
  }
  if (o.ignoreText !== undefined) writeFileSync(join(root, TRIVY_PATHS.ignoreDir, o.ignoreFile ?? ".trivyignore"), o.ignoreText);
  const sbom = runArgv(mounted(trivySbomArgv(), root), root);
  const r = runArgv(mounted(trivyScanArgv(["HIGH", "CRITICAL"], { ...o, skipDbUpdate: true }), root), root);
  expect(r.error).toBeUndefined();
  const out = join(root, TRIVY_PATHS.report);
  const report = existsSync(out) ? readFileSync(out, "utf8") : undefined;
  const sbomOut = join(root, TRIVY_PATHS.sbom);
  return {
    r,
    sbom,
    sbomJson: existsSync(sbomOut) ? readFileSync(sbomOut, "utf8") : undefined,
    result: scanResult(r.status ?? -1, report, ["HIGH", "CRITICAL"], r.stderr),
  };
}

describe("image scan with the pinned Trivy and a test vulnerability database", () => {
  it("matches both advisories: each finding names package, installed version, CVE, severity and fixed version or 'no fix'; the SBOM is CycloneDX", () => {
    const { r, result, sbom, sbomJson } = imageScan();
    expect(r.status, r.stderr).toBe(1);
    expect(result.ok).toBe(false);
    expect(result.summary.split("\n")[0]).toBe("1 HIGH, 1 CRITICAL vulnerabilities");
    const report = scanReport(result, ["HIGH", "CRITICAL"]);
    expect(report.findings.map((f) => [f.rule, f.object, f.message]).sort()).toEqual([
      ["CVE-2099-0001", "zlib1g", "HIGH zlib1g 1:1.3.dfsg+really1.3.1-1+b1 (fixed in 1:1.3.dfsg+really1.3.1-2): zlib: made-up advisory of the contract test"],
      ["CVE-2099-0002", "libgcrypt20", "CRITICAL libgcrypt20 1.11.0-7 (no fix): libgcrypt: made-up advisory, no fix"],
    ]);
    expect(sbom.status, sbom.stderr).toBe(0);
    expect(JSON.parse(sbomJson!)).toMatchObject({ bomFormat: "CycloneDX" });
  });

  it("--ignore-unfixed: the vulnerability without a fix is not reported", () => {
    const { result } = imageScan({ ignoreUnfixed: true });
    expect(result.vulnerabilities.map((v) => v.id)).toEqual(["CVE-2099-0001"]);
  });

  it("the app's .trivyignore waives a CVE: not gating, reported as waived; with --ignore-unfixed too, the scan passes", () => {
    const { r, result } = imageScan({ ignoreFile: ".trivyignore", ignoreText: "CVE-2099-0001\n", ignoreUnfixed: true });
    expect(r.status, r.stderr).toBe(0);
    expect(result.ok).toBe(true);
    expect(result.summary.split("\n")[0]).toBe("no HIGH/CRITICAL vulnerabilities (1 waived)");
    expect(result.waived).toEqual([
      expect.objectContaining({
        id: "CVE-2099-0001",
        pkg: "zlib1g",
        fixed: "1:1.3.dfsg+really1.3.1-2",
        waived: expect.stringMatching(/^listed in .*\.trivyignore$/),
      }),
    ]);
  });

  it("a .trivyignore.yaml waiver's statement is what the run shows", () => {
    const { result } = imageScan({
      ignoreFile: ".trivyignore.yaml",
      ignoreText: "vulnerabilities:\n  - id: CVE-2099-0002\n    statement: no TLS in the app\n",
    });
    expect(result.vulnerabilities.map((v) => v.id)).toEqual(["CVE-2099-0001"]);
    expect(result.waived.map((v) => [v.id, v.waived])).toEqual([["CVE-2099-0002", "no TLS in the app"]]);
  });

  it("without a database (as on a machine that cannot download it) the stage reports a database error, not a clean scan", () => {
    const { r, result } = imageScan({ db: false, ignoreUnfixed: true, ignoreFile: ".trivyignore", ignoreText: "CVE-2099-0001\n" });
    expect(r.stderr).not.toMatch(/unknown (shorthand )?flag/);
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(
      /without writing a report \(a tool or vulnerability-database error\): .*--skip-db-update cannot be specified on the first run/,
    );
  });
});
