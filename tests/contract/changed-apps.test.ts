/**
 * `--changed-files` over real git: a repository holding the multi-app sample under gitops/
 * (gitops-demo and payments share charts/gitops-demo), two commits, the changed files as
 * `git diff --name-only <base> HEAD` prints them, then validate with the real helm, kustomize and
 * kubeconform: a change in one app's values validates that app only (and lists the other as
 * skipped); a change to the shared chart validates both.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validationReport } from "../../dagger/src/core/validate/validation.js";
import { validateLocally } from "./local-validation.js";
import { ROOT } from "../helpers/tools.js";

function git(repo: string, ...args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: repo, encoding: "utf8" });
  if (r.error) throw new Error(`git is not installed (install it with your package manager): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** A repository with the multi-app sample at gitops/, committed; returns the repository and its first commit. */
function repository(): { repo: string; base: string } {
  const repo = mkdtempSync(join(tmpdir(), "changed-apps-"));
  const tree = join(repo, "gitops");
  mkdirSync(tree);
  cpSync(join(ROOT, "gitops"), tree, { recursive: true });
  cpSync(join(ROOT, "tests", "fixtures", "gitops-multi-app"), tree, { recursive: true });
  rmSync(join(tree, "FIXTURE.md"));
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "base");
  return { repo, base: git(repo, "rev-parse", "HEAD").trim() };
}

/** Change `file` of the tree by one line, commit, and return what git diff --name-only says changed since `base`. */
function changeAndDiff(repo: string, base: string, file: string): string[] {
  appendFileSync(join(repo, "gitops", file), "\n# one-line change\n");
  git(repo, "commit", "-q", "-am", `change ${file}`);
  return git(repo, "diff", "--name-only", base, "HEAD").split("\n").filter(Boolean);
}

describe("validate --changed-files from a real git diff of two commits", () => {
  it("a change in payments' values validates payments only and says why gitops-demo is skipped", async () => {
    const { repo, base } = repository();
    const changed = changeAndDiff(repo, base, "apps/payments/dev/values.yaml");
    expect(changed).toEqual(["gitops/apps/payments/dev/values.yaml"]);
    const r = await validateLocally(join(repo, "gitops"), undefined, undefined, changed);
    expect(r.passed).toBe(true);
    expect(r.apps).toEqual(["payments"]);
    expect(new Set(r.environments.map((e) => e.app))).toEqual(new Set(["payments"]));
    expect(r.argvs.filter((a) => a[1] === "template").every((a) => a[2] === "payments")).toBe(true);
    expect(r.changes).toEqual([
      { app: "gitops-demo", selected: false, reason: "none of the 1 changed file under gitops/ is its chart, values or overlays" },
      { app: "payments", selected: true, reason: "changed: apps/payments/dev/values.yaml (dev's values)" },
    ]);
    const report = validationReport(r);
    expect(report.summary).toMatch(/; skipped \(unchanged since the base\): gitops-demo$/);
    expect(report.details).toContain("gitops-demo: skipped, none of the 1 changed file under gitops/ is its chart, values or overlays");
  });

  it("a change to the shared chart validates every app that uses it", async () => {
    const { repo, base } = repository();
    const changed = changeAndDiff(repo, base, "charts/gitops-demo/templates/service.yaml");
    const r = await validateLocally(join(repo, "gitops"), undefined, undefined, changed);
    expect(r.passed).toBe(true);
    expect(r.apps).toEqual(["gitops-demo", "payments"]);
    expect(r.changes!.every((c) => c.selected && c.reason === "changed: charts/gitops-demo/templates/service.yaml (its chart charts/gitops-demo)")).toBe(true);
  });

  it("a change outside the tree validates nothing and passes, listing every app as skipped", async () => {
    const { repo, base } = repository();
    appendFileSync(join(repo, "README.md"), "readme\n");
    git(repo, "add", "README.md");
    git(repo, "commit", "-q", "-m", "docs");
    const changed = git(repo, "diff", "--name-only", base, "HEAD").split("\n").filter(Boolean);
    const r = await validateLocally(join(repo, "gitops"), undefined, undefined, changed);
    expect(r.environments).toEqual([]);
    expect(r.argvs.filter((a) => a[1] === "template" && a[2] !== "argocd-apps")).toEqual([]);
    expect(validationReport(r).summary).toBe(
      "validate passed: no app changed since the base, nothing to validate; skipped (unchanged since the base): gitops-demo, payments",
    );
  });
});
