/**
 * Contract: the write-back gate with the real helm, kubeconform (and kustomize for the sample
 * tree) and a real bare git repository. The tree is validated and rendered before and after the
 * edit; the edit is judged on what it changes, refusals push nothing, and the report carries the
 * rendered manifest diff also for a dry or refused run.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { bumpPlan, type LayoutSource } from "../../dagger/src/core/writeback/layout.js";
import { ValidationFailed, writeBack, type WriteBackOptions } from "../../dagger/src/core/writeback/loop.js";
import { promotePlan } from "../../dagger/src/core/writeback/promote.js";
import { findRollbackTarget, historyArgv, rollbackPlan } from "../../dagger/src/core/writeback/rollback.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { bareRepo, CliGitPort, must, run } from "../helpers/git-port.js";
import { ROOT } from "../helpers/tools.js";
import { localGate } from "./local-gate.js";

const D1 = `sha256:${"c".repeat(64)}`;
const TEAM = join(ROOT, "tests", "fixtures", "gitops-writeback-team");

function files(dir: string, prefix = "", skip = ["FIXTURE.md"]): Record<string, string> {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  return Object.fromEntries(
    walk(dir)
      .map((f) => relative(dir, f).split(sep).join("/"))
      .filter((r) => !skip.includes(r))
      .map((r) => [`${prefix}${r}`, readFileSync(join(dir, r), "utf8")]),
  );
}

const opts = (validate: WriteBackOptions<string>["validate"], extra: Partial<WriteBackOptions<string>> = {}): WriteBackOptions<string> => ({
  validate,
  author: { name: "gitops-bot", email: "bot@example.com" },
  baseDelayMs: 10,
  ...extra,
});
const head = async (bare: string): Promise<string> => (await must(["git", "rev-parse", "main"], bare)).trim();
const TEAM_SRC: LayoutSource = { root: "" };

/** Run a write-back that must be refused; return the refusal, having checked nothing was committed or pushed. */
async function refused(bare: string, run: (port: CliGitPort) => Promise<unknown>): Promise<ValidationFailed> {
  const before = await head(bare);
  const port = new CliGitPort({ url: bare, branch: "main" });
  const e = await run(port).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ValidationFailed);
  expect(await head(bare)).toBe(before);
  expect(port.log.some((r) => r.argv.includes("push") || r.argv.includes("commit"))).toBe(false);
  return e as ValidationFailed;
}

