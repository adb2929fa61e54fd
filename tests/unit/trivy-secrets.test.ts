import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TRIVY_PATHS, trivySecretArgv } from "../../dagger/src/core/app/trivy.js";
import { parseSecrets, redactedSecretsJson, secretFinding, secretsReport } from "../../dagger/src/core/app/trivy-secrets.js";
import { reportJson } from "../../dagger/src/core/run.js";
import { ROOT } from "../helpers/tools.js";

// Real reports of the pinned Trivy line (0.74) on tests/fixtures/app-planted-secret and
// app-secret-waived (its .trivyignore.yaml waives the planted fake key).
const fixture = (name: string) => readFileSync(join(ROOT, "tests", "fixtures", "trivy", name), "utf8");
const PLANTED = fixture("secrets-planted.json");
const WAIVED = fixture("secrets-waived.json");

/** The planted report with `value` where Trivy wrote its mask, and on a context line (as an unmasked neighbour would be). */
function unmasked(value: string): string {
  const doc = JSON.parse(PLANTED);
  const s = doc.Results[0].Secrets[0];
  const line = `AWS_ACCESS_KEY_ID = "${value}"`;
  s.Match = line;
  s.Code.Lines = s.Code.Lines.map((l: { IsCause: boolean; Content: string }) => ({
    ...l,
    Content: l.IsCause ? line : `${l.Content} ${value}`,
    Highlighted: line,
  }));
  return JSON.stringify(doc);
}

describe("secret scan argv", () => {
  it("trivy fs on the mounted source, secret scanner only, JSON report, exit code 1 on a finding", () => {
    expect(trivySecretArgv()).toEqual([
      "trivy",
      "fs",
      "--cache-dir",
      TRIVY_PATHS.secretsCache,
      "--scanners",
      "secret",
      "--exit-code",
      "1",
      "--format",
      "json",
      "--output",
      TRIVY_PATHS.secrets,
      "--quiet",
      TRIVY_PATHS.source,
    ]);
  });

  it("with the app's ignore file: --ignorefile where it is mounted, and the waived findings kept", () => {
    const argv = trivySecretArgv(".trivyignore.yaml").join(" ");
    expect(argv).toContain(`--ignorefile ${TRIVY_PATHS.ignoreDir}/.trivyignore.yaml --show-suppressed`);
    expect(argv.endsWith(TRIVY_PATHS.source)).toBe(true);
  });
});

describe("secret scan report", () => {
  it("a finding names the file, the line and the rule (real Trivy report)", () => {
    expect(parseSecrets(PLANTED)).toEqual([
      { rule: "aws-access-key-id", category: "AWS", severity: "CRITICAL", title: "AWS Access Key ID", file: "settings.py", startLine: 8, endLine: 8 },
    ]);
    const { report } = secretsReport(1, PLANTED, "");
    expect(report.passed).toBe(false);
    expect(report.summary).toBe("secrets failed: 1 secret in 1 file");
    expect(report.findings).toEqual([
      { source: "trivy-secret", rule: "aws-access-key-id", severity: "error", message: "CRITICAL AWS Access Key ID (AWS)", file: "settings.py", line: 8 },
    ]);
    expect(report.details).toBe("settings.py:8 aws-access-key-id CRITICAL AWS Access Key ID (AWS) (trivy-secret, error)");
  });

  it("a secret the ignore file waived passes, shown as waived with the waiver's statement (real Trivy report)", () => {
    const { report } = secretsReport(0, WAIVED, "", ["  waived secrets aws-access-key-id in settings.py: planted fake key"]);
    expect(report.passed).toBe(true);
    expect(report.summary).toBe("secrets passed: no secrets in the source (1 waived)");
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: "aws-access-key-id",
        severity: "info",
        file: "settings.py",
        line: 8,
        waived: "planted fake key of the secret-scan fixture, not a credential",
      }),
    ]);
    expect(report.details).toMatch(/^waived: settings.py:8 aws-access-key-id .* — planted fake key/);
    expect(report.details).toContain("waived secrets aws-access-key-id in settings.py");
  });

  it("no report: fails with Trivy's last log lines; an unreadable report fails too", () => {
    expect(secretsReport(2, undefined, "x\nFATAL boom\n").report.summary).toBe("secrets failed: trivy exited 2 without writing a report: x | FATAL boom");
    expect(secretsReport(1, "[]", "").report.summary).toMatch(/could not be read/);
    expect(secretsReport(1, JSON.stringify({ Results: [] }), "").report.summary).toBe(
      "secrets failed: trivy exited 1 without reporting a secret: a tool error",
    );
    expect(secretsReport(0, JSON.stringify({ SchemaVersion: 2 }), "").report).toMatchObject({
      passed: true,
      summary: "secrets passed: no secrets in the source",
    });
  });

  it("a multi-line secret says which lines", () => {
    const f = secretFinding({
      rule: "private-key",
      category: "AsymmetricPrivateKey",
      severity: "HIGH",
      title: "Asymmetric Private Key",
      file: "k.pem",
      startLine: 1,
      endLine: 27,
    });
    expect(f.message).toBe("HIGH Asymmetric Private Key (AsymmetricPrivateKey), lines 1-27");
  });

  it("property: the secret's value is in no finding, summary, details, JSON report or redacted artifact, even when Trivy's report carries it", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+/]{12,40}$/), (value) => {
        const raw = unmasked(value);
        expect(raw).toContain(value); // the input really carries it
        const { report, hits } = secretsReport(1, raw, "");
        const out = [reportJson(report), redactedSecretsJson(hits), report.summary, report.details].join("\n");
        expect(out).not.toContain(value);
        expect(report.findings[0]).toMatchObject({ file: "settings.py", line: 8, rule: "aws-access-key-id" });
      }),
    );
  });
});
