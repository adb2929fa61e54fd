import { describe, expect, it } from "vitest";
import { parseHistory, landing, historyLogArgv, type Commit } from "../../dagger/src/core/metrics/history.js";
import { deployEvents, trailers, isoSeconds } from "../../dagger/src/core/metrics/deploys.js";
import { computeFigures, median, sameImage } from "../../dagger/src/core/metrics/figures.js";
import { metricsMarkdown, metricsReport, metricsSummary, mdCell, humanDuration } from "../../dagger/src/core/metrics/report.js";
import { metricsChart, xmlEscape, buckets } from "../../dagger/src/core/metrics/chart.js";
import { commitMessage } from "../../dagger/src/core/writeback/git.js";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { bumpInputs } from "../../dagger/src/core/writeback/inputs.js";
import { parseInputs } from "../../dagger/src/core/inputs.js";
import { commitsOf, logOutput, shaOf, type Step } from "../helpers/metrics-history.js";

const T0 = Date.UTC(2026, 0, 1) / 1000;
const H = 3600;
const WINDOW = 3 * H;

/** The test's own median (not the module's). */
const med = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * A team's half year: two apps, dev bumped every 6 h (150 each), prod promoted from dev every
 * fourth bump; rollbacks within and beyond the 3 h failure window, fixes, rollbacks in prod.
 * Returns the steps and, per app/environment, what the figures must be, recorded as the steps
 * are made (by intent, not by the module's rules).
 */
function generatedTeam() {
  const steps: Step[] = [];
  const truth = new Map<string, { deploys: number; leads: number[]; restores: number[]; rollbacks: number; fixes: number }>();
  const t = (app: string, env: string) => {
    const k = `${app}/${env}`;
    if (!truth.has(k)) truth.set(k, { deploys: 0, leads: [], restores: [], rollbacks: 0, fixes: 0 });
    return truth.get(k)!;
  };
  for (const [a, app] of ["web", "api"].entries()) {
    const current = new Map<string, { tag: string; source: number }[]>();
    const push = (env: string, x: { tag: string; source: number }) => current.set(env, [...(current.get(env) ?? []), x]);
    let promotions = 0;
    for (let i = 0; i < 150; i++) {
      const td = T0 + i * 6 * H + a * 1000;
      const lead = 300 + ((i * 37) % 97) * 60;
      steps.push({ kind: "bump", app, env: "dev", time: td, tag: `${i}.0.0`, sourceTime: td - lead });
      push("dev", { tag: `${i}.0.0`, source: td - lead });
      t(app, "dev").deploys++;
      t(app, "dev").leads.push(lead);
      if (i % 10 === 3) {
        const back = 1200 + (i % 4) * 300;
        steps.push({ kind: "rollback", app, env: "dev", time: td + back });
        const list = current.get("dev")!;
        push("dev", list.at(-2)!);
        t(app, "dev").rollbacks++;
        t(app, "dev").restores.push(back);
      }
      if (i % 10 === 7) {
        steps.push({ kind: "bump", app, env: "dev", time: td + 5400, tag: `${i}.0.1`, sourceTime: td + 3000, fix: true });
        push("dev", { tag: `${i}.0.1`, source: td + 3000 });
        t(app, "dev").deploys++;
        t(app, "dev").fixes++;
        t(app, "dev").leads.push(5400 - 3000);
        t(app, "dev").restores.push(5400);
      }
      if (i % 25 === 24) {
        // Beyond the failure window: a rollback, but no change failure.
        steps.push({ kind: "rollback", app, env: "dev", time: td + 4 * H });
        push("dev", current.get("dev")!.at(-2)!);
        t(app, "dev").rollbacks++;
      }
      if (i % 4 === 1) {
        const tp = td + 2 * H;
        const image = current.get("dev")!.at(-1)!;
        steps.push({ kind: "promote", app, env: "prod", from: "dev", time: tp });
        push("prod", image);
        t(app, "prod").deploys++;
        t(app, "prod").leads.push(tp - image.source);
        if (promotions++ % 6 === 5 && current.get("prod")!.some((x) => x.tag !== image.tag)) {
          steps.push({ kind: "rollback", app, env: "prod", time: tp + 1800 });
          t(app, "prod").rollbacks++;
          t(app, "prod").restores.push(1800);
          const prev = [...current.get("prod")!].reverse().find((x) => x.tag !== image.tag)!;
          push("prod", prev);
        }
      }
    }
  }
  // Interleave the apps' steps along one branch, by time.
  steps.sort((x, y) => x.time - y.time);
  return { steps, truth };
}

describe("metrics: a generated history with known timings", () => {
  const { steps, truth } = generatedTeam();
  const commits = commitsOf(steps);
  const since = T0 - 1;
  const until = T0 + 151 * 6 * H;
  const report = metricsReport(parseHistory(logOutput(commits)).commits, { since, until, failureWindow: WINDOW });

  it("has hundreds of deploys, rollbacks and fixes", () => {
    expect(steps.length).toBeGreaterThan(450);
    expect(steps.filter((s) => s.kind === "rollback").length).toBeGreaterThan(40);
    expect(report.deployCommits).toBe(steps.length);
  });

  it("gives exactly the expected four figures per app and environment", () => {
    expect(report.groups.map((g) => `${g.app}/${g.environment}`)).toEqual(["api/dev", "api/prod", "web/dev", "web/prod"]);
    const days = (until - since) / 86_400;
    for (const g of report.groups) {
      const want = truth.get(`${g.app}/${g.environment}`)!;
      expect(g.deployments).toBe(want.deploys);
      expect(g.deploymentsPerDay).toBe(want.deploys / days);
      expect(g.leadTime).toEqual({ medianSeconds: med(want.leads), samples: want.leads.length, missing: 0 });
      expect(g.failures).toBe(want.restores.length);
      expect(g.changeFailureRate).toBe(want.restores.length / want.deploys);
      expect(g.timeToRestore).toEqual({ medianSeconds: med(want.restores), samples: want.restores.length });
      expect(g.rollbacks).toBe(want.rollbacks);
      expect(g.fixes).toBe(want.fixes);
    }
    // The late rollbacks of dev (6 per app) are the only ones that made no failure.
    expect(report.groups.find((g) => g.app === "web" && g.environment === "dev")!.unattributed).toBe(6);
    expect(report.notes).toEqual([expect.stringMatching(/^12 rollback\(s\) or fix\(es\) made no change failure/)]);
  });

  it("counts only what landed in the window, and what the history held until its end", () => {
    const mid = T0 + 75 * 6 * H;
    const first = metricsReport(commits, { since, until: mid, failureWindow: WINDOW });
    const second = metricsReport(commits, { since: mid, until, failureWindow: WINDOW });
    for (const g of report.groups) {
      const a = first.groups.find((x) => x.app === g.app && x.environment === g.environment)!;
      const b = second.groups.find((x) => x.app === g.app && x.environment === g.environment)!;
      expect(a.deployments + b.deployments).toBe(g.deployments);
      expect(a.rollbacks + b.rollbacks).toBe(g.rollbacks);
    }
  });

  it("renders a Markdown table row per app and environment, and an SVG chart of the deploys", () => {
    const md = metricsMarkdown(report);
    expect(md.split("\n").filter((l) => l.startsWith("| web | dev |"))).toHaveLength(1);
    expect(md).toContain("| api | prod |");
    const svg = metricsChart(report);
    expect(svg.startsWith("<svg ")).toBe(true);
    const b = buckets(report);
    expect(b.bars.reduce((n, x) => n + x.deploys, 0)).toBe(report.deploys.length);
    expect(b.bars.reduce((n, x) => n + x.failed, 0)).toBe(report.groups.reduce((n, g) => n + g.failures, 0));
    expect(b.bars.length).toBeLessThanOrEqual(60);
    expect(metricsSummary(report)).toMatch(/^metrics over 37\.75 days: api\/dev 165 deploys/);
  });
});

describe("metrics: history without the trailers", () => {
  it("keeps old deploy commits readable: counted, failures found, lead time left out and said so", () => {
    const steps: Step[] = [
      { kind: "bump", app: "legacy", env: "dev", time: T0 + 100, tag: "1.0.0" },
      { kind: "bump", app: "legacy", env: "dev", time: T0 + 200, tag: "1.1.0" },
      { kind: "rollback", app: "legacy", env: "dev", time: T0 + 500 },
    ];
    const r = metricsReport(commitsOf(steps), { since: T0, until: T0 + 86_400, failureWindow: WINDOW });
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]).toMatchObject({
      deployments: 2,
      failures: 1,
      leadTime: { medianSeconds: null, samples: 0, missing: 2 },
      timeToRestore: { medianSeconds: 300 },
    });
    expect(r.notes[0]).toMatch(/^2 deploy\(s\) of the window record no source commit time/);
  });

  it("invents nothing for a history the write-back never wrote to", () => {
    const commits: Commit[] = [
      { sha: shaOf(1), parents: [], time: T0, message: "Initial commit\n" },
      { sha: shaOf(2), parents: [shaOf(1)], time: T0 + 10, message: "Update guestbook image to 0.2\n\nSigned-off-by: someone\n" },
      { sha: shaOf(3), parents: [shaOf(2)], time: T0 + 20, message: "build: automatic update of guestbook\n\nupdates image x tag '0.1' to '0.2'\n" },
    ];
    const r = metricsReport(commits, { since: T0 - 1, until: T0 + 100, failureWindow: WINDOW });
    expect(r.groups).toEqual([]);
    expect(r.deploys).toEqual([]);
    expect(r.notes).toEqual([expect.stringMatching(/^none of the 3 commits read is a deploy commit of the gitops-pipeline write-back/)]);
    expect(metricsSummary(r)).toBe("metrics: no deploy commits in 3 commit(s) read: no figures");
    expect(metricsMarkdown(r)).toContain("| — | — |");
  });
});

