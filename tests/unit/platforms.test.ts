import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../dagger/src/core/errors.js";
import { DEFAULT_PLATFORMS } from "../../dagger/src/core/defaults.js";
import { KNOWN_ARCH, KNOWN_OS, formatPlatform, parsePlatform, parsePlatforms } from "../../dagger/src/core/app/platforms.js";
import { inputError } from "../helpers/errors.js";

const validPlatform = fc
  .tuple(fc.constantFrom(...KNOWN_OS), fc.constantFrom(...Object.keys(KNOWN_ARCH)))
  .chain(([os, arch]) =>
    fc
      .option(fc.constantFrom(...(KNOWN_ARCH[arch]!.length ? KNOWN_ARCH[arch]! : ["-"])), { nil: undefined })
      .map((v) => (v && v !== "-" ? `${os}/${arch}/${v}` : `${os}/${arch}`)),
  );

describe("platforms", () => {
  it("defaults to linux/amd64 and linux/arm64", () => {
    expect(parsePlatforms([...DEFAULT_PLATFORMS])).toEqual(["linux/amd64", "linux/arm64"]);
  });

  it("accepts comma-separated strings, normalises aliases and drops duplicates", () => {
    expect(parsePlatforms(" linux/AMD64, linux/x86_64 ,linux/aarch64,linux/arm64/v8")).toEqual(["linux/amd64", "linux/arm64"]);
    expect(parsePlatforms("linux/amd64/v1,linux/amd64")).toEqual(["linux/amd64"]);
    expect(parsePlatforms(["linux/arm", "linux/arm/v6"])).toEqual(["linux/arm/v7", "linux/arm/v6"]);
  });

  it("refuses unknown platforms, naming the argument and the bad part", () => {
    const cases: [string, RegExp][] = [
      ["linux/amd65", /unknown architecture "amd65"/],
      ["linus/amd64", /unknown os "linus"/],
      ["amd64", /not a platform/],
      ["linux/arm64/v7", /unknown variant "v7" for arm64/],
      ["linux/s390x/v1", /s390x has no variants/],
      ["linux//amd64", /not a platform/],
      ["linux/amd64/v3/x", /not a platform/],
    ];
    for (const [p, re] of cases) {
      const e = inputError(() => parsePlatforms(p));
      expect(e.input).toBe("platforms");
      expect(e.message).toMatch(re);
      expect(e.fix).toMatch(/v\d|linux\/amd64|drop it/);
    }
    expect(inputError(() => parsePlatform("x", "platform")).input).toBe("platform");
  });

  it("refuses an empty list", () => {
    for (const empty of ["", " , ", [] as string[]]) expect(inputError(() => parsePlatforms(empty)).problem).toBe("no platform given");
  });

  it("property: every valid platform round-trips through parse and format", () => {
    fc.assert(
      fc.property(validPlatform, (p) => {
        const once = formatPlatform(parsePlatform(p));
        expect(formatPlatform(parsePlatform(once))).toBe(once);
        expect(once).toMatch(/^[a-z]+\/[a-z0-9]+(\/v\d)?$/);
      }),
    );
  });

  it("property: any other string is either a known platform or an InputError naming platforms", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          const out = parsePlatforms(s);
          expect(out.length).toBeGreaterThan(0);
          for (const p of out) expect(KNOWN_OS as readonly string[]).toContain(p.split("/")[0]);
        } catch (e) {
          expect((e as InputError).input).toBe("platforms");
        }
      }),
    );
  });

  it("property: a list keeps order and has no duplicates", () => {
    fc.assert(
      fc.property(fc.array(validPlatform, { minLength: 1, maxLength: 8 }), (list) => {
        const out = parsePlatforms(list);
        expect(new Set(out).size).toBe(out.length);
        expect(out[0]).toBe(formatPlatform(parsePlatform(list[0]!)));
      }),
    );
  });
});
