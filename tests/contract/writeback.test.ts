/**
 * Contract: the core write-back loop (`writeBack`, the code the Dagger stage runs) with the
 * core's git argv against the real git CLI and a real bare repository in a temp dir.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { promotePlan } from "../../dagger/src/core/writeback/promote.js";
import { checkWritten, writeBack, type GitPort, type WriteBackOptions } from "../../dagger/src/core/writeback/loop.js";
import { InputError, StageError } from "../../dagger/src/core/errors.js";
import { bareRepo, CliGitPort, must } from "../helpers/git-port.js";

const D1 = `sha256:${"b".repeat(64)}`;
const values = (env: string, tag = "1.0.0"): string => `# ${env} environment: written by CI, reviewed by humans
image:
  repository: ghcr.io/acme/webapp # the app image
  tag: "${tag}"
  # pin by digest when set
  digest: ""

env:
  appVersion: "${tag}"
`;

const ENVS = ["dev", "staging", "prod"];
/** The tree's own gitops-pipeline.yaml: the write-back reads environments, their order and files from it. */
const config = (envs: string[], extra = ""): string =>
  `release: webapp\nkustomize: kustomize\n${extra}environments:\n${envs.map((e) => `  ${e}:\n    values: [environments/${e}/values.yaml]\n    namespace: webapp-${e}\n    application: webapp-${e}\n`).join("")}`;
const seed = (envs = ENVS): Record<string, string> => ({
  "gitops/gitops-pipeline.yaml": config(envs),
  ...Object.fromEntries(envs.map((e) => [`gitops/environments/${e}/values.yaml`, values(e)])),
});
/** The gitops tree sits at gitops/ in the repository. */
const SRC: LayoutSource = { root: "gitops" };
const validate: WriteBackOptions<string>["validate"] = (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed);
const opts = (extra: Partial<WriteBackOptions<string>> = {}): WriteBackOptions<string> => ({
  validate,
  author: { name: "gitops-bot", email: "bot@example.com" },
  baseDelayMs: 10,
  maxDelayMs: 200,
  ...extra,
});
const show = (bare: string, path: string, ref = "main"): Promise<string> => must(["git", "show", `${ref}:${path}`], bare);
const log = async (bare: string): Promise<string[]> => (await must(["git", "log", "--format=%s", "main"], bare)).trim().split("\n");
const head = async (bare: string): Promise<string> => (await must(["git", "rev-parse", "main"], bare)).trim();

