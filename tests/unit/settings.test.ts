/**
 * The settings file of an app repository (gitops-pipeline.settings.yaml) and the one loader both of
 * the pipeline's files go through: a bad file is an InputError naming the file, the YAML path and
 * what to do; an absent key is its default.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { defaultAppSettings, parseAppSettings, SETTINGS_FILE } from "../../dagger/src/core/settings/app-settings.js";
import { parsePipelineConfig } from "../../dagger/src/core/gitops-config.js";
import { DEFAULT_LINTERS, DEFAULT_PLATFORMS, DEFAULTS } from "../../dagger/src/core/defaults.js";
import { inputError } from "../helpers/errors.js";
import { ROOT } from "../helpers/tools.js";

describe("gitops-pipeline.settings.yaml", () => {
  it("an empty file (or none) is every default: the ci of before the file", () => {
    const s = parseAppSettings("");
    expect(s).toEqual(defaultAppSettings());
    expect(s.image).toEqual({ repository: "", registryUsername: "", platforms: DEFAULT_PLATFORMS });
    expect(s.lint.linters).toEqual(DEFAULT_LINTERS);
    expect(s.test.minCoverage).toBe(DEFAULTS.minCoverage);
    expect(s.scan).toEqual({ enabled: true, severity: ["HIGH", "CRITICAL"], ignoreUnfixed: false, secrets: true });
    expect(s.release.branches).toEqual([DEFAULTS.releaseBranches]);
    expect(s.deploy).toEqual({ environment: DEFAULTS.environment, branches: {} });
    expect(s.gitops).toMatchObject({ repository: "", branch: DEFAULTS.gitopsBranch, app: "", pullRequest: false, provider: "github" });
    expect(s.verify).toMatchObject({ argocdServer: "", timeout: DEFAULTS.verifyTimeout, rollbackOnFailure: false });
    expect(s.notify.on).toBe(DEFAULTS.notifyOn);
  });

  it("values come out parsed, with the stages' own rules (lists as YAML lists or comma-separated)", () => {
    const s = parseAppSettings(
      [
        "image: {repository: ghcr.io/acme/shop, platforms: linux/amd64}",
        "lint: {linters: [RUFF, flake8]}",
        "scan: {severity: critical}",
        "release: {branches: 'main, release/1.x'}",
        "gitops: {repository: 'https://git.example.com/acme/deploy.git', provider: gitlab}",
        "verify: {argocdServer: 'https://argocd.example.com/', probeUrl: 'https://dev.example.com/healthz'}",
      ].join("\n"),
    );
    expect(s.image.repository).toBe("ghcr.io/acme/shop");
    expect(s.image.platforms).toEqual(["linux/amd64"]);
    expect(s.lint.linters).toEqual(["ruff", "flake8"]);
    expect(s.scan.severity).toEqual(["CRITICAL"]);
    expect(s.release.branches).toEqual(["main", "release/1.x"]);
    expect(s.gitops.provider).toBe("gitlab");
    expect(s.verify.argocdServer).toBe("https://argocd.example.com");
  });

  it.each([
    ["image: [\n", SETTINGS_FILE, /not valid YAML \(line 2\)/, /fix the YAML syntax/],
    [
      "scan:\n  sevrity: HIGH\n",
      `${SETTINGS_FILE}: scan.sevrity`,
      /is not a known key \(known here: enabled, severity, ignoreUnfixed, secrets\)/,
      /docs\/settings.md/,
    ],
    ["scan: {severity: [SEVERE]}\n", `${SETTINGS_FILE}: scan.severity`, /"SEVERE" is not a Trivy severity/, /CRITICAL/],
    ["test: {minCoverage: 101}\n", `${SETTINGS_FILE}: test.minCoverage`, /is above 100/, /0 to 100/],
    ["test: {minCoverage: '90'}\n", `${SETTINGS_FILE}: test.minCoverage`, /is not a number/, /0 to 100/],
    ["lint: {linters: [pyright]}\n", `${SETTINGS_FILE}: lint.linters`, /"pyright" is not a linter/, /ruff/],
    ["deploy: {environment: Dev}\n", `${SETTINGS_FILE}: deploy.environment`, /not an environment name/, /e.g. dev/],
    ["deploy: {branches: {main: PROD}}\n", `${SETTINGS_FILE}: deploy.branches.main`, /not an environment name/, /environment/],
    ["verify: {argocdServer: 'http://argocd'}\n", `${SETTINGS_FILE}: verify.argocdServer`, /token would travel in clear/, /https:\/\//],
    ["verify: {timeout: 0}\n", `${SETTINGS_FILE}: verify.timeout`, /is below 1/, /1 to 3600/],
    ["gitops: {repository: 'ftp://x/y'}\n", `${SETTINGS_FILE}: gitops.repository`, /./, /./],
    ["gitops: {provider: bitbucket}\n", `${SETTINGS_FILE}: gitops.provider`, /is not a provider: use github or gitlab/, /./],
    ["image: {repository: 'ghcr.io/Acme shop'}\n", `${SETTINGS_FILE}: image.repository`, /./, /./],
    ["e2e: {enabled: 'no'}\n", `${SETTINGS_FILE}: e2e.enabled`, /expected boolean/, /true or false/],
    ["notify: {on: sometimes}\n", `${SETTINGS_FILE}: notify.on`, /is not a notify policy/, /./],
    ["- a\n- b\n", SETTINGS_FILE, /expected object/, /docs\/settings.md/],
  ])("%j is an error naming the file, the YAML path and the fix", (text, input, problem, fix) => {
    const e = inputError(() => parseAppSettings(text));
    expect(e.input).toBe(input);
    expect(e.problem).toMatch(problem);
    expect(e.fix).toMatch(fix);
    expect(e.message.startsWith(`${input}: `)).toBe(true);
  });

  it("the file name given is the one errors name (a team's path)", () => {
    expect(inputError(() => parseAppSettings("test: {minCoverage: -1}", "services/api/gitops-pipeline.settings.yaml")).input).toBe(
      "services/api/gitops-pipeline.settings.yaml: test.minCoverage",
    );
  });

  it("an alias bomb is refused, not expanded", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join("\n");
    expect(inputError(() => parseAppSettings(bomb)).problem).toMatch(/cannot be read/);
  });

  it("any coverage gate 0..100 round-trips; anything else names test.minCoverage", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), (n) => {
        const text = stringify({ test: { minCoverage: n } });
        if (n >= 0 && n <= 100) expect(parseAppSettings(text).test.minCoverage).toBe(n);
        else expect(inputError(() => parseAppSettings(text)).input).toBe(`${SETTINGS_FILE}: test.minCoverage`);
      }),
    );
  });

  it("an unknown key anywhere is named with its path, never ignored", () => {
    const sections = Object.keys(defaultAppSettings());
    fc.assert(
      fc.property(fc.constantFrom(...sections), fc.stringMatching(/^[a-z][a-zA-Z]{0,12}$/), (section, key) => {
        const known = Object.keys((defaultAppSettings() as Record<string, object>)[section]!);
        fc.pre(!known.includes(key));
        const e = inputError(() => parseAppSettings(stringify({ [section]: { [key]: true } })));
        expect(e.input).toBe(`${SETTINGS_FILE}: ${section}.${key}`);
        expect(e.problem).toMatch(/is not a known key/);
      }),
    );
  });

  it("the sample app's file parses, and says what ci did before it existed", () => {
    const s = parseAppSettings(readFileSync(join(ROOT, "app", SETTINGS_FILE), "utf8"), `app/${SETTINGS_FILE}`);
    expect(s.lint.linters).toEqual(DEFAULT_LINTERS);
    expect(s.test.minCoverage).toBe(DEFAULTS.minCoverage);
    expect(s.deploy.environment).toBe(DEFAULTS.environment);
  });
});

describe("one loader, one error style for both files", () => {
  it("gitops-pipeline.yaml's errors have the settings file's shape: file: path, problem, fix", () => {
    const e = inputError(() => parsePipelineConfig("environments:\n  dev: {values: [a.yaml], colour: red}\n"));
    expect(e.input).toBe("gitops-pipeline.yaml: environments.dev.colour");
    expect(e.problem).toMatch(/is not a known key \(known here: values, namespace, application, production, sync\)/);
    expect(e.fix).toMatch(/docs\/gitops-layout.md/);
    expect(inputError(() => parsePipelineConfig("environments: [\n")).problem).toMatch(/not valid YAML \(line \d\)/);
  });
});
