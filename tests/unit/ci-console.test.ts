/**
 * ci's log (core/ci/report.ts consoleReport): the report a bare `dagger call ci` shows, since
 * Dagger 0.21's CLI prints the returned Run only as its ID. One line for the run, one per stage in
 * pipeline order, what to chain for more; credentials redacted like every text that leaves the module.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { consoleReport, runSummary, stageLines } from "../../dagger/src/core/ci/report.js";
import type { PipelineResult, StageResult } from "../../dagger/src/core/ci/orchestrate.js";

const stage = (name: string, status: StageResult["status"], summary: string): StageResult => ({ name, status, summary, durationMs: 1200 }) as StageResult;

describe("consoleReport", () => {
  it("the run's line, then each stage indented, then what to chain", () => {
    const result = {
      ok: false,
      durationMs: 3000,
      stages: [stage("lint", "passed", "lint passed: 0 issues"), stage("test", "failed", "test failed: 2 failed")],
    } as PipelineResult;
    const lines = consoleReport(result).split("\n");
    expect(lines[0]).toBe(runSummary(result));
    expect(lines.slice(1, 3)).toEqual(stageLines(result).map((l) => `  ${l}`));
    expect(lines[3]).toMatch(/^more: chain summary, details, assert, or artifacts export/);
    expect(lines).toHaveLength(4);
  });

  it("property: one line per stage, whatever the stages' summaries hold, and no credential gets through", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("lint", "test", "validate", "build", "e2e", "scan", "publish", "bump"), { maxLength: 8 }), (names) => {
        const stages = names.map((n, i) =>
          stage(n, i % 2 ? "failed" : "passed", `${n} passed: pushed to https://x-access-token:s3cr3t${i}@git.example.com/acme/gitops.git`),
        );
        const text = consoleReport({ ok: true, durationMs: 1, stages } as PipelineResult);
        expect(text.split("\n")).toHaveLength(stages.length + 2);
        expect(text).not.toMatch(/s3cr3t/);
      }),
      { numRuns: 50 },
    );
  });
});
