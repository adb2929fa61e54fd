import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../dagger/src/core/errors.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { TRIVY_PATHS, TRIVY_SEVERITIES, parseSeverities, trivySbomArgv, trivyScanArgv } from "../../dagger/src/core/app/trivy.js";
import { parseTrivyJson, scanReport, scanResult, vulnerabilityFinding } from "../../dagger/src/core/app/trivy-report.js";
import { combineScans, scannedPlatforms } from "../../dagger/src/core/app/scan-gate.js";

// The shape of `trivy image --format json` (SchemaVersion 2), trimmed to the fields read.
const REPORT = JSON.stringify({
  SchemaVersion: 2,
  ArtifactName: "/scan/image.tar",
  Results: [
    {
      Target: "/scan/image.tar (debian 13.2)",
      Class: "os-pkgs",
      Type: "debian",
      Vulnerabilities: [
        {
          VulnerabilityID: "CVE-2026-0001",
          PkgName: "libssl3t64",
          InstalledVersion: "3.5.1-1",
          FixedVersion: "3.5.1-2",
          Severity: "CRITICAL",
          Title: "openssl: bad thing",
        },
        { VulnerabilityID: "CVE-2026-0002", PkgName: "zlib1g", InstalledVersion: "1.3", Severity: "LOW" },
      ],
    },
    {
      Target: "Python",
      Class: "lang-pkgs",
      Type: "python-pkg",
      Vulnerabilities: [{ VulnerabilityID: "GHSA-xxxx-yyyy-zzzz", PkgName: "werkzeug", InstalledVersion: "3.1.9", FixedVersion: "3.1.10", Severity: "HIGH" }],
    },
    { Target: "opt/venv", Class: "lang-pkgs", Type: "python-pkg", Vulnerabilities: null },
  ],
});

// With --show-suppressed and an ignore file: what the file waived, as Trivy reports it.
const WAIVED_REPORT = JSON.stringify({
  SchemaVersion: 2,
  Results: [
    {
      Target: "/scan/image.tar (debian 13.2)",
      Class: "os-pkgs",
      Type: "debian",
      ExperimentalModifiedFindings: [
        {
          Type: "vulnerability",
          Status: "ignored",
          Statement: "not reachable: no TLS in the app",
          Source: "/scan/ignore/.trivyignore.yaml",
          Finding: { VulnerabilityID: "CVE-2026-0001", PkgName: "libssl3t64", InstalledVersion: "3.5.1-1", FixedVersion: "3.5.1-2", Severity: "CRITICAL" },
        },
        {
          Type: "vulnerability",
          Status: "ignored",
          Source: "/scan/ignore/.trivyignore",
          Finding: { VulnerabilityID: "CVE-2026-0003", PkgName: "zlib1g", InstalledVersion: "1.3", Severity: "HIGH" },
        },
        { Type: "secret", Status: "ignored", Source: "/scan/ignore/.trivyignore", Finding: { RuleID: "x" } },
      ],
    },
  ],
});

