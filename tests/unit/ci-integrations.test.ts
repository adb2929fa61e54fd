import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { moduleApi } from "../helpers/module-api.js";
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

/** Every `dagger ... call ci <flags> artifacts export ...` command line in the integrations. */
function ciInvocations(): { file: string; flags: string[]; chain: string[] }[] {
  const out: { file: string; flags: string[]; chain: string[] }[] = [];
  for (const { file, doc } of docs) {
    const texts: string[] = [];
    const visit = (v: unknown): void => {
      if (typeof v === "string") texts.push(v);
      else if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === "object") Object.values(v).forEach(visit);
    };
    visit(doc);
    for (const t of texts) {
      const words = t.replace(/\\\n/g, " ").split(/\s+/).filter(Boolean);
      const start = words.indexOf("ci");
      const isCall = start >= 0 && (words[start - 1] === "call" || /^ci$/.test(words[0] ?? "") || t.trim().startsWith("ci"));
      if (!isCall) continue;
      const rest = words.slice(start + 1);
      if (rest.length === 0) continue; // a step's name ("dagger call ci"), not a command
      const flags = rest.filter((w) => w.startsWith("--")).map((w) => w.replace(/^--/, "").split("=")[0]!);
      const chain = rest.filter((w) => !w.startsWith("--") && /^[a-z][a-z-]*$/.test(w));
      out.push({ file, flags, chain });
    }
  }
  return out;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

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

  it("pass only flags that `ci` declares, and chain functions the report has", async () => {
    const api = await moduleApi();
    const ci = api.objects.GitopsPipeline!.methods.ci;
    expect(ci, "GitopsPipeline.ci").toBeDefined();
    const args = new Set(Object.keys(ci!.arguments));
    const calls = ciInvocations();
    expect(calls.length).toBeGreaterThanOrEqual(4);
    const reportType = ci!.returnType.name!;
    const report = Object.values(api.objects).find((o) => o.name === reportType || `GitopsPipeline${o.name}` === reportType);
    expect(report, `report object ${reportType}`).toBeDefined();
    for (const { file, flags, chain } of calls) {
      for (const f of flags.filter((f) => f !== "path")) expect(args.has(camel(f)), `${file}: ci has no --${f}`).toBe(true);
      expect(chain[0], file).toBe("artifacts");
      expect(Object.keys(report!.methods).includes("artifacts") || Object.keys(report!.properties).includes("artifacts"), "artifacts()").toBe(true);
    }
  });
});
