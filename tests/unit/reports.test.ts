import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { lintArgv, lintReport, lintResult } from "../../dagger/src/core/app/lint.js";
import { parseFlake8 } from "../../dagger/src/core/app/linters/flake8.js";
import { parsePylintJson2 } from "../../dagger/src/core/app/linters/pylint.js";
import { parseRuffJson, TEST_FILE_GLOBS } from "../../dagger/src/core/app/linters/ruff.js";
import { relativeTo, testArgv, withoutColour } from "../../dagger/src/core/app/python-tools.js";
import { formatPercent, parseCoverage, parseJunit, testResult, xmlDecode } from "../../dagger/src/core/app/test-report.js";
import { InputError } from "../../dagger/src/core/errors.js";

// Reports as the pinned tools wrote them for tests/fixtures/app-lint-error (run from /src).
const RUFF = JSON.stringify([
  {
    cell: null,
    code: "F401",
    filename: "/src/webapp/greet.py",
    location: { column: 8, row: 2 },
    message: "`os` imported but unused",
    name: "unused-import",
    severity: "error",
  },
]);
const FLAKE8 = "./webapp/greet.py:2:1: F401 'os' imported but unused\n./webapp/greet.py:9:80: W291 trailing whitespace\n";
const PYLINT = JSON.stringify({
  messages: [
    { type: "warning", symbol: "unused-import", message: "Unused import os", messageId: "W0611", path: "webapp/greet.py", line: 2, column: 0 },
    {
      type: "convention",
      symbol: "missing-module-docstring",
      message: "Missing module docstring",
      messageId: "C0114",
      path: "webapp/x.py",
      line: 1,
      column: 0,
    },
  ],
  statistics: { messageTypeCount: { warning: 1, convention: 1 } },
});

describe("linter reports", () => {
  it("ruff JSON: paths relative to the run directory", () => {
    expect(parseRuffJson(RUFF, "/src")).toEqual([
      { source: "ruff", rule: "F401", severity: "error", message: "`os` imported but unused", file: "webapp/greet.py", line: 2, column: 8 },
    ]);
    expect(parseRuffJson("[]")).toEqual([]);
    expect(parseRuffJson(JSON.stringify([{ code: null, message: "SyntaxError", filename: "/src/a.py", location: null }]), "/src")[0]).toMatchObject({
      rule: "syntax-error",
      file: "a.py",
    });
  });

  it("flake8 default format: W codes are warnings", () => {
    const f = parseFlake8(FLAKE8);
    expect(f.map((x) => [x.file, x.line, x.column, x.rule, x.severity])).toEqual([
      ["webapp/greet.py", 2, 1, "F401", "error"],
      ["webapp/greet.py", 9, 80, "W291", "warning"],
    ]);
  });

  it("pylint json2: message id and symbol, severities mapped", () => {
    const f = parsePylintJson2(PYLINT);
    expect(f.map((x) => [x.file, x.line, x.rule, x.severity])).toEqual([
      ["webapp/greet.py", 2, "W0611 unused-import", "warning"],
      ["webapp/x.py", 1, "C0114 missing-module-docstring", "info"],
    ]);
  });

  it("a failing linter's summary is one line of counts; the report's details name file and line", () => {
    for (const [linter, report] of [
      ["ruff", RUFF],
      ["flake8", FLAKE8],
      ["pylint", PYLINT],
    ] as const) {
      const r = lintResult(linter, 1, report, "/src");
      expect(r.ok).toBe(false);
      expect(r.summary).toMatch(new RegExp(`^${linter}: .* in \\d+ files?$`));
      expect(lintReport([r]).details).toContain("webapp/greet.py:2");
    }
  });

  it("several linters make one report: passes only when each passes, one summary line, details per linter", () => {
    const clean = lintResult("ruff-format", 0, "[]");
    const dirty = lintResult("flake8", 1, FLAKE8, "/src");
    const both = lintReport([clean, dirty]);
    expect(both.passed).toBe(false);
    expect(both.summary).toBe("lint failed: flake8: 1 error, 1 warning in 1 file");
    expect(both.details.split("\n")[0]).toBe("ruff-format: no issues");
    expect(both.findings).toHaveLength(2);
    const ok = lintReport([clean, lintResult("ruff", 0, "[]")]);
    expect(ok).toMatchObject({ passed: true, summary: "lint passed: ruff-format, ruff: no issues" });
  });

  it("a clean run passes; a non-zero exit without issues is a tool error, quoting stderr", () => {
    expect(lintResult("ruff", 0, "[]")).toMatchObject({ ok: true, summary: "ruff: no issues" });
    const r = lintResult("ruff", 2, "", "/src", "ruff failed\nCause: unknown rule selector `XX`");
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/ruff exited 2 .*tool or configuration error.*unknown rule selector/);
    expect(lintResult("pylint", 32, "not json").summary).toMatch(/could not be read/);
  });

  it("long reports are cut in the details, never in the findings", () => {
    const many = JSON.stringify(
      Array.from({ length: 40 }, (_, i) => ({ code: "E501", message: "long", filename: `/src/m${i}.py`, location: { row: i + 1, column: 1 } })),
    );
    const r = lintReport([lintResult("ruff", 1, many, "/src")]);
    expect(r.findings).toHaveLength(40);
    expect(r.details).toMatch(/\.\.\. and 15 more in the report$/);
  });

  it("relativeTo strips the root and ./", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,5}(\/[a-z]{1,5}){0,3}\.py$/), (p) => {
        expect(relativeTo(`/src/${p}`, "/src")).toBe(p);
        expect(relativeTo(`./${p}`)).toBe(p);
      }),
    );
  });

  it("every linter's argv writes a machine-readable report to stdout", () => {
    expect(lintArgv("ruff")).toContain("--output-format=json");
    expect(lintArgv("ruff-format")).toEqual(expect.arrayContaining(["format", "--check", "--output-format=json"]));
    expect(lintArgv("pylint")).toContain("--output-format=json2");
    expect(lintArgv("flake8")).toContain("--format=default");
  });

  it("ruff always checks the security rules, exempting in test files only assert and the hard-coded password rules", () => {
    const argv = lintArgv("ruff");
    expect(argv).toContain("--extend-select=S");
    const config = argv[argv.indexOf("--config") + 1]!;
    for (const g of TEST_FILE_GLOBS) expect(config).toContain(`"${g}" = ["S101", "S105", "S106", "S107"]`);
    expect(TEST_FILE_GLOBS).toContain("**/tests.py");
  });

  it("ruff's format check reads like ruff's own report", () => {
    const report = JSON.stringify([{ code: "unformatted", message: "File would be reformatted", filename: "/src/app.py", location: { row: 3, column: 1 } }]);
    expect(lintResult("ruff-format", 1, report, "/src").findings).toEqual([
      { source: "ruff-format", rule: "unformatted", severity: "error", message: "File would be reformatted", file: "app.py", line: 3, column: 1 },
    ]);
  });
});