describe("metrics: reading git log", () => {
  it("parses NUL-separated records; a message holding the field separator cannot forge a field", () => {
    const c: Commit[] = [
      { sha: shaOf(1), parents: [], time: T0, message: "chore(deploy): web dev → 1.0.0\n\nImage: x\x1fevil: 1\nSource-Commit: abc\n" },
      { sha: shaOf(2), parents: [shaOf(1)], time: T0 + 5, message: "odd\x1f\x1fsubject\n" },
    ];
    const parsed = parseHistory(logOutput(c) + "\0" + "truncated\x1f");
    expect(parsed.commits).toEqual(c.reverse());
    expect(parsed.unreadable).toBe(1);
  });

  it("takes the argv's values as arguments checked by git's ref rules", () => {
    expect(historyLogArgv("main")).toEqual(["git", "log", "-z", "--format=%H%x1f%P%x1f%ct%x1f%B", "--max-count=50000", "refs/remotes/origin/main", "--"]);
    expect(() => historyLogArgv("--upload-pack=x")).toThrow(/branch/);
    expect(() => historyLogArgv("a..b")).toThrow(/branch/);
  });

  it("dates a commit a merge brought in (pull-request mode) when the merge landed", () => {
    const base = { sha: shaOf(1), parents: [], time: T0, message: "init\n" };
    const proposal = { sha: shaOf(2), parents: [shaOf(1)], time: T0 + 10, message: commitMessage({ app: "web", env: "dev", tag: "2.0.0" }) };
    const other = { sha: shaOf(3), parents: [shaOf(1)], time: T0 + 20, message: "docs\n" };
    const merge = { sha: shaOf(4), parents: [shaOf(3), shaOf(2)], time: T0 + 3600, message: "Merge pull request #1\n" };
    const l = landing([merge, other, proposal, base]);
    expect(l.get(shaOf(2))!.time).toBe(T0 + 3600);
    expect(l.get(shaOf(3))!.time).toBe(T0 + 20);
    expect(l.get(shaOf(2))!.order).toBeGreaterThan(l.get(shaOf(3))!.order);
    expect(deployEvents([proposal, merge, base, other]).events[0]).toMatchObject({ app: "web", environment: "dev", time: T0 + 3600 });
  });

  it("reads trailers, the kind of each deploy and the environments a shared values file also deployed to", () => {
    const msg = `${commitMessage({ app: "web", env: "prod", tag: "3.0.0", image: "r/web:3.0.0", promotedFrom: "staging", sourceCommitTime: "2026-01-01T01:00:00+01:00" }).trimEnd()}\nAlso-Deploys: qa, staging (shared values file)\n`;
    expect(trailers(msg).get("source-commit-time")).toBe("2026-01-01T01:00:00+01:00");
    const r = deployEvents([{ sha: shaOf(1), parents: [], time: T0 + 50, message: msg }]);
    expect(r.events.map((e) => [e.environment, e.kind, e.shared, e.sourceTime])).toEqual([
      ["prod", "promote", false, T0],
      ["qa", "bump", true, T0],
      ["staging", "bump", true, T0],
    ]);
    expect(isoSeconds("2026-01-01")).toBeUndefined();
    expect(isoSeconds("2026-01-01T00:00:00Z")).toBe(T0);
  });

  it("notes a Source-Commit-Time that is not a time, and a source time after the deploy", () => {
    const bad = commitMessage({ app: "web", env: "dev", tag: "1.0.0" }).replace(
      "Source-Commit: unknown",
      "Source-Commit: unknown\nSource-Commit-Time: yesterday",
    );
    const late = commitMessage({ app: "web", env: "dev", tag: "1.1.0", sourceCommitTime: "2026-01-02T00:00:00Z" });
    const r = metricsReport(
      [
        { sha: shaOf(1), parents: [], time: T0 + 10, message: bad },
        { sha: shaOf(2), parents: [shaOf(1)], time: T0 + 20, message: late },
      ],
      { since: T0, until: T0 + 100, failureWindow: WINDOW },
    );
    expect(r.groups[0]).toMatchObject({ deployments: 2, noSourceTime: 1, skewed: 1, leadTime: { samples: 0, missing: 2 } });
    expect(r.notes.join("\n")).toMatch(/clock skew/);
    expect(r.notes.join("\n")).toMatch(/1 commit\(s\) carry a Source-Commit-Time that is not an ISO 8601 time/);
  });
});

