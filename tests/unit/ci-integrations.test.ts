import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { ROOT } from "../helpers/tools.js";

/**
 * Inputs of dagger/dagger-for-github v8.4.1, from its action.yml at that tag (all optional).
 * `engine-stop` is deprecated (a no-op) and deliberately left out, so using it fails here.
 */
const DAGGER_ACTION = "dagger/dagger-for-github";
const DAGGER_ACTION_TAG = "v8.4.1";
const DAGGER_ACTION_INPUTS = new Set([
  "version",
  "commit",
  "dagger-flags",
  "verb",
  "workdir",
  "cloud-token",
  "module",
  "args",
  "call",
  "shell",
  "check",
  "summary-path",
  "enable-github-summary",
]);

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const files = [...yamlFiles(".github"), ...yamlFiles("ci")];
const docs = files.map((f) => ({ file: f.slice(ROOT.length + 1), doc: parse(readFileSync(f, "utf8")) as unknown }));

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
}

function steps(doc: unknown): Step[] {
  const out: Step[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.uses === "string") out.push(o as Step);
      Object.values(o).forEach(visit);
    }
  };
  visit(doc);
  return out;
}

describe("CI integrations", () => {
  it("are valid YAML", () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const { file, doc } of docs) expect(doc, file).toBeTruthy();
  });

  it("pin the Dagger action to an exact release and use only its documented inputs", () => {
    const uses = docs.flatMap(({ file, doc }) => steps(doc).map((s) => ({ file, s }))).filter(({ s }) => s.uses!.startsWith(DAGGER_ACTION));
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const { file, s } of uses) {
      expect(s.uses, file).toBe(`${DAGGER_ACTION}@${DAGGER_ACTION_TAG}`);
      for (const key of Object.keys(s.with ?? {})) expect(DAGGER_ACTION_INPUTS.has(key), `${file}: unknown input '${key}'`).toBe(true);
    }
  });

  it("pin the Dagger version to the module's engineVersion everywhere", () => {
    const engine = (JSON.parse(readFileSync(join(ROOT, "dagger.json"), "utf8")) as { engineVersion: string }).engineVersion;
    expect(engine).toBe(`v${VERSIONS.dagger}`);
    const pinned: string[] = [];
    for (const { file, doc } of docs) {
      for (const s of steps(doc)) {
        if (!s.uses!.startsWith(DAGGER_ACTION)) continue;
        const v = String(s.with?.version ?? "");
        if (v.includes("inputs.dagger-version")) {
          const inputs = (doc as { inputs: Record<string, { default?: string }> }).inputs;
          pinned.push(`${file}:${inputs["dagger-version"]!.default}`);
        } else pinned.push(`${file}:${v}`);
      }
      const vars = JSON.stringify(doc).match(/"DAGGER_VERSION":"([^"]*)"/g) ?? [];
      pinned.push(...vars.map((m) => `${file}:${m.split(":")[1]!.replace(/"/g, "")}`));
    }
    expect(pinned.length).toBeGreaterThanOrEqual(5);
    for (const p of pinned) expect(p.split(":").pop(), p).toBe(VERSIONS.dagger);
  });

  it("every dagger-for-github call step chains the ci run's artifacts export, so the job summary and status exist", () => {
    const calls = docs.flatMap(({ file, doc }) =>
      steps(doc)
        .filter((s) => s.uses!.startsWith(DAGGER_ACTION) && s.with?.verb === "call" && s.with?.module !== "dagger/tests")
        .map((s) => ({ file, args: String(s.with?.args ?? "") })),
    );
    const ci = calls.filter((c) => /(^|\s)ci(\s|$)/.test(c.args));
    expect(ci.length).toBeGreaterThanOrEqual(2);
    for (const { file, args } of ci) expect(args, file).toMatch(/\bci\b[\s\S]*\bartifacts\s+export --path=/);
  });

  it("the validate-only template for a separate gitops repository validates its tree and fails the job on an error, with no secret", () => {
    const [call, ...more] = docs
      .filter((d) => d.file === "ci/github/gitops-validate.yml")
      .flatMap(({ doc }) => steps(doc).filter((s) => s.uses!.startsWith(DAGGER_ACTION)));
    expect(more).toEqual([]);
    const args = String(call!.with?.args ?? "")
      .split(/\s+/)
      .filter(Boolean);
    expect(args.slice(-3)).toEqual(["manifests", "validate", "assert"]);
    expect(args).toContain("--source=.");
    expect(JSON.stringify(call)).not.toMatch(/secrets\.|env:\/\//);
  });
});

