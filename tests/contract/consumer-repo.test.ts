/**
 * The consumer fixture (another team's repository with the module as a toolchain) with the real,
 * pinned tools: its gitops tree validates as `dagger check`'s validate-check runs it, and still
 * does after the add-app generator's files are written (what `dagger generate` applies).
 */
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { planAddApp } from "../../dagger/src/core/scaffold/add-app.js";
import { readScaffoldSource } from "../../dagger/src/core/scaffold/source.js";
import { ROOT } from "../helpers/tools.js";
import { validateLocally } from "./local-validation.js";

const DEPLOY = join(ROOT, "tests", "fixtures", "consumer-repo", "deploy");
const walk = (d: string, r = d): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), r) : [relative(r, join(d, e.name)).split(sep).join("/")]));

describe("consumer fixture with the real tools", () => {
  it("its deploy tree validates (helm lint --strict, template, kubeconform, policy, Argo CD checks) in both environments", async () => {
    const r = await validateLocally(DEPLOY);
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(r.passed).toBe(true);
  });

  it("after add-app's files are written (dagger generate), the new app validates too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "consumer-deploy-"));
    cpSync(DEPLOY, dir, { recursive: true });
    const src = await readScaffoldSource(walk(dir), async (p) => readFileSync(join(dir, p), "utf8"));
    const plan = planAddApp(src, { name: "refunds", image: "registry.example.com/acme/refunds", tag: "0.1.0", from: "" });
    for (const f of plan.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.text);
    }
    const r = await validateLocally(dir, undefined, "refunds");
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(r.passed).toBe(true);
  });
});
