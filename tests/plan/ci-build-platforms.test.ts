import { afterEach, describe, expect, it, vi } from "vitest";
import { dag, type Container, type Platform } from "@dagger.io/dagger";
import { App } from "../../dagger/src/app/app.js";
import { decideCi, type CiInputs } from "../../dagger/src/core/ci/plan.js";
import { PINNED_TOOLCHAIN } from "../../dagger/src/core/toolchain.js";
import { Toolchain } from "../../dagger/src/toolchain.js";
import { ciStageRuns, type CiCall } from "../../dagger/src/ci/ci.js";
import type { Manifests } from "../../dagger/src/validate/manifests.js";
import { stepsOf } from "../helpers/plan.js";
import { ciInputs } from "../helpers/ci-call.js";

const commit = "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901";
const inputs: CiInputs = ciInputs();

afterEach(() => vi.restoreAllMocks());

/** ci's build stage on an amd64 engine: the platforms whose image it built (one dockerBuild each). */
async function built(i: CiInputs) {
  vi.spyOn(dag, "defaultPlatform").mockResolvedValue("linux/amd64" as Platform);
  const source = dag.directory().withNewFile("Dockerfile", "FROM scratch\n");
  source.entries = vi.fn(async () => ["Dockerfile"]);
  const app = new App(source, Toolchain.of(PINNED_TOOLCHAIN), "", commit, "Dockerfile", "");
  const images: Container[] = [];
  const realBuild = app.build.bind(app);
  vi.spyOn(app, "build").mockImplementation(async (platforms) => {
    const cs = await realBuild(platforms);
    for (const c of cs) c.sync = vi.fn(async () => c);
    images.push(...cs);
    return cs;
  });
  const d = decideCi(i);
  const runs = ciStageRuns(
    { app, manifests: {} as Manifests, repo: async () => Promise.reject(new Error("no bump")) },
    { ...i, severity: "CRITICAL,HIGH" } as unknown as CiCall,
    d,
    Date.now(),
  );
  const out = await runs.build({});
  const platformOf = (c: Container) => (stepsOf(c, "dockerBuild")[0]!.args as { platform: string }).platform;
  return { platforms: images.map(platformOf), out, scanned: out.artifacts!.variants!.map((v) => v.platform), e2e: platformOf(out.artifacts!.image!) };
}

describe("ci's build stage", () => {
  it("publishing nothing (a laptop run): one image, the engine's platform, e2e-tested and scanned; the summary says arm64 was left out", async () => {
    const r = await built(inputs);
    expect(r.platforms).toEqual(["linux/amd64"]);
    expect(r.scanned).toEqual(["linux/amd64"]);
    expect(r.e2e).toBe("linux/amd64");
    expect(r.out.summary).toMatch(/^built linux\/amd64 .*linux\/arm64 not built: nothing is published/);
  });

  it("publishing: every platform of image.platforms is built and scanned", async () => {
    const r = await built({ ...inputs, imageRepository: "ghcr.io/acme/app", hasRegistryPassword: true });
    expect(r.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(r.scanned).toEqual(["linux/amd64", "linux/arm64"]);
    expect(r.e2e).toBe("linux/amd64");
  });
});
