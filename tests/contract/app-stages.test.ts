import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinFiles, pipInstallArgv } from "../../dagger/src/core/app/source.js";
import { lintArgv, lintReport, lintResult } from "../../dagger/src/core/app/lint.js";
import { LINTERS, type LinterName } from "../../dagger/src/core/app/linters/index.js";
import { testArgv } from "../../dagger/src/core/app/python-tools.js";
import { testResult } from "../../dagger/src/core/app/test-report.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { ROOT, runArgv } from "../helpers/tools.js";

const APP = join(ROOT, "app");
const FIXTURES = join(ROOT, "tests", "fixtures");

/** Run the lint stage's argv in `dir` and judge it exactly as LintRun does. */
function lint(linter: LinterName, dir: string) {
  const r = runArgv(lintArgv(linter), dir, { PYTHONDONTWRITEBYTECODE: "1" });
  expect(r.error).toBeUndefined();
  return { ...lintResult(linter, r.status ?? -1, r.stdout, dir, r.stderr), raw: r };
}

/** Run the test stage's argv in `dir` and judge its reports exactly as TestRun does. */
function pytest(dir: string, minCoverage: number, env: Record<string, string> = {}) {
  const reports = mkdtempSync(join(tmpdir(), "reports-"));
  const r = runArgv(testArgv({ minCoverage, reportDir: reports }), dir, { COVERAGE_FILE: join(reports, ".coverage"), PYTHONDONTWRITEBYTECODE: "1", ...env });
  expect(r.error).toBeUndefined();
  const read = (f: string) => (existsSync(join(reports, f)) ? readFileSync(join(reports, f), "utf8") : undefined);
  const junitXml = read("junit.xml");
  const coverageXml = read("coverage.xml");
  return {
    ...testResult({
      exitCode: r.status ?? -1,
      minCoverage,
      stdout: r.stdout,
      stderr: r.stderr,
      ...(junitXml ? { junitXml } : {}),
      ...(coverageXml ? { coverageXml } : {}),
    }),
    raw: r,
  };
}

