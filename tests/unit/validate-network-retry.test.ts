import { describe, expect, it, vi } from "vitest";
import type { Container } from "@dagger.io/dagger";
import { isNetworkFailure, replayed } from "../../dagger/src/core/validate/network.js";
import { resultRetryingNetwork } from "../../dagger/src/validate/containers.js";

const KUBECONFORM_DOWN =
  '{"filename":"/rendered/dev.yaml","kind":"Service","status":"statusError","msg":"failed downloading schema at https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.36.0-standalone-strict/service-v1.json: Get \\"https://raw...\\": dial tcp: lookup raw.githubusercontent.com on 10.87.0.1:53: no such host"}';

describe("network failures of validate's tools", () => {
  it("a schema download or a chart repository that could not be reached is a network failure; a schema violation is not", () => {
    expect(isNetworkFailure({ stdout: KUBECONFORM_DOWN, stderr: "" })).toBe(true);
    expect(
      isNetworkFailure({ stdout: "", stderr: 'Error: Get "https://charts.example.com/index.yaml": dial tcp 10.0.0.1:443: connect: connection refused' }),
    ).toBe(true);
    expect(isNetworkFailure({ stdout: '{"status":"statusInvalid","msg":"at \'/spec/replicas\': got string, want integer"}', stderr: "" })).toBe(false);
    expect(isNetworkFailure({ stdout: "", stderr: "Error: found in Chart.yaml, but missing in charts/ directory: redis" })).toBe(false);
  });

  it("work that ran before the call started was replayed; work of this call was not", () => {
    const now = 1_800_000_000_000;
    expect(replayed(now / 1000 - 60, now)).toBe(true);
    expect(replayed(now / 1000, now)).toBe(false);
    expect(replayed(Number.NaN, now)).toBe(false);
  });
});

/** A container whose run printed `stdout` with `exitCode`, its work done at `ranAt` (unix s). */
function fake(exitCode: number, stdout: string, ranAt: number): Container {
  const c = {
    exitCode: vi.fn(async () => exitCode),
    stdout: vi.fn(async () => stdout),
    stderr: vi.fn(async () => ""),
    withExec: vi.fn(() => ({ stdout: async () => `${ranAt}\n` })),
  };
  return c as unknown as Container;
}

describe("validate re-runs a replayed network failure", () => {
  const startedAt = 1_800_000_000_000;

  it("a schema download failure replayed from the cache runs again under a new cache key, and the fresh result is the one read", async () => {
    const make = vi.fn((retry?: string) =>
      retry ? fake(0, '{"status":"statusValid"}', startedAt / 1000 + 2) : fake(1, KUBECONFORM_DOWN, startedAt / 1000 - 3600),
    );
    const { r } = await resultRetryingNetwork(make, startedAt);
    expect(make).toHaveBeenCalledTimes(2);
    expect(make.mock.calls[1]![0]).toBe(String(startedAt));
    expect(r.exitCode).toBe(0);
  });

  it("a failure of this very call is reported as it is (not retried: kubeconform already retried it)", async () => {
    const make = vi.fn(() => fake(1, KUBECONFORM_DOWN, startedAt / 1000 + 1));
    const { r } = await resultRetryingNetwork(make, startedAt);
    expect(make).toHaveBeenCalledTimes(1);
    expect(isNetworkFailure(r)).toBe(true);
  });

  it("a replayed schema violation is a verdict on the manifests: kept from the cache", async () => {
    const make = vi.fn(() => fake(1, '{"status":"statusInvalid","msg":"got string, want integer"}', startedAt / 1000 - 3600));
    await resultRetryingNetwork(make, startedAt);
    expect(make).toHaveBeenCalledTimes(1);
  });
});
