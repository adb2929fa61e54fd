import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { backoffMs, checkWritten, writeBack, type GitPort } from "../../dagger/src/core/writeback/loop.js";
import { bumpPlan, envFile, layoutOf, readLayout, refEdits, readImageRef } from "../../dagger/src/core/writeback/layout.js";
import { DEFAULT_GITOPS_CONFIG } from "../../dagger/src/core/gitops-config.js";
import { nextEnvironment, promotePlan } from "../../dagger/src/core/writeback/promote.js";
import { writeBackReport } from "../../dagger/src/core/writeback/report.js";
import { checkRepoUrl, classifyPush, commitMessage, gitArgv, type PushStatus } from "../../dagger/src/core/writeback/git.js";
import { InputError, StageError } from "../../dagger/src/core/errors.js";
import { editYaml } from "../../dagger/src/core/writeback/yaml-edit.js";

const D = `sha256:${"c".repeat(64)}`;
const values = (tag: string, digest = ""): string =>
  `image:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}" # ci\n  digest: "${digest}"\nenv:\n  appVersion: "${tag}"\n`;
/** The tree sits at gitops/ in the work tree; it has no gitops-pipeline.yaml, so the default layout applies. */
const SRC = { root: "gitops" };
const lay = (format: "helm" | "kustomize" = "helm") => layoutOf(DEFAULT_GITOPS_CONFIG, { ...SRC, format });
const none = async (): Promise<string | undefined> => undefined;
const author = { name: "bot", email: "bot@example.com" };

/** In-memory remote + port: pushes are rejected while `races` > 0 (someone else pushes first). */
function memoryPort(files: Record<string, string>, pushes: PushStatus[] = []) {
  const remote = { files: { ...files }, commits: 0 };
  let work: Record<string, string> = {};
  const log: string[] = [];
  const port: GitPort<Record<string, string>> = {
    sync: async () => {
      work = { ...remote.files };
      log.push("sync");
      return `c${remote.commits}`;
    },
    read: async (p) => work[p],
    write: async (fs) => fs.forEach((f) => (work[f.path] = f.text)),
    tree: () => work,
    commit: async (paths, message) => {
      log.push(`commit ${paths.join(",")}: ${message.split("\n")[0]}`);
      return "local";
    },
    push: async () => {
      const status = pushes.shift() ?? "pushed";
      log.push(`push ${status}`);
      if (status === "pushed") {
        remote.files = { ...work };
        remote.commits++;
      }
      return { status, detail: status === "pushed" ? "" : "! [rejected] main (fetch first)" };
    },
  };
  return { port, remote, log };
}

const ok = async () => ({ ok: true, summary: "ok" });
const noSleep = { sleep: async () => {}, random: () => 0.5, validate: ok, author };

