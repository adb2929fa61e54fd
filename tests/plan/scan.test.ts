import { afterEach, describe, expect, it, vi } from "vitest";
import { dag, type Container, type Directory } from "@dagger.io/dagger";
import { App } from "../../dagger/src/app/app.js";
import { buildVariants, imageTarball } from "../../dagger/src/app/build.js";
import { ignoreFileOf, platformFolder, replayedFailure, scanContainer, secretsContainer } from "../../dagger/src/app/scan.js";
import { ciStageRuns } from "../../dagger/src/ci/ci.js";
import { TRIVY_PATHS, trivyScanArgv, trivySecretArgv } from "../../dagger/src/core/app/trivy.js";
import { decideCi, type CiInputs } from "../../dagger/src/core/ci/plan.js";
import { PINNED_TOOLCHAIN, type ToolPins } from "../../dagger/src/core/toolchain.js";
import { Toolchain } from "../../dagger/src/toolchain.js";
import { Run } from "../../dagger/src/run.js";
import { execs, plan, stepsOf, type Step } from "../helpers/plan.js";
import { ciInputs } from "../helpers/ci-call.js";

const P: ToolPins = { ...PINNED_TOOLCHAIN, trivyImage: "mirror.local/trivy:0.75.0" };

/** A directory of `files` whose listing and file contents are answered without an engine. */
function source(files: Record<string, string>): Directory {
  let dir = dag.directory();
  for (const [path, text] of Object.entries(files)) dir = dir.withNewFile(path, text);
  const realFile = dir.file.bind(dir);
  dir.entries = vi.fn(async () => Object.keys(files));
  dir.file = vi.fn((path: string) => {
    const f = realFile(path);
    f.contents = vi.fn(async () => files[path]!);
    return f;
  });
  return dir;
}

const ref = (s: Step) => (s.args.source as { ref: Step[] }).ref;

afterEach(() => vi.restoreAllMocks());

