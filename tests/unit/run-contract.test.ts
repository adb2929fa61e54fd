/**
 * One run-object contract for lint, test, validate, e2e, scan, bump/promote and ci: the same six
 * functions with the same types (as the engine introspects them), and the same behaviour — a
 * one-line summary, details beside it, typed findings, a JSON report that agrees with `passed`,
 * and `assert` returning the summary or failing with summary and details.
 */
import { describe, expect, it } from "vitest";
import { dag, type Container, type Directory } from "@dagger.io/dagger";
import { RUN_CONTRACT } from "../../dagger/src/core/run.js";
import { StageError } from "../../dagger/src/core/errors.js";
import { LintRun } from "../../dagger/src/app/lint.js";
import { TestRun } from "../../dagger/src/app/test.js";
import { ScanRun } from "../../dagger/src/app/scan.js";
import { ValidateRun } from "../../dagger/src/validate/validate.js";
import { EndToEndRun } from "../../dagger/src/e2e/run.js";
import { WriteBackRun } from "../../dagger/src/writeback/writeback.js";
import { ciRun } from "../../dagger/src/ci/run.js";
import { collectArtifacts } from "../../dagger/src/ci/ci.js";
import { runStages } from "../../dagger/src/core/ci/orchestrate.js";
import { validationReport } from "../../dagger/src/core/validate/validation.js";
import { e2eReport } from "../../dagger/src/core/e2e/report.js";
import { writeBackReport } from "../../dagger/src/core/writeback/report.js";
import { moduleApi } from "../helpers/module-api.js";

const RUN_TYPES = ["LintRun", "TestRun", "ValidateRun", "EndToEndRun", "ScanRun", "WriteBackRun", "CiRun"];

const TYPES: Record<(typeof RUN_CONTRACT)[number], unknown> = {
  passed: { kind: "BOOLEAN_KIND" },
  summary: { kind: "STRING_KIND" },
  details: { kind: "STRING_KIND" },
  findings: { kind: "LIST_KIND", typeDef: { kind: "OBJECT_KIND", name: "Finding" } },
  report: { kind: "OBJECT_KIND", name: "File" },
  assert: { kind: "STRING_KIND" },
};

/** A stand-in container whose reads answer from `files`, with the given exit code and output. */
function fakeContainer(exitCode: number, files: Record<string, string>, stdout = "", stderr = ""): Container {
  const dirOf = (root: string) => ({ entries: async () => Object.keys(files).filter((f) => f.startsWith(`${root}/`)).map((f) => f.slice(root.length + 1)), file: (n: string) => ({ contents: async () => files[`${root}/${n}`] ?? "" }) });
  return {
    exitCode: async () => exitCode,
    stdout: async () => stdout,
    stderr: async () => stderr,
    file: (path: string) => ({ contents: async () => files[path] ?? "" }),
    directory: (path: string) => dirOf(path),
  } as unknown as Container;
}

const RUFF_ISSUE = JSON.stringify([{ code: "F401", message: "`os` imported but unused", filename: "/src/webapp/greet.py", location: { row: 2, column: 8 } }]);
const JUNIT = (failures: number) =>
  `<testsuites><testsuite errors="0" failures="${failures}" skipped="0" tests="2">${failures ? '<testcase classname="tests.test_a" name="test_b"><failure message="boom">tests/test_a.py:3: AssertionError</failure></testcase>' : ""}</testsuite></testsuites>`;
const COVERAGE = '<coverage lines-valid="10" lines-covered="10" branches-valid="0" branches-covered="0">';
const TRIVY = (vulns: number) => JSON.stringify({ Results: [{ Target: "image.tar (debian 13)", Vulnerabilities: vulns ? [{ VulnerabilityID: "CVE-2026-1", PkgName: "openssl", InstalledVersion: "3.0.1", FixedVersion: "3.0.2", Severity: "CRITICAL" }] : null }] });
const VALIDATION = (errors: number) =>
  validationReport({
    kubernetesVersion: "1.36.0",
    chart: "charts/gitops-demo",
    environments: [{ name: "prod", namespace: "p", production: true, values: [], lintPassed: true, rendered: true, objects: 7, schema: { valid: 7, invalid: 0, errors: 0, skipped: 0 }, errors }],
    overlays: [],
    argocdSchema: { valid: 1, invalid: 0, errors: 0, skipped: 0 },
    findings: errors ? [{ source: "policy", rule: "POL-PROD-PDB", severity: "error", message: "no PDB", object: "Deployment/p/app", environment: "prod" }] : [],
    passed: errors === 0,
  });

