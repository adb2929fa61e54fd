/**
 * Compare-and-set of the write-back (core/writeback/cas.ts) and the loop's contention budget.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compareTags, guardForward, guardRollback, WriteRefused } from "../../dagger/src/core/writeback/cas.js";
import { pushReason, writeBack, type GitPort } from "../../dagger/src/core/writeback/loop.js";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { promotePlan } from "../../dagger/src/core/writeback/promote.js";
import { rollbackPlan } from "../../dagger/src/core/writeback/rollback.js";
import type { PushStatus } from "../../dagger/src/core/writeback/git.js";

const values = (tag: string): string => `image:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n  digest: ""\n`;
const F = "gitops/environments/dev/values.yaml";
const SRC = { root: "gitops" };
const author = { name: "bot", email: "bot@example.com" };
const ok = async () => ({ ok: true, summary: "ok" });
/** The error a promise rejects with (a test failure when it resolves). */
const failure = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    (r) => {
      throw new Error(`expected a failure, got ${JSON.stringify(r).slice(0, 200)}`);
    },
    (e: Error) => e,
  );

describe("tag order", () => {
  it("semver on major.minor.patch; a release after its pre-releases; other pairs unordered", () => {
    const cases: [string, string, string][] = [
      ["4.0.19", "4.0.9", "newer"],
      ["1.9.0", "2.0.0", "older"],
      ["v1.10.0", "1.9.9", "newer"],
      ["1.4.0", "1.4.0-rc.1", "newer"],
      ["1.4.0-rc.2", "1.4.0", "older"],
      ["1.29.1-debian-12-r10", "1.29.1-debian-12-r9", "unordered"], // lexical pre-release order would say older
      ["v1.4.0-8855235-29", "v1.4.0-0a1b2c3-30", "unordered"],
      ["8855235-29", "0a1b2c3-30", "unordered"],
      ["latest", "1.0.0", "unordered"],
      ["1.0.0", "1.0.0", "same"],
      ["1.0.0+a", "1.0.0+b", "unordered"],
    ];
    for (const [a, b, want] of cases) expect(`${a} vs ${b}: ${compareTags(a, b)}`).toBe(`${a} vs ${b}: ${want}`);
  });

  it("property: antisymmetric (a newer than b exactly when b is older than a), same only when equal", () => {
    const tag = fc.oneof(
      fc
        .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.constantFrom("", "-rc.1", "-rc.2", "-debian-12-r1"), fc.constantFrom("", "v"))
        .map(([a, b, c, pre, v]) => `${v}${a}.${b}.${c}${pre}`),
      fc.constantFrom("latest", "8855235-29", "sha-abc"),
    );
    fc.assert(
      fc.property(tag, tag, (a, b) => {
        const ab = compareTags(a, b);
        const ba = compareTags(b, a);
        expect(ab === "same").toBe(a === b);
        expect(ab === "newer").toBe(ba === "older");
        expect(ab === "unordered").toBe(ba === "unordered");
      }),
    );
  });
});