describe("the write-back gate on a team's tree (chart without a digest key, a values file shared by dev and prod)", () => {
  it("a dry run of staging returns the file diff and the rendered diff of staging only; nothing is pushed", async () => {
    const bare = await bareRepo(files(TEAM));
    const before = await head(bare);
    const r = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ env: "staging", ref: { tag: "1.1.0" }, source: TEAM_SRC }),
      opts(localGate(), { dryRun: true }),
    );
    expect(r.status).toBe("dry-run");
    expect(r.diff).toContain('+  tag: "1.1.0"');
    expect(Object.keys(r.gate!.renderedDiff!)).toEqual(["staging"]);
    const d = r.gate!.renderedDiff!.staging!;
    expect(d).toContain('-          image: "ghcr.io/acme/web:1.0.0"');
    expect(d).toContain('+          image: "ghcr.io/acme/web:1.1.0"');
    expect(d).toContain('+    app.kubernetes.io/version: "1.1.0"');
    // prod's missing PodDisruptionBudget was there before: reported, not blocking.
    expect(r.gate!.preExisting!.map((f) => [f.rule, f.environment])).toEqual([["POL-PROD-PDB", "prod"]]);
    expect(await head(bare)).toBe(before);
  });

  it("a prod bump that edits the values file dev shares is refused, naming dev; the refusal carries both diffs; nothing pushed", async () => {
    const bare = await bareRepo(files(TEAM));
    const e = await refused(bare, (port) => writeBack(port, bumpPlan({ env: "prod", ref: { tag: "1.2.0" }, source: TEAM_SRC }), opts(localGate())));
    expect(e.findings.map((f) => f.rule)).toEqual(["WRITEBACK-SHARED"]);
    expect(e.findings[0]!.message).toMatch(/environments\/shared\.yaml for prod also changes the rendering of dev .*--allow-shared-values/);
    expect(e.diff).toContain('+  tag: "1.2.0"');
    expect(Object.keys(e.validation!.renderedDiff!)).toEqual(["dev", "prod"]);
  });

  it("with shared values allowed, the prod bump lands and its commit names dev", async () => {
    const bare = await bareRepo(files(TEAM));
    const r = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ env: "prod", ref: { tag: "1.2.0" }, source: TEAM_SRC }),
      opts(localGate("", { allowShared: true })),
    );
    expect(r.status).toBe("pushed");
    expect(r.gate!.alsoChanged).toEqual(["dev"]);
    const msg = await must(["git", "log", "-1", "--format=%B", "main"], bare);
    expect(msg).toMatch(/^chore\(deploy\): web prod → 1\.2\.0\n/);
    expect(msg).toContain("Also-Deploys: dev (shared values file)");
  });

  it("--digest on a chart that reads no digest is refused: the chart has no digest key; nothing pushed", async () => {
    const bare = await bareRepo(files(TEAM));
    const e = await refused(bare, (port) =>
      writeBack(port, bumpPlan({ env: "staging", ref: { tag: "1.1.0", digest: D1 }, source: TEAM_SRC }), opts(localGate())),
    );
    expect(e.findings.map((f) => [f.rule, f.environment, f.object])).toEqual([["WRITEBACK-REACH", "staging", "Deployment/web"]]);
    expect(e.findings[0]!.message).toContain(`runs ghcr.io/acme/web:1.1.0 after the edit, not the written digest ${D1} (written to image.digest)`);
    expect(e.findings[0]!.message).toContain("the chart has no digest key");
    // The refused run still shows what it would have changed.
    expect(e.validation!.renderedDiff!.staging).toContain('+          image: "ghcr.io/acme/web:1.1.0"');
  });

  it("a chart that reads its digest under another key: the refusal names that key and where to configure it", async () => {
    const tree = files(TEAM);
    const dep = "charts/web/templates/deployment.yaml";
    tree[dep] = tree[dep]!.replace(
      'image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
      'image: "{{ .Values.image.repository }}{{ if .Values.image.sha }}@{{ .Values.image.sha }}{{ else }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{ end }}"',
    );
    const bare = await bareRepo(tree);
    const e = await refused(bare, (port) =>
      writeBack(port, bumpPlan({ env: "staging", ref: { tag: "1.1.0", digest: D1 }, source: TEAM_SRC }), opts(localGate())),
    );
    expect(e.findings[0]!.message).toContain(`its templates read image.sha (${dep}): set writeBack.keys.digest in gitops-pipeline.yaml`);

    // Configured as the refusal says, the same bump lands and the rendering runs the digest.
    tree["gitops-pipeline.yaml"] = tree["gitops-pipeline.yaml"]!.replace("environments:\n", "writeBack:\n  keys: { digest: image.sha }\nenvironments:\n");
    const fixed = await bareRepo(tree);
    const r = await writeBack(
      new CliGitPort({ url: fixed, branch: "main" }),
      bumpPlan({ env: "staging", ref: { tag: "1.1.0", digest: D1 }, source: TEAM_SRC }),
      opts(localGate()),
    );
    expect(r.status).toBe("pushed");
    expect(await must(["git", "show", "main:environments/staging.yaml"], fixed)).toContain(`  sha: ${D1}\n`);
    expect(r.gate!.renderedDiff!.staging).toContain(`+          image: "ghcr.io/acme/web@${D1}"`);
  });

  it("a bump to the tag latest is blocked by the finding it introduces, not by prod's pre-existing one", async () => {
    const bare = await bareRepo(files(TEAM));
    const e = await refused(bare, (port) => writeBack(port, bumpPlan({ env: "staging", ref: { tag: "latest" }, source: TEAM_SRC }), opts(localGate())));
    expect(e.findings.map((f) => [f.rule, f.environment])).toEqual([["POL-IMAGE-TAG", "staging"]]);
    expect(e.validation!.preExisting!.map((f) => f.rule)).toEqual(["POL-PROD-PDB"]);
  });
});

