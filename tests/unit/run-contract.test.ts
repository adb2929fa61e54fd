/**
 * One run-object contract for lint, test, validate, e2e, scan, bump/promote and ci: the same six
 * functions with the same types (as the engine introspects them), and the same behaviour — a
 * one-line summary, details beside it, typed findings, a JSON report that agrees with `passed`,
 * and `assert` returning the summary or failing with summary and details.
 */
import { describe, expect, it } from "vitest";
import { plan } from "../helpers/plan.js";
import { RUN_CONTRACT } from "../../dagger/src/core/run.js";
import { StageError } from "../../dagger/src/core/errors.js";
import { Run } from "../../dagger/src/run.js";
import { ciRun } from "../../dagger/src/ci/run.js";
import { collectArtifacts } from "../../dagger/src/ci/ci.js";
import { runStages } from "../../dagger/src/core/ci/orchestrate.js";
import { lintReport, lintResult } from "../../dagger/src/core/app/lint.js";
import { testReport, testResult } from "../../dagger/src/core/app/test-report.js";
import { scanReport, scanResult } from "../../dagger/src/core/app/trivy-report.js";
import { validationReport } from "../../dagger/src/core/validate/validation.js";
import { e2eReport } from "../../dagger/src/core/e2e/report.js";
import { writeBackReport } from "../../dagger/src/core/writeback/report.js";
import { moduleApi } from "../helpers/module-api.js";

/** Every function that runs a stage, by object: each returns the one Run type. */
const RUN_FUNCTIONS: [string, string][] = [
  ["App", "lint"],
  ["App", "test"],
  ["App", "scan"],
  ["Manifests", "validate"],
  ["Manifests", "endToEnd"],
  ["GitopsRepo", "bump"],
  ["GitopsRepo", "promote"],
  ["GitopsPipeline", "ci"],
];

const TYPES: Record<(typeof RUN_CONTRACT)[number], unknown> = {
  passed: { kind: "BOOLEAN_KIND" },
  summary: { kind: "STRING_KIND" },
  details: { kind: "STRING_KIND" },
  findings: { kind: "LIST_KIND", typeDef: { kind: "OBJECT_KIND", name: "Finding" } },
  report: { kind: "OBJECT_KIND", name: "File" },
  assert: { kind: "STRING_KIND" },
};

const RUFF_ISSUE = JSON.stringify([{ code: "F401", message: "`os` imported but unused", filename: "/src/webapp/greet.py", location: { row: 2, column: 8 } }]);
const JUNIT = (failures: number) =>
  `<testsuites><testsuite errors="0" failures="${failures}" skipped="0" tests="2">${failures ? '<testcase classname="tests.test_a" name="test_b"><failure message="boom">tests/test_a.py:3: AssertionError</failure></testcase>' : ""}</testsuite></testsuites>`;
const COVERAGE = '<coverage lines-valid="10" lines-covered="10" branches-valid="0" branches-covered="0">';
const TRIVY = (vulns: number) =>
  JSON.stringify({
    Results: [
      {
        Target: "image.tar (debian 13)",
        Vulnerabilities: vulns
          ? [{ VulnerabilityID: "CVE-2026-1", PkgName: "openssl", InstalledVersion: "3.0.1", FixedVersion: "3.0.2", Severity: "CRITICAL" }]
          : null,
      },
    ],
  });
const VALIDATION = (errors: number) =>
  validationReport({
    kubernetesVersion: "1.36.0",
    chart: "charts/gitops-demo",
    apps: ["gitops-demo"],
    environments: [
      {
        name: "prod",
        namespace: "p",
        production: true,
        values: [],
        lintPassed: true,
        rendered: true,
        hooks: 0,
        testHooksLeftOut: 0,
        objects: 7,
        schema: { valid: 7, invalid: 0, errors: 0, skipped: 0 },
        errors,
      },
    ],
    overlays: [],
    argocdSchema: { valid: 1, invalid: 0, errors: 0, skipped: 0 },
    findings: errors ? [{ source: "policy", rule: "POL-PROD-PDB", severity: "error", message: "no PDB", object: "Deployment/p/app", environment: "prod" }] : [],
    passed: errors === 0,
  });

