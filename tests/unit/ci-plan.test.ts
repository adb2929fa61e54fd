import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildVersionOf, shortCommit } from "../../dagger/src/core/app/image-build.js";
import { parseVersion } from "../../dagger/src/core/inputs.js";
import { CI_STAGES, ciGraph, decideCi, type CiInputs, type CiStageName } from "../../dagger/src/core/ci/plan.js";
import { runStages, stageGroups, type StageOutcome } from "../../dagger/src/core/ci/orchestrate.js";

const base: CiInputs = {
  commit: "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901",
  runNumber: "29",
  branch: "main",
  version: "",
  imageRepository: "ghcr.io/acme/gitops-demo",
  hasRegistryPassword: true,
  releaseBranches: "main,release",
  gitopsRepo: "https://git.example.com/acme/deploy.git",
  hasGitopsCredentials: true,
  gitopsBranch: "main",
  environment: "dev",
  platforms: ["linux/amd64", "linux/arm64"],
  endToEnd: true,
  scan: true,
  scanSecrets: true,
  hasDeployCheck: true,
  rollbackOnFailure: true,
};

describe("decideCi", () => {
  it("runs everything on a release branch with credentials", () => {
    const d = decideCi(base);
    expect(d.skip).toEqual({});
    expect(d.appVersion).toBe("0.0.0-8855235");
    expect(d.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(d.releaseBranches).toEqual(["main", "release"]);
  });

  it("a laptop run (defaults) checks and builds but neither publishes nor bumps", () => {
    const d = decideCi({
      ...base,
      commit: "local",
      branch: "local",
      imageRepository: "",
      hasRegistryPassword: false,
      gitopsRepo: "",
      hasGitopsCredentials: false,
      hasDeployCheck: false,
      rollbackOnFailure: false,
    });
    expect(d.skip).toEqual({
      publish: "publishing not requested (no image.repository in gitops-pipeline.settings.yaml)",
      bump: "no gitops.repository in gitops-pipeline.settings.yaml: the deployment is not bumped",
      verify: "no Argo CD connection (verify.argocdServer with --argocd-token, or --argocd-kubeconfig): the deploy is not verified",
      rollback: "not requested (verify.rollbackOnFailure in gitops-pipeline.settings.yaml)",
    });
    expect(d.appVersion).toBe("0.0.0-local");
  });

  it("says why publishing is off", () => {
    expect(decideCi({ ...base, hasRegistryPassword: false }).skip.publish).toBe("publishing not requested (no --registry-password)");
    expect(decideCi({ ...base, branch: "feature/x" }).skip.publish).toBe('branch "feature/x" is not a release branch (main, release)');
    expect(decideCi({ ...base, hasGitopsCredentials: false }).skip.bump).toBe("no --gitops-token or --gitops-ssh-key for the gitops repository");
    expect(decideCi({ ...base, endToEnd: false }).skip.e2e).toMatch(/disabled \(e2e.enabled: false .*--end-to-end=false\)/);
    expect(decideCi({ ...base, scan: false }).skip.scan).toMatch(/disabled \(scan.enabled: false .*--scan=false\)/);
    expect(decideCi({ ...base, scanSecrets: false }).skip.secrets).toMatch(
      /disabled \(scan.secrets: false in gitops-pipeline.settings.yaml\); nothing is published without it/,
    );
  });

  it("verify runs after a pushed bump when a connection is given; rollback only when asked for, and only with verify", () => {
    expect(decideCi({ ...base, rollbackOnFailure: false }).skip).toEqual({
      rollback: "not requested (verify.rollbackOnFailure in gitops-pipeline.settings.yaml)",
    });
    expect(decideCi({ ...base, pullRequest: true, rollbackOnFailure: false }).skip.verify).toBe(
      "the bump opened a pull request: Argo CD deploys it once it is merged",
    );
    expect(() => decideCi({ ...base, hasDeployCheck: false })).toThrow(
      /^gitops-pipeline.settings.yaml: verify.rollbackOnFailure: needs verify to know the deploy failed/,
    );
    expect(() => decideCi({ ...base, pullRequest: true })).toThrow(/^gitops-pipeline.settings.yaml: verify.rollbackOnFailure: cannot follow a pull request/);
  });

  it("uses an explicit version as given", () => {
    expect(decideCi({ ...base, version: "1.4.0-rc.1" }).appVersion).toBe("1.4.0-rc.1");
  });

  it("a tag build: version from the tag, published whatever the branch, with the release tags", () => {
    const d = decideCi({ ...base, branch: "v1.2.3", tag: "v1.2.3" });
    expect(d.skip).toEqual({});
    expect(d.version).toBe("1.2.3");
    expect(d.appVersion).toBe("1.2.3");
    expect(d.release).toBe(true);
    expect(d.tagTemplates).toEqual(["{shortSha}-{run}", "v{version}-{shortSha}-{run}", "{env}-latest", "{version}", "{major}.{minor}", "{major}"]);
    // The same version given twice is fine; the v is accepted on either.
    expect(decideCi({ ...base, tag: "1.2.3", version: "v1.2.3" }).version).toBe("1.2.3");
    // A hotfix of an older line: 1.1 moves, 1 stays on 1.2.0.
    expect(decideCi({ ...base, tag: "v1.1.9", releasedTags: "v1.1.8,v1.2.0" }).tagTemplates).toEqual([
      "{shortSha}-{run}",
      "v{version}-{shortSha}-{run}",
      "{env}-latest",
      "{version}",
      "{major}.{minor}",
    ]);
    // A pre-release: its full version only.
    expect(decideCi({ ...base, tag: "v2.0.0-rc.1" }).tagTemplates.slice(3)).toEqual(["{version}"]);
  });

  it("without a tag nothing changes: release branches only, publish's default tags", () => {
    const d = decideCi({ ...base, releasedTags: "v9.9.9" });
    expect(d.release).toBe(false);
    expect(d.tagTemplates).toEqual([]);
    expect(decideCi({ ...base, branch: "v1.2.3" }).skip.publish).toBe('branch "v1.2.3" is not a release branch (main, release)');
  });

  it("a tag build still needs an image repository and a password to publish, and a real commit and run number", () => {
    expect(decideCi({ ...base, tag: "v1.2.3", hasRegistryPassword: false }).skip.publish).toBe("publishing not requested (no --registry-password)");
    expect(() => decideCi({ ...base, tag: "v1.2.3", commit: "local" })).toThrow(/^--commit: /);
  });

  it("refuses a tag that is not a semantic version, or one that contradicts --version, naming tag", () => {
    expect(() => decideCi({ ...base, tag: "release-7" })).toThrow(/^--tag: "release-7" is not a release tag/);
    expect(() => decideCi({ ...base, tag: "v1.2" })).toThrow(/^--tag: /);
    expect(() => decideCi({ ...base, tag: "v1.2.3", version: "1.2.4" })).toThrow(
      /^--tag: "v1.2.3" is version 1.2.3 but --version is 1.2.4\. leave --version out/,
    );
  });

  it("property: any semver tag, with or without v, is that version and a release", () => {
    const ver = fc
      .tuple(fc.nat(99), fc.nat(99), fc.nat(99), fc.option(fc.stringMatching(/^(alpha|beta|rc)\.[1-9]$/), { nil: undefined }))
      .map(([a, b, c, p]) => `${a}.${b}.${c}${p ? `-${p}` : ""}`);
    fc.assert(
      fc.property(ver, fc.boolean(), fc.boolean(), (v, withV, alsoVersion) => {
        const d = decideCi({ ...base, branch: "anything", tag: `${withV ? "v" : ""}${v}`, ...(alsoVersion ? { version: v } : {}) });
        expect(d.version).toBe(v);
        expect(d.appVersion).toBe(v);
        expect(d.release).toBe(true);
        expect(d.skip.publish).toBeUndefined();
        expect(d.tagTemplates.includes("{major}")).toBe(!v.includes("-"));
      }),
    );
  });

  it("refuses inputs no stage could use, naming the argument", () => {
    expect(() => decideCi({ ...base, platforms: ["linux/amd65"] })).toThrow(/^gitops-pipeline\.settings\.yaml: image\.platforms: /);
    expect(() => decideCi({ ...base, releaseBranches: " , " })).toThrow(/^gitops-pipeline\.settings\.yaml: release\.branches: is empty/);
    expect(() => decideCi({ ...base, runNumber: "29; rm -rf /" })).toThrow(/^--run-number: /);
    // app's revision refuses a slash; ci checks the same rule so the error names commit (found on the engine).
    expect(() => decideCi({ ...base, commit: "feature/x" })).toThrow(/^--commit: is not a commit id/);
    expect(() => decideCi({ ...base, version: "v1.2" })).toThrow(/^--version: "v1.2" is not a semantic version/);
  });

  it("short commit: 7 hex characters, or a sanitised name", () => {
    expect(shortCommit("ABCDEF0123456")).toBe("abcdef0");
    expect(shortCommit("my branch!")).toBe("my-branch");
    expect(shortCommit("!!!")).toBe("local");
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(shortCommit(s)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      }),
    );
  });

  it("the version of an unversioned build is semver for every commit and every name (found on the engine: 0123456… gave 0.0.0-0123456)", () => {
    expect(buildVersionOf("", "0123456789abcdef0123456789abcdef01234567")).toBe("0.0.0-g0123456");
    expect(buildVersionOf("", "8855235aaaa")).toBe("0.0.0-8855235");
    expect(buildVersionOf("", "abcdef0123")).toBe("0.0.0-abcdef0");
    expect(buildVersionOf("", "local")).toBe("0.0.0-local");
    const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 7, maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(hex, fc.string()), (c) => {
        expect(() => parseVersion(buildVersionOf("", c))).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});

type Fake = { ran: CiStageName[]; started: CiStageName[] };

function fakeRuns(fail: Partial<Record<CiStageName, boolean>>, f: Fake) {
  return Object.fromEntries(
    CI_STAGES.map((name) => [
      name,
      async (): Promise<StageOutcome<string>> => {
        f.started.push(name);
        await new Promise((r) => setTimeout(r, 1));
        f.ran.push(name);
        return { ok: !fail[name], summary: fail[name] ? `${name} broke` : `${name} ok`, artifacts: name };
      },
    ]),
  ) as Record<CiStageName, () => Promise<StageOutcome<string>>>;
}

describe("the ci stage graph", () => {
  it("has 7 sequential groups: checks + build + the source's secret scan, smoke + scan, e2e, publish, bump, verify, rollback", () => {
    const groups = stageGroups(ciGraph(fakeRuns({}, { ran: [], started: [] }), { skip: {} }));
    expect(groups).toEqual([["lint", "test", "validate", "build", "secrets"], ["smoke", "scan"], ["e2e"], ["publish"], ["bump"], ["verify"], ["rollback"]]);
  });

  it("the smoke check goes ahead of e2e; switched off (settings), e2e needs the build alone and still runs", async () => {
    const off = decideCi({ ...base, smoke: false });
    expect(off.skip.smoke).toBe("disabled (gitops-pipeline.settings.yaml: smoke.enabled: false); e2e still runs");
    expect(decideCi(base).skip.smoke).toBeUndefined();
    expect(stageGroups(ciGraph(fakeRuns({}, { ran: [], started: [] }), off))[1]).toEqual(["smoke", "e2e", "scan"]);
    const f: Fake = { ran: [], started: [] };
    const run = await runStages(ciGraph(fakeRuns({}, f), off));
    expect(f.started).toContain("e2e");
    expect(f.started).not.toContain("smoke");
    expect(run.stages.find((s) => s.name === "smoke")).toMatchObject({ status: "skipped" });
    expect(run.stages.find((s) => s.name === "e2e")).toMatchObject({ status: "passed" });
  });

  it("a failed smoke check blocks e2e (its minutes are spared) and so publishing", async () => {
    const f: Fake = { ran: [], started: [] };
    const run = await runStages(ciGraph(fakeRuns({ smoke: true }, f), { skip: {} }));
    expect(f.started).not.toContain("e2e");
    expect(run.stages.find((s) => s.name === "e2e")).toMatchObject({ status: "blocked", summary: "not run: smoke failed" });
    expect(run.stages.find((s) => s.name === "publish")).toMatchObject({ status: "blocked" });
    expect(run.ok).toBe(false);
  });

  it("rollback runs only when verify failed, after it; the run fails either way", async () => {
    const bad: Fake = { ran: [], started: [] };
    const failed = await runStages(ciGraph(fakeRuns({ verify: true }, bad), decideCi(base)));
    expect(bad.ran.slice(-3)).toEqual(["bump", "verify", "rollback"]);
    expect(failed.ok).toBe(false);
    const good: Fake = { ran: [], started: [] };
    const passed = await runStages(ciGraph(fakeRuns({}, good), decideCi(base)));
    expect(good.started).not.toContain("rollback");
    expect(passed.stages.at(-1)).toMatchObject({ name: "rollback", status: "skipped", summary: "not needed: verify did not fail" });
    expect(passed.ok).toBe(true);
  });

  it("starts lint, test, validate, build and secrets before any of them finished", async () => {
    const f: Fake = { ran: [], started: [] };
    await runStages(ciGraph(fakeRuns({}, f), { skip: {} }));
    expect(f.started.slice(0, 5)).toEqual(["lint", "test", "validate", "build", "secrets"]);
    expect(f.ran.indexOf("build")).toBeLessThan(f.started.indexOf("e2e"));
    expect(f.ran.indexOf("build")).toBeLessThan(f.started.indexOf("scan"));
    for (const n of ["lint", "test", "validate", "secrets", "e2e", "scan"] as const) expect(f.ran.indexOf(n)).toBeLessThan(f.started.indexOf("publish"));
    expect(f.ran.indexOf("publish")).toBeLessThan(f.started.indexOf("bump"));
  });

  it("property: nothing is published or pushed when any earlier stage fails; every stage is reported", async () => {
    const earlier = ["lint", "test", "validate", "build", "secrets", "e2e", "scan"] as const;
    await fc.assert(
      fc.asyncProperty(fc.subarray([...earlier], { minLength: 1 }), async (failing) => {
        const f: Fake = { ran: [], started: [] };
        const result = await runStages(ciGraph(fakeRuns(Object.fromEntries(failing.map((n) => [n, true])), f), { skip: {} }));
        expect(f.started).not.toContain("publish");
        expect(f.started).not.toContain("bump");
        expect(result.ok).toBe(false);
        expect(result.stages.map((s) => s.name)).toEqual([...CI_STAGES]);
        // A failing stage is reported failed, or blocked when something it needs failed first.
        for (const n of failing) expect(["failed", "blocked"]).toContain(result.stages.find((s) => s.name === n)!.status);
        expect(result.stages.some((s) => s.status === "failed")).toBe(true);
        expect(result.stages.find((s) => s.name === "publish")!.status).toBe("blocked");
      }),
      { numRuns: 40 },
    );
  });

  it("property: a stage nobody asked for is skipped with its reason, not blocked, whatever failed before it", async () => {
    const earlier = ["lint", "test", "validate", "build", "secrets", "e2e", "scan"] as const;
    const notWanted = { publish: "publishing not requested", bump: "no gitops repository", verify: "no Argo CD connection", rollback: "not requested" };
    await fc.assert(
      fc.asyncProperty(fc.subarray([...earlier], { minLength: 1 }), async (failing) => {
        const f: Fake = { ran: [], started: [] };
        const result = await runStages(ciGraph(fakeRuns(Object.fromEntries(failing.map((n) => [n, true])), f), { skip: notWanted }));
        expect(result.ok).toBe(false);
        for (const [n, why] of Object.entries(notWanted)) expect(result.stages.find((s) => s.name === n)).toMatchObject({ status: "skipped", summary: why });
      }),
      { numRuns: 40 },
    );
  });

  it("without publishing, the run passes with publish and bump skipped and their reasons reported", async () => {
    const f: Fake = { ran: [], started: [] };
    const d = decideCi({ ...base, imageRepository: "", gitopsRepo: "", rollbackOnFailure: false });
    const result = await runStages(ciGraph(fakeRuns({}, f), d));
    expect(result.ok).toBe(true);
    expect(f.started).not.toContain("publish");
    expect(result.stages.filter((s) => s.status === "skipped").map((s) => [s.name, s.summary])).toEqual([
      ["publish", "publishing not requested (no image.repository in gitops-pipeline.settings.yaml)"],
      ["bump", "no gitops.repository in gitops-pipeline.settings.yaml: the deployment is not bumped"],
      ["verify", "not run: bump skipped"],
      ["rollback", "not requested (verify.rollbackOnFailure in gitops-pipeline.settings.yaml)"],
    ]);
  });
});
