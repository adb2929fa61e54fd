/**
 * The project shapes of tests/fixtures/app-* through the real tools, exactly as the test stage
 * runs them: a fresh virtualenv stands for the pinned Python image; the plan's declaration files
 * are written into an empty directory and installed (pip, uv from PyPI), the tools go in beside
 * them, then the project's files are copied over and pytest runs with the stage's argv.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dependencyPlan, pytestConfigured, type DependencyChoice } from "../../dagger/src/core/app/dependencies.js";
import { installFailedReport } from "../../dagger/src/core/app/install-report.js";
import { lintArgv, lintResult } from "../../dagger/src/core/app/lint.js";
import { testArgv, toolsInstallArgv } from "../../dagger/src/core/app/python-tools.js";
import { testResult, type TestResult } from "../../dagger/src/core/app/test-report.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { declarationsOf, filesOf } from "../helpers/dir-tree.js";
import { ROOT, tool } from "../helpers/tools.js";

const FIXTURES = join(ROOT, "tests", "fixtures");
const TOOLS = { pytest: VERSIONS.pytest, "pytest-cov": VERSIONS.pytestCov };

/** A fresh virtualenv from the contract tools' Python (the stand-in for the pipeline's image). */
function venv(): string {
  const dir = mkdtempSync(join(tmpdir(), "app-venv-"));
  const r = spawnSync(tool("python"), ["-m", "venv", dir], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return join(dir, "bin");
}

/** Run an argv of the plan with the venv's python/uv first on PATH. */
function run(bin: string, argv: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const [cmd, ...args] = argv;
  return spawnSync(join(bin, cmd!), args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PIP_DISABLE_PIP_VERSION_CHECK: "1", PYTHONDONTWRITEBYTECODE: "1", ...env },
  });
}

interface StageOutcome {
  install?: ReturnType<typeof installFailedReport>;
  result?: TestResult;
  bin: string;
}

