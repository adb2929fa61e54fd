import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { E2E_MIN_TIMEOUT, checkGitopsInputs, e2eBudget, e2eSettings } from "../../dagger/src/core/e2e/settings.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";
import { inputError } from "../helpers/errors.js";

const LAYOUT = { chartPath: "chart", valuesPaths: ["environments/dev/values.yaml"], release: "gitops-demo" };
const INPUT = { environment: "dev", version: "1.2.3", namespace: "e2e", timeout: 300, runId: "abc123", layout: LAYOUT };

describe("e2e settings", () => {
  it("joins the inputs with the environment's layout: unique tag, fully qualified repository", () => {
    const s = e2eSettings(INPUT);
    expect(s).toMatchObject({ ...LAYOUT, environment: "dev", version: "1.2.3", namespace: "e2e", timeoutSeconds: 300 });
    expect(s.imageTag).toBe("e2e-abc123");
    expect(s.imageRepository).toBe("docker.io/library/gitops-demo");
  });

  it("a leading v of the version is dropped (one rule everywhere)", () => {
    expect(e2eSettings({ ...INPUT, version: "v2.0.0-rc.1" }).version).toBe("2.0.0-rc.1");
  });

  it("names the argument at fault", () => {
    expect(inputError(() => e2eSettings({ ...INPUT, namespace: "-e2e" })).input).toBe("namespace");
    expect(inputError(() => e2eSettings({ ...INPUT, environment: "Dev!" })).input).toBe("environment");
    expect(inputError(() => e2eSettings({ ...INPUT, version: "" })).input).toBe("version");
    expect(inputError(() => e2eSettings({ ...INPUT, version: "1.2" })).message).toContain("is not a semantic version");
    const t = inputError(() => e2eSettings({ ...INPUT, timeout: 60 }));
    expect(t.input).toBe("timeout");
    expect(t.message).toContain(`is below ${E2E_MIN_TIMEOUT}`);
    expect(inputError(() => e2eSettings({ ...INPUT, timeout: 300.5 })).message).toContain("is not a whole number");
  });

  it("the budget's parts add up to the timeout and leave setup most of it", () => {
    fc.assert(
      fc.property(fc.integer({ min: E2E_MIN_TIMEOUT, max: 3600 }), (t) => {
        const b = e2eBudget(t);
        expect(b.setup + b.probes + b.helmTest + b.diagnostics + b.teardown).toBe(t);
        expect(b.setup).toBeGreaterThanOrEqual(100);
        expect(Object.values(b).every((v) => v > 0)).toBe(true);
      }),
    );
    expect(e2eBudget(DEFAULTS.e2eTimeout).setup).toBe(165);
  });

  it("a missing chart or values file is an InputError before anything runs", () => {
    const s = e2eSettings(INPUT);
    const chart = inputError(() => checkGitopsInputs(s, { chart: false, values: [true] }));
    expect(chart.input).toBe("gitops-pipeline.yaml: chart");
    expect(chart.message).toContain("chart/Chart.yaml");
    const values = inputError(() => checkGitopsInputs(s, { chart: true, values: [false] }));
    expect(values.input).toBe("gitops-pipeline.yaml: environments.dev.values");
    expect(values.message).toContain("environments/dev/values.yaml");
    expect(() => checkGitopsInputs(s, { chart: true, values: [true] })).not.toThrow();
  });

  it("every values file of a layered environment must exist; the message names the missing one", () => {
    const s = e2eSettings({ ...INPUT, layout: { ...LAYOUT, valuesPaths: ["environments/common.yaml", "environments/dev/values.yaml"] } });
    expect(() => checkGitopsInputs(s, { chart: true, values: [true, true] })).not.toThrow();
    const second = inputError(() => checkGitopsInputs(s, { chart: true, values: [true, false] }));
    expect(second.input).toBe("gitops-pipeline.yaml: environments.dev.values");
    expect(second.message).toContain("no values file 'environments/dev/values.yaml'");
    expect(second.message).toContain("of its 2 values files");
    const first = inputError(() => checkGitopsInputs(s, { chart: true, values: [false, true] }));
    expect(first.message).toContain("no values file 'environments/common.yaml'");
  });
});
