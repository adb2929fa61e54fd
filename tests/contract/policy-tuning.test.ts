/**
 * Policy tuned from the team's own files, through the real helm, kustomize and kubeconform: the
 * `policy:` section of gitops-pipeline.yaml (levels, a per-environment override, a profile) and
 * the waivers file (a waiver that applies, an expired one, one without a reason, an unused one).
 */
import { describe, expect, it } from "vitest";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize, validationReport } from "../../dagger/src/core/validate/validation.js";
import { validateLocally } from "./local-validation.js";
import { ROOT } from "../helpers/tools.js";

/** A copy of gitops/ with the fixture laid over it (FIXTURE.md excluded). */
function overlay(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${fixture}-`));
  cpSync(join(ROOT, "gitops"), dir, { recursive: true });
  cpSync(join(ROOT, "tests", "fixtures", fixture), dir, { recursive: true });
  rmSync(join(dir, "FIXTURE.md"));
  return dir;
}

const pick = (r: Awaited<ReturnType<typeof validateLocally>>, severity: string) =>
  [
    ...new Set(
      r.findings
        .filter((f) => f.severity === severity && f.source === "policy")
        .map((f) => `${f.environment ?? "-"}${f.overlay ? " kustomize" : ""} ${f.rule}`),
    ),
  ].sort();

describe("gitops-policy-tuning: levels, a profile and the waivers file with the real tools", () => {
  it("fails on exactly the broken waivers and what the expired one no longer waives; the rest is tuned as declared", async () => {
    const r = await validateLocally(overlay("gitops-policy-tuning"));
    expect(r.passed).toBe(false);
    expect(pick(r, "error")).toEqual(["- POL-WAIVER", "- POL-WAIVER-EXPIRED", "prod POL-PROD-PDB"]);
    // dev's Unconfined seccomp is off (not reported); staging's unset one is a warning (baseline profile);
    // the unused waiver is a warning (its level raised in gitops-pipeline.yaml).
    expect(pick(r, "warning")).toEqual(["- POL-WAIVER-UNUSED", "staging POL-SECCOMP"]);
    expect(pick(r, "info")).toEqual(["prod POL-PROD-REPLICAS"]);
    expect(r.findings.filter((f) => f.environment === "dev" && f.source === "policy")).toEqual([]);
    const byRule = (rule: string) => r.findings.find((f) => f.rule === rule)!;
    expect(byRule("POL-WAIVER")).toMatchObject({ file: "policy-waivers.yaml", line: 14, path: "waivers[2].reason" });
    expect(byRule("POL-WAIVER-EXPIRED")).toMatchObject({ file: "policy-waivers.yaml", line: 9, path: "waivers[1].expires" });
    expect(byRule("POL-WAIVER-UNUSED")).toMatchObject({ file: "policy-waivers.yaml", path: "waivers[3].match" });
    expect(byRule("POL-PROD-REPLICAS").waived).toMatch(/singleton consumer/);
    // Every finding that is not waived says how to waive or lower it from the team's files.
    for (const f of r.findings.filter((x) => x.source === "policy" && !x.waived)) expect(f.hint, `${f.rule} ${f.message}`).toMatch(/^to (waive|fix): /);
    expect(byRule("POL-PROD-PDB").hint).toBe(
      'to waive: add {rule: POL-PROD-PDB, match: {environment: prod, kind: Deployment, name: gitops-demo}, reason: "<why>"} to policy-waivers.yaml (waivers:); or set policy.environments.prod.rules.POL-PROD-PDB: warning in gitops-pipeline.yaml',
    );
    // The summary prints each error's hint under it, and counts the warnings and the unused waiver.
    const text = summarize(r);
    expect(text).toContain("    to waive: add {rule: POL-PROD-PDB");
    expect(text).toMatch(/ \d+ warnings \(not blocking/);
    expect(text).toMatch(/1 waiver of the waivers file waived nothing/);
    expect(validationReport(r).summary).toMatch(
      /^validate failed: dev, staging, prod, 3 kustomize overlays, .*\(POL-PROD-PDB, POL-WAIVER-EXPIRED, POL-WAIVER\)/,
    );
  });

  it("with the broken waivers mended from the team's files only, it passes", async () => {
    const dir = overlay("gitops-policy-tuning");
    const file = join(dir, "policy-waivers.yaml");
    const text = readFileSync(file, "utf8")
      .replace("expires: 2020-01-31", "expires: 2099-01-31")
      .replace("  - rule: POL-SECCOMP\n    match: {environment: staging}\n", "");
    writeFileSync(file, text);
    const r = await validateLocally(dir);
    expect(
      r.findings.filter((f) => f.severity === "error"),
      summarize(r),
    ).toEqual([]);
    expect(r.passed).toBe(true);
    expect(pick(r, "info")).toEqual(["prod POL-PROD-PDB", "prod POL-PROD-REPLICAS"]);
    expect(pick(r, "warning")).toEqual(["- POL-WAIVER-UNUSED", "staging POL-SECCOMP"]);
  });

  it("a waivers file with a shape error fails the call naming the file and the path", async () => {
    const dir = overlay("gitops-policy-tuning");
    writeFileSync(join(dir, "policy-waivers.yaml"), "waivers:\n  - rule: POL-RESOURCES\n    match: {kind: Deployment}\n    reason: r\n    expires: soon\n");
    await expect(validateLocally(dir)).rejects.toThrow(/policy-waivers.yaml: waivers.0.expires: is not a date/);
  });
});

describe("gitops-policy-node-agent: a chart the team does not own, tuned from the team's files only", () => {
  /** The fixture tree (a whole tree, not an overlay) in a fresh directory. */
  function tree(): string {
    const dir = mkdtempSync(join(tmpdir(), "node-agent-"));
    cpSync(join(ROOT, "tests", "fixtures", "gitops-policy-node-agent"), dir, { recursive: true });
    rmSync(join(dir, "FIXTURE.md"));
    return dir;
  }

  it("passes on the baseline profile with the host access waived by a name glob, in every environment", async () => {
    const r = await validateLocally(tree());
    expect(
      r.findings.filter((f) => f.severity === "error"),
      summarize(r),
    ).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.findings.filter((f) => f.waived).map((f) => `${f.environment} ${f.rule} ${f.path}`)).toEqual([
      "dev POL-NO-HOST-NAMESPACES spec.template.spec.hostNetwork",
      "dev POL-NO-HOST-NAMESPACES spec.template.spec.hostPID",
      "dev POL-NO-HOST-PATH spec.template.spec.volumes[0].hostPath",
      "prod POL-NO-HOST-NAMESPACES spec.template.spec.hostNetwork",
      "prod POL-NO-HOST-NAMESPACES spec.template.spec.hostPID",
      "prod POL-NO-HOST-PATH spec.template.spec.volumes[0].hostPath",
    ]);
  });

  it("without the waivers file it fails on the host rules only (baseline errors); the hints' entries, added to the file, make it pass", async () => {
    const dir = tree();
    rmSync(join(dir, "policy-waivers.yaml"));
    const failed = await validateLocally(dir);
    const errors = failed.findings.filter((f) => f.severity === "error");
    expect([...new Set(errors.map((f) => f.rule))].sort()).toEqual(["POL-NO-HOST-NAMESPACES", "POL-NO-HOST-PATH"]);
    const entries = [...new Set(errors.map((f) => /^to waive: add (\{.*\}) to policy-waivers.yaml/.exec(f.hint ?? "")![1]!))];
    expect(entries).toContain('{rule: POL-NO-HOST-PATH, match: {environment: prod, kind: DaemonSet, name: agent-node-agent}, reason: "<why>"}');
    appendFileSync(join(dir, "policy-waivers.yaml"), `waivers:\n${entries.map((e) => `  - ${e.replace("<why>", "reads the node's /proc")}\n`).join("")}`);
    const mended = await validateLocally(dir);
    expect(mended.passed, summarize(mended)).toBe(true);
    expect(mended.findings.filter((f) => f.waived)).toHaveLength(errors.length);
  });
});
