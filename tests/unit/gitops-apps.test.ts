import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { DEFAULT_GITOPS_CONFIG, environmentLayout, parseGitopsConfig, parsePipelineConfig, selectApp } from "../../dagger/src/core/gitops-config.js";
import { layoutOf, readLayout } from "../../dagger/src/core/writeback/layout.js";
import { parseInputs } from "../../dagger/src/core/inputs.js";
import { appInputs, ciAppInputs } from "../../dagger/src/core/validate/inputs.js";

const SAMPLE = readFileSync("tests/fixtures/gitops-multi-app/gitops-pipeline.yaml", "utf8");
const DUPLICATE = readFileSync("tests/fixtures/gitops-multi-app-duplicate/gitops-pipeline.yaml", "utf8");

const apps = (...names: string[]) =>
  `apps:\n${names.map((n) => `  - name: ${n}\n    chart: charts/${n}\n    environments:\n      dev: { values: [${n}/dev.yaml] }\n`).join("")}`;

describe("gitops-pipeline.yaml with apps: (several apps in one tree)", () => {
  it("reads the multi-app sample: two apps, their charts, defaults for release, namespace and Application", () => {
    const p = parsePipelineConfig(SAMPLE);
    expect(p.multiApp).toBe(true);
    expect(p.apps.map((a) => [a.name, a.chart, a.release, a.kustomize])).toEqual([
      ["gitops-demo", "charts/gitops-demo", "gitops-demo", "kustomize"],
      ["payments", "charts/gitops-demo", "payments", undefined],
    ]);
    expect(p.apps[1]!.environments.prod).toEqual({
      values: ["apps/payments/prod/values.yaml"],
      namespace: "payments-prod",
      application: "payments-prod",
      production: true,
      sync: { automated: true, prune: true, selfHeal: true, createNamespace: true },
    });
    // The first app of the sample is the repository's own, with the same environments as its single-app file.
    expect(p.apps[0]!.environments).toEqual(DEFAULT_GITOPS_CONFIG.environments);
  });

  it("the single-app form is one app named after its release, as before", () => {
    const p = parsePipelineConfig(readFileSync("gitops/gitops-pipeline.yaml", "utf8"));
    expect(p.multiApp).toBe(false);
    expect(p.apps).toEqual([DEFAULT_GITOPS_CONFIG]);
    expect(selectApp(p)).toEqual(DEFAULT_GITOPS_CONFIG);
    expect(selectApp(p, "gitops-demo")).toEqual(DEFAULT_GITOPS_CONFIG);
  });

  it("a stage working on one app needs the name in a multi-app tree, and names the argument it was given as", () => {
    const p = parsePipelineConfig(SAMPLE);
    expect(() => selectApp(p)).toThrow(
      /^--app: is missing: gitops-pipeline.yaml declares 2 apps \(gitops-demo, payments\)\. pass the app to work on, one of: gitops-demo, payments$/,
    );
    expect(() => selectApp(p, "", "gitopsApp")).toThrow(/^--gitops-app: is missing/);
    expect(() => selectApp(p, "refunds")).toThrow(/^--app: unknown app 'refunds' \(gitops-pipeline.yaml declares gitops-demo, payments\)/);
    expect(selectApp(p, "payments").release).toBe("payments");
    expect(() => parseGitopsConfig(SAMPLE)).toThrow(/^--app: is missing/);
    expect(parseGitopsConfig(SAMPLE, "gitops-pipeline.yaml", "payments").name).toBe("payments");
  });

  it("a repeated app name is kept out of apps and refused by name, so validate can report it and the others still work", () => {
    const p = parsePipelineConfig(DUPLICATE);
    expect(p.apps.map((a) => a.name)).toEqual(["gitops-demo", "payments"]);
    expect(p.duplicates).toEqual([{ name: "payments", index: 2, environments: ["dev"] }]);
    expect(() => selectApp(p, "payments")).toThrow(/^--app: app 'payments' is declared twice in gitops-pipeline.yaml \(apps\.2 repeats the name\)/);
    expect(selectApp(p, "gitops-demo").name).toBe("gitops-demo");
  });

  it("bad apps: entries are input errors naming the field", () => {
    expect(() => parsePipelineConfig("apps: []\n")).toThrow(/^gitops-pipeline.yaml: apps: lists no app/);
    expect(() => parsePipelineConfig(apps("Orders"))).toThrow(/^gitops-pipeline.yaml: apps\.0\.name: app names are DNS-1123 labels/);
    expect(() => parsePipelineConfig("apps:\n  - name: x\n    environments:\n      dev: {}\n")).toThrow(
      /^gitops-pipeline.yaml: apps\.0: app x has neither a chart nor a kustomize base/,
    );
    expect(parsePipelineConfig("apps:\n  - name: x\n    chart: c\n    environments:\n      dev: {}\n").apps[0]!.environments.dev!.values).toEqual([]);
    expect(() => parsePipelineConfig("apps:\n  - name: x\n    chart: c\n    environments: {}\n")).toThrow(
      /^gitops-pipeline.yaml: apps\.0\.environments: declares no environment/,
    );
    expect(() => parsePipelineConfig(`${apps("a")}chart: charts/x\n`)).toThrow(
      /^gitops-pipeline.yaml: chart: is not a known key \(known here: repoPath, argocd, policy, verification, commitSigning, apps\)/,
    );
    expect(() => parsePipelineConfig("apps:\n  - name: x\n    chart: ../c\n    environments:\n      dev: { values: [a.yaml] }\n")).toThrow(
      /apps\.0\.chart: must be a relative path inside the gitops tree/,
    );
  });

  it("the app argument: a DNS label or empty, trimmed; anything else names the argument", () => {
    expect(parseInputs(appInputs, { app: " payments " }).app).toBe("payments");
    expect(parseInputs(appInputs, { app: "" }).app).toBe("");
    for (const bad of ["Payments", "pay_ments", "-pay", "pay-"]) expect(() => parseInputs(appInputs, { app: bad }), bad).toThrow(/^--app: is not an app name/);
    expect(() => parseInputs(ciAppInputs, { gitopsApp: "Pay!" })).toThrow(/^--gitops-app: is not an app name/);
  });

  it("a kustomize-only app needs no values files; e2e refuses it (it installs a chart)", () => {
    const p = parsePipelineConfig("apps:\n  - name: k\n    kustomize: kustomize\n    writeBack: { format: kustomize }\n    environments:\n      dev: {}\n");
    expect(p.apps[0]).toMatchObject({ name: "k", kustomize: "kustomize", environments: { dev: { values: [], namespace: "k-dev" } } });
    expect(p.apps[0]!.chart).toBeUndefined();
    expect(() => environmentLayout(p.apps[0]!, "dev")).toThrow(/^--app: app k has no chart \(it is a kustomize base\)/);
  });

  it("any list of distinct app names: each is selected by its name, and only by it", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), { minLength: 2, maxLength: 6 }), (names) => {
        const p = parsePipelineConfig(apps(...names));
        for (const n of names) expect(selectApp(p, n).chart).toBe(`charts/${n}`);
        expect(() => selectApp(p)).toThrow(/^--app: is missing/);
      }),
      { numRuns: 50 },
    );
  });

  it("the write-back reads the app's environments: a bump of payments writes payments' values file", async () => {
    const read = async (p: string) => (p === "gitops/gitops-pipeline.yaml" ? SAMPLE : undefined);
    const l = await readLayout(read, { root: "gitops", app: "payments" });
    expect(l.values.prod).toEqual(["apps/payments/prod/values.yaml"]);
    expect(l.release).toBe("payments");
    await expect(readLayout(read, { root: "gitops" })).rejects.toThrow(/^--app: is missing/);
    // No gitops-pipeline.yaml: the default layout, whose only app may be named.
    expect(layoutOf(DEFAULT_GITOPS_CONFIG, { root: "" }).release).toBe("gitops-demo");
    const sample = async (p: string) => (p === "charts/gitops-demo/Chart.yaml" ? "name: gitops-demo\n" : undefined);
    await expect(readLayout(sample, { root: "", app: "payments" })).rejects.toThrow(/^--app: unknown app 'payments'/);
    // Another tree without the file: refused, pointing at the layout validate discovers.
    await expect(readLayout(async () => undefined, { root: "" })).rejects.toThrow(/^gitops-pipeline.yaml: is missing: .*GITOPS-DISCOVERED/s);
  });
});