describe("the shipped workflow (.github/workflows/ci.yml)", () => {
  const text = readFileSync(join(ROOT, ".github", "workflows", "ci.yml"), "utf8");
  const wf = parse(text) as {
    on: { push: { branches: string[]; tags: string[] } };
    jobs: Record<string, { steps: (Step & { name?: string; if?: string; env?: Record<string, string> })[] }>;
  };
  const pipeline = wf.jobs.pipeline!.steps;
  const call = pipeline.find((s) => s.uses?.startsWith(DAGGER_ACTION))!;
  const args = String(call.with?.args ?? "");

  it("builds v* tags as releases: --tag and --released-tags come from a step that runs on tag builds only", () => {
    expect(wf.on.push.tags).toEqual(["v*"]);
    expect(wf.on.push.branches).toEqual(["main"]);
    const tags = pipeline.find((s) => s.name === "Release tags")!;
    expect(tags.if).toBe("github.ref_type == 'tag'");
    expect(tags.run).toContain("RELEASE_TAG=$GITHUB_REF_NAME");
    expect(tags.run).toMatch(/RELEASED_TAGS=\$\(git ls-remote --tags --refs origin 'v\*'/);
    expect(args).toContain("--tag=${{ env.RELEASE_TAG }}");
    expect(args).toContain("--released-tags=${{ env.RELEASED_TAGS }}");
  });

  it("chains notify before the artifacts export, with the webhook as a secret reference", () => {
    expect(args).toMatch(/\bci\b[\s\S]*\bnotify\s+--webhook=env:\/\/SLACK_WEBHOOK_URL[\s\S]*\bartifacts\s+export/);
    expect(call.env?.SLACK_WEBHOOK_URL).toBe("${{ secrets.SLACK_WEBHOOK_URL }}");
  });

  it("passes every secret by env:// reference, never on the command line", () => {
    expect(args).not.toMatch(/secrets\./);
    for (const [name, value] of Object.entries(call.env ?? {})) {
      if (/secrets\./.test(value)) expect(args, name).toContain(`env://${name}`);
    }
  });

  it("every secret and variable it reads is listed in docs/ci.md's 'Configure the shipped workflow'", () => {
    const doc = readFileSync(join(ROOT, "docs", "ci.md"), "utf8");
    const from = doc.indexOf("### Configure the shipped workflow");
    expect(from, "docs/ci.md has the section").toBeGreaterThan(-1);
    const section = doc.slice(from, doc.indexOf("\n## ", from));
    expect(section.length).toBeGreaterThan(100);
    const used = new Set([...text.matchAll(/\b(secrets|vars)\.([A-Z_]+)/g)].map((m) => `${m[1]}.${m[2]}`));
    used.delete("secrets.GITHUB_TOKEN"); // provided by GitHub
    expect(used.size).toBeGreaterThanOrEqual(4); // GITOPS_TOKEN, GITOPS_SSH_KEY, SLACK_WEBHOOK_URL, NOTIFY_ON: the rest is the settings file
    for (const u of used) {
      const [kind, name] = u.split(".");
      expect(section, u).toMatch(new RegExp(`\\| \`${name}\` \\| ${kind === "secrets" ? "secret" : "variable"} \\|`));
    }
  });
});