describe("trivy", () => {
  it("pin: the image's tag is the Trivy version the contract tests install", () => {
    expect(VERSIONS.trivyImage).toBe(`aquasec/trivy:${VERSIONS.trivy}`);
  });

  it("severities: parsed in Trivy's order, unknown ones refused naming the argument", () => {
    expect(parseSeverities("high, critical")).toEqual(["HIGH", "CRITICAL"]);
    const e = (() => {
      try {
        parseSeverities("CRITICAL,SEVERE");
      } catch (x) {
        return x as InputError;
      }
      throw new Error("expected InputError");
    })();
    expect(e).toBeInstanceOf(InputError);
    expect(e.input).toBe("severity");
    expect(e.message).toMatch(/"SEVERE" is not a Trivy severity/);
    expect(() => parseSeverities(" , ")).toThrow(/no severity given/);
  });

  it("property: any subset of severities round-trips", () => {
    fc.assert(
      fc.property(fc.subarray([...TRIVY_SEVERITIES], { minLength: 1 }), (subset) => {
        expect(parseSeverities(subset.join(","))).toEqual(subset);
      }),
    );
  });

  it("argv: tarball input, cache dir, severities, DB location", () => {
    const argv = trivyScanArgv(["HIGH", "CRITICAL"], { dbRepository: "mirror.local/trivy-db:2", skipDbUpdate: true });
    expect(argv.slice(0, 4)).toEqual(["trivy", "image", "--input", TRIVY_PATHS.image]);
    expect(argv.join(" ")).toContain("--severity HIGH,CRITICAL --exit-code 1 --format json --output /reports/trivy.json");
    expect(argv.join(" ")).toContain("--cache-dir /root/.cache/trivy --db-repository mirror.local/trivy-db:2 --skip-db-update");
    expect(trivyScanArgv(["CRITICAL"])).not.toContain("--db-repository");
    expect(trivyScanArgv(["CRITICAL"])).not.toContain("--ignore-unfixed");
    expect(trivyScanArgv(["CRITICAL"])).not.toContain("--ignorefile");
    expect(trivySbomArgv().join(" ")).toContain("--format cyclonedx --output /reports/sbom.cdx.json");
  });

  it("report: every vulnerability with target, package and fix", () => {
    const v = parseTrivyJson(REPORT);
    expect(v.map((x) => [x.id, x.severity, x.pkg, x.fixed ?? null])).toEqual([
      ["CVE-2026-0001", "CRITICAL", "libssl3t64", "3.5.1-2"],
      ["CVE-2026-0002", "LOW", "zlib1g", null],
      ["GHSA-xxxx-yyyy-zzzz", "HIGH", "werkzeug", "3.1.10"],
    ]);
  });

  it("verdict: fails on the chosen severities only, counting each", () => {
    const r = scanResult(1, REPORT, ["HIGH", "CRITICAL"]);
    expect(r.ok).toBe(false);
    expect(r.summary.split("\n")[0]).toBe("1 HIGH, 1 CRITICAL vulnerabilities");
    expect(r.summary).toContain("CVE-2026-0001 CRITICAL libssl3t64 3.5.1-1 (fixed in 3.5.1-2): openssl: bad thing");
    expect(scanResult(0, JSON.stringify({ SchemaVersion: 2, Results: [] }), ["CRITICAL"])).toMatchObject({ ok: true, summary: "no CRITICAL vulnerabilities" });
    expect(scanResult(1, "{}", ["CRITICAL"]).summary).toMatch(/tool or database error/);
    expect(scanResult(1, "", ["CRITICAL"]).summary).toMatch(/could not be read/);
  });
});

describe("scan options", () => {
  it("argv: --ignore-unfixed when asked; the app's ignore file where it is mounted, with the waived findings kept", () => {
    const argv = trivyScanArgv(["HIGH"], { ignoreUnfixed: true, ignoreFile: ".trivyignore" });
    expect(argv.join(" ")).toContain("--severity HIGH --ignore-unfixed --ignorefile /scan/ignore/.trivyignore --show-suppressed --exit-code 1");
    expect(trivyScanArgv(["HIGH"], { ignoreFile: ".trivyignore.yaml" })).toContain("/scan/ignore/.trivyignore.yaml");
  });

  it("property: every option appears exactly when set, and the report always goes to the same file", () => {
    fc.assert(
      fc.property(
        fc.subarray([...TRIVY_SEVERITIES], { minLength: 1 }),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.constantFrom(".trivyignore", ".trivyignore.yaml"), { nil: undefined }),
        (sev, unfixed, skip, ignore) => {
          const argv = trivyScanArgv(sev, { ignoreUnfixed: unfixed, skipDbUpdate: skip, ...(ignore ? { ignoreFile: ignore } : {}) });
          expect(argv.includes("--ignore-unfixed")).toBe(unfixed);
          expect(argv.includes("--skip-db-update")).toBe(skip);
          expect(argv.includes("--ignorefile")).toBe(ignore !== undefined);
          expect(argv.includes("--show-suppressed")).toBe(ignore !== undefined);
          expect(argv[argv.indexOf("--severity") + 1]).toBe(sev.join(","));
          expect(argv[argv.indexOf("--output") + 1]).toBe(TRIVY_PATHS.report);
        },
      ),
    );
  });
});

