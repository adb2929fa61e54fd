import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { metricsReport } from "../../dagger/src/core/metrics/report.js";
import { parseHistory } from "../../dagger/src/core/metrics/history.js";
import { metricsChart, buckets } from "../../dagger/src/core/metrics/chart.js";
import { commitsOf, logOutput, type Step } from "../helpers/metrics-history.js";

const T0 = Date.UTC(2026, 0, 1) / 1000;

const op = fc.record({
  kind: fc.constantFrom("bump", "bump", "rollback", "fix", "promote"),
  env: fc.constantFrom("dev", "prod"),
  gap: fc.integer({ min: 0, max: 40_000 }),
  lead: fc.option(fc.integer({ min: -600, max: 200_000 }), { nil: undefined }),
});

/** One app's steps from random operations; an impossible one (rollback with one image, promote from an empty dev) becomes a bump. */
function appSteps(app: string, ops: { kind: string; env: string; gap: number; lead?: number | undefined }[], start: number): Step[] {
  const steps: Step[] = [];
  const tags = new Map<string, string[]>();
  let t = start;
  let n = 0;
  for (const o of ops) {
    t += o.gap;
    const list = tags.get(o.env) ?? [];
    const bump = (fix = false): void => {
      const tag = `${++n}.0.0`;
      steps.push({ kind: "bump", app, env: o.env, time: t, tag, ...(o.lead !== undefined ? { sourceTime: t - o.lead } : {}), fix });
      list.push(tag);
    };
    if (o.kind === "rollback" && list.some((x) => x !== list.at(-1))) {
      steps.push({ kind: "rollback", app, env: o.env, time: t });
      list.push([...list].reverse().find((x) => x !== list.at(-1))!);
    } else if (o.kind === "promote" && o.env === "prod" && tags.get("dev")?.length) {
      steps.push({ kind: "promote", app, env: "prod", from: "dev", time: t });
      list.push(tags.get("dev")!.at(-1)!);
    } else bump(o.kind === "fix");
    tags.set(o.env, list);
  }
  return steps;
}

/** Merge two apps' steps into one branch in the order `picks` says (each app's own order kept). */
function interleave(a: Step[], b: Step[], picks: boolean[]): Step[] {
  const out: Step[] = [];
  let i = 0;
  let j = 0;
  for (let k = 0; i < a.length || j < b.length; k++) {
    if (j >= b.length || (i < a.length && picks[k % Math.max(1, picks.length)])) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

const history = fc.record({
  a: fc.array(op, { maxLength: 60 }),
  b: fc.array(op, { maxLength: 60 }),
  picks: fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
  picks2: fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
  days: fc.integer({ min: 1, max: 120 }),
  failureHours: fc.integer({ min: 1, max: 72 }),
  offset: fc.integer({ min: -86_400 * 10, max: 86_400 * 10 }),
});

describe("metrics properties over random histories", () => {
  it("rates in [0, 1], frequency × window = count, durations non-negative, every deploy accounted for", () => {
    fc.assert(
      fc.property(history, (h) => {
        const steps = interleave(appSteps("alpha", h.a, T0), appSteps("beta", h.b, T0 + 7), h.picks);
        const since = T0 + h.offset;
        const until = since + h.days * 86_400;
        const r = metricsReport(parseHistory(logOutput(commitsOf(steps))).commits, { since, until, failureWindow: h.failureHours * 3600 });
        for (const g of r.groups) {
          if (g.changeFailureRate !== null) {
            expect(g.changeFailureRate).toBeGreaterThanOrEqual(0);
            expect(g.changeFailureRate).toBeLessThanOrEqual(1);
          }
          expect(g.deploymentsPerDay * h.days).toBeCloseTo(g.deployments, 9);
          expect(g.deploymentsPerWeek).toBeCloseTo(g.deploymentsPerDay * 7, 9);
          expect(g.failures).toBeLessThanOrEqual(Math.min(g.deployments, g.rollbacks + g.fixes));
          expect(g.timeToRestore.samples).toBe(g.failures);
          expect(g.timeToRestore.medianSeconds ?? 0).toBeGreaterThanOrEqual(0);
          expect(g.timeToRestore.medianSeconds ?? 0).toBeLessThanOrEqual(h.failureHours * 3600);
          expect(g.leadTime.medianSeconds ?? 0).toBeGreaterThanOrEqual(0);
          expect(g.leadTime.samples + g.leadTime.missing).toBe(g.deployments);
        }
        const inWindow = steps.filter((s) => s.kind !== "rollback" && s.time > since && s.time <= until).length;
        expect(r.groups.reduce((n, g) => n + g.deployments, 0)).toBe(inWindow);
        expect(r.deploys).toHaveLength(inWindow);
        expect(buckets(r).bars.reduce((n, b) => n + b.deploys, 0)).toBe(inWindow);
        expect(metricsChart(r)).toMatch(/^<svg [^]*<\/svg>\n$/);
      }),
      { numRuns: 200 },
    );
  });

  it("one app's figures do not depend on how its commits interleave with another app's, nor on the order git listed them", () => {
    fc.assert(
      fc.property(history, fc.integer(), (h, seed) => {
        const a = appSteps("alpha", h.a, T0);
        const b = appSteps("beta", h.b, T0 + 7);
        const o = { since: T0 + h.offset, until: T0 + h.offset + h.days * 86_400, failureWindow: h.failureHours * 3600 };
        const one = metricsReport(commitsOf(interleave(a, b, h.picks)), o);
        const commits = commitsOf(interleave(a, b, h.picks2), { salt: 99 });
        // Shuffle the listed order (the parent graph alone orders the branch).
        const shuffled = commits
          .map((c, i) => ({ c, k: Math.sin(seed + i) }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.c);
        const two = metricsReport(shuffled, o);
        const alone = metricsReport(commitsOf(a), o);
        const of = (r: typeof one) => r.groups.filter((g) => g.app === "alpha");
        expect(of(two)).toEqual(of(one));
        expect(of(alone)).toEqual(of(one));
        expect(metricsReport(commitsOf(interleave(a, b, h.picks)), { ...o, app: "alpha" }).groups).toEqual(of(one));
      }),
      { numRuns: 150 },
    );
  });
});
