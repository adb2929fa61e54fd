/**
 * Contract: nothing lost. Concurrent write-backs (bumps, a promotion, a rollback) against a real
 * bare repository served over smart HTTP (`git http-backend`), with the core's loop and argv.
 * Every `pushed` value stays until a later plan replaced it knowingly, no environment moves
 * backwards unasked, history is linear. Also the review's reproductions, each on real git.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { promotePlan } from "../../dagger/src/core/writeback/promote.js";
import {
  checkWritten,
  writeBack,
  type GitPort,
  type WriteBackOptions,
  type WriteBackPlan,
  type WriteBackResult,
} from "../../dagger/src/core/writeback/loop.js";
import { findRollbackTarget, rollbackPlan, type RollbackTarget } from "../../dagger/src/core/writeback/rollback.js";
import { compareTags, WriteRefused } from "../../dagger/src/core/writeback/cas.js";
import { bareRepo, CliGitPort, cliHistory, must } from "../helpers/git-port.js";
import { serveGit } from "../helpers/git-http.js";

const ENVS = ["dev", "staging", "prod"];
const file = (env: string): string => `gitops/environments/${env}/values.yaml`;
const values = (env: string, tag: string): string =>
  `# ${env}: written by CI\nimage:\n  repository: ghcr.io/acme/webapp # app\n  tag: "${tag}"\n  digest: ""\nenv:\n  appVersion: "${tag}"\n`;
const PIPELINE = `release: webapp\nenvironments:\n${ENVS.map((e) => `  ${e}:\n    values: [environments/${e}/values.yaml]\n    namespace: webapp-${e}\n    application: webapp-${e}\n`).join("")}`;
const SRC: LayoutSource = { root: "gitops" };
const opts = (extra: Partial<WriteBackOptions<string>> = {}): WriteBackOptions<string> => ({
  validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed),
  author: { name: "gitops-bot", email: "bot@example.com" },
  baseDelayMs: 15,
  maxDelayMs: 400,
  ...extra,
});
const seed = (tags: Record<string, string>) => ({
  "gitops/gitops-pipeline.yaml": PIPELINE,
  ...Object.fromEntries(ENVS.map((e) => [file(e), values(e, tags[e] ?? "1.0.0")])),
});
const tagAt = async (repo: string, env: string, ref = "main"): Promise<string | undefined> =>
  /tag: "([^"]*)"/.exec(await must(["git", "show", `${ref}:${file(env)}`], repo))?.[1];
const head = async (repo: string): Promise<string> => (await must(["git", "rev-parse", "main"], repo)).trim();
const bump = (url: string, env: string, tag: string, extra: { allowDowngrade?: boolean } = {}, o = opts()) =>
  writeBack(new CliGitPort({ url, branch: "main" }), bumpPlan({ env, ref: { tag }, source: SRC, ...extra }), o);

/** The rollback target of `env`, read from a clone with the history argv the Dagger stage runs. */
async function chooseRollback(url: string, env: string): Promise<RollbackTarget> {
  const { history, read } = await cliHistory(url);
  return findRollbackTarget({ env, source: SRC, history, read });
}

/** A port whose first push is preceded by `before` (another writer landing between plan and push). */
function interleaved(port: CliGitPort, before: () => Promise<unknown>): GitPort<string> {
  let done = false;
  return Object.assign(Object.create(port) as CliGitPort, {
    push: async () => {
      if (!done) {
        done = true;
        await before();
      }
      return port.push();
    },
  });
}

