import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  E2E_DEFAULT_TIMEOUT,
  E2E_MIN_TIMEOUT,
  checkGitopsInputs,
  e2eBudget,
  e2eSettings,
  type E2eInput,
} from "../../dagger/src/core/e2e/settings.js";
import { inputError } from "../helpers/errors.js";

const INPUT: E2eInput = { release: "gitops-demo", namespace: "e2e", environment: "dev", chartPath: "chart", valuesPaths: [], version: "1.2.3", timeoutSeconds: 300, runId: "abc123" };

describe("e2e settings", () => {
  it("defaults: values of the environment, unique tag, fully qualified repository", () => {
    const s = e2eSettings(INPUT);
    expect(s.valuesPaths).toEqual(["environments/dev/values.yaml"]);
    expect(s.imageTag).toBe("e2e-abc123");
    expect(s.imageRepository).toBe("docker.io/library/gitops-demo");
    expect(e2eSettings({ ...INPUT, environment: "prod" }).valuesPaths).toEqual(["environments/prod/values.yaml"]);
    expect(e2eSettings({ ...INPUT, valuesPaths: ["values/dev.yaml"] }).valuesPaths).toEqual(["values/dev.yaml"]);
  });

  it("keeps every values file, in order", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\/[a-z0-9-]{1,8}){0,2}\.yaml$/), { minLength: 1, maxLength: 5 }), (paths) => {
        expect(e2eSettings({ ...INPUT, valuesPaths: paths }).valuesPaths).toEqual(paths);
      }),
    );
  });

  it("names the argument at fault", () => {
    expect(inputError(() => e2eSettings({ ...INPUT, release: "Gitops_Demo" })).input).toBe("release");
    expect(inputError(() => e2eSettings({ ...INPUT, namespace: "-e2e" })).input).toBe("namespace");
    expect(inputError(() => e2eSettings({ ...INPUT, chartPath: "../chart" })).input).toBe("chartPath");
    expect(inputError(() => e2eSettings({ ...INPUT, valuesPaths: ["/etc/passwd"] })).input).toBe("valuesPath");
    // Each file of the list is checked, and the message names the one at fault.
    const second = inputError(() => e2eSettings({ ...INPUT, valuesPaths: ["environments/dev/values.yaml", "../secrets.yaml"] }));
    expect(second.input).toBe("valuesPath");
    expect(second.message).toContain("'../secrets.yaml'");
    expect(inputError(() => e2eSettings({ ...INPUT, version: "" })).input).toBe("version");
    const t = inputError(() => e2eSettings({ ...INPUT, timeoutSeconds: 60 }));
    expect(t.input).toBe("timeout");
    expect(t.message).toContain(`at least ${E2E_MIN_TIMEOUT} s`);
    expect(t.message).toContain("--timeout");
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
    expect(e2eBudget(E2E_DEFAULT_TIMEOUT).setup).toBe(165);
  });

  it("a missing chart or values file is an InputError before anything runs", () => {
    const s = e2eSettings(INPUT);
    const chart = inputError(() => checkGitopsInputs(s, { chart: false, values: [true] }));
    expect(chart.input).toBe("chartPath");
    expect(chart.message).toContain("chart/Chart.yaml");
    const values = inputError(() => checkGitopsInputs(s, { chart: true, values: [false] }));
    expect(values.input).toBe("valuesPath");
    expect(values.message).toContain("environments/dev/values.yaml");
    expect(() => checkGitopsInputs(s, { chart: true, values: [true] })).not.toThrow();
  });

  it("every values file of a layered environment must exist; the message names the missing one", () => {
    const s = e2eSettings({ ...INPUT, valuesPaths: ["environments/common.yaml", "environments/dev/values.yaml"] });
    expect(() => checkGitopsInputs(s, { chart: true, values: [true, true] })).not.toThrow();
    const second = inputError(() => checkGitopsInputs(s, { chart: true, values: [true, false] }));
    expect(second.input).toBe("valuesPath");
    expect(second.message).toContain("no values file 'environments/dev/values.yaml'");
    expect(second.message).toContain("of its 2 values files");
    const first = inputError(() => checkGitopsInputs(s, { chart: true, values: [false, true] }));
    expect(first.message).toContain("no values file 'environments/common.yaml'");
  });
});