describe("writeBack loop (in-memory port)", () => {
  const f = "gitops/environments/dev/values.yaml";

  it("retries rejected pushes with backoff, re-syncing and re-applying each time", async () => {
    const { port, log } = memoryPort({ [f]: values("1.0.0") }, ["rejected", "rejected"]);
    const sleeps: number[] = [];
    const r = await writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.1.0" }, source: SRC }), {
      ...noSleep,
      sleep: async (ms) => void sleeps.push(ms),
      baseDelayMs: 100,
    });
    expect(r.status).toBe("pushed");
    expect(r.attempts).toBe(3);
    expect(sleeps).toEqual([75, 150]);
    expect(log.filter((l) => l === "sync").length).toBe(3);
    expect(r.summary).toMatch(/after 2 rejected push/);
  });

  it("stops after maxAttempts with a clear error", async () => {
    const { port, remote } = memoryPort({ [f]: values("1.0.0") }, Array(5).fill("rejected"));
    await expect(writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.1.0" }, source: SRC }), { ...noSleep, maxAttempts: 3 })).rejects.toThrow(
      new StageError(
        "bump",
        "push rejected 3 times (0 of them to commits other writers landed meanwhile): others keep pushing to the branch. Nothing of this write-back landed; run it again or raise maxAttempts. Last: [rejected] main (fetch first)",
      ),
    );
    expect(remote.commits).toBe(0);
  });

  it("does not retry a push that failed for another reason", async () => {
    const { port, log } = memoryPort({ [f]: values("1.0.0") }, ["failed"]);
    await expect(writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.1.0" }, source: SRC }), noSleep)).rejects.toThrow(
      /push failed \(not a race/,
    );
    expect(log.filter((l) => l.startsWith("push")).length).toBe(1);
  });

  it("validation failure: no commit, no push", async () => {
    const { port, log } = memoryPort({ [f]: values("1.0.0") });
    await expect(
      writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1.1.0" }, source: SRC }), {
        ...noSleep,
        validate: async () => ({ ok: false, summary: "bad" }),
      }),
    ).rejects.toThrow(StageError);
    expect(log).toEqual(["sync"]);
  });

  it("invalid input: InputError before anything is written", async () => {
    const { port, log } = memoryPort({ [f]: values("1.0.0") });
    await expect(writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "bad tag" }, source: SRC }), noSleep)).rejects.toThrow(InputError);
    await expect(writeBack(port, bumpPlan({ app: "webapp", env: "qa", ref: { tag: "1" }, source: SRC }), noSleep)).rejects.toThrow(
      /^--environment: "qa" is not an environment of gitops\/gitops-pipeline.yaml \(dev, staging, prod\)/,
    );
    expect(log.some((l) => l.startsWith("commit"))).toBe(false);
  });

  it("a missing values file names the path", async () => {
    // The sample layout (its chart, no gitops-pipeline.yaml) without dev's values file.
    const { port } = memoryPort({ "gitops/charts/gitops-demo/Chart.yaml": "name: gitops-demo\n" });
    await expect(writeBack(port, bumpPlan({ app: "webapp", env: "dev", ref: { tag: "1" }, source: SRC }), noSleep)).rejects.toThrow(
      /gitops\/environments\/dev\/values.yaml: does not exist at the branch head/,
    );
  });

  it("promote re-reads the source at every head it syncs to", async () => {
    const files = { [f]: values("2.0.0", D), "gitops/environments/staging/values.yaml": values("1.0.0") };
    const { port, remote } = memoryPort(files, ["rejected"]);
    // Between the two attempts, dev moves on: the retry must copy the new dev reference.
    const origPush = port.push;
    port.push = async () => {
      const r = await origPush();
      if (r.status === "rejected") remote.files[f] = values("2.0.1");
      return r;
    };
    const r = await writeBack(port, promotePlan({ app: "webapp", from: "dev", source: SRC }), noSleep);
    expect(r.attempts).toBe(2);
    expect(remote.files["gitops/environments/staging/values.yaml"]).toBe(values("2.0.1"));
  });

  it("maxAttempts is bounded", async () => {
    const { port } = memoryPort({});
    await expect(writeBack(port, bumpPlan({ app: "a", env: "dev", ref: { tag: "1" }, source: SRC }), { ...noSleep, maxAttempts: 0 })).rejects.toThrow(
      /^--attempts: 0 is out of range. pass with-max-attempts --attempts/,
    );
  });

  it("backoff doubles, is capped, and stays within [half, full] of the step", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, rnd) => {
        const full = Math.min(8000, 250 * 2 ** (attempt - 1));
        const ms = backoffMs(attempt, 250, 8000, () => rnd);
        expect(ms).toBeGreaterThanOrEqual(Math.floor(full / 2));
        expect(ms).toBeLessThanOrEqual(full);
      }),
    );
  });
});

describe("checkWritten", () => {
  it("accepts what was written and rejects a tree that differs", async () => {
    const e = editYaml("v.yaml", values("1.0.0"), [{ path: "image.tag", value: "1.1.0", kind: "tag" }]);
    expect((await checkWritten(async () => e.after, [e])).ok).toBe(true);
    const bad = await checkWritten(async () => e.before, [e]);
    expect(bad).toEqual({ ok: false, summary: "v.yaml: content differs from what was written" });
  });
});

