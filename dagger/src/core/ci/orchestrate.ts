/**
 * The pipeline's stage graph and its runner: each stage starts as soon as every stage it needs
 * has passed, so independent stages run concurrently; a failure blocks everything downstream
 * (nothing is published or pushed after a failure), and the report lists every stage.
 *
 * Pure: stages are async functions; the Dagger shell supplies them and the clock.
 */
import type { Finding } from "../findings.js";
import { oneLine } from "../run.js";

export type StageStatus = "passed" | "failed" | "skipped" | "blocked";

/** What a stage returns when it ran to completion (a failed check returns `ok: false`). */
export interface StageOutcome<A = unknown> {
  ok: boolean;
  /** One line for the report: figures that matter (e.g. `12 passed, coverage 97.4 % ≥ 90 %`). */
  summary: string;
  /** The lines behind the summary (per linter, environment, failed test...). */
  details?: string;
  /** What the stage found. */
  findings?: Finding[];
  /** True when the engine replayed the stage's work from its cache (false: it ran now; absent: unknown). */
  cached?: boolean;
  /** Whatever downstream stages or the report need (files, image refs, a commit...). */
  artifacts?: A;
}

/** One stage of the graph. */
export interface StageSpec<A = unknown> {
  name: string;
  /** Stages whose success this one needs; their artifacts are passed in. */
  needs?: readonly string[];
  /** Why the stage is not wanted in this run (e.g. "publishing not requested"); undefined = run it. */
  skip?: string;
  /**
   * passed (default): run when every need passed. failed: a remedy (e.g. rollback) — run only
   * when a need failed, skipped when they all passed; its own success does not make the run pass.
   */
  when?: "passed" | "failed";
  run: (inputs: Record<string, unknown>) => Promise<StageOutcome<A>>;
}

/** The record of one stage in the report. */
export interface StageResult {
  name: string;
  status: StageStatus;
  needs: string[];
  /** Wall time from start to settle, in milliseconds (0 for skipped/blocked). */
  durationMs: number;
  summary: string;
  details?: string;
  findings?: Finding[];
  cached?: boolean;
  artifacts?: unknown;
}

/** The whole run. */
export interface PipelineResult {
  ok: boolean;
  stages: StageResult[];
  durationMs: number;
}

/** Milliseconds since an arbitrary origin; injectable for tests. */
export type Clock = () => number;

/** Reject graphs that cannot run: unknown needs, duplicate names, cycles. */
export function checkGraph(specs: readonly StageSpec[]): void {
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new Error(`stage graph: duplicate stage '${s.name}'`);
    names.add(s.name);
  }
  for (const s of specs) {
    for (const n of s.needs ?? []) {
      if (!names.has(n)) throw new Error(`stage graph: '${s.name}' needs unknown stage '${n}'`);
    }
  }
  // Kahn's algorithm: every stage must become ready.
  const indegree = new Map(specs.map((s) => [s.name, (s.needs ?? []).length]));
  const ready = specs.filter((s) => (s.needs ?? []).length === 0).map((s) => s.name);
  let seen = 0;
  while (ready.length) {
    const n = ready.pop()!;
    seen++;
    for (const s of specs) {
      if ((s.needs ?? []).includes(n)) {
        const d = indegree.get(s.name)! - 1;
        indegree.set(s.name, d);
        if (d === 0) ready.push(s.name);
      }
    }
  }
  if (seen !== specs.length) throw new Error("stage graph: cycle between stages");
}

/**
 * Sequential groups of the critical path: group k holds the stages whose longest chain of
 * needs has length k. The number of groups is the number of steps a run must wait through.
 */
export function stageGroups(specs: readonly StageSpec[]): string[][] {
  checkGraph(specs);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const needs = byName.get(name)!.needs ?? [];
    const d = needs.length ? 1 + Math.max(...needs.map(depthOf)) : 0;
    depth.set(name, d);
    return d;
  };
  const groups: string[][] = [];
  for (const s of specs) (groups[depthOf(s.name)] ??= []).push(s.name);
  return groups;
}

function errorSummary(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Run the graph: maximal concurrency, fail-fast downstream, every stage reported. */
export async function runStages(specs: readonly StageSpec[], clock: Clock = () => performance.now()): Promise<PipelineResult> {
  checkGraph(specs);
  const t0 = clock();
  const results = new Map<string, Promise<StageResult>>();

  const runSpec = async (spec: StageSpec, base: Pick<StageResult, "name" | "needs" | "durationMs">, inputs: Record<string, unknown>): Promise<StageResult> => {
    const started = clock();
    try {
      const out = await spec.run(inputs);
      return {
        ...base,
        status: out.ok ? "passed" : "failed",
        durationMs: clock() - started,
        summary: oneLine(out.summary),
        ...(out.details ? { details: out.details } : {}),
        ...(out.findings?.length ? { findings: out.findings } : {}),
        ...(out.cached !== undefined ? { cached: out.cached } : {}),
        artifacts: out.artifacts,
      };
    } catch (err) {
      const message = errorSummary(err);
      return {
        ...base,
        status: "failed",
        durationMs: clock() - started,
        summary: oneLine(message),
        details: message,
        findings: [{ source: "ci", rule: spec.name, severity: "error", message }],
      };
    }
  };

  const start = (spec: StageSpec): Promise<StageResult> => {
    const existing = results.get(spec.name);
    if (existing) return existing;
    const needs = [...(spec.needs ?? [])];
    const p = (async (): Promise<StageResult> => {
      const deps = await Promise.all(needs.map((n) => start(specs.find((s) => s.name === n)!)));
      const base = { name: spec.name, needs, durationMs: 0 };
      if (spec.when === "failed") {
        const failed = deps.filter((d) => d.status === "failed");
        if (spec.skip !== undefined) return { ...base, status: "skipped", summary: spec.skip };
        const notRun = deps.filter((d) => d.status === "skipped" || d.status === "blocked");
        if (!failed.length && notRun.length)
          return { ...base, status: "skipped", summary: `not run: ${notRun.map((d) => `${d.name} ${d.status}`).join(", ")}` };
        if (!failed.length) return { ...base, status: "skipped", summary: `not needed: ${needs.join(", ")} did not fail` };
        return runSpec(spec, base, Object.fromEntries(deps.map((d) => [d.name, d.artifacts])));
      }
      // A stage nobody asked for is "skipped" (with why) even when its needs failed: "blocked" is for wanted work.
      if (spec.skip !== undefined) return { ...base, status: "skipped", summary: spec.skip };
      const broken = deps.filter((d) => d.status === "failed" || d.status === "blocked");
      if (broken.length) {
        const why = broken.map((d) => `${d.name} ${d.status}`).join(", ");
        return { ...base, status: "blocked", summary: `not run: ${why}` };
      }
      // A stage that needs a skipped stage has nothing to work on: skipped too, not failed.
      const skipped = deps.filter((d) => d.status === "skipped");
      if (skipped.length) {
        return { ...base, status: "skipped", summary: `not run: ${skipped.map((d) => d.name).join(", ")} skipped` };
      }
      return runSpec(spec, base, Object.fromEntries(deps.map((d) => [d.name, d.artifacts])));
    })();
    results.set(spec.name, p);
    return p;
  };

  // Every stage is started in this loop before any result is awaited.
  const all = specs.map(start);
  const stages = await Promise.all(all);
  // A skipped optional stage (publishing not requested) does not fail the run.
  const ok = stages.every((s) => s.status === "passed" || s.status === "skipped");
  return { ok, stages, durationMs: clock() - t0 };
}