const JUNIT_FAIL = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="0.118"><testcase classname="tests.test_math" name="test_passes" time="0.001" /><testcase classname="tests.test_math" name="test_fails" time="0.003"><failure message="assert (2 + 2) == 5">def test_fails():
&gt;       assert 2 + 2 == 5
E       assert (2 + 2) == 5

tests/test_math.py:6: AssertionError</failure></testcase></testsuite></testsuites>`;
const JUNIT_OK = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="1" tests="12" time="0.5"><testcase classname="a" name="b" /></testsuite></testsuites>`;
const COVERAGE_LOW = `<?xml version="1.0" ?>\n<coverage version="7.17.3" timestamp="1" lines-valid="16" lines-covered="5" line-rate="0.3125" branches-valid="8" branches-covered="0" branch-rate="0" complexity="0">\n</coverage>`;
const COVERAGE_FULL = `<coverage version="7.17.3" lines-valid="120" lines-covered="120" line-rate="1" branches-valid="30" branches-covered="30" branch-rate="1">`;

describe("test reports", () => {
  it("JUnit: totals and failed tests with file and line", () => {
    const j = parseJunit(JUNIT_FAIL);
    expect(j).toMatchObject({ tests: 2, failures: 1, errors: 0, skipped: 0 });
    expect(j.failed).toEqual([{ name: "tests.test_math::test_fails", kind: "failure", message: "assert (2 + 2) == 5", file: "tests/test_math.py", line: 6 }]);
    expect(() => parseJunit("<html/>")).toThrow(/no <testsuite>/);
  });

  it("coverage: lines and branches together, as --cov-fail-under counts them", () => {
    const c = parseCoverage(COVERAGE_LOW);
    expect(c.percent).toBeCloseTo((5 / 24) * 100, 10);
    expect(formatPercent(c.percent)).toBe("20.83%"); // what pytest-cov printed for this fixture
    expect(parseCoverage(COVERAGE_FULL).percent).toBe(100);
    expect(() => parseCoverage("<coverage/>")).toThrow(/not a Cobertura/);
  });

  it("below the gate: fails, with the coverage figure and the gate in the summary", () => {
    const r = testResult({ exitCode: 1, minCoverage: 90, junitXml: JUNIT_OK, coverageXml: COVERAGE_LOW });
    expect(r.ok).toBe(false);
    expect(r.summary).toContain("coverage 20.83% is below the gate 90%");
  });

  it("a failed test: named with file and line", () => {
    const r = testResult({ exitCode: 1, minCoverage: 0, junitXml: JUNIT_FAIL, coverageXml: COVERAGE_FULL });
    expect(r.ok).toBe(false);
    expect(r.summary).toContain("tests/test_math.py:6 tests.test_math::test_fails failure: assert (2 + 2) == 5");
  });

  it("passing: states the figure and the gate", () => {
    const r = testResult({ exitCode: 0, minCoverage: 90, junitXml: JUNIT_OK, coverageXml: COVERAGE_FULL });
    expect(r).toMatchObject({ ok: true });
    expect(r.summary).toBe("passed: 12 tests, 0 failed, 0 errors, 1 skipped; coverage 100.00% (gate 90%)");
  });

  it("no tests collected (exit 5, no coverage report): fails and says why", () => {
    const r = testResult({ exitCode: 5, minCoverage: 90, junitXml: JUNIT_OK.replace('tests="12"', 'tests="0"'), stdout: "collected 0 items\nno tests ran" });
    expect(r.ok).toBe(false);
    // Its own failure: not mixed with a missing coverage report (there is nothing to cover).
    expect(r.summary.split("\n")[0]).toMatch(/— no tests were collected$/);
    expect(r.summary).toContain("no tests ran");
    expect(r.summary).toContain("python_files/testpaths");
    // With a gate, pytest exits 1 when it collects nothing: the JUnit count still tells.
    const gated = testResult({ exitCode: 1, minCoverage: 90, junitXml: JUNIT_OK.replace('tests="12"', 'tests="0"') });
    expect(gated.summary).toMatch(/no tests were collected/);
  });

  it("property: the verdict agrees with the gate for any coverage figures", () => {
    fc.assert(
      fc.property(fc.nat(500), fc.nat(500), fc.nat(100), (valid, covered, gate) => {
        const lc = Math.min(covered, valid);
        const xml = `<coverage lines-valid="${valid}" lines-covered="${lc}" branches-valid="0" branches-covered="0">`;
        const pct = valid === 0 ? 100 : (lc / valid) * 100;
        const r = testResult({ exitCode: pct + 1e-9 < gate ? 1 : 0, minCoverage: gate, junitXml: JUNIT_OK, coverageXml: xml });
        expect(r.ok).toBe(pct + 1e-9 >= gate);
        expect(r.summary).toContain(formatPercent(pct));
      }),
    );
  });

  it("xmlDecode undoes XML escaping", () => {
    const enc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(xmlDecode(enc(s))).toBe(s);
      }),
    );
  });

  it("an out-of-range gate is an InputError naming minCoverage", () => {
    for (const g of [-1, 101, Number.NaN]) {
      expect(() => testArgv({ minCoverage: g })).toThrow(InputError);
      try {
        testArgv({ minCoverage: g });
      } catch (e) {
        expect((e as InputError).input).toBe("minCoverage");
      }
    }
  });
});

