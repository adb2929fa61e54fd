/**
 * What each `@check` function (`dagger check`) runs with: the values of the app directory's
 * gitops-pipeline.settings.yaml, the same file `ci` reads, so a laptop's `dagger check` and a CI
 * run hold the team's linters, coverage gate, scan policy, environment and app alike. Pure; the
 * settings arrive parsed, so the checks pass the values on as they are.
 */
import { DEFAULTS } from "../defaults.js";
import type { LinterName } from "../app/linters/index.js";
import { SETTINGS_FILE, type AppSettings } from "./app-settings.js";

/** The arguments of every check, taken from the settings file. */
export interface CheckSettings {
  /** lint-check: the linters of lint.linters. */
  lint: { linters: LinterName[] };
  /** test-check: the coverage gate of test.minCoverage. */
  test: { minCoverage: number };
  /** validate-check: the app of gitops.app ("" validates every app of the tree). */
  validate: { app: string };
  /** smoke-check: off when smoke.enabled is false; deploy.environment's rendering, smoke.container, gitops.app. */
  smoke: { enabled: boolean; app: string; environment: string; container: string };
  /** secrets-check: off when scan.secrets is false. */
  secrets: { enabled: boolean };
  /** scan-check: off when scan.enabled is false; scan.severity and scan.ignoreUnfixed on one platform of image.platforms. */
  scan: { enabled: boolean; severity: string; ignoreUnfixed: boolean; platform: string };
}

/**
 * The one platform the scan check builds and scans: linux/amd64 when the team builds it (the
 * check's platform before the settings file), else the first of image.platforms, so a team that
 * builds arm64 only scans what it ships.
 */
export function scanPlatform(platforms: readonly string[]): string {
  return platforms.length === 0 || platforms.includes(DEFAULTS.platform) ? DEFAULTS.platform : platforms[0]!;
}

/** Each check's arguments from the parsed settings (every default filled in when the file is absent). */
export function checkSettings(s: AppSettings): CheckSettings {
  return {
    lint: { linters: [...s.lint.linters] },
    test: { minCoverage: s.test.minCoverage },
    validate: { app: s.gitops.app },
    smoke: { enabled: s.smoke.enabled, app: s.gitops.app, environment: s.deploy.environment, container: s.smoke.container },
    secrets: { enabled: s.scan.secrets },
    scan: { enabled: s.scan.enabled, severity: s.scan.severity.join(","), ignoreUnfixed: s.scan.ignoreUnfixed, platform: scanPlatform(s.image.platforms) },
  };
}

/** The line a check prints when the settings file turns it off (it then passes without running). */
export function checkOffLine(check: string, key: string): string {
  return `${check}: off (${key}: false in ${SETTINGS_FILE}); nothing was run`;
}