describe("the write-back gate on this repository's gitops/ (a chart that renders repository@digest)", () => {
  const SRC: LayoutSource = { root: "gitops" };
  it("bump --digest lands: the rendering runs the new digest; only dev's rendering changes", async () => {
    const bare = await bareRepo(files(join(ROOT, "gitops"), "gitops/", ["README.md"]));
    const r = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ env: "dev", ref: { tag: "0.2.0", digest: D1 }, source: SRC }),
      opts(localGate("gitops")),
    );
    expect(r.status).toBe("pushed");
    expect(r.gate!.preExisting).toEqual([]);
    expect(Object.keys(r.gate!.renderedDiff!)).toEqual(["dev"]);
    expect(r.gate!.renderedDiff!.dev).toContain(`@${D1}`);
  });

  it("promote and rollback go through the same gate; a kustomize bump's rendered diff is its overlay's", async () => {
    const bare = await bareRepo(files(join(ROOT, "gitops"), "gitops/", ["README.md"]));
    await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ env: "dev", ref: { tag: "0.3.0", digest: D1 }, source: SRC }),
      opts(localGate("gitops")),
    );
    const promoted = await writeBack(new CliGitPort({ url: bare, branch: "main" }), promotePlan({ from: "dev", source: SRC }), opts(localGate("gitops")));
    expect(promoted.status).toBe("pushed");
    expect(Object.keys(promoted.gate!.renderedDiff!)).toEqual(["staging"]);
    expect(promoted.gate!.renderedDiff!.staging).toContain(`+          image: "ghcr.io/example/gitops-demo@${D1}"`);
    // Roll dev back: the digest is cleared and the rendering must run repository:tag again.
    const dir = join(mkdtempSync(join(tmpdir(), "gate-rb-")), "repo");
    await must(gitArgv.clone(bare, "main", dir), tmpdir());
    const history = {
      log: async (path: string, max: number) => (await must(historyArgv.log(path, max), dir)).split("\n").filter(Boolean),
      readAt: async (commit: string, path: string) => ((r) => (r.code === 0 ? r.stdout : undefined))(await run(historyArgv.show(commit, path), dir)),
      resolve: async (rev: string) => ((r) => (r.code === 0 ? r.stdout.trim() : undefined))(await run(historyArgv.resolve(rev), dir)),
    };
    const read = async (p: string) => ((r) => (r.code === 0 ? r.stdout : undefined))(await run(["git", "show", `HEAD:${p}`], dir));
    const target = await findRollbackTarget({ env: "dev", source: SRC, read, history });
    const rolled = await writeBack(new CliGitPort({ url: bare, branch: "main" }), rollbackPlan(target, SRC), opts(localGate("gitops")));
    expect(rolled.status).toBe("pushed");
    expect(rolled.gate!.renderedDiff!.dev).toContain(`-          image: "ghcr.io/example/gitops-demo@${D1}"`);
    const k = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ env: "prod", ref: { tag: "0.4.0" }, source: { ...SRC, format: "kustomize" } }),
      opts(localGate("gitops"), { dryRun: true }),
    );
    expect(Object.keys(k.gate!.renderedDiff!)).toEqual(["kustomize/prod"]);
  });

  it("multi-app: the gate validates the bumped app; a payments bump's rendered diff is payments/dev alone", async () => {
    const tree = { ...files(join(ROOT, "gitops"), "gitops/", ["README.md"]), ...files(join(ROOT, "tests", "fixtures", "gitops-multi-app"), "gitops/") };
    const bare = await bareRepo(tree);
    const r = await writeBack(
      new CliGitPort({ url: bare, branch: "main" }),
      bumpPlan({ env: "dev", ref: { tag: "2.0.0" }, source: { ...SRC, app: "payments" } }),
      opts(localGate("gitops", { app: "payments" }), { dryRun: true }),
    );
    expect(r.status).toBe("dry-run");
    expect(Object.keys(r.gate!.renderedDiff!)).toEqual(["payments/dev"]);
    expect(r.gate!.renderedDiff!["payments/dev"]).toMatch(/\+\s+image: "?[^"\n]+:2\.0\.0"?/);
  });
});
