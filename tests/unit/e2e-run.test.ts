import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { E2eRun } from "../../dagger/src/e2e/run.js";
import { StageError } from "../../dagger/src/core/errors.js";

describe("E2eRun: data first, failure second", () => {
  const diag = "===== events.txt (exit 0)\nWarning BackOff pod/gitops-demo-abc Back-off restarting failed container\n===== failing-pod-logs.txt (exit 0)\nTraceback: boom";

  it("a failed run's assert throws a StageError carrying the step, the detail and the diagnostics", () => {
    const run = new E2eRun(false, "helm-install", "the chart installs: exit 1\nError: context deadline exceeded", "ok    create-cluster\nFAIL  helm-install", diag, dag.directory());
    let err: unknown;
    try {
      run.assert();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StageError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^e2e failed: helm-install: the chart installs: exit 1/);
    expect(msg).toContain("context deadline exceeded");
    expect(msg).toContain("Back-off restarting failed container");
    expect(msg).toContain("Traceback: boom");
    expect(run.logs()).toBe(`ok    create-cluster\nFAIL  helm-install\n\n${diag}`);
    expect(run.summary()).toContain("### e2e failed at helm-install");
  });

  it("a passed run's assert returns the summary", () => {
    const run = new E2eRun(true, "", "", "ok    create-cluster\nok    probe GET /healthz", "", dag.directory());
    expect(run.assert()).toBe("### e2e passed\n\n```\nok    create-cluster\nok    probe GET /healthz\n```");
    expect(run.logs()).toBe("ok    create-cluster\nok    probe GET /healthz");
  });
});