describe("guards", () => {
  const r = (tag: string) => ({ tag, digest: "" });
  it("a bump moves forward; refuses an older tag unless allowed; an unordered tag goes when nothing changed", () => {
    expect(() =>
      guardForward({ stage: "bump", env: "dev", planned: r("1.0.0"), current: r("1.0.0"), target: r("1.1.0"), allowDowngrade: false }),
    ).not.toThrow();
    const e = (() => {
      try {
        guardForward({ stage: "bump", env: "dev", planned: r("2.0.0"), current: r("2.0.0"), target: r("1.9.0"), allowDowngrade: false });
      } catch (x) {
        return x as WriteRefused;
      }
    })();
    expect(e).toBeInstanceOf(WriteRefused);
    expect(e!.message).toBe("bump refused: dev deploys 2.0.0 and 1.9.0 is older; nothing was pushed. Pass --allow-downgrade to move it back, or use rollback");
    expect(() => guardForward({ stage: "bump", env: "dev", planned: r("2.0.0"), current: r("2.0.0"), target: r("1.9.0"), allowDowngrade: true })).not.toThrow();
    expect(() =>
      guardForward({ stage: "bump", env: "dev", planned: r("abc-1"), current: r("abc-1"), target: r("def-2"), allowDowngrade: false }),
    ).not.toThrow();
  });

  it("when the environment changed since the plan first looked, only a move forward goes on (even with --allow-downgrade)", () => {
    expect(() =>
      guardForward({ stage: "bump", env: "dev", planned: r("1.0.0"), current: r("1.5.0"), target: r("2.0.0"), allowDowngrade: false }),
    ).not.toThrow();
    expect(() => guardForward({ stage: "bump", env: "dev", planned: r("1.0.0"), current: r("1.5.0"), target: r("1.2.0"), allowDowngrade: true })).toThrow(
      "bump refused: dev changed from 1.0.0 to 1.5.0 while this bump to 1.2.0 was being pushed, and 1.2.0 is older than 1.5.0; nothing was pushed. Run it again to deploy 1.2.0 over 1.5.0 knowingly (with --allow-downgrade)",
    );
    expect(() => guardForward({ stage: "bump", env: "dev", planned: r("sha-a"), current: r("sha-b"), target: r("sha-c"), allowDowngrade: false })).toThrow(
      /changed from sha-a to sha-b .* whether sha-c comes after sha-b cannot be told from the tags/,
    );
  });

  it("a rollback writes only over the reference it was chosen against", () => {
    expect(() => guardRollback({ env: "dev", chosenAgainst: r("1.1.0"), current: r("1.1.0"), target: r("1.0.0") })).not.toThrow();
    expect(() => guardRollback({ env: "dev", chosenAgainst: r("1.1.0"), current: r("1.0.0"), target: r("1.0.0") })).not.toThrow();
    expect(() => guardRollback({ env: "dev", chosenAgainst: r("1.1.0"), current: r("1.2.0"), target: r("1.0.0") })).toThrow(
      "rollback refused: dev deploys 1.2.0 now, not 1.1.0 that the rollback to 1.0.0 was chosen against (it changed after the target was chosen); nothing was pushed. Run rollback again to choose against what it deploys now",
    );
  });
});

/** A remote in memory; `rivals` says, per push, whether another writer lands a commit just before it. */
function racingPort(files: Record<string, string>, rivals: ((remote: Record<string, string>) => Record<string, string> | undefined)[]) {
  let remote = { ...files };
  let commits = 0;
  let work: Record<string, string> = {};
  const port: GitPort<Record<string, string>> = {
    sync: async () => ((work = { ...remote }), `c${commits}`),
    read: async (p) => work[p],
    write: async (fs) => fs.forEach((f) => (work[f.path] = f.text)),
    tree: () => work,
    commit: async () => "local",
    push: async (): Promise<{ status: PushStatus; detail: string }> => {
      const rival = rivals.shift();
      const landed = rival?.(remote);
      if (rival) {
        if (landed) ((remote = landed), commits++);
        return {
          status: "rejected",
          detail:
            "To /srv/gitops.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\nerror: failed to push some refs to '/srv/gitops.git'\nhint: Updates were rejected because the remote contains work that you do\nhint: not have locally.",
        };
      }
      remote = { ...work };
      commits++;
      return { status: "pushed", detail: "" };
    },
  };
  return { port, remote: () => remote };
}

