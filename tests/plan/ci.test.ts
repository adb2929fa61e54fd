import { afterEach, describe, expect, it, vi } from "vitest";
import { dag, type Container } from "@dagger.io/dagger";
import { App } from "../../dagger/src/app/app.js";
import { decideCi } from "../../dagger/src/core/ci/plan.js";
import { runStages } from "../../dagger/src/core/ci/orchestrate.js";
import { PINNED_TOOLCHAIN } from "../../dagger/src/core/toolchain.js";
import { Toolchain } from "../../dagger/src/toolchain.js";
import { collectArtifacts, fromCache } from "../../dagger/src/ci/ci.js";
import { ciRun } from "../../dagger/src/ci/run.js";
import { plan, stepsOf } from "../helpers/plan.js";
import { moduleApi } from "../helpers/module-api.js";
import { forgetSecrets } from "../../dagger/src/core/redact.js";
import { ciCall, ciInputs } from "../helpers/ci-call.js";

const commit = "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901";
const DIGEST = `sha256:${"ab".repeat(32)}`;

/** The app directory: lazily built, with the one listing call publish makes answered. */
function source() {
  const dir = dag.directory().withNewFile("Dockerfile", "FROM scratch\n");
  dir.entries = vi.fn(async () => ["Dockerfile"]);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
  // The secrets runCi reads are remembered by the redaction, which other test files of the worker share (isolate: false).
  forgetSecrets();
});