describe("the review's reproductions, on real git", () => {
  it("a fix bump (1.2.0) lands between choosing a rollback target and its push: the rollback refuses naming both values; 1.2.0 stays", async () => {
    const bare = await bareRepo(seed({ dev: "1.0.0" }));
    expect((await bump(bare, "dev", "1.1.0")).status).toBe("pushed");
    const t = await chooseRollback(bare, "dev");
    expect([t.current.tag, t.target.tag]).toEqual(["1.1.0", "1.0.0"]);
    const port = interleaved(new CliGitPort({ url: bare, branch: "main" }), async () => expect((await bump(bare, "dev", "1.2.0")).status).toBe("pushed"));
    const err = await writeBack(port, rollbackPlan(t, SRC), opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteRefused);
    expect((err as Error).message).toMatch(
      /^rollback refused: dev deploys ghcr\.io\/acme\/webapp:1\.2\.0 now, not ghcr\.io\/acme\/webapp:1\.1\.0 that the rollback to ghcr\.io\/acme\/webapp:1\.0\.0 was chosen against/,
    );
    expect(await tagAt(bare, "dev")).toBe("1.2.0");
    expect((await must(["git", "log", "--format=%s", "main"], bare)).split("\n")[0]).toBe("chore(deploy): webapp dev → 1.2.0");
  });

  it("a 1.9.0 bump over 2.0.0 is refused naming both; --allow-downgrade pushes it", async () => {
    const bare = await bareRepo(seed({ dev: "2.0.0" }));
    const before = await head(bare);
    const err = await bump(bare, "dev", "1.9.0").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteRefused);
    expect((err as Error).message).toBe(
      "bump refused: dev deploys ghcr.io/acme/webapp:2.0.0 and 1.9.0 is older; nothing was pushed. Pass --allow-downgrade to move it back, or use rollback",
    );
    expect(await head(bare)).toBe(before);
    expect((await bump(bare, "dev", "1.9.0", { allowDowngrade: true })).status).toBe("pushed");
    expect(await tagAt(bare, "dev")).toBe("1.9.0");
  });

  it("20 writers bump one environment (4.0.0 … 4.0.19, shuffled): 4.0.19 stays; none gives up", async () => {
    const bare = await bareRepo(seed({ dev: "3.9.0" }));
    const tags = Array.from({ length: 20 }, (_, i) => `4.0.${i}`).sort(() => Math.random() - 0.5);
    const results = await Promise.all(
      tags.map((t) =>
        bump(bare, "dev", t).then(
          (r) => r.status,
          (e: Error) => (e instanceof WriteRefused ? "refused" : e.message),
        ),
      ),
    );
    expect(results.filter((r) => !["pushed", "refused", "no-op"].includes(r))).toEqual([]);
    expect(await tagAt(bare, "dev")).toBe("4.0.19");
  });

  it("20 writers bump 20 environments with the default attempts: all land (the budget grows with contention)", async () => {
    const envs = Array.from({ length: 20 }, (_, i) => `e${i}`);
    const pipeline = `release: webapp\nenvironments:\n${envs.map((e) => `  ${e}:\n    values: [environments/${e}/values.yaml]\n    namespace: webapp-${e}\n    application: webapp-${e}\n`).join("")}`;
    const bare = await bareRepo({ "gitops/gitops-pipeline.yaml": pipeline, ...Object.fromEntries(envs.map((e) => [file(e), values(e, "1.0.0")])) });
    const results = await Promise.all(
      envs.map((e, i) => bump(bare, e, `2.0.${i}`, {}, opts({ baseDelayMs: 100, maxDelayMs: 2000 })).catch((x: Error) => x.message)),
    );
    expect(results.map((r) => (typeof r === "string" ? r : r.status))).toEqual(envs.map(() => "pushed"));
    expect(Math.max(...results.map((r) => (r as WriteBackResult).attempts))).toBeGreaterThan(6); // more than the old fixed budget
    expect((await must(["git", "rev-list", "--count", "--merges", "main"], bare)).trim()).toBe("0");
  });
});

