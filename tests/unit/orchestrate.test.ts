import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkGraph, runStages, stageGroups, type StageSpec } from "../../dagger/src/core/ci/orchestrate.js";
import { failureMessage, formatDuration, renderMarkdown, stageLines } from "../../dagger/src/core/ci/report.js";

/** A stage that records when it started and resolves only when released. */
function gated(name: string, log: string[], needs: string[] = [], ok = true) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const spec: StageSpec = {
    name,
    needs,
    run: async () => {
      log.push(`start:${name}`);
      await gate;
      log.push(`end:${name}`);
      return { ok, summary: `${name} ${ok ? "ok" : "bad"}`, artifacts: `${name}-artifact` };
    },
  };
  return { spec, release };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("runStages: a remedy stage (when: failed)", () => {
  const stage = (name: string, ok: boolean | "throw", needs: string[] = [], extra: Partial<StageSpec> = {}): StageSpec => ({
    name,
    needs,
    ...extra,
    run: async (inputs) => {
      if (ok === "throw") throw new Error(`${name} exploded`);
      return { ok, summary: `${name} ${ok ? "ok" : "bad"} after ${Object.keys(inputs).join(",")}`, artifacts: `${name}-artifact` };
    },
  });

  it("runs only when a need failed, with the needs' artifacts; the run still fails", async () => {
    const r = await runStages([stage("bump", true), stage("verify", false, ["bump"]), stage("rollback", true, ["verify"], { when: "failed" })]);
    expect(r.stages.map((s) => [s.name, s.status])).toEqual([
      ["bump", "passed"],
      ["verify", "failed"],
      ["rollback", "passed"],
    ]);
    expect(r.stages[2]!.summary).toBe("rollback ok after verify");
    expect(r.ok).toBe(false);
  });

  it("a need that threw counts as failed too", async () => {
    const r = await runStages([stage("verify", "throw"), stage("rollback", true, ["verify"], { when: "failed" })]);
    expect(r.stages[1]!.status).toBe("passed");
  });

  it("is skipped when its needs passed, were skipped or blocked, or when it is switched off", async () => {
    const passed = await runStages([stage("verify", true), stage("rollback", true, ["verify"], { when: "failed" })]);
    expect(passed.stages[1]).toMatchObject({ status: "skipped", summary: "not needed: verify did not fail" });
    expect(passed.ok).toBe(true);
    const blocked = await runStages([stage("bump", false), stage("verify", true, ["bump"]), stage("rollback", true, ["verify"], { when: "failed" })]);
    expect(blocked.stages.map((s) => s.status)).toEqual(["failed", "blocked", "skipped"]);
    expect(blocked.stages[2]!.summary).toBe("not run: verify blocked");
    const skipped = await runStages([stage("verify", true, [], { skip: "no connection" }), stage("rollback", true, ["verify"], { when: "failed" })]);
    expect(skipped.stages[1]).toMatchObject({ status: "skipped", summary: "not run: verify skipped" });
    const off = await runStages([stage("verify", false), stage("rollback", true, ["verify"], { when: "failed", skip: "not requested" })]);
    expect(off.stages[1]).toMatchObject({ status: "skipped", summary: "not requested" });
  });
});