describe("scan containers", () => {
  it("the app's .trivyignore is mounted under its own name and passed with --ignorefile; its waivers are read for the run", async () => {
    const ignore = await ignoreFileOf(source({ Dockerfile: "FROM scratch\n", ".trivyignore": "CVE-2026-0001 exp:2027-01-31\n" }), "2026-12-03");
    expect(ignore).toMatchObject({ name: ".trivyignore", waivers: [".trivyignore: 1 waiver", "  waived CVE-2026-0001 until 2027-01-31"] });
    const [amd64] = buildVariants(P.pythonImage, dag.directory(), {
      platforms: "linux/amd64",
      version: "0.0.0-dev",
      revision: "unknown",
      dockerfile: "Dockerfile",
    });
    const c = scanContainer(P.trivyImage, imageTarball(amd64!, "scanned:1"), {
      failOn: ["HIGH", "CRITICAL"],
      day: "2026-12-03",
      ignoreUnfixed: true,
      ignore: ignore!,
    });
    const files = stepsOf(c, "withFile");
    expect(files.map((s) => s.args.path)).toEqual([`${TRIVY_PATHS.ignoreDir}/.trivyignore`, TRIVY_PATHS.image]);
    expect(ref(files[0]!).at(-1)).toEqual({ op: "file", args: { path: ".trivyignore" } });
    expect(execs(c).at(-1)).toEqual(trivyScanArgv(["HIGH", "CRITICAL"], { ignoreUnfixed: true, ignoreFile: ".trivyignore" }));
    expect(execs(c).at(-1)).toEqual(expect.arrayContaining(["--ignore-unfixed", "--ignorefile", "/scan/ignore/.trivyignore"]));
    // The platforms' scans take turns on the database cache (Trivy's bolt files are single-writer).
    expect(stepsOf(c, "withMountedCache")[0]!.args).toMatchObject({ path: TRIVY_PATHS.cache, sharing: "LOCKED" });
  });

  it("no ignore file: nothing mounted, no --ignorefile; .trivyignore.yaml is mounted as YAML; two ignore files are refused", async () => {
    expect(await ignoreFileOf(source({ Dockerfile: "FROM scratch\n" }), "2026-12-03")).toBeUndefined();
    const c = scanContainer(P.trivyImage, dag.directory().file("x"), { failOn: ["CRITICAL"], day: "2026-12-03" });
    expect(stepsOf(c, "withFile").map((s) => s.args.path)).toEqual([TRIVY_PATHS.image]);
    expect(execs(c).flat()).not.toContain("--ignorefile");
    const yaml = await ignoreFileOf(source({ ".trivyignore.yaml": "secrets:\n  - id: aws-access-key-id\n" }), "2026-12-03");
    expect(stepsOf(secretsContainer(P.trivyImage, dag.directory(), yaml), "withFile")[0]!.args.path).toBe("/scan/ignore/.trivyignore.yaml");
    await expect(ignoreFileOf(source({ ".trivyignore": "", ".trivyignore.yaml": "" }), "2026-12-03")).rejects.toMatchObject({ input: "source" });
  });

  it("a failure replayed from the cache (the day's first DB download failed) is retried once, fresh: a new SCAN_ATTEMPT before the scans", () => {
    const start = Date.parse("2026-12-03T10:00:00Z");
    expect(replayedFailure(false, start / 1000 - 3600, start)).toBe(true);
    expect(replayedFailure(false, start / 1000 + 2, start)).toBe(false); // ran now: a real failure, reported
    expect(replayedFailure(true, start / 1000 - 3600, start)).toBe(false); // a cached report is the day's answer
    expect(replayedFailure(false, Number.NaN, start)).toBe(false);
    const image = dag.directory().file("x");
    const fresh = plan(scanContainer(P.trivyImage, image, { failOn: ["CRITICAL"], day: "2026-12-03", attempt: String(start) }));
    const env = stepsOf(fresh, "withEnvVariable").map((s) => s.args);
    expect(env).toEqual([
      { name: "SCAN_DAY", value: "2026-12-03" },
      { name: "SCAN_ATTEMPT", value: String(start) },
    ]);
    expect(fresh.findIndex((s) => s.op === "withEnvVariable" && s.args.name === "SCAN_ATTEMPT")).toBeLessThan(fresh.findIndex((s) => s.op === "withExec"));
    expect(stepsOf(scanContainer(P.trivyImage, image, { failOn: ["CRITICAL"], day: "2026-12-03" }), "withEnvVariable")).toHaveLength(1);
  });

  it("secret scan: the pinned Trivy image, the app source mounted, trivy fs --scanners secret, any exit code, no DB cache", async () => {
    const src = source({ "settings.py": "X = 1\n" });
    const c = secretsContainer(P.trivyImage, src);
    const steps = plan(c);
    expect(steps[1]).toEqual({ op: "from", args: { address: "mirror.local/trivy:0.75.0" } });
    const mounted = stepsOf(steps, "withDirectory").find((s) => s.args.path === TRIVY_PATHS.source)!;
    expect(ref(mounted)).toEqual(plan(src));
    expect(execs(c)).toEqual([trivySecretArgv()]);
    expect(steps.at(-1)!.args.expect).toBe("ANY");
    expect(stepsOf(steps, "withMountedCache")).toEqual([]);
  });
});

const commit = "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901";
const base: CiInputs = { ...ciInputs(), platforms: ["linux/arm64", "linux/s390x"] };

