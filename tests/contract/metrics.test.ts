/**
 * Contract: the delivery metrics of a real git repository written by the module's own write-back
 * (bump, fix bump, rollback, promote through the core's loop and real git, commits at known
 * times), read back with the metrics' own clone and `git log` argv, give the expected figures.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { promotePlan } from "../../dagger/src/core/writeback/promote.js";
import { checkWritten, writeBack, type WriteBackOptions, type WriteBackPlan } from "../../dagger/src/core/writeback/loop.js";
import { findRollbackTarget, rollbackPlan } from "../../dagger/src/core/writeback/rollback.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import { historyLogArgv, parseHistory } from "../../dagger/src/core/metrics/history.js";
import { metricsReport, metricsMarkdown } from "../../dagger/src/core/metrics/report.js";
import { metricsChart } from "../../dagger/src/core/metrics/chart.js";
import { bareRepo, CliGitPort, cliHistory, must } from "../helpers/git-port.js";

const values = (tag: string): string => `image:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n  digest: ""\nenv:\n  appVersion: "${tag}"\n`;
const SRC: LayoutSource = { root: "gitops" };
const seed = {
  "gitops/gitops-pipeline.yaml":
    "release: webapp\nenvironments:\n  dev:\n    values: [environments/dev/values.yaml]\n  staging:\n    values: [environments/staging/values.yaml]\n",
  "gitops/environments/dev/values.yaml": values("1.0.0"),
  "gitops/environments/staging/values.yaml": values("1.0.0"),
};
const opts: WriteBackOptions<string> = {
  validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed),
  author: { name: "gitops-bot", email: "bot@example.com" },
  baseDelayMs: 10,
};
const T = Date.UTC(2026, 10, 1) / 1000;
const iso = (s: number): string => new Date(s * 1000).toISOString().replace(".000Z", "Z");

/** One write-back through real git, committed at T + `at` seconds. */
async function write(bare: string, plan: WriteBackPlan, at: number): Promise<void> {
  const port = new CliGitPort({ url: bare, branch: "main", env: { GIT_COMMITTER_DATE: `@${T + at} +0000`, GIT_AUTHOR_DATE: `@${T + at} +0000` } });
  const r = await writeBack(port, plan, opts);
  expect(r.status).toBe("pushed");
}

/** What the metrics function does: clone the branch (the write-back's clone argv), run the history argv, compute. */
async function metricsOf(bare: string, window = { since: T - 86_400, until: T + 86_400, failureWindow: 72 * 3600 }) {
  const dir = join(mkdtempSync(join(tmpdir(), "metrics-")), "repo");
  await must(gitArgv.clone(bare, "main", dir), dirname(dir));
  const out = await must(historyLogArgv("main"), dir);
  const parsed = parseHistory(out);
  expect(parsed.unreadable).toBe(0);
  return metricsReport(parsed.commits, window);
}

describe("metrics of a repository the write-back wrote to (real git)", () => {
  it("bump, bump, rollback, bump, fix, promote at known times give the expected four figures", async () => {
    const bare = await bareRepo(seed);
    const bump = (tag: string, source: number, fix = false) =>
      bumpPlan({ env: "dev", ref: { tag }, source: SRC, sourceCommit: `src${tag}`, sourceCommitTime: iso(T + source), fix });
    await write(bare, bump("1.1.0", -3600), 0);
    await write(bare, bump("1.2.0", 600), 1800);
    const h = await cliHistory(bare);
    await write(bare, rollbackPlan(await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history }), SRC), 2400);
    await write(bare, bump("1.3.0", 3000), 4000);
    await write(bare, bump("1.3.1", 4100, true), 4600);
    await write(bare, promotePlan({ from: "dev", source: SRC }), 7200);

    const r = await metricsOf(bare);
    expect(r.commits).toBe(7);
    expect(r.deployCommits).toBe(6);
    const [dev, staging] = r.groups;
    expect(dev).toMatchObject({
      app: "webapp",
      environment: "dev",
      deployments: 4,
      rollbacks: 1,
      fixes: 1,
      failures: 2, // 1.2.0 (rolled back after 600 s) and 1.3.0 (fixed after 600 s)
      changeFailureRate: 0.5,
      leadTime: { medianSeconds: 1100, samples: 4, missing: 0 }, // 3600, 1200, 1000, 500
      timeToRestore: { medianSeconds: 600, samples: 2 },
      deploymentsPerDay: 2,
    });
    // The promotion records no source time: it is the one of dev's deploy of the same image (1.3.1).
    expect(staging).toMatchObject({
      environment: "staging",
      deployments: 1,
      failures: 0,
      changeFailureRate: 0,
      leadTime: { medianSeconds: 7200 - 4100, samples: 1 },
    });
    expect(r.notes).toEqual([]);
    expect(metricsMarkdown(r)).toContain("| webapp | dev | 4 | 14.00 | 18m (4) | 50.0% (2/4) | 10m (2) | 1 | 1 |");
    // Buckets are (start, start + 1 day]: the deploy at exactly T closes the first day's bar.
    const svg = metricsChart(r);
    expect(svg).toContain("<title>2026-10-31: 1 deploy(s), 0 failed</title>");
    expect(svg).toContain("<title>2026-11-01: 4 deploy(s), 2 failed</title>");
  });

  it("a history written by hand (no write-back commits) gives no figures and says so", async () => {
    const bare = await bareRepo(seed);
    const dir = join(mkdtempSync(join(tmpdir(), "hand-")), "repo");
    await must(gitArgv.clone(bare, "main", dir), dirname(dir));
    await must(["git", "-c", "user.name=a", "-c", "user.email=a@b.c", "commit", "--quiet", "--allow-empty", "-m", "Update webapp image to 1.1.0"], dir);
    await must(["git", "push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
    const r = await metricsOf(bare);
    expect(r.groups).toEqual([]);
    expect(r.notes).toEqual([expect.stringMatching(/^none of the 2 commits read is a deploy commit/)]);
  });
});
