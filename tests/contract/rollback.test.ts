/**
 * Contract: rollback against a real bare repository. The history reads are the core's argv
 * (`historyArgv`) run with the real git CLI on a clone made with the write-back's own clone argv;
 * the write is the core's write-back loop, exactly as bump's contract test runs it.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { checkWritten, writeBack, type WriteBackOptions } from "../../dagger/src/core/writeback/loop.js";
import { findRollbackTarget, rollbackPlan } from "../../dagger/src/core/writeback/rollback.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { bareRepo, CliGitPort, cliHistory, must } from "../helpers/git-port.js";

const D1 = `sha256:${"d".repeat(64)}`;
const values = (tag: string): string =>
  `# dev: written by CI\nimage:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n  digest: ""\nenv:\n  appVersion: "${tag}"\n`;
const FILE = "gitops/environments/dev/values.yaml";
const SRC: LayoutSource = { root: "gitops" };
const seed = {
  "gitops/gitops-pipeline.yaml":
    "release: webapp\nenvironments:\n  dev:\n    values: [environments/dev/values.yaml]\n    namespace: webapp-dev\n    application: webapp-dev\n",
  [FILE]: values("1.0.0"),
};
const opts: WriteBackOptions<string> = {
  validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed),
  author: { name: "gitops-bot", email: "bot@example.com" },
  baseDelayMs: 10,
};

const bump = (bare: string, tag: string, digest = "") =>
  writeBack(new CliGitPort({ url: bare, branch: "main" }), bumpPlan({ env: "dev", ref: { tag, ...(digest ? { digest } : {}) }, source: SRC }), opts);
const show = (bare: string) => must(["git", "show", `main:${FILE}`], bare);

describe("rollback against a real bare repository", () => {
  it("1.0.0 → 1.1.0 (digest): rollback restores 1.0.0, clears the digest, one revert commit", async () => {
    const bare = await bareRepo(seed);
    const first = await must(["git", "rev-parse", "main"], bare);
    await bump(bare, "1.1.0", D1);
    const h = await cliHistory(bare);
    const t = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history });
    expect(t.target).toMatchObject({ tag: "1.0.0", digest: "" });
    expect(t.from).toBe(first.trim());
    const r = await writeBack(new CliGitPort({ url: bare, branch: "main" }), rollbackPlan(t, SRC), opts);
    expect(r.status).toBe("pushed");
    expect(await show(bare)).toBe(values("1.0.0"));
    expect(await must(["git", "log", "-1", "--format=%B", "main"], bare)).toBe(
      `revert(deploy): webapp dev → 1.0.0\n\nImage: ghcr.io/acme/webapp:1.0.0\nRolled-Back-From: ghcr.io/acme/webapp:1.1.0@${D1}\nRestores: ${first.trim()}\n\n`,
    );
    // Rolling back again undoes the rollback.
    const h2 = await cliHistory(bare);
    expect((await findRollbackTarget({ env: "dev", source: SRC, read: h2.read, history: h2.history })).target).toMatchObject({ tag: "1.1.0", digest: D1 });
  });

  it("--to a sha prefix or HEAD~n of the gitops branch; an unknown revision is refused naming to", async () => {
    const bare = await bareRepo(seed);
    await bump(bare, "1.1.0");
    await bump(bare, "1.2.0");
    const h = await cliHistory(bare);
    const t = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, to: "HEAD~2" });
    expect(t.target.tag).toBe("1.0.0");
    const prefix = (await must(["git", "rev-parse", "--short=9", "main~1"], bare)).trim();
    expect((await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, to: prefix })).target.tag).toBe("1.1.0");
    const err = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, to: "v404" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^--to: "v404" names no commit/);
  });

  it("a freshly seeded environment has nothing to roll back to: an error naming the environment, nothing pushed", async () => {
    const bare = await bareRepo(seed);
    const before = await must(["git", "rev-parse", "main"], bare);
    const h = await cliHistory(bare);
    await expect(findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history })).rejects.toThrow(
      /^--environment: dev has no earlier image .*no previous revision to roll back to/,
    );
    expect(await must(["git", "rev-parse", "main"], bare)).toBe(before);
  });
});