describe("ci wiring", () => {
  it("publishes exactly the image it built, e2e-tested and scanned (same build, per platform)", async () => {
    const d = decideCi({ ...ciInputs(), imageRepository: "ghcr.io/acme/app", hasRegistryPassword: true });
    // ci's app: the run's version and commit, as ci creates it.
    const app = new App(source(), Toolchain.of(PINNED_TOOLCHAIN), "", commit, "Dockerfile", "");
    const built = await app.build(d.platforms);
    // What ci's publish stage pushes: capture the platform variants handed to publish.
    const pushedVariants: Container[][] = [];
    const real = dag.container.bind(dag);
    vi.spyOn(dag, "container").mockImplementation((o) => {
      const c = real(o);
      c.publish = vi.fn(async (ref: string, opts?: { platformVariants?: Container[] }) => {
        pushedVariants.push(opts?.platformVariants ?? []);
        return `${ref}@${DIGEST}`;
      });
      return c;
    });
    const image = await app.publish("ghcr.io/acme/app", "29", "dev", "main", false, [], "", undefined, d.platforms);
    expect(pushedVariants.length).toBe(image.tags.length);
    for (const variants of pushedVariants) expect(variants.map(plan)).toEqual(built.map(plan));
    const args = stepsOf(built[0]!, "dockerBuild")[0]!.args as { buildArgs: { name: string; value: string }[]; platform: string };
    expect(args.platform).toBe("linux/amd64");
    expect(args.buildArgs).toEqual(
      expect.arrayContaining([
        { name: "VERSION", value: d.appVersion },
        { name: "REVISION", value: commit },
      ]),
    );
    expect(d.appVersion).toBe("0.0.0-8855235");
    // No version given: only the immutable tag and the environment's tag, no v0.0.0-... tag.
    expect(image.tags).toEqual(["8855235-29", "dev-latest"]);
  });

  it("the run: stages as runs, artifacts with the summary, the status and every stage's files", async () => {
    const dirWith = (name: string) => dag.directory().withNewFile(name, "x");
    const result = await runStages([
      { name: "lint", run: async () => ({ ok: true, summary: "lint passed", cached: true, artifacts: { dir: dirWith("lint-report.json") } }) },
      {
        name: "test",
        run: async () => ({
          ok: false,
          summary: "test failed: 1 failed",
          details: "tests/test_a.py:3 test_a failure: boom",
          cached: false,
          artifacts: { dir: dirWith("junit.xml") },
        }),
      },
      {
        name: "publish",
        needs: ["test"],
        run: async () => ({ ok: true, summary: "", artifacts: { published: { repository: "r", digest: "sha256:1", tags: [], ref: "r@sha256:1" } } }),
      },
    ]);
    const logged: string[] = [];
    const run = ciRun(result, collectArtifacts(result.stages), (t) => logged.push(t));
    expect(run.passed()).toBe(false);
    // ci's log holds the report a bare `dagger call ci` shows (its stdout is the Run's ID).
    expect(logged).toHaveLength(1);
    expect(logged[0]!.split("\n").slice(0, 4)).toEqual([
      run.summary(),
      expect.stringMatching(/^  lint passed \(.*, cached\): /),
      expect.stringMatching(/^  test failed \(.*\): 1 failed$/),
      expect.stringMatching(/^  publish blocked: /),
    ]);
    expect(run.stages.map((s) => [s.stage(), s.status(), s.cached()])).toEqual([
      ["lint", "passed", true],
      ["test", "failed", false],
      ["publish", "blocked", false],
    ]);
    expect(run.stages[1]!.details()).toBe("tests/test_a.py:3 test_a failure: boom");
    expect(() => run.assert()).toThrow(/^ci failed: 1 passed, 1 failed, 1 blocked in .* \(1 of 2 checked stages from the engine's cache\)\n/);
    expect(run.summary().split("\n")).toHaveLength(1);
    const written = stepsOf(run.artifacts, "withNewFile");
    expect(written.map((s) => s.args.path)).toEqual(["summary.md", "status", "report.json"]);
    expect(written[1]!.args.contents).toBe("failed\n");
    // Each stage's files are merged at the top, so CI systems find junit.xml where they look.
    expect(stepsOf(run.artifacts, "withDirectory").map((s) => s.args.path)).toEqual([".", "."]);
    const markdown = String(written[0]!.args.contents);
    expect(markdown).toContain("| test | ❌ failed |");
    expect(markdown).toMatch(/\| lint \| ✅ passed \| [0-9.]+ s \(cached\) \|/);
    expect(markdown).toContain("<details><summary>test: failed</summary>");
    expect(JSON.parse(String(written[2]!.args.contents))).toMatchObject({ passed: false, images: [], gitopsCommit: "" });
  });

  it("a stage counts as replayed from the cache only when its work ran before the call started", () => {
    const start = Date.parse("2026-12-02T20:00:00Z");
    expect(fromCache(start / 1000 - 3600, start)).toBe(true);
    expect(fromCache(start / 1000 + 5, start)).toBe(false);
    expect(fromCache(Number.NaN, start)).toBeUndefined();
  });

  it("ci is never cached, takes credentials as Secrets, and its run exposes what the CI integrations chain", async () => {
    const api = await moduleApi();
    const ci = api.objects.GitopsPipeline!.methods.ci!;
    expect(ci.cache).toBe("never");
    for (const s of ["registryPassword", "gitopsToken", "gitopsSshKey"]) expect(ci.arguments[s]!.type.kind, s).toBe("OBJECT_KIND");
    expect(ci.returnType).toEqual({ kind: "OBJECT_KIND", name: "Run" });
    const run = api.objects.Run!;
    expect(Object.keys(run.properties)).toEqual(expect.arrayContaining(["stages", "artifacts"]));
  });
});

describe("ci credentials", () => {
  it("an empty secret (an unset CI variable passed as env://VAR) counts as not given; an unreadable one is an input error", async () => {
    const { given } = await import("../../dagger/src/ci/ci.js");
    const secret = (value: string | Error) =>
      ({
        plaintext: async () => {
          if (value instanceof Error) throw value;
          return value;
        },
      }) as never;
    expect(await given(undefined, "registryPassword")).toBe(false);
    expect(await given(secret(""), "registryPassword")).toBe(false);
    expect(await given(secret("t0ken"), "registryPassword")).toBe(true);
    await expect(given(secret(new Error('secret env var not found: "X"')), "gitopsToken")).rejects.toThrow(
      /^--gitops-token: could not be read \(secret env var not found/,
    );
  });
});

describe("ci tag builds and credentials, as runCi hands them to the pipeline's objects", () => {
  const secret = (value: string) => ({ plaintext: async () => value }) as never;
  const call = { ...ciCall(), branch: "v1.2.3", tag: "v1.2.3", releasedTags: "v1.2.2" };

  it("the app is made with the tag's version, and the repository with only the credentials that hold a value", async () => {
    const { runCi } = await import("../../dagger/src/ci/ci.js");
    const seen: { version?: string; use?: unknown } = {};
    const parts = {
      app: (v: string) => ((seen.version = v), {}) as never,
      manifests: () => ({}) as never,
      repo: async (use: { token: boolean; sshKey: boolean }) => {
        seen.use = use;
        throw new Error("stop before any stage");
      },
    };
    await expect(runCi(parts, { ...call, gitopsToken: secret("t0ken"), gitopsSshKey: secret("") })).rejects.toThrow("stop before any stage");
    expect(seen).toEqual({ version: "1.2.3", use: { token: true, sshKey: false, apiToken: false, registry: true } });
  });

  it("a tag build's publish pushes the release tags, all from one build", async () => {
    const d = decideCi({ ...call, hasRegistryPassword: true, hasGitopsCredentials: false });
    const app = new App(source(), Toolchain.of(PINNED_TOOLCHAIN), d.version, commit, "Dockerfile", "");
    const pushed: string[] = [];
    const real = dag.container.bind(dag);
    vi.spyOn(dag, "container").mockImplementation((o) => {
      const c = real(o);
      c.publish = vi.fn(async (ref: string) => (pushed.push(ref), `${ref}@${DIGEST}`));
      return c;
    });
    const image = await app.publish("ghcr.io/acme/app", "29", "dev", call.branch, d.release, d.tagTemplates, "", undefined, d.platforms);
    expect(image.tags).toEqual(["8855235-29", "v1.2.3-8855235-29", "dev-latest", "1.2.3", "1.2", "1"]);
    expect(pushed).toEqual(image.tags.map((t) => `ghcr.io/acme/app:${t}`));
    expect(stepsOf((await app.build(["linux/amd64"]))[0]!, "dockerBuild")[0]!.args).toMatchObject({
      buildArgs: expect.arrayContaining([{ name: "VERSION", value: "1.2.3" }]),
    });
  });
});
