import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../dagger/src/core/errors.js";
import { OCI_TAG, defaultTemplates, renderTags, sanitizeTagPart, shortSha, templatePlaceholders } from "../../dagger/src/core/app/tags.js";
import { parseVersion } from "../../dagger/src/core/inputs.js";
import { inputError } from "../helpers/errors.js";

const SHA = "8855235f0c1e4a3b9d2e7f6a5b4c3d2e1f0a9b8c";

/** The InputError thrown by fn (fails the test when none is thrown). */
const hexSha = fc.stringMatching(/^[0-9a-f]{40}$/);
const run = fc.integer({ min: 1, max: 10_000_000 });
const semverArb = fc
  .tuple(fc.nat(999), fc.nat(999), fc.nat(999), fc.option(fc.stringMatching(/^(alpha|beta|rc)\.[1-9][0-9]?$/), { nil: undefined }))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ""}`);

describe("tag rules: examples teams use", () => {
  it("immutable {shortSha}-{run}", () => {
    expect(renderTags({ sha: SHA, run: 29 })).toEqual(["8855235-29"]);
  });

  it("versioned, environment and release tags", () => {
    expect(renderTags({ sha: SHA, run: "29", version: "v1.4.0", env: "dev", release: true })).toEqual([
      "8855235-29",
      "v1.4.0-8855235-29",
      "dev-latest",
      "1.4.0",
      "1.4",
      "1",
    ]);
  });

  it("a pre-release never moves the 1 / 1.4 aliases", () => {
    expect(renderTags({ sha: SHA, run: 3, version: "2.0.0-rc.1", release: true })).toEqual(["8855235-3", "v2.0.0-rc.1-8855235-3", "2.0.0-rc.1"]);
  });

  it("custom templates, with the branch sanitised", () => {
    expect(renderTags({ sha: SHA, run: 7, branch: "feature/Login Page" }, ["{branch}-{shortSha}", "pr-{run}"])).toEqual(["feature-login-page-8855235", "pr-7"]);
  });

  it("build metadata becomes _ (+ is not allowed in OCI tags)", () => {
    expect(renderTags({ sha: SHA, run: 1, version: "1.0.0+build.5" }, ["{version}"])).toEqual(["1.0.0_build.5"]);
  });
});

describe("tag rules: bad input names the argument", () => {
  it("invalid semver → version", () => {
    for (const v of ["1.2", "01.2.3", "1.2.3.4", "latest", "v"]) {
      const e = inputError(() => renderTags({ sha: SHA, run: 1, version: v }));
      expect(e.input).toBe("version");
      expect(e.message).toContain(v);
    }
  });

  it("bad commit → sha, bad run → run", () => {
    expect(inputError(() => renderTags({ sha: "xyz", run: 1 })).input).toBe("sha");
    expect(inputError(() => renderTags({ sha: "abc12", run: 1 })).input).toBe("sha");
    for (const r of [0, -1, "1.5", "07", "", "abc"]) expect(inputError(() => renderTags({ sha: SHA, run: r })).input).toBe("run");
  });

  it("impossible templates → tagTemplates", () => {
    const cases: [string, RegExp][] = [
      ["{nope}-{run}", /unknown placeholder \{nope\}/],
      ["{run", /unmatched brace/],
      ["v{version}", /needs \{version\} but no version was given/],
      ["{env}-latest", /needs \{env\} but no environment was given/],
      ["{run}/x", /not a valid OCI tag/],
      [".{run}", /not a valid OCI tag/],
      ["{sha}{sha}{sha}{sha}", /not a valid OCI tag/], // 160 characters
    ];
    for (const [t, re] of cases) {
      const e = inputError(() => renderTags({ sha: SHA, run: 1 }, [t]));
      expect(e.input).toBe("tagTemplates");
      expect(e.message).toMatch(re);
    }
    expect(inputError(() => renderTags({ sha: SHA, run: 1 }, [])).input).toBe("tagTemplates");
  });

  it("argument names can be those of the caller", () => {
    expect(inputError(() => renderTags({ sha: SHA, run: 1, version: "x" }, undefined, { version: "appVersion" })).input).toBe("appVersion");
  });

  it("an environment with no usable character → environment", () => {
    expect(inputError(() => renderTags({ sha: SHA, run: 1, env: "///" })).input).toBe("environment");
  });
});

describe("tag rules: properties", () => {
  it("every default tag is a valid OCI tag, and the immutable tag is first", () => {
    fc.assert(
      fc.property(
        hexSha,
        run,
        fc.option(semverArb, { nil: undefined }),
        fc.option(fc.string({ minLength: 1, maxLength: 80 }), { nil: undefined }),
        fc.boolean(),
        (sha, r, version, env, release) => {
          let tags: string[];
          try {
            tags = renderTags({ sha, run: r, ...(version ? { version } : {}), ...(env ? { env } : {}), release });
          } catch (e) {
            // Only an environment with no usable character may be refused.
            expect((e as InputError).input).toBe("environment");
            expect(sanitizeTagPart(env ?? "")).toBe("");
            return;
          }
          for (const t of tags) expect(t).toMatch(OCI_TAG);
          expect(tags[0]).toBe(`${sha.slice(0, 7)}-${r}`);
          expect(new Set(tags).size).toBe(tags.length);
        },
      ),
    );
  });

  it("the immutable tag differs whenever commit or run differ", () => {
    fc.assert(
      fc.property(hexSha, run, hexSha, run, (s1, r1, s2, r2) => {
        fc.pre(s1.slice(0, 7) !== s2.slice(0, 7) || r1 !== r2);
        expect(renderTags({ sha: s1, run: r1 })[0]).not.toBe(renderTags({ sha: s2, run: r2 })[0]);
      }),
    );
  });

  it("sanitizeTagPart yields tag-safe, bounded, idempotent output for any string", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 128 }), (raw, max) => {
        const s = sanitizeTagPart(raw, max);
        expect(s).toMatch(/^(?:[a-z0-9_][a-z0-9._-]*)?$/);
        expect(s.length).toBeLessThanOrEqual(max);
        expect(s.endsWith("-")).toBe(false);
        expect(sanitizeTagPart(s, max)).toBe(s);
      }),
    );
  });

  it("any branch name gives a valid tag through {branch}-{shortSha}, or an error naming branch", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), hexSha, (branch, sha) => {
        try {
          const [tag] = renderTags({ sha, run: 1, branch }, ["{branch}-{shortSha}"]);
          expect(tag).toMatch(OCI_TAG);
        } catch (e) {
          expect((e as InputError).input).toBe("branch");
        }
      }),
    );
  });

  it("parseVersion accepts exactly what semver accepts, with one optional v", () => {
    fc.assert(
      fc.property(semverArb, fc.boolean(), (v, withV) => {
        expect(parseVersion(withV ? `v${v}` : v).version).toBe(v);
      }),
    );
  });

  it("shortSha is the first 7 hex digits, lowercased", () => {
    fc.assert(
      fc.property(hexSha, (sha) => {
        expect(shortSha(sha.toUpperCase())).toBe(sha.slice(0, 7));
      }),
    );
  });
});

describe("templates", () => {
  it("lists the placeholders used", () => {
    expect(templatePlaceholders("v{version}-{shortSha}-{run}")).toEqual(["version", "shortSha", "run"]);
  });
  it("defaults follow the inputs given", () => {
    expect(defaultTemplates({})).toEqual(["{shortSha}-{run}"]);
    expect(defaultTemplates({ release: true })).toEqual(["{shortSha}-{run}"]);
    expect(defaultTemplates({ version: "1.0.0", env: "prod" })).toEqual(["{shortSha}-{run}", "v{version}-{shortSha}-{run}", "{env}-latest"]);
  });
});