describe("findings", () => {
  // Real Trivy reports (tests/fixtures/trivy/README.md says how they were made).
  const real = (name: string) => readFileSync(join(import.meta.dirname, "..", "fixtures", "trivy", name), "utf8");

  it("real report: package, installed version, CVE, severity and fixed version (or none) of each match", () => {
    expect(parseTrivyJson(real("image-vulns.json")).map((v) => [v.id, v.severity, v.pkg, v.installed, v.fixed ?? "no fix", v.target])).toEqual([
      ["CVE-2099-0002", "CRITICAL", "libgcrypt20", "1.11.0-7", "no fix", "image.tar (debian 13.2)"],
      ["CVE-2099-0001", "HIGH", "zlib1g", "1:1.3.dfsg+really1.3.1-1+b1", "1:1.3.dfsg+really1.3.1-2", "image.tar (debian 13.2)"],
    ]);
    const r = scanResult(1, real("image-vulns.json"), ["HIGH", "CRITICAL"]);
    expect(r.summary.split("\n")).toEqual([
      "1 HIGH, 1 CRITICAL vulnerabilities",
      "image.tar (debian 13.2) CVE-2099-0002 CRITICAL libgcrypt20 1.11.0-7 (no fix): libgcrypt: test advisory, no fix (trivy, error)",
      "image.tar (debian 13.2) CVE-2099-0001 HIGH zlib1g 1:1.3.dfsg+really1.3.1-1+b1 (fixed in 1:1.3.dfsg+really1.3.1-2): zlib: test advisory (trivy, error)",
    ]);
  });

  it("real report with a .trivyignore.yaml: the waived CVE carries the waiver's statement and does not gate", () => {
    const r = scanResult(1, real("image-vulns-waived.json"), ["HIGH", "CRITICAL"]);
    expect(r.vulnerabilities.map((v) => v.id)).toEqual(["CVE-2099-0001"]);
    expect(r.waived.map((v) => [v.id, v.pkg, v.waived])).toEqual([["CVE-2099-0002", "libgcrypt20", "no TLS in the app"]]);
    expect(r.summary.split("\n")[0]).toBe("1 HIGH, 0 CRITICAL vulnerabilities");
  });

  it("name the package, installed version, CVE, severity and fixed version, or that there is no fix", () => {
    const [fixed, unfixed] = parseTrivyJson(REPORT).map(vulnerabilityFinding);
    expect(fixed).toMatchObject({
      rule: "CVE-2026-0001",
      object: "libssl3t64",
      path: "3.5.1-2",
      message: "CRITICAL libssl3t64 3.5.1-1 (fixed in 3.5.1-2): openssl: bad thing",
    });
    expect(unfixed).toMatchObject({ rule: "CVE-2026-0002", object: "zlib1g", message: "LOW zlib1g 1.3 (no fix)" });
    expect(unfixed).not.toHaveProperty("path");
  });

  it("waived vulnerabilities are reported as waived (info), with the statement or the file that listed them, and do not fail the scan", () => {
    const r = scanResult(0, WAIVED_REPORT, ["HIGH", "CRITICAL"]);
    expect(r.ok).toBe(true);
    expect(r.summary.split("\n")[0]).toBe("no HIGH/CRITICAL vulnerabilities (2 waived)");
    const report = scanReport(r, ["HIGH", "CRITICAL"], { ignoreUnfixed: true, waivers: [".trivyignore.yaml: 1 waiver"] });
    expect(report.findings.map((f) => [f.rule, f.severity, f.waived])).toEqual([
      ["CVE-2026-0001", "info", "not reachable: no TLS in the app"],
      ["CVE-2026-0003", "info", "listed in /scan/ignore/.trivyignore"],
    ]);
    expect(report.details).toContain("waived: /scan/image.tar (debian 13.2) CVE-2026-0001 CRITICAL libssl3t64 3.5.1-1 (fixed in 3.5.1-2)");
    expect(report.details.split("\n").slice(-2)).toEqual(["unfixed vulnerabilities ignored (--ignore-unfixed)", ".trivyignore.yaml: 1 waiver"]);
    expect(report.data).toMatchObject({ ignoreUnfixed: true });
  });
});