describe("lint stage argv with the pinned linters", () => {
  for (const linter of LINTERS) {
    it(`${linter} passes on app/`, () => {
      const r = lint(linter, APP);
      expect(r.ok, r.summary + r.raw.stderr).toBe(true);
      expect(r.summary).toBe(`${linter}: no issues`);
    });

    it(`${linter} fails on the lint-error fixture, and the details name file and line`, () => {
      const r = lint(linter, join(FIXTURES, "app-lint-error"));
      expect(r.ok).toBe(false);
      expect(r.exitCode).not.toBe(0);
      // The fixture breaks each linter's rules: an unused import (ruff, flake8, pylint), a file ruff format would change,
      // an int returned as str (mypy). A Record: a new linter does not compile here until its expectation is written.
      const expected: Record<LinterName, RegExp> = {
        ruff: /webapp\/greet\.py:2(:\d+)? F401/,
        "ruff-format": /webapp\/greet\.py:\d+:\d+ unformatted/,
        flake8: /webapp\/greet\.py:2(:\d+)? F401/,
        pylint: /webapp\/greet\.py:2(:\d+)? W0611 unused-import/,
        mypy: /webapp\/greet\.py:12:12 return-value Incompatible return value type \(got "int", expected "str"\)/,
      };
      expect(lintReport([r]).details).toMatch(expected[linter]);
      expect(r.findings.every((f) => f.file && !f.file.startsWith("/"))).toBe(true);
    });
  }

  it("mypy reports exactly the type errors of app-type-error, reading the app's own [tool.mypy] config", () => {
    const r = lint("mypy", join(FIXTURES, "app-type-error"));
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule} ${f.severity}`)).toEqual([
      "shop/cart.py:11:12 return-value error",
      "shop/cart.py:14:1 no-untyped-def error",
      "shop/cart.py:19:26 list-item error",
    ]);
    expect(r.summary).toBe("mypy: 3 errors in 1 file");
    // Without the app's config the untyped function is no error: the finding above came from it.
    const dir = mkdtempSync(join(tmpdir(), "mypy-no-config-"));
    mkdirSync(join(dir, "shop"));
    for (const f of ["__init__.py", "cart.py"]) writeFileSync(join(dir, "shop", f), readFileSync(join(FIXTURES, "app-type-error", "shop", f)));
    expect(lint("mypy", dir).findings.map((f) => f.rule)).toEqual(["return-value", "list-item"]);
  });

  it("mypy's blocking error (two modules of one name) is a finding without a line, and the run fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "mypy-duplicate-"));
    for (const d of ["a", "b"]) {
      mkdirSync(join(dir, d, "tests"), { recursive: true });
      writeFileSync(join(dir, d, "tests", "conftest.py"), "");
    }
    const r = lint("mypy", dir);
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBe(2);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      source: "mypy",
      rule: "mypy",
      severity: "error",
      message: expect.stringMatching(/^Duplicate module named "conftest"/),
    });
    expect(r.findings[0]!.line).toBeUndefined();
  });

  it("the security rules are checked whatever the app's config selects, and the app's config cannot drop them", () => {
    const dir = mkdtempSync(join(tmpdir(), "lint-security-"));
    mkdirSync(join(dir, "tests"));
    // The app selects only pyflakes rules and even ignores S307; eval() is still reported.
    writeFileSync(join(dir, "pyproject.toml"), '[tool.ruff.lint]\nselect = ["F"]\nignore = ["S307"]\n');
    writeFileSync(join(dir, "danger.py"), "def run(expr):\n    return eval(expr)\n");
    // assert in tests is how pytest works: not a finding.
    writeFileSync(join(dir, "tests", "test_danger.py"), "from danger import run\n\n\ndef test_run():\n    assert run('1') == 1\n");
    const r = lint("ruff", dir);
    expect(r.findings.map((f) => `${f.file}:${f.rule}`)).toEqual(["danger.py:S307"]);
  });
});

describe("test stage argv with the pinned pytest and pytest-cov", () => {
  it("passes on app/ with coverage at or above the default 90 % gate", () => {
    const r = pytest(APP, 90);
    expect(r.ok, r.summary).toBe(true);
    expect(r.coverage!.percent).toBeGreaterThanOrEqual(90);
    expect(r.junit!.tests).toBeGreaterThan(0);
  });

  it("fails below the gate, with the figure pytest-cov computed in the message", () => {
    const r = pytest(join(FIXTURES, "app-low-coverage"), 90);
    expect(r.ok).toBe(false);
    expect(r.exitCode).not.toBe(0);
    const printed = /Total coverage: ([\d.]+%)/.exec(r.raw.stdout)?.[1];
    expect(printed, r.raw.stdout).toBeDefined();
    expect(r.summary).toContain(`coverage ${printed} is below the gate 90%`);
  });

  it("fails on a failing test and names it with file and line", () => {
    const r = pytest(join(FIXTURES, "app-failing-test"), 0);
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/^tests\/test_math\.py:6 tests\.test_math::test_fails failure: assert/m);
  });

  it("names the failing test's file and line when pytest colours its traceback (FORCE_COLOR=0 turns colour on)", () => {
    const r = pytest(join(FIXTURES, "app-failing-test"), 0, { FORCE_COLOR: "0", NO_COLOR: "", PY_COLORS: "" });
    expect(r.raw.stdout).toMatch(/\u001b\[/); // the run really was coloured
    expect(r.summary).toMatch(/^tests\/test_math\.py:6 tests\.test_math::test_fails failure: assert \(2 \+ 2\) == 5$/m);
  });

  it("fails when there are no tests, saying so", () => {
    const r = pytest(join(FIXTURES, "app-no-tests"), 90);
    expect(r.exitCode).not.toBe(0); // 1 with a coverage gate, 5 without one
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/no tests were collected/);
  });
});

describe("install step argv", () => {
  it("pip accepts the install argv built from app/'s pin files (already satisfied: no download)", () => {
    const entries = readdirSync(APP);
    const files = pinFiles(entries);
    const argv = pipInstallArgv({
      pinFiles: files,
      pinContents: files.map((f) => readFileSync(join(APP, f), "utf8")),
      tools: { pytest: VERSIONS.pytest, "pytest-cov": VERSIONS.pytestCov },
    });
    const r = runArgv(argv, APP, { PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INDEX: "1" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Requirement already satisfied: flask==3\.1\.3/i);
  });
});