describe("race: 22 concurrent writers over smart HTTP (bumps of dev, a promotion dev → staging, a rollback of dev, bumps of prod)", () => {
  it("loses nothing, never moves an environment backwards unasked, keeps history linear", async () => {
    const bare = await bareRepo(seed({ dev: "4.9.0", staging: "4.9.0", prod: "4.9.0" }));
    execFileSync("git", ["config", "http.receivepack", "true"], { cwd: bare });
    const server = await serveGit(bare);
    try {
      const url = server.url;
      // dev: 4.9.0 → 5.0.0 before the race, so the rollback chooses 4.9.0 against 5.0.0.
      expect((await bump(url, "dev", "5.0.0")).status).toBe("pushed");
      const start = await head(bare);
      const rb = await chooseRollback(url, "dev");
      expect([rb.current.tag, rb.target.tag]).toEqual(["5.0.0", "4.9.0"]);

      type Writer = { name: string; plan: WriteBackPlan; kind: "bump" | "promote" | "rollback" };
      const writers: Writer[] = [
        ...Array.from({ length: 16 }, (_, i): Writer => ({
          name: `bump dev 5.1.${i}`,
          kind: "bump",
          plan: bumpPlan({ env: "dev", ref: { tag: `5.1.${i}` }, source: SRC }),
        })),
        ...Array.from({ length: 4 }, (_, i): Writer => ({
          name: `bump prod 6.0.${i}`,
          kind: "bump",
          plan: bumpPlan({ env: "prod", ref: { tag: `6.0.${i}` }, source: SRC }),
        })),
        { name: "promote dev → staging", kind: "promote" as const, plan: promotePlan({ from: "dev", source: SRC }) },
        { name: "rollback dev", kind: "rollback" as const, plan: rollbackPlan(rb, SRC) },
      ].sort(() => Math.random() - 0.5);
      expect(writers.length).toBeGreaterThanOrEqual(20);

      const outcomes = await Promise.all(
        writers.map(async (w) => {
          try {
            return { w, r: await writeBack(new CliGitPort({ url, branch: "main" }), w.plan, opts({ maxAttempts: 6 })) };
          } catch (e) {
            return { w, e: e as Error };
          }
        }),
      );
      // Every writer either pushed, found nothing to do, or was refused naming the values (none gave up or crashed).
      for (const o of outcomes) {
        if (o.e) {
          expect(o.e, `${o.w.name}: ${o.e.message}`).toBeInstanceOf(WriteRefused);
          expect(o.e.message, o.w.name).toMatch(/refused: \S+ (deploys|changed from) /);
        } else expect(["pushed", "no-op"], o.w.name).toContain(o.r!.status);
      }
      const pushed = outcomes.filter((o) => o.r?.status === "pushed");
      expect(pushed.length).toBeGreaterThanOrEqual(3);

      // Linear history: exactly one new commit per pushed writer, no merges; each pushed commit is on main.
      const commits = (await must(["git", "rev-list", "--reverse", `${start}..main`], bare)).split("\n").filter(Boolean);
      expect(commits.length).toBe(pushed.length);
      expect((await must(["git", "rev-list", "--merges", "main"], bare)).trim()).toBe("");
      expect(new Set(commits)).toEqual(new Set(pushed.map((o) => o.r!.commit)));

      // Walk the history: each commit changes one environment; its writer's plan replaced exactly
      // the value its parent held (it knew what it replaced), and only the rollback moved backwards,
      // from the very value it was chosen against.
      const byCommit = new Map(pushed.map((o) => [o.r!.commit, o]));
      for (const c of commits) {
        const o = byCommit.get(c)!;
        const changed = (await must(["git", "diff", "--name-only", `${c}~1`, c], bare)).trim().split("\n");
        expect(changed).toHaveLength(1);
        const env = ENVS.find((e) => file(e) === changed[0])!;
        const before = (await tagAt(bare, env, `${c}~1`))!;
        const after = (await tagAt(bare, env, c))!;
        const outcome = o.r!.files[0]!.outcomes.find((x) => x.path === "image.tag")!;
        expect({ writer: o.w.name, from: outcome.from, to: outcome.to }).toEqual({ writer: o.w.name, from: before, to: after });
        if (o.w.kind === "rollback") {
          expect(before).toBe(rb.current.tag);
          expect(after).toBe(rb.target.tag);
        } else expect(`${o.w.name}: ${before} → ${after}: ${compareTags(after, before)}`).toBe(`${o.w.name}: ${before} → ${after}: newer`);
      }
      // What reported pushed is still there unless a later pushed plan replaced it (checked above);
      // the last pushed value of each environment is what the branch holds.
      for (const env of ENVS) {
        const last = [...commits].reverse().find((c) => byCommit.get(c)!.r!.files[0]!.file === file(env));
        if (last) expect(await tagAt(bare, env)).toBe(await tagAt(bare, env, last));
      }
      // The highest bump of prod always lands (nothing newer competes with it).
      expect(await tagAt(bare, "prod")).toBe("6.0.3");
      expect(await tagAt(bare, "dev")).toBe("5.1.15");
    } finally {
      await server.close();
    }
  });
});