describe("metrics: failure attribution", () => {
  const run = (steps: Step[]) => computeFigures(deployEvents(commitsOf(steps)).events, { since: T0 - 1, until: T0 + 86_400, failureWindow: WINDOW }).groups;
  it("a rollback of a rollback makes no second failure; a fix of a fix fails the first fix", () => {
    const g = run([
      { kind: "bump", app: "a", env: "dev", time: T0, tag: "1.0.0" },
      { kind: "bump", app: "a", env: "dev", time: T0 + 100, tag: "1.1.0" },
      { kind: "rollback", app: "a", env: "dev", time: T0 + 200 },
      { kind: "rollback", app: "a", env: "dev", time: T0 + 300 },
      { kind: "bump", app: "a", env: "dev", time: T0 + 400, tag: "1.2.0", fix: true },
      { kind: "bump", app: "a", env: "dev", time: T0 + 500, tag: "1.2.1", fix: true },
    ])[0]!;
    // 1.1.0 failed (rollback at +100 s); the second rollback replaced a rollback; 1.2.0 failed (fixed at +100 s).
    expect(g).toMatchObject({ deployments: 4, failures: 2, rollbacks: 2, fixes: 2, unattributed: 2, timeToRestore: { medianSeconds: 100, samples: 2 } });
  });
  it("another app's or environment's rollback never fails this one's deploy", () => {
    const g = run([
      { kind: "bump", app: "a", env: "dev", time: T0, tag: "1.0.0" },
      { kind: "bump", app: "b", env: "dev", time: T0 + 10, tag: "1.0.0" },
      { kind: "bump", app: "b", env: "dev", time: T0 + 20, tag: "2.0.0" },
      { kind: "rollback", app: "b", env: "dev", time: T0 + 30 },
    ]);
    expect(g.map((x) => [x.app, x.failures])).toEqual([
      ["a", 0],
      ["b", 1],
    ]);
  });
  it("compares images loosely where a trailer records less (a bump given only a tag)", () => {
    expect(sameImage("r/web:1.0.0", "1.0.0")).toBe(true);
    expect(sameImage("r/web:1.0.0@sha256:aa", "r/web:1.0.0")).toBe(true);
    expect(sameImage("r/web:1.0.0@sha256:aa", "r/web:1.0.0@sha256:bb")).toBe(false);
    expect(sameImage("localhost:5000/web:1.0.0", "other:5000/web:1.0.0")).toBe(false);
    expect(sameImage("localhost:5000/web:1.0.0", "1.0.1")).toBe(false);
  });
});

