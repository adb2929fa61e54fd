import { describe, expect, it } from "vitest";
import { e2eReport } from "../../dagger/src/core/e2e/report.js";
import { Run } from "../../dagger/src/run.js";
import { StageError } from "../../dagger/src/core/errors.js";

const DIAG =
  "===== events.txt (exit 0)\nWarning BackOff pod/gitops-demo-abc Back-off restarting failed container\n===== failing-pod-logs.txt (exit 0)\nTraceback: boom";

const run = (passed: boolean, diagnostics = "") =>
  Run.of(
    e2eReport({
      passed,
      environment: "dev",
      version: "1.2.3",
      failedStep: passed ? "" : "helm-install",
      detail: passed ? "" : "the chart installs: exit 1\nError: context deadline exceeded",
      log: passed ? "ok    create-cluster\nok    probe GET /healthz" : "ok    create-cluster\nFAIL  helm-install",
      ...(diagnostics ? { diagnostics } : {}),
    }),
  );

describe("the e2e run: data first, failure second", () => {
  it("a failed run's assert throws a StageError carrying the step, the detail and the diagnostics", () => {
    const r = run(false, DIAG);
    let err: unknown;
    try {
      r.assert();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StageError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^e2e failed at helm-install: the chart installs: exit 1\n/);
    expect(msg).toContain("context deadline exceeded");
    expect(msg).toContain("Back-off restarting failed container");
    expect(msg).toContain("Traceback: boom");
    expect(r.passed()).toBe(false);
    expect(r.summary()).toBe("e2e failed at helm-install: the chart installs: exit 1");
    expect(r.details()).toBe(`ok    create-cluster\nFAIL  helm-install\n\nthe chart installs: exit 1\nError: context deadline exceeded\n\n${DIAG}`);
    expect(r.findings().map((f) => [f.rule, f.environment])).toEqual([["helm-install", "dev"]]);
  });

  it("a passed run's assert returns its one-line summary", () => {
    const r = run(true);
    expect(r.assert()).toBe("e2e passed: deployed to kind with the dev values; /healthz, / (version 1.2.3), /metrics and helm test passed");
    expect(r.details()).toBe("ok    create-cluster\nok    probe GET /healthz");
    expect(r.findings()).toEqual([]);
  });
});