/** A passing and a failing run of each stage, as its stage function builds it from the tools' output. */
async function runs(): Promise<Record<string, [Run, Run]>> {
  const ci = async (ok: boolean) => {
    const r = await runStages([
      {
        name: "lint",
        run: async () => ({
          ok,
          summary: ok ? "lint passed" : "lint failed: 1 error",
          details: "ruff: 1 error\n  a.py:1 F401",
          findings: ok ? [] : [{ source: "ruff", rule: "F401", severity: "error" as const, message: "m", file: "a.py", line: 1 }],
        }),
      },
    ]);
    return ciRun(r, collectArtifacts(r.stages));
  };
  const wb = (ok: boolean) =>
    Run.of(
      writeBackReport({
        stage: "bump",
        status: ok ? "pushed" : "failed",
        summary: ok ? "bump: pushed abc" : "bump failed: validation of the edited tree failed",
        commit: ok ? "abc" : "",
        attempts: ok ? 1 : 0,
        diff: "",
        validation: ok ? "2 edited file(s) re-parse" : "",
        findings: ok ? [] : [{ source: "policy", rule: "POL-IMAGE-TAG", severity: "error", message: "latest" }],
      }),
    );
  const e2e = (ok: boolean) =>
    Run.of(
      e2eReport({
        passed: ok,
        environment: "dev",
        version: "1.2.3",
        failedStep: ok ? "" : "rollout",
        detail: ok ? "" : "rollout: exit 1\ntimed out",
        log: "ok    create-cluster",
        ...(ok ? {} : { diagnostics: "events..." }),
      }),
    );
  const scan = (n: number) => Run.of(scanReport(scanResult(n ? 1 : 0, TRIVY(n), ["CRITICAL", "HIGH"]), ["CRITICAL", "HIGH"]));
  const test = (failures: number) =>
    Run.of(testReport(testResult({ exitCode: failures ? 1 : 0, minCoverage: 90, junitXml: JUNIT(failures), coverageXml: COVERAGE })));
  return {
    lint: [Run.of(lintReport([lintResult("ruff", 0, "[]")])), Run.of(lintReport([lintResult("ruff", 1, RUFF_ISSUE, "/src")]))],
    test: [test(0), test(1)],
    scan: [scan(0), scan(1)],
    validate: [Run.of(VALIDATION(0)), Run.of(VALIDATION(1))],
    e2e: [e2e(true), e2e(false)],
    bump: [wb(true), wb(false)],
    ci: [await ci(true), await ci(false)],
  };
}

describe("one run-object contract", () => {
  it("every stage function returns the one Run type, which has the six functions with their types and no arguments", async () => {
    const api = await moduleApi();
    for (const [obj, fn] of RUN_FUNCTIONS) expect(api.objects[obj]!.methods[fn]!.returnType, `${obj}.${fn}`).toEqual({ kind: "OBJECT_KIND", name: "Run" });
    const run = api.objects.Run!;
    for (const fn of RUN_CONTRACT) {
      const f = run.methods[fn];
      expect(f, `Run.${fn}`).toBeDefined();
      expect(f!.returnType, `Run.${fn}`).toEqual(TYPES[fn]);
      expect(Object.keys(f!.arguments), `Run.${fn}`).toEqual([]);
    }
    expect(run.properties.stages!.isExposed && run.properties.artifacts!.isExposed).toBe(true);
    // No other run-like type: one contract, one type.
    expect(Object.keys(api.objects).filter((n) => /Run$|Report$|Result$/.test(n))).toEqual(["Run"]);
  });

  it("each run behaves the same: one-line summary, typed findings, assert returns the summary or fails with it and the details", async () => {
    for (const [name, [ok, bad]] of Object.entries(await runs())) {
      expect(ok.stage(), name).toBe(name);
      for (const [run, passed] of [
        [ok, true],
        [bad, false],
      ] as [Run, boolean][]) {
        const where = `${name} (${passed ? "passing" : "failing"})`;
        expect(await run.passed(), where).toBe(passed);
        const summary = await run.summary();
        expect(summary, where).not.toContain("\n");
        expect(summary.length, where).toBeGreaterThan(5);
        const findings = (await run.findings()) as { rule: string; severity: string }[];
        expect(
          findings.every((f) => typeof f.rule === "string" && ["error", "warning", "info"].includes(f.severity)),
          where,
        ).toBe(true);
        if (!passed) expect(findings.length, `${where}: a failed run says why in its findings`).toBeGreaterThan(0);
        expect(run.status(), where).toBe(passed ? "passed" : "failed");
        expect(JSON.parse(String(plan(run.report())[1]!.args.contents)).passed, where).toBe(passed);
        if (passed) {
          expect(await run.assert(), where).toBe(summary);
        } else {
          const err = await Promise.resolve()
            .then(() => run.assert())
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(err, where).toBeInstanceOf(StageError);
          expect((err as Error).message, where).toContain(summary.replace(/^\w+ failed: /, ""));
          const details = await run.details();
          if (details) expect((err as Error).message, where).toContain(details.split("\n")[0]!);
        }
      }
    }
  });
});
