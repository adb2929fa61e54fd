/**
 * mypy's report parser, on reports the pinned mypy (2.4.1) wrote (tests/fixtures/mypy-reports/:
 * the app-type-error fixture, a missing import and a library without stubs, two modules of one
 * name), and on generated reports.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lintReport, lintResult } from "../../dagger/src/core/app/lint.js";
import { mypy, parseMypyJson } from "../../dagger/src/core/app/linters/mypy.js";
import { ROOT } from "../helpers/tools.js";

const report = (name: string) => readFileSync(join(ROOT, "tests/fixtures/mypy-reports", name), "utf8");

describe("mypy report (--output=json)", () => {
  it("reads every error with file, 1-based line and column, code and message", () => {
    expect(parseMypyJson(report("app-type-error.jsonl"))).toEqual([
      {
        source: "mypy",
        rule: "return-value",
        severity: "error",
        message: 'Incompatible return value type (got "int", expected "str")',
        file: "shop/cart.py",
        line: 11,
        column: 12,
      },
      {
        source: "mypy",
        rule: "no-untyped-def",
        severity: "error",
        message: "Function is missing a type annotation",
        file: "shop/cart.py",
        line: 14,
        column: 1,
      },
      {
        source: "mypy",
        rule: "list-item",
        severity: "error",
        message: 'List item 0 has incompatible type "str"; expected "int"',
        file: "shop/cart.py",
        line: 19,
        column: 26,
      },
    ]);
  });

  it("folds mypy's hint into the message on one line; a note is info", () => {
    const f = parseMypyJson(report("missing-imports.jsonl"));
    expect(f.map((x) => `${x.line} ${x.rule} ${x.severity}`)).toEqual(["1 import-not-found error", "2 import-untyped error", "4 misc info"]);
    expect(f[1]!.message).toBe(
      'Library stubs not installed for "yaml" (Hint: "python3 -m pip install types-PyYAML" (or run "mypy --install-types" to install all missing stub packages))',
    );
  });

  it("a blocking error without a position (two modules of one name) has no line or column and rule mypy", () => {
    const [f, ...rest] = parseMypyJson(report("duplicate-module.jsonl"));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ rule: "mypy", severity: "error", file: "b/tests/conftest.py" });
    expect(f!.message).toMatch(/^Duplicate module named "conftest" .*Common resolutions include: a\) using `--exclude`/);
    expect(f).not.toHaveProperty("line");
    expect(f).not.toHaveProperty("column");
  });

  it("the stage's verdict: errors fail the run and are counted; exit 2 with an unreadable report is a tool error", () => {
    const r = lintResult("mypy", 1, report("app-type-error.jsonl"));
    expect([r.ok, r.summary]).toEqual([false, "mypy: 3 errors in 1 file"]);
    expect(lintReport([r]).details).toContain("shop/cart.py:11:12 return-value Incompatible return value type");
    expect(lintResult("mypy", 0, "").summary).toBe("mypy: no issues");
    const broken = lintResult("mypy", 2, '{"file": ', "", "mypy: error: unrecognized arguments");
    expect(broken.ok).toBe(false);
    expect(broken.summary).toMatch(/^mypy exited 2 and its report could not be read .*a tool or configuration error\. mypy: error: unrecognized arguments$/);
  });

  it("file names are made relative to the directory mypy ran in", () => {
    const line = JSON.stringify({ file: "/src/pkg/a.py", line: 3, column: 4, message: "m", hint: null, code: "misc", severity: "error" });
    expect(parseMypyJson(line, "/src")[0]).toMatchObject({ file: "pkg/a.py", line: 3, column: 5 });
  });

  it("runs mypy with JSON output and no cache in the source tree, over the paths it is given", () => {
    expect(mypy.argv(["."])).toEqual(["mypy", "--output=json", "--cache-dir=/dev/null", "."]);
  });

  it("any report of JSON lines (other lines skipped) reads back every item's position, code and message", () => {
    const item = fc.record({
      file: fc.stringMatching(/^[a-z]{1,6}(\/[a-z_]{1,6}){0,3}\.py$/),
      line: fc.integer({ min: 1, max: 100000 }),
      column: fc.integer({ min: 0, max: 500 }),
      message: fc.string({ maxLength: 80 }),
      code: fc.option(fc.stringMatching(/^[a-z]+(-[a-z]+)*$/), { nil: null }),
      severity: fc.constantFrom("error", "note"),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), fc.array(fc.constantFrom("", "Success: no issues found", "  "), { maxLength: 3 }), (items, noise) => {
        const text = [...noise, ...items.map((i) => JSON.stringify({ ...i, end_line: i.line, end_column: i.column + 1, hint: null }))].join("\n");
        const found = parseMypyJson(text);
        expect(found.map((f) => [f.file, f.line, f.column, f.rule, f.message, f.severity])).toEqual(
          items.map((i) => [i.file, i.line, i.column + 1, i.code ?? "mypy", i.message, i.severity === "error" ? "error" : "info"]),
        );
      }),
    );
  });
});