describe("metrics: output escaping", () => {
  it("escapes Markdown cells and SVG text", () => {
    expect(mdCell("a|b\n<script>")).toBe("a\\|b &lt;script&gt;");
    expect(xmlEscape(`<x a="1">&'\u0001`)).toBe("&lt;x a=&quot;1&quot;&gt;&amp;&apos;");
    const r = metricsReport([], { since: T0, until: T0 + 86_400, failureWindow: WINDOW });
    const svg = metricsChart(r, `</text><script>alert(1)</script>`);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;/text&gt;&lt;script&gt;");
  });
  it("has a median and human durations", () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect([humanDuration(null), humanDuration(42), humanDuration(600), humanDuration(5400), humanDuration(3 * 86_400)]).toEqual([
      "—",
      "42s",
      "10m",
      "1.5h",
      "3.0d",
    ]);
  });
});

describe("the write-back's trailers for the metrics", () => {
  const values = (tag: string): string => `image:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n  digest: ""\nenv:\n  appVersion: "${tag}"\n`;
  const read = async (p: string): Promise<string | undefined> => (p === "gitops/environments/dev/values.yaml" ? values("1.0.0") : undefined);
  it("a fix bump names the image it replaces; the source commit time is recorded as given", async () => {
    const plan = bumpPlan({
      env: "dev",
      ref: { tag: "1.0.1" },
      source: { root: "gitops" },
      fix: true,
      sourceCommit: "abc",
      sourceCommitTime: "2026-12-07T21:55:17+01:00",
    });
    expect(plan.message(await plan.edits(read))).toBe(
      "chore(deploy): gitops-demo dev → 1.0.1\n\nImage: 1.0.1\nSource-Commit: abc\nSource-Commit-Time: 2026-12-07T21:55:17+01:00\nFixes: ghcr.io/acme/webapp:1.0.0\n",
    );
    const plain = bumpPlan({ env: "dev", ref: { tag: "1.0.1" }, source: { root: "gitops" } });
    expect(plain.message(await plain.edits(read))).not.toMatch(/Fixes|Source-Commit-Time/);
  });
  it("--source-commit-time must be an ISO 8601 time with an offset", () => {
    const base = { tag: "1.0.0", environment: "dev", digest: "", repository: "", appVersion: "", sourceCommit: "" };
    expect(parseInputs(bumpInputs, { ...base, sourceCommitTime: "2026-12-07T21:55:17Z" }).sourceCommitTime).toBe("2026-12-07T21:55:17Z");
    expect(parseInputs(bumpInputs, base).sourceCommitTime).toBe("");
    expect(() => parseInputs(bumpInputs, { ...base, sourceCommitTime: "yesterday" })).toThrow(/--source-commit-time: is not an ISO 8601 time/);
    expect(() => parseInputs(bumpInputs, { ...base, sourceCommitTime: "2026-13-45T99:00:00Z" })).toThrow(/--source-commit-time/);
  });
});
