import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  checkRevision,
  findRollbackTarget,
  historyArgv,
  rollbackMessage,
  rollbackPlan,
  sameImage,
  type History,
} from "../../dagger/src/core/writeback/rollback.js";
import { writeBack, type GitPort } from "../../dagger/src/core/writeback/loop.js";
import { rollbackInputs } from "../../dagger/src/core/writeback/inputs.js";
import { parseInputs } from "../../dagger/src/core/inputs.js";
import { InputError } from "../../dagger/src/core/errors.js";

const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;
const values = (tag: string, digest = "", repo = "ghcr.io/acme/webapp"): string =>
  `image:\n  repository: ${repo}\n  tag: "${tag}" # ci\n  digest: "${digest}"\nenv:\n  appVersion: "${tag}"\n`;
const SRC = { root: "gitops" };
const FILE = "gitops/environments/dev/values.yaml";
const author = { name: "bot", email: "bot@example.com" };

/** A branch as a list of (commit, dev values) from oldest to newest; `undefined` text: the file did not exist. */
function memoryHistory(versions: (string | undefined)[]) {
  const commits = versions.map((_, i) => `${String(i).padStart(2, "0")}${"0".repeat(38)}`);
  const asked: string[] = [];
  const history: History = {
    // git log -- path lists the commits that changed the file, newest first.
    log: async (path, max) => {
      asked.push(`log ${path} ${max}`);
      return commits
        .filter((_, i) => versions[i] !== versions[i - 1])
        .reverse()
        .slice(0, max);
    },
    readAt: async (commit, path) => (path === FILE ? versions[commits.indexOf(commit)] : undefined),
    resolve: async (rev) => (rev === "HEAD" ? commits.at(-1) : rev === "HEAD~1" ? commits.at(-2) : commits.find((c) => c.startsWith(rev))),
  };
  const head = versions.at(-1);
  const read = async (p: string): Promise<string | undefined> => (p === FILE ? head : undefined);
  return { history, read, commits, asked };
}

describe("findRollbackTarget", () => {
  it("finds the image deployed before the current one, with its digest and repository", async () => {
    const h = memoryHistory([values("1.0.0", D1), values("1.1.0", D2)]);
    const t = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history });
    expect(t.file).toBe(FILE);
    expect(t.current).toMatchObject({ tag: "1.1.0", digest: D2 });
    expect(t.target).toEqual({ repository: "ghcr.io/acme/webapp", tag: "1.0.0", digest: D1, appVersion: "1.0.0" });
    expect(t.from).toBe(h.commits[0]);
  });

  it("skips commits that changed the file but not the image (comments, replicas)", async () => {
    const h = memoryHistory([values("1.0.0"), values("1.1.0"), values("1.1.0") + "replicaCount: 2\n"]);
    const t = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history });
    expect(t.target.tag).toBe("1.0.0");
  });

  it("a change of digest alone is a different image", async () => {
    const h = memoryHistory([values("1.0.0", D1), values("1.0.0", D2)]);
    const t = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history });
    expect(t.target).toMatchObject({ tag: "1.0.0", digest: D1 });
  });

  it("no earlier image: one InputError naming the environment and saying what to do", async () => {
    const h = memoryHistory([undefined, values("1.0.0")]);
    const err = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(
      /^--environment: dev has no earlier image than ghcr.io\/acme\/webapp:1.0.0 in the history of gitops\/environments\/dev\/values.yaml \(1 commit\(s\)\): no previous revision to roll back to/,
    );
    expect((err as InputError).message).toMatch(/--to/);
  });

  it("stops at the history depth and says so", async () => {
    const h = memoryHistory(Array.from({ length: 10 }, () => values("2.0.0")).map((v, i) => v + `# ${i}\n`));
    await expect(findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, depth: 5 })).rejects.toThrow(/in the last 5 commits of/);
    expect(h.asked).toEqual([`log ${FILE} 5`]);
  });

  it("an environment without a tag, or unknown, is refused before any history is read", async () => {
    const h = memoryHistory([values("1.0.0"), "image:\n  repository: x\n"]);
    await expect(findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history })).rejects.toThrow(
      /^--environment: dev has no image tag in gitops\/environments\/dev\/values.yaml: nothing to roll back/,
    );
    await expect(findRollbackTarget({ env: "qa", source: SRC, read: h.read, history: h.history })).rejects.toThrow(
      /^--environment: "qa" is not an environment/,
    );
    expect(h.asked).toEqual([]);
  });

  it("--to takes the reference at a named revision; unknown revisions and revisions without a tag are refused", async () => {
    const h = memoryHistory([undefined, values("1.0.0"), values("1.1.0"), values("1.2.0")]);
    expect((await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, to: h.commits[1]!.slice(0, 7) })).target.tag).toBe("1.0.0");
    expect((await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, to: "HEAD~1" })).target.tag).toBe("1.1.0");
    await expect(findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, to: "v9" })).rejects.toThrow(
      /^--to: "v9" names no commit of the gitops branch/,
    );
    await expect(findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history, to: h.commits[0]!.slice(0, 7) })).rejects.toThrow(
      /^--to: gitops\/environments\/dev\/values.yaml has no image tag at/,
    );
  });

  it("property: the target is the newest earlier image that differs from the current one", async () => {
    const tag = fc.constantFrom("1.0.0", "1.1.0", "1.2.0", "2.0.0");
    await fc.assert(
      fc.asyncProperty(fc.array(tag, { minLength: 1, maxLength: 12 }), async (tags) => {
        const h = memoryHistory(tags.map((t) => values(t)));
        const current = tags.at(-1)!;
        const expected = [...tags].reverse().find((t) => t !== current);
        const got = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history }).then(
          (t) => t.target.tag,
          (e: unknown) => (e instanceof InputError ? undefined : Promise.reject(e)),
        );
        expect(got).toBe(expected);
      }),
    );
  });
});