describe("runStages", () => {
  it("starts every independent stage before any of them finishes", async () => {
    const log: string[] = [];
    const stages = ["lint", "test", "validate", "build"].map((n) => gated(n, log));
    const run = runStages(stages.map((s) => s.spec));
    await tick();
    expect(log).toEqual(["start:lint", "start:test", "start:validate", "start:build"]);
    stages.forEach((s) => s.release());
    const result = await run;
    expect(result.ok).toBe(true);
  });

  it("runs a dependent stage only after its inputs passed, with their artifacts", async () => {
    const log: string[] = [];
    const build = gated("build", log);
    let seen: unknown;
    const e2e: StageSpec = {
      name: "e2e",
      needs: ["build"],
      run: async (inputs) => {
        seen = inputs;
        log.push("start:e2e");
        return { ok: true, summary: "probed" };
      },
    };
    const run = runStages([build.spec, e2e]);
    await tick();
    expect(log).toEqual(["start:build"]);
    build.release();
    await run;
    expect(log).toEqual(["start:build", "end:build", "start:e2e"]);
    expect(seen).toEqual({ build: "build-artifact" });
  });

  it("never runs publish or bump after an earlier failure, and reports every stage", async () => {
    const ran: string[] = [];
    const stage = (name: string, needs: string[] = [], ok = true): StageSpec => ({
      name,
      needs,
      run: async () => {
        ran.push(name);
        return { ok, summary: ok ? "fine" : "3 tests failed" };
      },
    });
    const result = await runStages([
      stage("lint"),
      stage("test", [], false),
      stage("build"),
      stage("e2e", ["build"]),
      stage("publish", ["lint", "test", "e2e"]),
      stage("bump", ["publish"]),
    ]);
    expect(ran.sort()).toEqual(["build", "e2e", "lint", "test"]);
    expect(result.ok).toBe(false);
    expect(result.stages.map((s) => [s.name, s.status])).toEqual([
      ["lint", "passed"],
      ["test", "failed"],
      ["build", "passed"],
      ["e2e", "passed"],
      ["publish", "blocked"],
      ["bump", "blocked"],
    ]);
    expect(result.stages.find((s) => s.name === "bump")!.summary).toBe("not run: publish blocked");
    expect(failureMessage(result)).toBe("test failed: 3 tests failed\nnot run because of it: publish, bump");
  });

  it("turns a thrown error into a failed stage with its message", async () => {
    const result = await runStages([
      {
        name: "build",
        run: async () => {
          throw new Error("platforms: 'linux/sparc' is not supported");
        },
      },
    ]);
    expect(result.stages[0]).toMatchObject({ status: "failed", summary: "platforms: 'linux/sparc' is not supported" });
  });

  it("skips unwanted stages and what needs them without failing the run", async () => {
    const result = await runStages([
      { name: "build", run: async () => ({ ok: true, summary: "2 platforms" }) },
      { name: "publish", needs: ["build"], skip: "publishing not requested (no registry credentials)", run: async () => ({ ok: true, summary: "" }) },
      { name: "bump", needs: ["publish"], run: async () => ({ ok: true, summary: "" }) },
    ]);
    expect(result.ok).toBe(true);
    expect(result.stages.map((s) => s.status)).toEqual(["passed", "skipped", "skipped"]);
    expect(result.stages[2]!.summary).toBe("not run: publish skipped");
  });

  it("measures durations with the given clock", async () => {
    let now = 0;
    const result = await runStages(
      [
        {
          name: "test",
          run: async () => {
            now += 1500;
            return { ok: true, summary: "" };
          },
        },
      ],
      () => now,
    );
    expect(result.stages[0]!.durationMs).toBe(1500);
    expect(result.durationMs).toBe(1500);
  });

  it("property: a stage runs iff all its transitive needs passed; every stage reported once", async () => {
    const graph = fc
      .integer({ min: 1, max: 9 })
      .chain((n) =>
        fc.tuple(fc.array(fc.boolean(), { minLength: n, maxLength: n }), fc.array(fc.subarray([...Array(n).keys()]), { minLength: n, maxLength: n })),
      );
    await fc.assert(
      fc.asyncProperty(graph, async ([oks, rawNeeds]) => {
        // Only earlier stages may be needed: acyclic by construction.
        const needs = rawNeeds.map((ns, i) => ns.filter((j) => j < i).map((j) => `s${j}`));
        const ran = new Set<string>();
        const specs: StageSpec[] = oks.map((ok, i) => ({
          name: `s${i}`,
          needs: needs[i],
          run: async () => {
            ran.add(`s${i}`);
            return { ok, summary: "" };
          },
        }));
        const result = await runStages(specs);
        const passed = (i: number): boolean => oks[i]! && needs[i]!.every((n) => passed(Number(n.slice(1))));
        const shouldRun = (i: number): boolean => needs[i]!.every((n) => passed(Number(n.slice(1))));
        expect(result.stages.map((s) => s.name)).toEqual(specs.map((s) => s.name));
        oks.forEach((_, i) => expect(ran.has(`s${i}`)).toBe(shouldRun(i)));
        expect(result.ok).toBe(oks.every((_, i) => passed(i)));
      }),
    );
  });
});

