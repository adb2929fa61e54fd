import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildPlatforms } from "../../dagger/src/core/ci/build-platforms.js";

const AMD = "linux/amd64";
const ARM = "linux/arm64";

describe("ci's build platforms", () => {
  it("a run that publishes nothing builds the engine's platform only, and says which were left out", () => {
    const p = buildPlatforms([AMD, ARM], false, AMD);
    expect(p).toMatchObject({ build: [AMD], scanned: [AMD], e2e: AMD });
    expect(p.note).toContain("linux/arm64 not built: nothing is published");
  });

  it("publishing builds, scans and pushes every platform; the engine's is added for e2e when left out", () => {
    expect(buildPlatforms([AMD, ARM], true, AMD)).toEqual({ build: [AMD, ARM], scanned: [AMD, ARM], e2e: AMD, note: "" });
    expect(buildPlatforms([ARM], true, AMD)).toEqual({ build: [ARM, AMD], scanned: [ARM], e2e: AMD, note: "" });
  });

  it("an arm64 engine (a Mac) builds arm64 alone when not publishing", () => {
    expect(buildPlatforms([AMD, ARM], false, "linux/arm64/v8")).toMatchObject({ build: [ARM], e2e: ARM });
  });

  it("whatever the platforms: e2e's image is built, and everything scanned is built", () => {
    const platform = fc.constantFrom(AMD, ARM, "linux/arm/v7", "linux/s390x");
    fc.assert(
      fc.property(fc.uniqueArray(platform, { minLength: 1 }), fc.boolean(), platform, (platforms, publishing, engine) => {
        const p = buildPlatforms(platforms, publishing, engine);
        expect(p.build).toContain(p.e2e);
        for (const s of p.scanned) expect(p.build).toContain(s);
        if (publishing) expect(p.scanned).toEqual(platforms);
        else expect(p.build).toEqual([engine]);
      }),
    );
  });
});
