import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { floatingTags, releaseTemplates, stableVersions, versionOfTag } from "../../dagger/src/core/app/release.js";
import { renderTags } from "../../dagger/src/core/app/tags.js";
import { InputError } from "../../dagger/src/core/errors.js";

/** A stable version's parts, and "a is newer than b" (the test's own comparison, not the module's). */
const parts = (v: string) => v.replace(/^v/, "").split(".").map(Number) as [number, number, number];
const newer = (a: string, b: string) => {
  const [x, y] = [parts(a), parts(b)];
  return x[0] !== y[0] ? x[0] > y[0] : x[1] !== y[1] ? x[1] > y[1] : x[2] > y[2];
};

const SHA = "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901";
const num = fc.nat(50);
const stable = fc.tuple(num, num, num).map(([a, b, c]) => `${a}.${b}.${c}`);
const pre = fc.tuple(stable, fc.stringMatching(/^(alpha|beta|rc)\.[1-9][0-9]?$/)).map(([v, p]) => `${v}-${p}`);
const withV = (v: string) => fc.constantFrom(v, `v${v}`);

/** The tags a tag build publishes, as ci renders them. */
function published(tag: string, released = "", env = true): string[] {
  const v = versionOfTag(tag);
  return renderTags({ sha: SHA, run: 7, version: v.version, env: "dev" }, releaseTemplates(v, released, env));
}

describe("release tags", () => {
  it("v1.2.3 publishes 1.2.3, 1.2 and 1 besides the immutable tags; the v is optional", () => {
    const want = ["8855235-7", "v1.2.3-8855235-7", "dev-latest", "1.2.3", "1.2", "1"];
    expect(published("v1.2.3")).toEqual(want);
    expect(published("1.2.3")).toEqual(want);
    expect(published("refs/tags/v1.2.3")).toEqual(want);
  });

  it("a pre-release tag publishes only its full version", () => {
    expect(published("v2.0.0-rc.1")).toEqual(["8855235-7", "v2.0.0-rc.1-8855235-7", "dev-latest", "2.0.0-rc.1"]);
  });

  it("a hotfix of an older line moves its X.Y but not X; an old patch moves neither", () => {
    const released = "v1.1.8\nv1.2.0\nv2.0.0-rc.1\nnightly";
    expect(published("v1.1.9", released)).toEqual(["8855235-7", "v1.1.9-8855235-7", "dev-latest", "1.1.9", "1.1"]);
    expect(published("v1.2.1", released)).toContain("1");
    expect(published("v1.1.7", released)).toEqual(["8855235-7", "v1.1.7-8855235-7", "dev-latest", "1.1.7"]);
    // A newer pre-release moves nothing back: 1.2.1 after 2.0.0-rc.1 still moves 1.
    expect(floatingTags(versionOfTag("v1.2.1"), released)).toEqual({ minor: true, major: true });
    // Rebuilding the newest tag (it is in the list itself) moves both.
    expect(floatingTags(versionOfTag("v1.2.0"), released)).toEqual({ minor: true, major: true });
  });

  it("without an environment there is no {env}-latest", () => {
    expect(releaseTemplates(versionOfTag("v1.0.0"), "", false)).toEqual([
      "{shortSha}-{run}",
      "v{version}-{shortSha}-{run}",
      "{version}",
      "{major}.{minor}",
      "{major}",
    ]);
  });

  it("a tag that is not a semantic version is an InputError naming tag", () => {
    for (const bad of ["v1.2", "release-1", "v01.2.3", "vv1.2.3", "1.2.3.4", "latest", ""]) {
      let err: unknown;
      try {
        versionOfTag(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(InputError);
      expect((err as InputError).input).toBe("tag");
      expect((err as InputError).message).toContain("is not a release tag");
    }
  });

  it("released tags: stable versions only, any separator, other tags ignored", () => {
    expect(stableVersions("v1.0.0, 1.1.0 v2.0.0-rc.1\nfoo\trefs/tags/v3.0.0")).toEqual(["1.0.0", "1.1.0", "3.0.0"]);
  });
});

describe("release tags: properties", () => {
  it("any stable tag, with or without v: X.Y.Z, X.Y and X when nothing newer exists, all valid and distinct", () => {
    fc.assert(
      fc.property(stable.chain(withV), (tag) => {
        const [x, y, z] = parts(tag);
        const tags = published(tag);
        expect(tags.slice(3)).toEqual([`${x}.${y}.${z}`, `${x}.${y}`, `${x}`]);
        expect(new Set(tags).size).toBe(tags.length);
        expect(published(tag.startsWith("v") ? tag.slice(1) : `v${tag}`)).toEqual(tags);
      }),
    );
  });

  it("any pre-release tag publishes no floating tag", () => {
    fc.assert(
      fc.property(pre.chain(withV), fc.array(stable), (tag, released) => {
        const tags = published(tag, released.join(","));
        expect(tags.at(-1)).toBe(tag.replace(/^v/, ""));
        expect(tags).toHaveLength(4);
      }),
    );
  });

  it("a floating tag never moves backwards: X (X.Y) moves only when no released stable version of that line is newer", () => {
    fc.assert(
      fc.property(stable, fc.array(stable, { maxLength: 12 }), (version, released) => {
        const v = versionOfTag(version);
        const moves = floatingTags(v, released.map((r) => `v${r}`).join(" "));
        const newerInMajor = released.some((r) => newer(r, version) && parts(r)[0] === v.major);
        const newerInMinor = released.some((r) => newer(r, version) && parts(r)[0] === v.major && parts(r)[1] === v.minor);
        expect(moves).toEqual({ major: !newerInMajor, minor: !newerInMinor });
        // Among the released versions and this one, the one X points at afterwards is the newest of line X.
        if (moves.major) expect(released.filter((r) => parts(r)[0] === v.major).every((r) => !newer(r, version))).toBe(true);
      }),
    );
  });
});
