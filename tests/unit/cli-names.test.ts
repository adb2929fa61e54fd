/**
 * Every `dagger call` command line the project shows its users (README, CONTRIBUTING, docs/, the CI
 * integrations, the worked example's README, the GitHub workflow) uses the names the engine's CLI derives from the
 * module: kebab-cased functions and flags with digits split, enum values that match member names.
 * The first engine run found `dagger call e2e` (the CLI has `e-2-e`) and `--linter=flake8` (the
 * CLI wanted FLAKE_8) in the docs; this fails on the next such line.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { callsIn, checkCall, moduleOf, shellWords, type CliCall } from "../helpers/cli-calls.js";
import { moduleApi, type ModuleDef } from "../helpers/module-api.js";
import { ROOT } from "../helpers/tools.js";

// The README, CONTRIBUTING, every topic file under docs/ and the READMEs of the CI integrations,
// the worked example and the gitops tree. (docs/reference.md is generated from the API itself.)
const DOCS = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md") && f !== "reference.md")
    .map((f) => `docs/${f}`),
  "ci/README.md",
  "ci/examples/team-module/README.md",
  "gitops/README.md",
];

function files(dir: string, re: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && re.test(e.name))
    .map((e) => join(e.parentPath, e.name).slice(ROOT.length + 1));
}

/** Command lines in Markdown: fenced code blocks and inline code. */
function markdownCalls(file: string): CliCall[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: CliCall[] = [];
  for (const m of text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) out.push(...callsIn(m[1]!, file));
  const prose = text.replace(/```[a-z]*\n[\s\S]*?```/g, "");
  for (const m of prose.matchAll(/`(dagger [^`]*\bcall\b[^`]*)`/g)) out.push(...callsIn(m[1]!, file));
  return out;
}

/** Command lines in YAML: shell scripts anywhere, and dagger-for-github steps (verb call + args). */
function yamlCalls(file: string): CliCall[] {
  const doc = parse(readFileSync(join(ROOT, file), "utf8")) as unknown;
  const out: CliCall[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === "string") out.push(...callsIn(v, file));
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") {
      const o = v as { uses?: string; with?: Record<string, unknown> };
      if (typeof o.uses === "string" && o.uses.startsWith("dagger/dagger-for-github") && o.with?.verb === "call") {
        out.push({ where: file, module: moduleOf(o.with.module as string | undefined), words: shellWords(String(o.with.args ?? o.with.call ?? "")) });
        return;
      }
      Object.values(v).forEach(visit);
    }
  };
  visit(doc);
  return out;
}

const allCalls = (): CliCall[] => [...DOCS.flatMap(markdownCalls), ...[...files(".github", /\.ya?ml$/), ...files("ci", /\.ya?ml$/)].flatMap(yamlCalls)];

async function apis(): Promise<Record<string, ModuleDef>> {
  return { main: await moduleApi(), tests: await moduleApi("dagger/tests/src", "tests"), example: await moduleApi("ci/examples/team-module/src", "shop-ci") };
}

describe("dagger call lines use the engine's CLI names", () => {
  it("finds the calls it checks (the extraction is not blind)", () => {
    const calls = allCalls();
    expect(calls.length).toBeGreaterThanOrEqual(25);
    const firsts = new Set(calls.map((c) => c.words.find((w) => !w.startsWith("-"))));
    for (const fn of ["ci", "app", "manifests", "gitops-repo", "all", "versions"]) expect(firsts, fn).toContain(fn);
    const where = new Set(calls.map((c) => c.where));
    for (const f of [
      ".github/workflows/ci.yml",
      "ci/github/action.yml",
      "ci/gitlab/gitops-pipeline.gitlab-ci.yml",
      "ci/circleci/config.yml",
      "README.md",
      "CONTRIBUTING.md",
      "docs/pipeline.md",
      "docs/ci.md",
      "docs/write-back.md",
      "docs/verify.md",
      "gitops/README.md",
    ])
      expect(where, f).toContain(f);
  });

  it("every CI template's ci call passes only CI context and secrets (the rest is the settings file), builds release tags and can verify the deploy", () => {
    const templates = ["ci/github/action.yml", "ci/gitlab/gitops-pipeline.gitlab-ci.yml", "ci/circleci/config.yml", ".github/workflows/ci.yml"];
    // (a step named "dagger call ci" is prose, not a call: a real call has flags)
    const ciCalls = allCalls().filter((c) => templates.includes(c.where) && c.words.includes("ci") && c.module === "main" && c.words.length > 2);
    expect(new Set(ciCalls.map((c) => c.where))).toEqual(new Set(templates));
    // CI context, one-off overrides, and the secrets: nothing a team decides once.
    const allowed = [
      "--commit",
      "--run-number",
      "--branch",
      "--tag",
      "--version",
      "--released-tags",
      "--registry-username",
      "--environment",
      "--changed-since",
    ];
    const secrets = [
      "--registry-password",
      "--gitops-token",
      "--gitops-ssh-key",
      "--gitops-api-token",
      "--argocd-token",
      "--argocd-kubeconfig",
      "--cosign-key",
      "--cosign-password",
      "--identity-token",
    ];
    for (const c of ciCalls) {
      for (const w of c.words.slice(c.words.indexOf("ci") + 1)) {
        if (!w.startsWith("--")) break; // the next function (artifacts, notify) takes its own flags
        expect(
          allowed.concat(secrets).some((a) => w === a || w.startsWith(`${a}=`)),
          `${c.where}: ${w} belongs in gitops-pipeline.settings.yaml`,
        ).toBe(true);
      }
      expect(
        c.words.some((w) => w.startsWith("--tag")),
        `${c.where} --tag`,
      ).toBe(true);
      if (c.where !== ".github/workflows/ci.yml")
        expect(
          c.words.some((w) => w.startsWith("--argocd-token")),
          `${c.where} --argocd-token`,
        ).toBe(true);
      for (const w of c.words.filter((x) => secrets.some((sec) => x.startsWith(`${sec}=`))))
        expect(w, `${c.where}: a secret by env:// reference`).toMatch(/=env:\/\//);
    }
  });

  it("every function, flag and enum value exists under the engine's naming", async () => {
    const api = await apis();
    const problems = allCalls().flatMap((c) => checkCall(api[c.module]!, c));
    expect(problems).toEqual([]);
  }, 60_000);

  it("the check catches the names the first engine run found wrong", async () => {
    const { main } = await apis();
    const bad = (line: string) => checkCall(main!, callsIn(line, "x")[0]!);
    expect(bad("dagger call manifests e2e").join()).toMatch(/e2e: no function of that name on Manifests/);
    expect(bad("dagger call app lint --linter=flake8").join()).toMatch(/--linter: no such flag/);
    expect(bad("dagger call gitops-repo with-format --format=helmm").join()).toMatch(/"helmm" is not one of HELM,KUSTOMIZE/);
    expect(bad("dagger call ci --e-2-e=false").join()).toMatch(/--e-2-e: no such flag/);
    expect(bad("dagger call --source=./app app lint --linters=flake8,pylint summary")).toEqual([]);
    expect(bad("dagger call gitops-repo with-format --format=kustomize bump --tag 1 summary")).toEqual([]);
  });
});
