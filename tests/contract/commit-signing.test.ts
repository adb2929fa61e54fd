/**
 * Contract: signed gitops commits with the real git and ssh-keygen (gpg.format=ssh). The
 * write-back's loop runs through the CLI port with the same argv as the Dagger stage; the head
 * check is the core's, reading gitops-pipeline.yaml's commitSigning at the head.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { checkWritten, writeBack, type WriteBackOptions } from "../../dagger/src/core/writeback/loop.js";
import { signedHeadCheck } from "../../dagger/src/core/writeback/signed-head.js";
import { signatureArgv, signatureVerdict, allowedSignersText, signingConfig } from "../../dagger/src/core/writeback/commit-signing.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import { bareRepo, CliGitPort, must } from "../helpers/git-port.js";

const values = (tag: string): string => `image:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n  digest: ""\nenv:\n  appVersion: "${tag}"\n`;
const SRC: LayoutSource = { root: "gitops" };
const FILE = "gitops/environments/dev/values.yaml";
const dir = mkdtempSync(join(tmpdir(), "signing-"));
const keys: Record<string, { path: string; pub: string; secret: string }> = {};

beforeAll(() => {
  try {
    execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error("ssh-keygen is missing: install openssh-client (apt-get install -y openssh-client); git signs and verifies SSH signatures with it");
  }
  for (const name of ["bot", "intruder"]) {
    const path = join(dir, name);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@example.com`, "-f", path]);
    keys[name] = { path, pub: readFileSync(`${path}.pub`, "utf8").trim(), secret: readFileSync(path, "utf8") };
  }
});

const config = (require: boolean, key = keys.bot!.pub) =>
  `release: webapp\nenvironments:\n  dev:\n    values: [environments/dev/values.yaml]\ncommitSigning:\n  require: ${require}\n  allowedSigners:\n    - principal: bot@example.com\n      key: ${key}\n`;

async function bump(bare: string, tag: string, signingKey?: string) {
  const port = new CliGitPort({ url: bare, branch: "main", ...(signingKey ? { signingKey } : {}) });
  const opts: WriteBackOptions<string> = {
    validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed),
    author: { name: "gitops-bot", email: "bot@example.com" },
    baseDelayMs: 10,
    checkHead: signedHeadCheck({
      stage: "bump",
      root: "gitops",
      read: (p) => port.read(p),
      signing: Boolean(signingKey),
      signature: (a, r) => port.signature(a, r),
    }),
  };
  const result = await writeBack(port, bumpPlan({ env: "dev", ref: { tag }, source: SRC }), opts).catch((e: Error) => e);
  return { result, port };
}

/** A commit made by hand on the branch (signed with `key`, or unsigned). */
async function handCommit(bare: string, key?: string): Promise<void> {
  const work = join(mkdtempSync(join(tmpdir(), "hand-")), "repo");
  await must(gitArgv.clone(bare, "main", work), dirname(work));
  const sign = key ? signingConfig(key) : ["-c", "commit.gpgsign=false"];
  await must(["git", "-c", "user.name=someone", "-c", "user.email=someone@example.com", ...sign, "commit", "--quiet", "--allow-empty", "-m", "by hand"], work);
  await must(["git", "push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
}

const verdictOf = async (bare: string, rev = "main") => {
  const sha = (await must(["git", "rev-parse", rev], bare)).trim();
  const file = join(dir, "allowed");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(file, allowedSignersText([{ principal: "bot@example.com", key: keys.bot!.pub }]));
  return signatureVerdict(await must(signatureArgv(file, sha), bare), sha);
};

describe("signed gitops commits (real git + ssh-keygen)", () => {
  it("the write-back signs its commit; it verifies with the allowed signers; the key reaches no output", async () => {
    const bare = await bareRepo({ "gitops/gitops-pipeline.yaml": config(false), [FILE]: values("1.0.0") });
    const { result, port } = await bump(bare, "1.1.0", keys.bot!.path);
    expect(result).toMatchObject({ status: "pushed" });
    expect(await verdictOf(bare)).toMatchObject({ ok: true, status: "G", principal: "bot@example.com" });
    const body = keys.bot!.secret.split("\n")[1]!;
    expect(JSON.stringify(port.log)).not.toContain(body);
  });

  it("an unsigned head is refused when commitSigning.require is true, naming the commit; nothing pushed", async () => {
    const bare = await bareRepo({ "gitops/gitops-pipeline.yaml": config(true), [FILE]: values("1.0.0") });
    const before = await must(["git", "rev-parse", "main"], bare);
    const { result } = await bump(bare, "1.1.0", keys.bot!.path);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(
      new RegExp(
        `^bump failed: the branch head ${before.trim().slice(0, 12)} is not signed; gitops-pipeline.yaml's commitSigning.require allows only commits signed by its allowedSigners`,
      ),
    );
    expect(await must(["git", "rev-parse", "main"], bare)).toBe(before);
  });

  it("a head signed by the allowed key is built on, and the new head is signed too; a foreign-signed head is refused", async () => {
    const bare = await bareRepo({ "gitops/gitops-pipeline.yaml": config(true), [FILE]: values("1.0.0") });
    await handCommit(bare, keys.bot!.path);
    expect((await bump(bare, "1.1.0", keys.bot!.path)).result).toMatchObject({ status: "pushed" });
    expect(await verdictOf(bare)).toMatchObject({ ok: true, status: "G" });
    await handCommit(bare, keys.intruder!.path);
    const foreign = (await must(["git", "rev-parse", "main"], bare)).trim();
    const { result } = await bump(bare, "1.2.0", keys.bot!.path);
    expect((result as Error).message).toMatch(
      new RegExp(`the branch head ${foreign.slice(0, 12)} is signed by key SHA256:\\S+, which is not in commitSigning.allowedSigners`),
    );
    expect((await must(["git", "rev-parse", "main"], bare)).trim()).toBe(foreign);
  });

  it("require without a signing key is an input error naming with-signing-key", async () => {
    const bare = await bareRepo({ "gitops/gitops-pipeline.yaml": config(true), [FILE]: values("1.0.0") });
    await handCommit(bare, keys.bot!.path);
    const { result } = await bump(bare, "1.1.0");
    expect((result as Error).message).toMatch(/^with-signing-key: is not set, but gitops-pipeline.yaml's commitSigning.require is true/);
  });

  it("a malformed allowed signer is an input error naming the file and field", async () => {
    const bare = await bareRepo({ "gitops/gitops-pipeline.yaml": config(true, "ssh-ed25519 not base64!"), [FILE]: values("1.0.0") });
    const { result } = await bump(bare, "1.1.0", keys.bot!.path);
    expect((result as Error).message).toMatch(/^gitops\/gitops-pipeline.yaml: commitSigning.allowedSigners.0.key: must be an SSH public key line/);
  });
});