describe("the loop under contention", () => {
  const opts = { validate: ok, author, sleep: async () => {}, random: () => 0.5 };
  const other = (tag: string) => (remote: Record<string, string>) => ({ ...remote, "gitops/other.yaml": tag });

  it("pushes lost to commits others landed do not count: 12 of them with maxAttempts 2, then it lands", async () => {
    const { port, remote } = racingPort(
      { [F]: values("1.0.0") },
      Array.from({ length: 12 }, (_, i) => other(`x${i}`)),
    );
    const r = await writeBack(port, bumpPlan({ env: "dev", ref: { tag: "1.1.0" }, source: SRC }), { ...opts, maxAttempts: 2 });
    expect(r.status).toBe("pushed");
    expect(r.attempts).toBe(13);
    expect(remote()[F]).toContain('tag: "1.1.0"');
  });

  it("pushes lost with nobody landing count; the error gives git's reason, not its hint", async () => {
    const { port } = racingPort(
      { [F]: values("1.0.0") },
      Array.from({ length: 5 }, () => () => undefined),
    );
    const e = await failure(writeBack(port, bumpPlan({ env: "dev", ref: { tag: "1.1.0" }, source: SRC }), { ...opts, maxAttempts: 3 }));
    expect(e.message).toBe(
      "bump failed: push rejected 3 times (0 of them to commits other writers landed meanwhile): others keep pushing to the branch. Nothing of this write-back landed; run it again or raise maxAttempts. Last: [rejected] (fetch first)",
    );
  });

  it("an endless stream of rivals stops at 10 × maxAttempts pushes", async () => {
    const { port } = racingPort(
      { [F]: values("1.0.0") },
      Array.from({ length: 100 }, (_, i) => other(`y${i}`)),
    );
    const e = await failure(writeBack(port, bumpPlan({ env: "dev", ref: { tag: "1.1.0" }, source: SRC }), { ...opts, maxAttempts: 2 }));
    expect(e.message).toMatch(/^bump failed: push rejected 20 times \(20 of them to commits other writers landed meanwhile\)/);
  });

  it("a rival that deploys a newer tag between attempts: the bump re-plans and refuses, naming both values", async () => {
    const { port, remote } = racingPort({ [F]: values("4.0.9") }, [(rem) => ({ ...rem, [F]: values("4.0.19") })]);
    const e = await failure(writeBack(port, bumpPlan({ env: "dev", ref: { tag: "4.0.10" }, source: SRC }), opts));
    expect(e).toBeInstanceOf(WriteRefused);
    expect(e.message).toBe(
      "bump refused: dev changed from 4.0.9 to ghcr.io/acme/webapp:4.0.19 while this bump to 4.0.10 was being pushed, and 4.0.10 is older than 4.0.19; nothing was pushed. Run it again to deploy 4.0.10 over 4.0.19 knowingly (with --allow-downgrade)".replace(
        "from 4.0.9",
        "from ghcr.io/acme/webapp:4.0.9",
      ),
    );
    expect(remote()[F]).toContain('tag: "4.0.19"');
  });

  it("a rollback whose environment got a fix bump before its push refuses (never reverts what it did not choose to)", async () => {
    const t = {
      environment: "dev",
      file: F,
      current: { repository: "ghcr.io/acme/webapp", tag: "1.1.0", digest: "" },
      target: { repository: "ghcr.io/acme/webapp", tag: "1.0.0", digest: "" },
      from: "a".repeat(40),
    };
    const { port, remote } = racingPort({ [F]: values("1.1.0") }, [(rem) => ({ ...rem, [F]: values("1.2.0") })]);
    const e = await failure(writeBack(port, rollbackPlan(t, SRC, "webapp"), opts));
    expect(e).toBeInstanceOf(WriteRefused);
    expect(e.message).toMatch(
      /^rollback refused: dev deploys ghcr\.io\/acme\/webapp:1\.2\.0 now, not ghcr\.io\/acme\/webapp:1\.1\.0 that the rollback to ghcr\.io\/acme\/webapp:1\.0\.0 was chosen against/,
    );
    expect(remote()[F]).toContain('tag: "1.2.0"');
  });

  it("promote never moves its target backwards unasked", async () => {
    const files = { [F]: values("1.1.0"), "gitops/environments/staging/values.yaml": values("1.2.0") };
    const { port } = racingPort(files, []);
    await expect(writeBack(port, promotePlan({ from: "dev", source: SRC }), opts)).rejects.toThrow(
      /^promote refused: staging deploys ghcr\.io\/acme\/webapp:1\.2\.0 and ghcr\.io\/acme\/webapp:1\.1\.0 is older/,
    );
    const r = await writeBack(racingPort(files, []).port, promotePlan({ from: "dev", source: SRC, allowDowngrade: true }), opts);
    expect(r.status).toBe("pushed");
  });
});

describe("pushReason", () => {
  it("takes the refused ref's status, remote lines and fatal lines; never hints", () => {
    expect(
      pushReason(
        "To /x\n!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\nremote: protected branch\nerror: failed to push some refs to '/x'\n",
      ),
    ).toBe("[remote rejected] (pre-receive hook declined); protected branch");
    expect(pushReason("fatal: unable to access 'https://h/x/': Could not resolve host: h\n")).toBe(
      "fatal: unable to access 'https://h/x/': Could not resolve host: h",
    );
    expect(pushReason("hint: do this\nhint: and that\n")).toBe("no output");
  });
});