describe("write-back against a real bare repository", () => {
  it("a bump lands: one commit, the message, only the targeted lines change", async () => {
    const bare = await bareRepo(seed());
    const port = new CliGitPort({ url: bare, branch: "main" });
    const r = await writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.1.0", digest: D1 }, source: SRC, sourceCommit: "abc1234" }), opts());
    expect(r.status).toBe("pushed");
    expect(r.attempts).toBe(1);
    expect(await head(bare)).toBe(r.commit);
    const msg = await must(["git", "log", "-1", "--format=%B%n--%n%an <%ae>", "main"], bare);
    expect(msg).toBe(`chore(deploy): webapp dev → 1.1.0\n\nImage: 1.1.0@${D1}\nSource-Commit: abc1234\n\n--\ngitops-bot <bot@example.com>\n`);
    expect(await show(bare, "gitops/environments/dev/values.yaml")).toBe(
      values("dev").replace('tag: "1.0.0"', 'tag: "1.1.0"').replace('digest: ""', `digest: "${D1}"`).replace('appVersion: "1.0.0"', 'appVersion: "1.1.0"'),
    );
    expect(await show(bare, "gitops/environments/prod/values.yaml")).toBe(values("prod"));
    // The diff we report is the one git applies.
    const scratch = mkdtempSync(join(tmpdir(), "wb-apply-"));
    mkdirSync(join(scratch, "gitops/environments/dev"), { recursive: true });
    writeFileSync(join(scratch, "gitops/environments/dev/values.yaml"), values("dev"));
    writeFileSync(join(scratch, "p.diff"), r.diff);
    await must(["git", "apply", "p.diff"], scratch);
    expect(readFileSync(join(scratch, "gitops/environments/dev/values.yaml"), "utf8")).toBe(await show(bare, "gitops/environments/dev/values.yaml"));
  });

  it("a no-op bump makes no commit", async () => {
    const bare = await bareRepo(seed());
    const before = await head(bare);
    const r = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.0.0" }, source: SRC }),
      opts(),
    );
    expect(r.status).toBe("no-op");
    expect(r.diff).toBe("");
    expect(await head(bare)).toBe(before);
  });

  it("a dry run returns the diff and pushes nothing", async () => {
    const bare = await bareRepo(seed());
    const before = await head(bare);
    const r = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ app: "webapp", env: "prod", ref: { tag: "2.0.0" }, source: SRC }),
      opts({ dryRun: true }),
    );
    expect(r.status).toBe("dry-run");
    expect(r.diff).toContain('+  tag: "2.0.0"');
    expect(await head(bare)).toBe(before);
  });

  it("a rejected push is retried and lands on top of the other change", async () => {
    const bare = await bareRepo(seed());
    const port = new CliGitPort({ url: bare, branch: "main" });
    let raced = false;
    // Someone else pushes a staging bump between our commit and our push, once.
    const racing: GitPort<string> = Object.assign(Object.create(port) as CliGitPort, {
      push: async () => {
        if (!raced) {
          raced = true;
          const other = await writeBack(
            new CliGitPort({ url: bare, branch: "main" }),
            bumpPlan({ app: "webapp", env: "staging", ref: { tag: "1.9.9" }, source: SRC }),
            opts(),
          );
          expect(other.status).toBe("pushed");
        }
        return port.push();
      },
    });
    const outcomes: string[] = [];
    const r = await writeBack(
      racing,
      bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.2.0" }, source: SRC }),
      opts({ onAttempt: (_, o) => outcomes.push(o) }),
    );
    expect(outcomes).toEqual(["rejected", "pushed"]);
    expect(r.attempts).toBe(2);
    expect(await log(bare)).toEqual(["chore(deploy): webapp dev → 1.2.0", "chore(deploy): webapp staging → 1.9.9", "seed"]);
    expect(await show(bare, "gitops/environments/staging/values.yaml")).toContain('tag: "1.9.9"');
    expect(await show(bare, "gitops/environments/dev/values.yaml")).toContain('tag: "1.2.0"');
  });

  it("12 concurrent bumps of different environments all land, linear history, nothing lost", async () => {
    const envs = Array.from({ length: 12 }, (_, i) => `e${i}`);
    const bare = await bareRepo(seed(envs));
    const results = await Promise.all(
      envs.map((env, i) =>
        writeBack(
          new CliGitPort({ url: bare, branch: "main" }),
          bumpPlan({ app: "webapp", env, ref: { tag: `3.0.${i}` }, source: SRC }),
          opts({ maxAttempts: 30 }),
        ),
      ),
    );
    expect(results.every((r) => r.status === "pushed")).toBe(true);
    expect(results.some((r) => r.attempts > 1)).toBe(true); // they really raced
    expect((await must(["git", "rev-list", "--count", "main"], bare)).trim()).toBe(String(envs.length + 1));
    expect((await must(["git", "rev-list", "--merges", "main"], bare)).trim()).toBe("");
    expect(new Set(await log(bare)).size).toBe(envs.length + 1);
    for (const [i, env] of envs.entries()) {
      expect(await show(bare, `gitops/environments/${env}/values.yaml`)).toBe(
        values(env).replace('tag: "1.0.0"', `tag: "3.0.${i}"`).replace('appVersion: "1.0.0"', `appVersion: "3.0.${i}"`),
      );
    }
  });

  it("a validation failure pushes nothing", async () => {
    const bare = await bareRepo(seed());
    const before = await head(bare);
    const port = new CliGitPort({ url: bare, branch: "main" });
    const failing = opts({ validate: async () => ({ ok: false, summary: "kubeconform: Deployment/webapp invalid" }) });
    await expect(writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.3.0" }, source: SRC }), failing)).rejects.toThrow(
      /bump failed: validation of the edited tree failed, nothing was pushed: kubeconform: Deployment\/webapp invalid/,
    );
    expect(await head(bare)).toBe(before);
    expect(port.log.some((r) => r.argv.includes("push") || r.argv.includes("commit"))).toBe(false);
  });

  it("gives up after the bounded attempts with a clear error, landing nothing of its own", async () => {
    const bare = await bareRepo(seed());
    const port = new CliGitPort({ url: bare, branch: "main" });
    let n = 0;
    const alwaysRaced: GitPort<string> = Object.assign(Object.create(port) as CliGitPort, {
      push: async () => {
        await writeBack(
          new CliGitPort({ url: bare, branch: "main" }),
          bumpPlan({ app: "webapp", env: "prod", ref: { tag: `9.0.${n++}` }, source: SRC }),
          opts(),
        );
        return port.push();
      },
    });
    // Every loss is to a commit another writer landed (contention): the budget grows, up to 10 × maxAttempts pushes.
    const err = (await writeBack(alwaysRaced, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.4.0" }, source: SRC }), opts({ maxAttempts: 1 })).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(
      /^bump failed: push rejected 10 times \(10 of them to commits other writers landed meanwhile\).* Last: \[rejected\] \(fetch first\)$/,
    );
    expect(err.message).not.toContain("hint");
    expect(await show(bare, "gitops/environments/dev/values.yaml")).toBe(values("dev"));
  });

  it("a push the remote refuses for another reason fails at once (not retried)", async () => {
    const bare = await bareRepo(seed());
    writeFileSync(join(bare, "hooks", "pre-receive"), "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n", { mode: 0o755 });
    const attempts: string[] = [];
    const err = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.5.0" }, source: SRC }),
      opts({ onAttempt: (_, o) => attempts.push(o) }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(StageError);
    expect(String(err)).toMatch(/push failed \(not a race; not retried\).*protected branch/s);
    expect(attempts).toEqual(["failed"]);
  });

  it("promote copies dev's image reference to staging; refuses a source without one", async () => {
    const files = seed();
    files["gitops/environments/dev/values.yaml"] = values("dev", "2.1.0").replace('digest: ""', `digest: "${D1}"`);
    files["gitops/environments/staging/values.yaml"] = values("staging").replace('  tag: "1.0.0"\n', '  tag: ""\n');
    const bare = await bareRepo(files);
    const r = await writeBack(new CliGitPort({ url: bare, branch: "main" }), promotePlan({ app: "webapp", from: "dev", source: SRC }), opts());
    expect(r.status).toBe("pushed");
    const staging = await show(bare, "gitops/environments/staging/values.yaml");
    expect(staging).toContain('tag: "2.1.0"');
    expect(staging).toContain(`digest: "${D1}"`);
    expect(staging).toContain('appVersion: "2.1.0"');
    expect(staging.startsWith("# staging environment")).toBe(true);
    expect((await log(bare))[0]).toBe("chore(deploy): webapp staging → 2.1.0");
    expect(await must(["git", "log", "-1", "--format=%B", "main"], bare)).toContain("Promoted-From: dev");
    // staging → prod, where staging's source has no tag in a fresh repo: refused, nothing pushed.
    const bare2 = await bareRepo(files);
    const before = await head(bare2);
    const err = await writeBack(new CliGitPort({ url: bare2, branch: "main" }), promotePlan({ app: "webapp", from: "staging", source: SRC }), opts()).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect(String(err)).toMatch(/gitops\/environments\/staging\/values.yaml: environment staging has no image tag to promote/);
    expect(await head(bare2)).toBe(before);
  });

  it("the clone's work tree is the remote's head, not a stale copy, after a retry", async () => {
    const bare = await bareRepo(seed());
    const port = new CliGitPort({ url: bare, branch: "main" });
    await port.sync();
    await writeBack(new CliGitPort({ url: bare, branch: "main" }), bumpPlan({ app: "webapp", env: "prod", ref: { tag: "5.0.0" }, source: SRC }), opts());
    expect(await port.sync()).toBe(await head(bare));
    expect(await port.read("gitops/environments/prod/values.yaml")).toContain('tag: "5.0.0"');
  });

  it("kustomize overlays: bump dev's images: entry, then promote it to staging", async () => {
    const k = (tag: string): string => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base # shared manifests
images:
  - name: webapp
    newName: ghcr.io/acme/webapp
    newTag: "${tag}" # written by CI
`;
    // The tree's gitops-pipeline.yaml says the image lives in the kustomize overlays.
    const files = {
      "gitops/gitops-pipeline.yaml": config(ENVS, "writeBack:\n  format: kustomize\n"),
      ...Object.fromEntries(ENVS.map((e) => [`gitops/kustomize/overlays/${e}/kustomization.yaml`, k("1.0.0")])),
    };
    const bare = await bareRepo(files);
    const b = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.1.0", digest: D1 }, source: SRC }),
      opts(),
    );
    expect(b.status).toBe("pushed");
    const p = await writeBack(new CliGitPort({ url: bare, branch: "main" }), promotePlan({ app: "webapp", from: "dev", source: SRC }), opts());
    expect(p.status).toBe("pushed");
    const want = k("1.1.0").replace("# written by CI\n", `# written by CI\n    digest: ${D1}\n`);
    expect(await show(bare, "gitops/kustomize/overlays/dev/kustomization.yaml")).toBe(want);
    expect(await show(bare, "gitops/kustomize/overlays/staging/kustomization.yaml")).toBe(want);
    expect(await show(bare, "gitops/kustomize/overlays/prod/kustomization.yaml")).toBe(k("1.0.0"));
    expect(await log(bare)).toEqual(["chore(deploy): webapp staging → 1.1.0", "chore(deploy): webapp dev → 1.1.0", "seed"]);
  });
});

