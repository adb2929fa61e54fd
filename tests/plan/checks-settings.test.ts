/**
 * `dagger check` obeys the team's settings file: each @check function of the module reads the
 * app directory's gitops-pipeline.settings.yaml (the file ci reads) and hands its values to the
 * stage it runs — linters, coverage gate, scan policy, environment, app, smoke container — and a
 * check the file turns off runs nothing. Without the file the checks run with the defaults.
 * The stages are replaced by recorders: what is checked here is the arguments they receive.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { dag, type Directory } from "@dagger.io/dagger";
import { GitopsPipeline } from "../../dagger/src/index.js";
import { App } from "../../dagger/src/app/app.js";
import { Manifests } from "../../dagger/src/validate/manifests.js";
import { Run } from "../../dagger/src/run.js";
import { DEFAULT_LINTERS, DEFAULTS } from "../../dagger/src/core/defaults.js";
import { SETTINGS_FILE } from "../../dagger/src/core/settings/app-settings.js";
import { InputError } from "../../dagger/src/core/errors.js";

/** An app directory holding `files` (entries and file contents answered; nothing else read). */
function appDir(files: Record<string, string>): Directory {
  const dir = dag.directory();
  dir.entries = vi.fn(async () => Object.keys(files));
  dir.file = ((path: string) => ({ contents: async () => files[path] ?? "" })) as unknown as typeof dir.file;
  return dir;
}

const pipeline = (files: Record<string, string>) => new GitopsPipeline(appDir(files), dag.directory());

const passed = (stage: string) => Run.of({ stage, passed: true, summary: `${stage} passed`, details: "", findings: [] });

/** Record the arguments every stage a check runs receives (and the app of the manifests it runs on). */
function record() {
  const calls: Record<string, unknown[]> = {};
  const spy = <T extends object>(proto: T, name: keyof T & string, label = name, withApp = false) =>
    vi.spyOn(proto, name as never).mockImplementation(function (this: { app?: string }, ...args: unknown[]) {
      calls[label] = withApp ? [this.app, ...args] : args;
      return Promise.resolve(passed(label));
    } as never);
  spy(App.prototype, "lint");
  spy(App.prototype, "test");
  spy(App.prototype, "scan");
  spy(App.prototype, "scanSecrets");
  spy(Manifests.prototype, "validate", "validate", true);
  spy(Manifests.prototype, "smoke", "smoke", true);
  return calls;
}

/** Run every check of the module. */
async function runChecks(p: GitopsPipeline): Promise<void> {
  await p.lintCheck();
  await p.testCheck();
  await p.validateCheck();
  await p.smokeCheck();
  await p.secretsCheck();
  await p.scanCheck();
}

afterEach(() => vi.restoreAllMocks());

describe("dagger check reads gitops-pipeline.settings.yaml", () => {
  it("without the file every check runs with the defaults (the checks of before the file)", async () => {
    const calls = record();
    await runChecks(pipeline({ Dockerfile: "FROM x\n" }));
    expect(calls.lint).toEqual([DEFAULT_LINTERS]);
    expect(calls.test).toEqual([DEFAULTS.minCoverage]);
    expect(calls.validate).toEqual([""]);
    expect(calls.smoke).toEqual(["", DEFAULTS.environment, undefined, DEFAULTS.e2eVersion, ""]);
    expect(calls.scanSecrets).toEqual([]);
    expect(calls.scan).toEqual(["HIGH,CRITICAL", "", false, DEFAULTS.platform, false, false]);
  });

  it("each check takes the file's values: linters, coverage gate, app, environment, smoke container, scan policy and platform", async () => {
    const calls = record();
    const file = [
      "lint: {linters: [flake8, pylint]}",
      "test: {minCoverage: 75}",
      "gitops: {app: orders}",
      "deploy: {environment: staging}",
      "smoke: {container: orders/web}",
      "scan: {severity: [CRITICAL], ignoreUnfixed: true}",
      "image: {platforms: [linux/arm64]}",
    ].join("\n");
    await runChecks(pipeline({ [SETTINGS_FILE]: file }));
    expect(calls.lint).toEqual([["flake8", "pylint"]]);
    expect(calls.test).toEqual([75]);
    expect(calls.validate).toEqual(["orders"]);
    expect(calls.smoke).toEqual(["orders", "staging", undefined, DEFAULTS.e2eVersion, "orders/web"]);
    expect(calls.scan).toEqual(["CRITICAL", "", false, "linux/arm64", true, false]);
  });

  it("a check the file turns off runs nothing and passes, saying so", async () => {
    const calls = record();
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const p = pipeline({ [SETTINGS_FILE]: "scan: {enabled: false, secrets: false}\nsmoke: {enabled: false}\n" });
    await runChecks(p);
    expect(Object.keys(calls).sort()).toEqual(["lint", "test", "validate"]);
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
      `smoke-check: off (smoke.enabled: false in ${SETTINGS_FILE}); nothing was run`,
      `secrets-check: off (scan.secrets: false in ${SETTINGS_FILE}); nothing was run`,
      `scan-check: off (scan.enabled: false in ${SETTINGS_FILE}); nothing was run`,
    ]);
  });

  it("a bad settings file fails every check before anything runs, naming the file and the key", async () => {
    const calls = record();
    const p = pipeline({ [SETTINGS_FILE]: "test: {minCoverage: 101}\n" });
    for (const check of [p.lintCheck, p.testCheck, p.validateCheck, p.smokeCheck, p.secretsCheck, p.scanCheck]) {
      const err = await check.call(p).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toMatch(new RegExp(`^${SETTINGS_FILE.replace(/\./g, "\\.")}: test\\.minCoverage: `));
    }
    expect(calls).toEqual({});
  });
});