describe("coloured pytest reports", () => {
  // What pytest 9 writes with FORCE_COLOR set: ESC is not allowed in XML, so its JUnit writer puts `#x1B`.
  const coloured =
    '<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="1"><testcase classname="tests.test_math" name="test_fails">' +
    '<failure message="assert (2 + 2) == 5">#x1B[0m#x1B[94mdef#x1B[39;49;00m test_fails():\n' +
    "#x1B[1m#x1B[31mE       assert (2 + 2) == 5#x1B[0m\n\n#x1B[1m#x1B[31mtests/test_math.py#x1B[0m:6: AssertionError</failure></testcase></testsuite></testsuites>";

  it("finds the frame and the exception through the colour codes", () => {
    const [t] = parseJunit(coloured).failed;
    expect(t).toMatchObject({ file: "tests/test_math.py", line: 6, message: "assert (2 + 2) == 5" });
  });

  it("strips raw ESC and #x1B codes alike, and nothing else", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom("\u001b", "#x1B"), fc.array(fc.integer({ min: 0, max: 99 }), { maxLength: 3 }), (text, esc, codes) => {
        fc.pre(!/\u001b|#x1B/.test(text));
        expect(withoutColour(`${esc}[${codes.join(";")}m${text}${esc}[0m`)).toBe(text);
        expect(withoutColour(text)).toBe(text);
      }),
    );
  });
});