describe("rollbackPlan through the write-back loop", () => {
  it("writes the old reference, clears a digest it did not pin, and says what it rolled back in the commit", async () => {
    const h = memoryHistory([values("1.0.0", "", "ghcr.io/acme/old"), values("1.1.0", D2)]);
    const t = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history });
    let work: Record<string, string> = { [FILE]: values("1.1.0", D2) };
    const messages: string[] = [];
    const port: GitPort<Record<string, string>> = {
      sync: async () => "head",
      read: async (p) => work[p],
      write: async (fs) => fs.forEach((f) => (work = { ...work, [f.path]: f.text })),
      tree: () => work,
      commit: async (_p, m) => (messages.push(m), "c1"),
      push: async () => ({ status: "pushed", detail: "" }),
    };
    const r = await writeBack(port, rollbackPlan(t, SRC, "webapp"), { validate: async () => ({ ok: true, summary: "ok" }), author });
    expect(r.status).toBe("pushed");
    expect(r.summary).toMatch(/^rollback: pushed/);
    expect(work[FILE]).toBe(values("1.0.0", "", "ghcr.io/acme/old"));
    expect(messages[0]).toBe(
      `revert(deploy): webapp dev → 1.0.0\n\nImage: ghcr.io/acme/old:1.0.0\nRolled-Back-From: ghcr.io/acme/webapp:1.1.0@${D2}\nRestores: ${h.commits[0]}\n`,
    );
  });

  it("is a no-op when the head already deploys the target", async () => {
    const h = memoryHistory([values("1.0.0"), values("1.1.0")]);
    const t = await findRollbackTarget({ env: "dev", source: SRC, read: h.read, history: h.history });
    const edits = await rollbackPlan(t, SRC).edits(async (p) => (p === FILE ? values("1.0.0") : undefined));
    expect(edits.every((e) => !e.changed)).toBe(true);
  });
});

describe("rollback inputs and argv", () => {
  it("revision names: shas, tags, HEAD~n pass; options, ranges and spaces are refused naming to", () => {
    for (const ok of ["3f2c1ab", "v1.2.3", "HEAD~1", "HEAD^", "release/2026-12", "a".repeat(40)]) expect(checkRevision(ok)).toBe(ok);
    for (const bad of ["-p", "a..b", "a b", "", "x".repeat(201), "a;b"]) expect(() => checkRevision(bad)).toThrow(/^--to: /);
    expect(() => parseInputs(rollbackInputs, { environment: "dev", to: "--upload-pack=x" })).toThrow(/to/);
    expect(() => parseInputs(rollbackInputs, { environment: "Dev!", to: "" })).toThrow(/environment/);
    expect(parseInputs(rollbackInputs, { environment: "prod", to: " HEAD~2 " })).toEqual({ environment: "prod", to: "HEAD~2" });
  });

  it("argv: log of one path, show commit:path, rev-parse with end-of-options", () => {
    expect(historyArgv.log("gitops/x.yaml", 50)).toEqual(["git", "log", "--format=%H", "--max-count=50", "--", "gitops/x.yaml"]);
    expect(historyArgv.show("abc1234", "gitops/x.yaml")).toEqual(["git", "show", "abc1234:gitops/x.yaml"]);
    expect(historyArgv.resolve("v1")).toEqual(["git", "rev-parse", "--verify", "--quiet", "--end-of-options", "v1^{commit}"]);
    expect(() => historyArgv.show("-x", "a")).toThrow(/^--commit: /);
  });

  it("sameImage compares repository, tag and digest", () => {
    expect(sameImage({ tag: "1", digest: "" }, { tag: "1", digest: "", appVersion: "x" })).toBe(true);
    expect(sameImage({ tag: "1", digest: "" }, { tag: "1", digest: D1 })).toBe(false);
    expect(sameImage({ tag: "1", digest: "", repository: "a" }, { tag: "1", digest: "" })).toBe(false);
    expect(rollbackMessage({ app: "a", env: "dev", current: { tag: "2", digest: "" }, target: { tag: "1", digest: "" }, from: "c" }).split("\n")[0]).toBe(
      "revert(deploy): a dev → 1",
    );
  });
});
