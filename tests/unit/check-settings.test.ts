/**
 * The checks' arguments from gitops-pipeline.settings.yaml (core/settings/check-settings.ts): every
 * value a check takes is the file's, the scan check's one platform is one the team builds.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { stringify } from "yaml";
import { checkSettings, scanPlatform } from "../../dagger/src/core/settings/check-settings.js";
import { defaultAppSettings, parseAppSettings, SETTINGS_FILE } from "../../dagger/src/core/settings/app-settings.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/tools.js";
import { DEFAULT_LINTERS, DEFAULTS } from "../../dagger/src/core/defaults.js";
import { LINTERS } from "../../dagger/src/core/app/linters/index.js";

const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/s390x", "linux/ppc64le"];

describe("checkSettings", () => {
  it("without a file: the defaults every check ran with before the file", () => {
    expect(checkSettings(defaultAppSettings())).toEqual({
      lint: { linters: DEFAULT_LINTERS },
      test: { minCoverage: DEFAULTS.minCoverage },
      validate: { app: "" },
      smoke: { enabled: true, app: "", environment: DEFAULTS.environment, container: "" },
      secrets: { enabled: true },
      scan: { enabled: true, severity: "HIGH,CRITICAL", ignoreUnfixed: false, platform: DEFAULTS.platform },
    });
  });

  it("property: each check's value is the file's value", () => {
    fc.assert(
      fc.property(
        fc.record({
          linters: fc.uniqueArray(fc.constantFrom(...LINTERS), { minLength: 1 }),
          minCoverage: fc.integer({ min: 0, max: 100 }),
          app: fc.constantFrom("", "orders", "payments-api"),
          environment: fc.constantFrom("dev", "staging", "production"),
          smoke: fc.boolean(),
          secrets: fc.boolean(),
          scan: fc.boolean(),
          ignoreUnfixed: fc.boolean(),
          severity: fc.uniqueArray(fc.constantFrom("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"), { minLength: 1 }),
          platforms: fc.uniqueArray(fc.constantFrom(...PLATFORMS), { minLength: 1 }),
        }),
        (v) => {
          const file = stringify({
            lint: { linters: v.linters },
            test: { minCoverage: v.minCoverage },
            gitops: { app: v.app },
            deploy: { environment: v.environment },
            smoke: { enabled: v.smoke },
            scan: { enabled: v.scan, secrets: v.secrets, ignoreUnfixed: v.ignoreUnfixed, severity: v.severity },
            image: { platforms: v.platforms },
          });
          const c = checkSettings(parseAppSettings(file));
          expect(c.lint.linters).toEqual(v.linters);
          expect(c.test.minCoverage).toBe(v.minCoverage);
          expect(c.validate.app).toBe(v.app);
          expect(c.smoke).toMatchObject({ enabled: v.smoke, app: v.app, environment: v.environment });
          expect(c.secrets.enabled).toBe(v.secrets);
          expect(c.scan).toMatchObject({ enabled: v.scan, ignoreUnfixed: v.ignoreUnfixed });
          expect(new Set(c.scan.severity.split(","))).toEqual(new Set(v.severity));
          expect(v.platforms).toContain(c.scan.platform);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("the consumer fixture's settings file", () => {
  it("gives the checks its own environment (its tree has no dev), gate and scan policy", () => {
    const text = readFileSync(join(ROOT, "tests/fixtures/consumer-repo/services/orders", SETTINGS_FILE), "utf8");
    const c = checkSettings(parseAppSettings(text));
    expect(c.smoke.environment).toBe("staging");
    expect(c.test.minCoverage).toBe(80);
    expect(c.scan.severity).toBe("CRITICAL");
  });
});

describe("scanPlatform", () => {
  it("linux/amd64 when the team builds it, else the first platform it builds", () => {
    expect(scanPlatform(["linux/arm64", "linux/amd64"])).toBe("linux/amd64");
    expect(scanPlatform(["linux/arm64", "linux/s390x"])).toBe("linux/arm64");
    expect(scanPlatform([])).toBe(DEFAULTS.platform);
  });
});
