import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { decideCi } from "../../dagger/src/core/ci/plan.js";
import { runStages } from "../../dagger/src/core/ci/orchestrate.js";
import { buildVariants } from "../../dagger/src/app/build.js";
import { collectArtifacts } from "../../dagger/src/ci/ci.js";
import { ciReport } from "../../dagger/src/ci/report.js";
import { publishPlan } from "../../dagger/src/app/publish.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { plan, stepsOf } from "../helpers/plan.js";
import { moduleApi } from "../helpers/module-api.js";

const source = dag.directory().withNewFile("Dockerfile", "FROM scratch\n");
const commit = "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901";

describe("ci wiring", () => {
  it("publishes exactly the image it built, e2e-tested and scanned (same build, per platform)", () => {
    const d = decideCi({
      commit, runNumber: "29", branch: "main", version: "", imageRepository: "ghcr.io/acme/app", hasRegistryPassword: true,
      releaseBranches: "main", gitopsRepo: "", hasGitopsToken: false, environment: "dev", platforms: ["linux/amd64", "linux/arm64"], e2e: true, scan: true,
    });
    // What ci's build stage builds (and hands to e2e and scan for the engine's platform).
    const built = buildVariants(VERSIONS.pythonImage, source, { version: d.appVersion, revision: commit, dockerfile: "Dockerfile", platforms: d.platforms });
    // What ci's publish stage pushes.
    const pushed = publishPlan(VERSIONS.pythonImage, source, {
      image: "ghcr.io/acme/app", sha: commit, run: "29", buildVersion: d.appVersion, environment: "dev", branch: "main", platforms: d.platforms, dockerfile: "Dockerfile",
    });
    expect(pushed.variants.map(plan)).toEqual(built.map(plan));
    const args = stepsOf(built[0]!, "dockerBuild")[0]!.args as { buildArgs: { name: string; value: string }[]; platform: string };
    expect(args.platform).toBe("linux/amd64");
    expect(args.buildArgs).toEqual(expect.arrayContaining([{ name: "VERSION", value: "0.0.0-8855235" }, { name: "REVISION", value: commit }]));
    expect(pushed.tags[0]).toBe("8855235-29");
  });

  it("the report's artifacts directory holds the summary, the status and every stage output", async () => {
    const file = (name: string) => dag.directory().withNewFile(name, "x").file(name);
    const result = await runStages([
      { name: "lint", run: async () => ({ ok: true, summary: "no issues", artifacts: { files: { "lint-report.json": file("l") } } }) },
      { name: "test", run: async () => ({ ok: false, summary: "1 failed", artifacts: { files: { "junit.xml": file("j") } } }) },
      { name: "publish", needs: ["test"], run: async () => ({ ok: true, summary: "", artifacts: { published: { ref: "r@sha256:1" } } }) },
    ]);
    const report = ciReport(result, collectArtifacts(result.stages));
    expect(report.ok).toBe(false);
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([["lint", "passed"], ["test", "failed"], ["publish", "blocked"]]);
    expect(report.images).toEqual([]);
    expect(() => report.assert()).toThrow("ci failed: test failed: 1 failed\nnot run because of it: publish");
    const written = stepsOf(report.artifacts, "withNewFile").map((s) => s.args.path);
    expect(written).toEqual(["summary.md", "status", "report.json"]);
    expect(stepsOf(report.artifacts, "withNewFile")[1]!.args.contents).toBe("failed\n");
    expect(stepsOf(report.artifacts, "withFile").map((s) => s.args.path)).toEqual(["lint-report.json", "junit.xml"]);
    expect(report.markdown).toContain("| test | ❌ failed |");
  });

  it("ci is never cached, and its report exposes what the CI integrations chain", async () => {
    const api = await moduleApi();
    const ci = api.objects.GitopsPipeline!.methods.ci!;
    expect(ci.cache).toBe("never");
    expect(ci.arguments.source!.defaultPath).toBe("/app");
    expect(ci.arguments.gitops!.defaultPath).toBe("/gitops");
    expect(ci.arguments.registryPassword!.type.kind).toBe("OBJECT_KIND");
    expect(ci.arguments.gitopsToken!.type.kind).toBe("OBJECT_KIND");
    const report = api.objects.CiReport!;
    expect(Object.keys(report.properties)).toEqual(expect.arrayContaining(["ok", "stages", "markdown", "images", "gitopsCommit", "artifacts"]));
    expect(Object.keys(report.methods)).toEqual(expect.arrayContaining(["summary", "assert"]));
  });
});

describe("ci credentials", () => {
  it("an empty secret (an unset CI variable passed as env://VAR) counts as not given; an unreadable one is an input error", async () => {
    const { given } = await import("../../dagger/src/ci/ci.js");
    const secret = (value: string | Error) => ({ plaintext: async () => { if (value instanceof Error) throw value; return value; } }) as never;
    expect(await given(undefined, "registryPassword")).toBe(false);
    expect(await given(secret(""), "registryPassword")).toBe(false);
    expect(await given(secret("t0ken"), "registryPassword")).toBe(true);
    await expect(given(secret(new Error("secret env var not found: \"X\"")), "gitopsToken")).rejects.toThrow(/^gitopsToken: could not be read \(secret env var not found/);
  });
});