describe("several scans, one gate", () => {
  const part = (label: string, passed: boolean, head: string) => ({
    label,
    report: {
      stage: "scan",
      passed,
      summary: `scan ${passed ? "passed" : "failed"}: ${head}`,
      details: passed ? "" : "x CVE-1 HIGH p 1 (no fix)",
      findings: passed ? [] : [vulnerabilityFinding({ id: "CVE-1", severity: "HIGH", pkg: "p", installed: "1", target: "t" })],
    },
  });

  it("says how many platforms were scanned and which one gated; findings say their platform", () => {
    const r = combineScans("scan", scannedPlatforms(["linux/amd64", "linux/arm64"]), [
      part("linux/amd64", true, "no HIGH vulnerabilities"),
      part("linux/arm64", false, "1 HIGH vulnerabilities"),
    ]);
    expect(r.passed).toBe(false);
    expect(r.summary).toBe("scan failed: scanned 2 platforms (linux/amd64, linux/arm64); gated by linux/arm64: 1 HIGH vulnerabilities");
    const both = combineScans("scan", "2 platforms", [part("linux/amd64", false, "a DB error"), part("linux/arm64", false, "a DB error")]);
    expect(both.summary).toBe("scan failed: scanned 2 platforms; gated by linux/amd64, linux/arm64: a DB error");
    const differ = combineScans("scan", "2 platforms", [part("linux/amd64", false, "1 HIGH"), part("linux/arm64", false, "2 HIGH")]);
    expect(differ.summary).toBe("scan failed: scanned 2 platforms; gated by linux/amd64, linux/arm64: linux/amd64: 1 HIGH; linux/arm64: 2 HIGH");
    expect(r.findings[0]!.message).toBe("[linux/arm64] HIGH p 1 (no fix)");
    expect(r.details.split("\n")).toEqual([
      "linux/amd64: scan passed: no HIGH vulnerabilities",
      "linux/arm64: scan failed: 1 HIGH vulnerabilities",
      "  x CVE-1 HIGH p 1 (no fix)",
    ]);
    const ok = combineScans("scan", scannedPlatforms(["linux/amd64"]), [part("linux/amd64", true, "no HIGH vulnerabilities")]);
    expect(ok.summary).toBe("scan passed: scanned 1 platform (linux/amd64): no HIGH vulnerabilities");
  });

  it("property: passes exactly when every part passed; every failing part is named", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), (passes) => {
        const parts = passes.map((p, i) => part(`linux/p${i}`, p, p ? "clean" : `${i} bad`));
        const r = combineScans("scan", scannedPlatforms(parts.map((p) => p.label)), parts);
        expect(r.passed).toBe(passes.every(Boolean));
        expect(r.summary).toContain(`scanned ${passes.length} platform`);
        const gated = /gated by ([^:]*):/.exec(r.summary)?.[1]?.split(", ") ?? [];
        expect(gated).toEqual(passes.flatMap((p, i) => (p ? [] : [`linux/p${i}`])));
        // The reasons may be cut from the one-line summary with many platforms; the details keep each.
        passes.forEach((p, i) => expect(r.details.includes(`linux/p${i}: scan failed: ${i} bad`)).toBe(!p));
      }),
    );
  });
});

describe("a scan that wrote no report", () => {
  it("fails with Trivy's own last words, not a missing-file error (seen on an engine without the vulnerability database)", () => {
    const r = scanResult(1, undefined, ["CRITICAL", "HIGH"], "2026-12-02T21:00:00Z\tFATAL\tinit error: DB error: failed to download vulnerability DB\n");
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/^trivy exited 1 without writing a report \(a tool or vulnerability-database error\): .*failed to download vulnerability DB/);
    // A long error survives whole in the details, whatever the one-line summary cuts.
    const long = `FATAL init error: DB error: ${"x".repeat(300)} the end`;
    expect(scanReport(scanResult(1, undefined, ["HIGH"], long), ["HIGH"]).details).toContain("the end");
  });
});
