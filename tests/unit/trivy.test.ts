import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../dagger/src/core/errors.js";
import { TRIVY_PATHS, TRIVY_SEVERITIES, parseSeverities, parseTrivyJson, scanResult, trivySbomArgv, trivyScanArgv } from "../../dagger/src/core/app/trivy.js";

// The shape of `trivy image --format json` (SchemaVersion 2), trimmed to the fields read.
const REPORT = JSON.stringify({
  SchemaVersion: 2,
  ArtifactName: "/scan/image.tar",
  Results: [
    { Target: "/scan/image.tar (debian 13.2)", Class: "os-pkgs", Type: "debian", Vulnerabilities: [
      { VulnerabilityID: "CVE-2026-0001", PkgName: "libssl3t64", InstalledVersion: "3.5.1-1", FixedVersion: "3.5.1-2", Severity: "CRITICAL", Title: "openssl: bad thing" },
      { VulnerabilityID: "CVE-2026-0002", PkgName: "zlib1g", InstalledVersion: "1.3", Severity: "LOW" },
    ] },
    { Target: "Python", Class: "lang-pkgs", Type: "python-pkg", Vulnerabilities: [
      { VulnerabilityID: "GHSA-xxxx-yyyy-zzzz", PkgName: "werkzeug", InstalledVersion: "3.1.9", FixedVersion: "3.1.10", Severity: "HIGH" },
    ] },
    { Target: "opt/venv", Class: "lang-pkgs", Type: "python-pkg", Vulnerabilities: null },
  ],
});

describe("trivy", () => {
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

describe("a scan that wrote no report", () => {
  it("fails with Trivy's own last words, not a missing-file error (seen on an engine without the vulnerability database)", () => {
    const r = scanResult(1, undefined, ["CRITICAL", "HIGH"], "2026-12-02T21:00:00Z\tFATAL\tinit error: DB error: failed to download vulnerability DB\n");
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/^trivy exited 1 without writing a report \(a tool or vulnerability-database error\): .*failed to download vulnerability DB/);
  });
});
