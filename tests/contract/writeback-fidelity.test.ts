/**
 * Contract: what a bump pushes to a real bare repository changes the edited values and nothing
 * else, byte for byte; a file it cannot edit faithfully (not UTF-8, an aliased anchor) is refused
 * naming the file and why, and nothing is pushed.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { checkWritten, writeBack, type WriteBackOptions } from "../../dagger/src/core/writeback/loop.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { bareRepo, CliGitPort, must, run } from "../helpers/git-port.js";

const FILE = "gitops/environments/dev/values.yaml";
const SRC: LayoutSource = { root: "gitops" };
const PIPELINE = "release: webapp\nenvironments:\n  dev:\n    values: [environments/dev/values.yaml]\n    namespace: webapp-dev\n    application: webapp-dev\n";
const opts: WriteBackOptions<string> = {
  // read back as bytes: what was written must be exactly the UTF-8 of the edited text
  validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p)).toString("utf8"), changed),
  author: { name: "gitops-bot", email: "bot@example.com" },
  baseDelayMs: 10,
};

/** The bytes of `path` at the branch head (git show, no decoding). */
async function bytesAt(bare: string, path: string): Promise<Buffer> {
  const r = await new Promise<Buffer>((resolve, reject) => {
    import("node:child_process").then(({ execFile }) =>
      execFile("git", ["show", `main:${path}`], { cwd: bare, encoding: "buffer", maxBuffer: 64 * 2 ** 20 }, (e, out) => (e ? reject(e) : resolve(out))),
    );
  });
  return r;
}

const head = async (bare: string): Promise<string> => (await must(["git", "rev-parse", "main"], bare)).trim();

/** A repository whose dev values file is `bytes`. */
async function repoWith(bytes: Buffer): Promise<string> {
  const bare = await bareRepo({ "gitops/gitops-pipeline.yaml": PIPELINE, [FILE]: "placeholder\n" });
  // replace the file with raw bytes in a second commit (bareRepo writes text)
  const work = join(bare, "..", "bytes");
  await must(["git", "clone", "--quiet", bare, work], join(bare, ".."));
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(work, FILE), bytes);
  await must(["git", "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-am", "values"], work);
  await must(["git", "push", "--quiet", "origin", "HEAD:main"], work);
  return bare;
}

describe("bump pushes only the edited bytes", () => {
  it("a Latin-1 byte in a comment: refused naming the file, the byte and its line; nothing pushed", async () => {
    const bytes = Buffer.concat([Buffer.from("# Gér"), Buffer.from([0xe9]), Buffer.from('e par l\'équipe\nimage:\n  tag: "1.0.0"\n', "latin1")]);
    const bare = await repoWith(bytes);
    const before = await head(bare);
    const err = await writeBack(new CliGitPort({ url: bare, branch: "main" }), bumpPlan({ env: "dev", ref: { tag: "1.1.0" }, source: SRC }), opts).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(FILE);
    expect((err as InputError).problem).toMatch(/^is not UTF-8 text \(byte 0x[0-9A-F]{2} at line 1, column \d+\)$/);
    expect(await head(bare)).toBe(before);
    expect(await bytesAt(bare, FILE)).toEqual(bytes);
  });

  it("UTF-8 with a BOM, CRLF lines, emoji and a U+FFFD of its own: only the tag's bytes change", async () => {
    const text = '\uFEFF# équipe 🚀 \uFFFD\r\nimage:\r\n  repository: ghcr.io/acme/webapp # 日本語\r\n  tag: "1.0.0" # ✓\r\nenv:\r\n  appVersion: "1.0.0"\r\n';
    const bare = await repoWith(Buffer.from(text, "utf8"));
    const r = await writeBack(new CliGitPort({ url: bare, branch: "main" }), bumpPlan({ env: "dev", ref: { tag: "1.1.0" }, source: SRC }), opts);
    expect(r.status).toBe("pushed");
    expect(await bytesAt(bare, FILE)).toEqual(Buffer.from(text.replace(/"1\.0\.0"/g, '"1.1.0"'), "utf8"));
    // the diff shows each changed line, and git agrees on which lines changed
    const gitDiff = await must(["git", "diff", "--numstat", "main~1", "main", "--", FILE], bare);
    expect(gitDiff.trim().split(/\s+/).slice(0, 2)).toEqual(["2", "2"]);
    expect(r.diff.split("\n").filter((l) => /^[+-][^+-]/.test(l))).toHaveLength(4);
  });

  it('tag: &t "1.0.0" aliased by *t elsewhere: refused naming the alias; nothing pushed', async () => {
    const text = 'image:\n  repository: ghcr.io/acme/webapp\n  tag: &t "1.0.0"\nenv:\n  appVersion: *t\nmetrics:\n  exporterTag: *t\n';
    const bare = await repoWith(Buffer.from(text));
    const before = await head(bare);
    const err = await writeBack(new CliGitPort({ url: bare, branch: "main" }), bumpPlan({ env: "dev", ref: { tag: "1.1.0" }, source: SRC }), opts).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect(String(err)).toContain(
      `${FILE}: image.tag: is anchored and aliased elsewhere: editing it would also change env.appVersion (*t, line 5), metrics.exporterTag (*t, line 7)`,
    );
    expect(await head(bare)).toBe(before);
  });

  it("a values file shaped like a large public chart's (registry/repository/tag/digest, long ## comments, 20k keys): one line changes", async () => {
    const lines = [
      "## @section Global parameters",
      "## @param global.imageRegistry Global Docker image registry",
      "global:",
      '  imageRegistry: ""',
      "image:",
      "  registry: docker.io",
      "  repository: acme/webapp",
      "  tag: 1.29.1-debian-12-r0",
      '  digest: ""',
      "  ## Specify a imagePullPolicy " + "x".repeat(400),
      "  pullPolicy: IfNotPresent",
    ];
    for (let i = 0; i < 20_000; i++) lines.push(`## @param extra.k${i} a parameter`, `extra_k${i}:`, `  enabled: ${i % 2 === 0}`, `  name: "k-${i}"`);
    const text = lines.join("\n") + "\n";
    const bare = await repoWith(Buffer.from(text));
    const r = await writeBack(new CliGitPort({ url: bare, branch: "main" }), bumpPlan({ env: "dev", ref: { tag: "1.29.2-debian-12-r0" }, source: SRC }), opts);
    expect(r.status).toBe("pushed");
    expect((await bytesAt(bare, FILE)).toString("utf8")).toBe(text.replace("  tag: 1.29.1-debian-12-r0\n", "  tag: 1.29.2-debian-12-r0\n"));
    const numstat = await run(["git", "diff", "--numstat", "main~1", "main"], bare);
    expect(numstat.stdout.trim()).toBe(`1\t1\t${FILE}`);
  });
});