describe("layout, bump and promote plans", () => {
  it("maps environments to files of the layout; refuses unknown environments and paths outside the repository", async () => {
    expect(await envFile(lay(), "prod", none)).toBe("gitops/environments/prod/values.yaml");
    expect(await envFile(lay("kustomize"), "dev", none)).toBe("gitops/kustomize/overlays/dev/kustomization.yaml");
    await expect(envFile(lay(), "qa", none)).rejects.toThrow(/^--environment: "qa"/);
    expect(() => layoutOf(DEFAULT_GITOPS_CONFIG, { root: "../up" })).toThrow(/^--path: "..\/up" leaves the repository/);
    expect(() => layoutOf(DEFAULT_GITOPS_CONFIG, { root: "/abs" })).toThrow(/^--path: /);
    expect(await envFile(layoutOf(DEFAULT_GITOPS_CONFIG, { root: "." }), "dev", none)).toBe("environments/dev/values.yaml");
  });

  it("an environment without values files of its own (chart values + its Application's valuesObject) is refused by the write-back, naming the setting", async () => {
    const config = "chart: charts/web\nenvironments:\n  dev: {}\n";
    const l = await readLayout(async (p) => (p === "deploy/gitops-pipeline.yaml" ? config : undefined), { root: "deploy" });
    await expect(envFile(l, "dev", none)).rejects.toThrow(
      /^deploy\/gitops-pipeline.yaml: environments.dev.values: is empty: environment dev renders with the chart's values.yaml and its Application's values only.*list it under environments.dev.values/,
    );
  });

  it("reads the layout from the tree's gitops-pipeline.yaml: environments, order, values, format", async () => {
    const config =
      "environments:\n  qa:\n    values: [qa.yaml]\n    namespace: qa\n    application: app-qa\n  live:\n    values: [base.yaml, live.yaml]\n    namespace: live\n    application: app-live\nkustomize: k\nwriteBack:\n  format: kustomize\n  image: web\n";
    const l = await readLayout(async (p) => (p === "deploy/gitops-pipeline.yaml" ? config : undefined), { root: "deploy" });
    expect(l).toMatchObject({
      format: "kustomize",
      environments: ["qa", "live"],
      root: "deploy",
      kustomize: "k",
      imageName: "web",
      source: "deploy/gitops-pipeline.yaml",
    });
    // The call's override wins over the file.
    expect((await readLayout(async () => config, { root: "", format: "helm" })).format).toBe("helm");
    // A broken layout file is an InputError naming the file and field.
    await expect(readLayout(async () => "environments: {}\nbogus: 1\n", { root: "g" })).rejects.toThrow(/^g\/gitops-pipeline.yaml/);
  });

  it("layered values: writes the last file that sets image.tag (later files win in helm), else the first", async () => {
    const config = layoutOf(
      { ...DEFAULT_GITOPS_CONFIG, environments: { dev: { ...DEFAULT_GITOPS_CONFIG.environments.dev!, values: ["base.yaml", "over.yaml"] } } },
      { root: "" },
    );
    const files: Record<string, string> = { "base.yaml": values("1.0.0"), "over.yaml": "replicaCount: 2\n" };
    expect(await envFile(config, "dev", async (p) => files[p])).toBe("base.yaml");
    files["over.yaml"] = 'image:\n  tag: "9"\n';
    expect(await envFile(config, "dev", async (p) => files[p])).toBe("over.yaml");
  });

  it("bump clears a stale digest, keeps appVersion in step with the tag", () => {
    const text = values("1.0.0", D);
    const r = editYaml("v.yaml", text, refEdits(lay(), "v.yaml", text, { tag: "1.1.0" }));
    expect(r.after).toBe(values("1.1.0"));
  });

  it("kustomize: sets newTag and digest of the only images: entry", () => {
    const k = "resources:\n  - ../../base\nimages:\n  - name: webapp # app\n    newTag: '1.0.0'\n";
    const r = editYaml("k.yaml", k, refEdits(lay("kustomize"), "k.yaml", k, { tag: "1.1.0", digest: D }));
    expect(r.after).toBe(`resources:\n  - ../../base\nimages:\n  - name: webapp # app\n    newTag: '1.1.0'\n    digest: ${D}\n`);
    expect(readImageRef(lay("kustomize"), "k.yaml", r.after)).toEqual({ repository: undefined, tag: "1.1.0", digest: D });
  });

  it("promotion goes to the next environment only", async () => {
    expect(nextEnvironment(lay(), "dev")).toBe("staging");
    expect(nextEnvironment(lay(), "staging")).toBe("prod");
    expect(() => nextEnvironment(lay(), "prod")).toThrow(/"prod" is the last environment/);
    const files = { "gitops/environments/dev/values.yaml": values("1.0.0"), "gitops/environments/staging/values.yaml": values("0.9.0") };
    const read = async (p: string) => files[p as keyof typeof files];
    await expect(promotePlan({ app: "a", from: "dev", to: "prod", source: SRC }).edits(read)).rejects.toThrow(
      /^--to: promotion goes dev → staging → prod; dev → prod skips or reverses it/,
    );
    await expect(promotePlan({ app: "a", from: "staging", to: "dev", source: SRC }).edits(read)).rejects.toThrow(InputError);
  });
});