describe("graph checks and groups", () => {
  it("rejects unknown needs, duplicates and cycles", () => {
    expect(() => checkGraph([{ name: "a", needs: ["x"], run: async () => ({ ok: true, summary: "" }) }])).toThrow(/unknown stage 'x'/);
    const r = async () => ({ ok: true, summary: "" });
    expect(() =>
      checkGraph([
        { name: "a", run: r },
        { name: "a", run: r },
      ]),
    ).toThrow(/duplicate/);
    expect(() =>
      checkGraph([
        { name: "a", needs: ["b"], run: r },
        { name: "b", needs: ["a"], run: r },
      ]),
    ).toThrow(/cycle/);
  });

  it("groups stages by the longest chain of needs", () => {
    const r = async () => ({ ok: true, summary: "" });
    const groups = stageGroups([
      { name: "lint", run: r },
      { name: "build", run: r },
      { name: "e2e", needs: ["build"], run: r },
      { name: "publish", needs: ["lint", "e2e"], run: r },
    ]);
    expect(groups).toEqual([["lint", "build"], ["e2e"], ["publish"]]);
  });
});

describe("report", () => {
  it("renders a Markdown table with every stage and the facts that are set", async () => {
    let now = 0;
    const result = await runStages(
      [
        { name: "lint", run: async () => ((now += 2000), { ok: true, summary: "ruff: no findings" }) },
        { name: "publish", skip: "publishing not requested", run: async () => ({ ok: true, summary: "" }) },
      ],
      () => now,
    );
    const md = renderMarkdown(result, { image: "registry.example/app@sha256:abc", commit: undefined });
    expect(md).toContain("## gitops-pipeline: ✅ ci passed: 1 passed, 1 skipped in 2.0 s");
    expect(md).toContain("| lint | ✅ passed | 2.0 s | ruff: no findings |");
    expect(md).toContain("| publish | ⏭️ skipped | – | publishing not requested |");
    expect(md).toContain("- **image**: `registry.example/app@sha256:abc`");
    expect(md).not.toContain("commit");
  });

  it("escapes pipes and newlines in summaries", async () => {
    const result = await runStages([{ name: "test", run: async () => ({ ok: false, summary: "a|b\nc" }) }]);
    expect(renderMarkdown(result)).toContain("| a\\|b c |");
  });

  it("stage lines say the stage and its status once, with the duration and whether it was cached", async () => {
    let now = 0;
    const result = await runStages(
      [
        { name: "lint", run: async () => ((now += 1000), { ok: false, summary: "lint failed: ruff: 1 error in 1 file", cached: true }) },
        { name: "e2e", run: async () => ((now += 2000), { ok: false, summary: "e2e failed at install-tools: exit 6" }) },
      ],
      () => now,
    );
    const [lint, e2e] = stageLines(result);
    expect(lint).toMatch(/^lint failed \(\d+\.\d s, cached\): ruff: 1 error in 1 file$/);
    expect(e2e).toMatch(/^e2e failed \(\d+\.\d s\): at install-tools: exit 6$/);
    expect(failureMessage(result)).toBe("lint failed: ruff: 1 error in 1 file\ne2e failed: at install-tools: exit 6");
  });

  it("formats durations", () => {
    expect(formatDuration(1234)).toBe("1.2 s");
    expect(formatDuration(125_000)).toBe("2 min 05 s");
  });
});