describe("ci's scan stages", () => {
  it("scan: one scan per published platform, each of the very image built for it (not only the engine's platform), with ignore-unfixed passed on", async () => {
    const app = new App(source({ Dockerfile: "FROM scratch\n" }), Toolchain.of(P), "", commit, "Dockerfile", "");
    // A publishing run: every platform it pushes is built and scanned (a run that publishes nothing builds the engine's only).
    const d = decideCi({ ...base, imageRepository: "ghcr.io/acme/app", hasRegistryPassword: true });
    // The engine's platform (amd64) is built too, for e2e; only the published ones are scanned.
    vi.spyOn(dag, "defaultPlatform").mockResolvedValue("linux/amd64" as never);
    const built: Container[] = [];
    vi.spyOn(app, "build").mockImplementation(async (platforms: string[] = []) =>
      platforms.map((p) => {
        const c = dag.container({ platform: p as never }).withLabel("platform", p);
        c.sync = vi.fn(async () => c);
        built.push(c);
        return c;
      }),
    );
    const scanned: { image: Container; o: unknown }[] = [];
    vi.spyOn(app, "scanImage").mockImplementation(async (image, o) => {
      scanned.push({ image, o });
      return Run.of({ stage: "scan", passed: true, summary: "scan passed: no HIGH/CRITICAL vulnerabilities", details: "", findings: [] });
    });
    const runs = ciStageRuns(
      { app, manifests: {} as never, repo: async () => ({}) as never },
      { ...base, registryUsername: "", linters: ["ruff"], minCoverage: 90, severity: "HIGH,CRITICAL", ignoreUnfixed: true },
      d,
      Date.now(),
    );
    const b = await runs.build({});
    expect(built.map((c) => stepsOf(c, "withLabel")[0]!.args.value)).toEqual(["linux/arm64", "linux/s390x", "linux/amd64"]);
    expect(b.artifacts!.variants!.map((v) => v.platform)).toEqual(["linux/arm64", "linux/s390x"]);
    const s = await runs.scan({ build: b.artifacts! });
    expect(scanned.map((x) => x.image)).toEqual([built[0], built[1]]);
    for (const x of scanned) expect(x.o).toEqual({ failOn: ["HIGH", "CRITICAL"], dbRepository: "", skipDbUpdate: false, ignoreUnfixed: true });
    expect(s.ok).toBe(true);
    expect(s.summary).toBe("scan passed: scanned 2 platforms (linux/arm64, linux/s390x): no HIGH/CRITICAL vulnerabilities");
    // Each platform's files in its own folder of the run's artifacts.
    const dirs = stepsOf(s.artifacts!.dir!, "withDirectory").map((x) => x.args.path);
    expect(dirs).toEqual([platformFolder("linux/arm64"), platformFolder("linux/s390x")]);
    expect(dirs[0]).toBe("scan-linux-arm64");
  });

  it("a platform's failing scan fails the stage and names the platform that gated", async () => {
    const app = new App(source({}), Toolchain.of(P), "", commit, "Dockerfile", "");
    vi.spyOn(app, "scanImage").mockImplementation(async (image) =>
      (await image.platform()) === "linux/s390x"
        ? Run.of({ stage: "scan", passed: false, summary: "scan failed: 1 HIGH, 0 CRITICAL vulnerabilities", details: "", findings: [] })
        : Run.of({ stage: "scan", passed: true, summary: "scan passed: no HIGH/CRITICAL vulnerabilities", details: "", findings: [] }),
    );
    const variant = (p: string) => ({ platform: p, image: Object.assign(dag.container(), { platform: async () => p }) as unknown as Container });
    const runs = ciStageRuns(
      { app, manifests: {} as never, repo: async () => ({}) as never },
      { ...base, registryUsername: "", linters: ["ruff"], minCoverage: 90, severity: "HIGH,CRITICAL", ignoreUnfixed: false },
      decideCi(base),
      Date.now(),
    );
    const s = await runs.scan({ build: { variants: [variant("linux/arm64"), variant("linux/s390x")] } });
    expect(s.ok).toBe(false);
    expect(s.summary).toBe("scan failed: scanned 2 platforms (linux/arm64, linux/s390x); gated by linux/s390x: 1 HIGH, 0 CRITICAL vulnerabilities");
  });

  it("secrets: the app's secret scan, a stage of its own that publish needs; --scan-secrets=false skips it", async () => {
    const app = new App(source({}), Toolchain.of(P), "", commit, "Dockerfile", "");
    const spy = vi
      .spyOn(app, "scanSecrets")
      .mockResolvedValue(Run.of({ stage: "secrets", passed: false, summary: "secrets failed: 1 secret in 1 file", details: "", findings: [] }));
    const runs = ciStageRuns(
      { app, manifests: {} as never, repo: async () => ({}) as never },
      { ...base, registryUsername: "", linters: ["ruff"], minCoverage: 90, severity: "HIGH", ignoreUnfixed: false },
      decideCi(base),
      Date.now(),
    );
    const s = await runs.secrets({});
    expect(spy).toHaveBeenCalledOnce();
    expect(s).toMatchObject({ ok: false, summary: "secrets failed: 1 secret in 1 file" });
    expect(decideCi({ ...base, scanSecrets: false }).skip.secrets).toMatch(/scan.secrets: false/);
  });
});