/** The test stage on a fixture, step by step as its container runs them. */
function testStage(fixture: string, minCoverage = 0, dependencies: DependencyChoice = "auto"): StageOutcome {
  const files = filesOf(join(FIXTURES, fixture));
  const decl = declarationsOf(files);
  const plan = dependencyPlan(decl, dependencies, VERSIONS.uv);
  const bin = venv();
  const work = mkdtempSync(join(tmpdir(), `${fixture}-`));
  const deps = mkdtempSync(join(tmpdir(), "deps-"));
  // Generated files go to DEPS_DIR in the container; here to a private directory.
  const where = (p: string) => (p.startsWith("/") ? join(deps, p.replace(/^\/tmp\/pipeline-deps\//, "")) : join(work, p));
  const rewrite = (argv: string[]) => argv.map((a) => (a.startsWith("/tmp/pipeline-deps/") ? where(a) : a));
  for (const f of plan.files) {
    mkdirSync(dirname(where(f.path)), { recursive: true });
    writeFileSync(where(f.path), f.contents);
  }
  for (const argv of [...plan.steps.map(rewrite), toolsInstallArgv(TOOLS)]) {
    const r = run(bin, argv, work);
    if (r.status !== 0) return { bin, install: installFailedReport("test", { cmd: argv, exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }, plan) };
  }
  cpSync(join(FIXTURES, fixture), work, { recursive: true });
  const reports = mkdtempSync(join(tmpdir(), "reports-"));
  const env: Record<string, string> = { COVERAGE_FILE: join(reports, ".coverage"), ...(plan.srcLayout ? { PYTHONPATH: join(work, "src") } : {}) };
  const r = run(bin, testArgv({ minCoverage, reportDir: reports, unittestFiles: !pytestConfigured(decl) }), work, env);
  const read = (f: string) => (existsSync(join(reports, f)) ? readFileSync(join(reports, f), "utf8") : undefined);
  const [junitXml, coverageXml] = [read("junit.xml"), read("coverage.xml")];
  return {
    bin,
    result: testResult({
      exitCode: r.status ?? -1,
      minCoverage,
      stdout: r.stdout,
      stderr: r.stderr,
      ...(junitXml ? { junitXml } : {}),
      ...(coverageXml ? { coverageXml } : {}),
    }),
  };
}

const version = (bin: string, pkg: string) => run(bin, ["python", "-c", `import importlib.metadata as m; print(m.version("${pkg}"))`], tmpdir()).stdout.trim();

describe("project shapes through pip, uv and pytest", { timeout: 240_000 }, () => {
  it("pyproject-only (hatchling, src layout, test extra, dev group): installed from pyproject.toml, passes", () => {
    const o = testStage("app-pyproject");
    expect(o.install).toBeUndefined();
    expect(o.result!.ok, o.result!.summary).toBe(true);
    expect(o.result!.junit!.tests).toBe(2);
    expect(version(o.bin, "iniconfig")).not.toBe(""); // from the dev group, through include-group
  });

  it("requirements/ with dev.txt including base.txt (-r) and its constraints (-c): pip reads them at their paths, prod.txt is not installed, passes", () => {
    const o = testStage("app-requirements-dir");
    expect(o.install).toBeUndefined();
    expect(o.result!.ok, o.result!.summary).toBe(true);
    expect(o.result!.junit!.tests).toBe(2);
    expect(version(o.bin, "packaging")).toBe("24.2"); // from the constraint base.txt includes
    expect(version(o.bin, "gunicorn")).toBe(""); // prod.txt's server: not the test stage's
  });

  it("uv.lock: exported frozen and installed exactly; the project's own pytest 8.3.5 is kept", () => {
    const o = testStage("app-uv");
    expect(o.install).toBeUndefined();
    expect(o.result!.ok, o.result!.summary).toBe(true);
    expect(version(o.bin, "pytest")).toBe("8.3.5");
    expect(version(o.bin, "itsdangerous")).toBe("2.2.0");
  });

  it("poetry.lock: every group's pins installed without Poetry, passes", () => {
    const o = testStage("app-poetry");
    expect(o.install).toBeUndefined();
    expect(o.result!.ok, o.result!.summary).toBe(true);
    expect(version(o.bin, "markupsafe")).toBe("3.0.2");
    expect(version(o.bin, "iniconfig")).toBe("2.0.0");
  });

  it("unittest tests.py with packaging==23.2 pinned: the pin holds, a compatible pytest is chosen, the tests run and pass", () => {
    // The old way, for the record: the pinned pytest beside the app's pin cannot be installed.
    const bin = venv();
    const raw = run(bin, ["python", "-m", "pip", "install", "--dry-run", "packaging==23.2", `pytest==${VERSIONS.pytest}`], tmpdir());
    expect(raw.status).not.toBe(0);
    expect(raw.stderr).toMatch(/conflict|ResolutionImpossible/i);
    const o = testStage("app-unittest");
    expect(o.install).toBeUndefined();
    expect(o.result!.ok, o.result!.summary).toBe(true);
    expect(o.result!.junit!.tests).toBe(2);
    expect(version(o.bin, "packaging")).toBe("23.2");
    // The newest pytest up to the pin that accepts packaging 23.2: an older release than the pin.
    expect(version(o.bin, "pytest")).not.toBe(VERSIONS.pytest);
    expect(run(o.bin, ["python", "-m", "pip", "check"], tmpdir()).status).toBe(0);
  });

  it("unittest tests.py: ruff passes with the security rules on (S105 in a test file is waived)", () => {
    const dir = join(FIXTURES, "app-unittest");
    const r = spawnSync(tool("ruff"), lintArgv("ruff").slice(1), { cwd: dir, encoding: "utf8" });
    expect(lintResult("ruff", r.status ?? -1, r.stdout, dir, r.stderr).summary).toBe("ruff: no issues");
  });

  it("a collection error: errored, with the exception and the test file's line in the summary", () => {
    const r = testStage("app-collection-error").result!;
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/^tests\/test_broken\.py:1 .* error: collection failure: NameError: name 'undefined_setting' is not defined/m);
  });

  it("a conftest importing an undeclared package: pytest cannot start, the details give the ModuleNotFoundError and the file", () => {
    const r = testStage("app-import-error").result!;
    expect(r.exitCode).toBe(4);
    expect(r.summary).toContain("ImportError while loading conftest");
    expect(r.summary).toContain("tests/conftest.py");
    expect(r.summary).toContain("ModuleNotFoundError: No module named 'undeclared_helper'");
  });

  it("no tests: its own failure, saying where pytest looks", () => {
    const r = testStage("app-no-tests", 90).result!;
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/no tests were collected/);
    expect(r.summary).toMatch(/python_files\/testpaths/);
  });

  it("an install pip cannot do is a failed run quoting pip", () => {
    const dir = mkdtempSync(join(tmpdir(), "app-bad-pin-"));
    writeFileSync(join(dir, "requirements.txt"), "packaging==0.0.0.999\n");
    const plan = dependencyPlan(declarationsOf({ "requirements.txt": "packaging==0.0.0.999\n" }));
    const bin = venv();
    // No index: pip's verdict is the same and needs no network (a loaded CI run once got none from PyPI).
    const r = run(bin, plan.steps[0]!, dir, { PIP_NO_INDEX: "1" });
    expect(r.status, r.stderr).not.toBe(0);
    const report = installFailedReport("test", { cmd: plan.steps[0]!, exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }, plan);
    expect(report.summary, `stderr: ${r.stderr}\nstdout: ${r.stdout}`).toMatch(
      /^test failed: installing the project's dependencies failed: ERROR: .*packaging==0\.0\.0\.999/,
    );
    expect(report.details).toContain("install command: python -m pip install -r requirements.txt");
  });
});