describe("git argv, push classification, commit message", () => {
  it("classifies push outcomes", () => {
    expect(classifyPush(0, "")).toBe("pushed");
    expect(classifyPush(1, "To /r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone")).toBe("rejected");
    expect(classifyPush(1, "error: cannot lock ref 'refs/heads/main': is at 1 but expected 2")).toBe("rejected");
    expect(classifyPush(1, "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)")).toBe("failed");
    expect(classifyPush(128, "fatal: Authentication failed")).toBe("failed");
  });

  it("writes the commit message with image, promotion source and source commit", () => {
    expect(commitMessage({ app: "webapp", env: "prod", tag: "1.2.3", image: "ghcr.io/a/w:1.2.3", promotedFrom: "staging", sourceCommit: "abc" })).toBe(
      "chore(deploy): webapp prod → 1.2.3\n\nImage: ghcr.io/a/w:1.2.3\nPromoted-From: staging\nSource-Commit: abc\n",
    );
    expect(() => commitMessage({ app: "a\nb", env: "dev", tag: "1" })).toThrow(/app: contains a newline/);
  });

  it("never puts an option where git reads the URL, and refuses option-like or credentialed URLs", () => {
    expect(gitArgv.clone("https://h/r.git", "main", "/repo").slice(-3)).toEqual(["--", "https://h/r.git", "/repo"]);
    expect(() => checkRepoUrl("--upload-pack=evil")).toThrow(InputError);
    expect(() => checkRepoUrl("https://user:pw@h/r.git")).toThrow(/contains credentials/);
    expect(() => gitArgv.push("-f")).toThrow(/branch/);
    expect(() => gitArgv.commit("m", { name: "a <b>", email: "x@y" })).toThrow(/^--name: /);
  });
});

describe("the write-back report", () => {
  it("a failed write-back lists why in its details: each validation error of the edited tree", () => {
    const r = writeBackReport({
      stage: "bump",
      status: "failed",
      summary: "bump failed: validation of the edited tree failed, nothing was pushed",
      commit: "",
      attempts: 0,
      diff: "",
      validation: "",
      findings: [
        {
          source: "kubeconform",
          rule: "SCHEMA-DOWNLOAD",
          severity: "error",
          message: "could not download schemas from raw.githubusercontent.com",
          environment: "dev",
        },
      ],
    });
    expect(r.passed).toBe(false);
    expect(r.details).toBe("[dev] SCHEMA-DOWNLOAD could not download schemas from raw.githubusercontent.com (kubeconform, error)");
  });
});