describe("write-back of one app of a multi-app tree against a real bare repository", () => {
  const multi = `apps:\n${["webapp", "payments"].map((a) => `  - name: ${a}\n    chart: charts/shared\n    environments:\n${ENVS.map((e) => `      ${e}: { values: [apps/${a}/${e}.yaml] }\n`).join("")}`).join("")}`;
  const multiSeed = (): Record<string, string> => ({
    "gitops/gitops-pipeline.yaml": multi,
    ...Object.fromEntries(["webapp", "payments"].flatMap((a) => ENVS.map((e) => [`gitops/apps/${a}/${e}.yaml`, values(e)]))),
  });

  it("bump of payments writes payments' file only, and the commit names payments", async () => {
    const bare = await bareRepo(multiSeed());
    const port = new CliGitPort({ url: bare, branch: "main" });
    const r = await writeBack(port, bumpPlan({ env: "staging", ref: { tag: "2.0.0" }, source: { root: "gitops", app: "payments" } }), opts());
    expect(r.status).toBe("pushed");
    expect(await log(bare)).toEqual(["chore(deploy): payments staging → 2.0.0", "seed"]);
    expect(await show(bare, "gitops/apps/payments/staging.yaml")).toContain('tag: "2.0.0"');
    expect(await show(bare, "gitops/apps/webapp/staging.yaml")).toBe(values("staging"));
  });

  it("promote within payments copies payments' dev image to its staging, webapp untouched", async () => {
    const bare = await bareRepo(multiSeed());
    const port = new CliGitPort({ url: bare, branch: "main" });
    await writeBack(port, bumpPlan({ env: "dev", ref: { tag: "2.1.0", digest: D1 }, source: { root: "gitops", app: "payments" } }), opts());
    const r = await writeBack(new CliGitPort({ url: bare, branch: "main" }), promotePlan({ from: "dev", source: { root: "gitops", app: "payments" } }), opts());
    expect(r.status).toBe("pushed");
    expect(await show(bare, "gitops/apps/payments/staging.yaml")).toContain(`digest: "${D1}"`);
    expect(await show(bare, "gitops/apps/webapp/staging.yaml")).toBe(values("staging"));
  });

  it("without the app, a multi-app tree is an input error naming app; nothing is pushed", async () => {
    const bare = await bareRepo(multiSeed());
    const before = await head(bare);
    const err = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ env: "dev", ref: { tag: "2.0.0" }, source: { root: "gitops" } }),
      opts(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe("app");
    expect(await head(bare)).toBe(before);
  });
});