/** A passing and a failing run of each type. */
async function runs(): Promise<Record<string, [unknown, unknown]>> {
  const ci = async (ok: boolean) => {
    const r = await runStages([{ name: "lint", run: async () => ({ ok, summary: ok ? "lint passed" : "lint failed: 1 error", details: "ruff: 1 error\n  a.py:1 F401", findings: ok ? [] : [{ source: "ruff", rule: "F401", severity: "error" as const, message: "m", file: "a.py", line: 1 }] }) }]);
    return ciRun(r, collectArtifacts(r.stages));
  };
  const wb = (ok: boolean) =>
    new WriteBackRun(
      JSON.stringify(writeBackReport({ stage: "bump", status: ok ? "pushed" : "failed", summary: ok ? "bump: pushed abc" : "bump failed: validation of the edited tree failed", commit: ok ? "abc" : "", attempts: ok ? 1 : 0, diff: "", validation: ok ? "2 edited file(s) re-parse" : "", findings: ok ? [] : [{ source: "policy", rule: "POL-IMAGE-TAG", severity: "error", message: "latest" }] })),
      dag.directory() as Directory,
    );
  const e2e = (ok: boolean) => new EndToEndRun(JSON.stringify(e2eReport({ passed: ok, environment: "dev", version: "1.2.3", failedStep: ok ? "" : "rollout", detail: ok ? "" : "rollout: exit 1\ntimed out", log: "ok    create-cluster" })), ok ? "" : "events...", dag.directory());
  return {
    LintRun: [new LintRun(["ruff"], [fakeContainer(0, { "/reports/lint-report": "[]" })]), new LintRun(["ruff"], [fakeContainer(1, { "/reports/lint-report": RUFF_ISSUE })])],
    TestRun: [new TestRun(90, fakeContainer(0, { "/reports/junit.xml": JUNIT(0), "/reports/coverage.xml": COVERAGE })), new TestRun(90, fakeContainer(1, { "/reports/junit.xml": JUNIT(1), "/reports/coverage.xml": COVERAGE }))],
    ScanRun: [new ScanRun("CRITICAL,HIGH", fakeContainer(0, { "/reports/trivy.json": TRIVY(0) })), new ScanRun("CRITICAL,HIGH", fakeContainer(1, { "/reports/trivy.json": TRIVY(1) }))],
    ValidateRun: [new ValidateRun(JSON.stringify(VALIDATION(0)), dag.directory(), 0), new ValidateRun(JSON.stringify(VALIDATION(1)), dag.directory(), 0)],
    EndToEndRun: [e2e(true), e2e(false)],
    WriteBackRun: [wb(true), wb(false)],
    CiRun: [await ci(true), await ci(false)],
  };
}

type Run = { passed(): boolean | Promise<boolean>; summary(): string | Promise<string>; details(): string | Promise<string>; findings(): unknown[] | Promise<unknown[]>; report(): unknown; assert(): string | Promise<string> };

describe("one run-object contract", () => {
  it("every run type has the six functions, with the same types and no arguments", async () => {
    const api = await moduleApi();
    for (const name of RUN_TYPES) {
      const obj = api.objects[name];
      expect(obj, name).toBeDefined();
      for (const fn of RUN_CONTRACT) {
        const f = obj!.methods[fn];
        expect(f, `${name}.${fn}`).toBeDefined();
        expect(f!.returnType, `${name}.${fn}`).toEqual(TYPES[fn]);
        expect(Object.keys(f!.arguments), `${name}.${fn}`).toEqual([]);
      }
    }
    // Every object named *Run is held to it.
    expect(Object.keys(api.objects).filter((n) => n.endsWith("Run")).sort()).toEqual([...RUN_TYPES].sort());
  });

  it("each run behaves the same: one-line summary, typed findings, assert returns the summary or fails with it and the details", async () => {
    for (const [name, [ok, bad]] of Object.entries(await runs())) {
      for (const [run, passed] of [[ok, true], [bad, false]] as [Run, boolean][]) {
        const where = `${name} (${passed ? "passing" : "failing"})`;
        expect(await run.passed(), where).toBe(passed);
        const summary = await run.summary();
        expect(summary, where).not.toContain("\n");
        expect(summary.length, where).toBeGreaterThan(5);
        const findings = (await run.findings()) as { rule: string; severity: string }[];
        expect(findings.every((f) => typeof f.rule === "string" && ["error", "warning", "info"].includes(f.severity)), where).toBe(true);
        if (!passed) expect(findings.length, `${where}: a failed run says why in its findings`).toBeGreaterThan(0);
        if (passed) {
          expect(await run.assert(), where).toBe(summary);
        } else {
          const err = await Promise.resolve()
            .then(() => run.assert())
            .then(() => undefined, (e: unknown) => e);
          expect(err, where).toBeInstanceOf(StageError);
          expect((err as Error).message, where).toContain(summary.replace(/^\w+ failed: /, ""));
          const details = await run.details();
          if (details) expect((err as Error).message, where).toContain(details.split("\n")[0]!);
        }
      }
    }
  });
});
