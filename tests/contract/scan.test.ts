/**
 * The scan stage's Trivy argv with the pinned Trivy, on real files: the secret scan of fixture
 * apps (a planted fake key; waived by .trivyignore.yaml and by .trivyignore), and the image
 * scan's options.
 *
 * What this level reaches: the secret scanner needs no database, so secret detection, the ignore
 * files and the redaction are proven end to end. Trivy's vulnerability database is downloaded
 * from mirror.gcr.io / ghcr.io at run time and there is none here: for the image scan this only
 * proves that the real Trivy accepts the argv (every flag parsed, `--ignore-unfixed` and
 * `--ignorefile` included) and stops at the database, which the stage reports as a database
 * error; vulnerability matching itself is checked on parsed report shapes in the unit tests.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TRIVY_PATHS, trivyScanArgv, trivySecretArgv } from "../../dagger/src/core/app/trivy.js";
import { scanResult } from "../../dagger/src/core/app/trivy-report.js";
import { redactedSecretsJson, secretsReport } from "../../dagger/src/core/app/trivy-secrets.js";
import { parseIgnoreFile, pickIgnoreFile, waiverLines } from "../../dagger/src/core/app/trivyignore.js";
import { reportJson } from "../../dagger/src/core/run.js";
import { ROOT, runArgv } from "../helpers/tools.js";

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
    expect(s.report.findings).toEqual([{ source: "trivy-secret", rule: "aws-access-key-id", severity: "error", message: "CRITICAL AWS Access Key ID (AWS)", file: "settings.py", line: 8 }]);
    for (const out of [reportJson(s.report), redactedSecretsJson(s.hits), s.report.details]) expect(out).not.toMatch(PLANTED);
  });

  it("the app's .trivyignore.yaml waives it: passes, and the waiver and its statement are in the run", () => {
    const s = secretScan(join(FIXTURES, "app-secret-waived"));
    expect(s.status, s.stderr).toBe(0);
    expect(s.report.summary).toBe("secrets passed: no secrets in the source (1 waived)");
    expect(s.report.findings).toEqual([expect.objectContaining({ rule: "aws-access-key-id", file: "settings.py", line: 8, severity: "info", waived: "planted fake key of the secret-scan fixture, not a credential" })]);
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

describe("image scan argv with the pinned Trivy (no vulnerability database here)", () => {
  /** The image scan's argv, offline, on a file standing where the image tarball goes. */
  function imageScan(mutate: (argv: string[]) => string[] = (a) => a) {
    const root = mkdtempSync(join(tmpdir(), "scan-image-"));
    mkdirSync(join(root, "scan", "ignore"), { recursive: true });
    mkdirSync(join(root, "reports"));
    writeFileSync(join(root, TRIVY_PATHS.image), "not an image: the run stops at the database before reading it\n");
    writeFileSync(join(root, TRIVY_PATHS.ignoreDir, ".trivyignore"), "CVE-2026-0001\n");
    const argv = mutate(trivyScanArgv(["HIGH", "CRITICAL"], { ignoreUnfixed: true, ignoreFile: ".trivyignore", skipDbUpdate: true }));
    const r = runArgv(mounted(argv, root), root);
    expect(r.error).toBeUndefined();
    return { r, wrote: existsSync(join(root, TRIVY_PATHS.report)) };
  }

  it("accepts every flag (--ignore-unfixed, --ignorefile, --show-suppressed...) and stops at the missing database, which the stage reports as such", () => {
    const { r, wrote } = imageScan();
    expect(r.stderr).not.toMatch(/unknown (shorthand )?flag/);
    expect(r.stderr).toMatch(/DB error/);
    expect(wrote).toBe(false);
    expect(scanResult(r.status ?? -1, undefined, ["HIGH", "CRITICAL"], r.stderr).summary).toMatch(/without writing a report \(a tool or vulnerability-database error\): .*--skip-db-update cannot be specified on the first run/);
  });

  it("control: the same Trivy refuses a misspelt option, so the check above can fail", () => {
    const { r } = imageScan((a) => a.map((x) => (x === "--ignore-unfixed" ? "--ignore-unfixd" : x)));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown flag: --ignore-unfixd/);
  });
});
