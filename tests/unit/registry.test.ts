import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { digestOf, parseRepository, pinnedRef, taggedRef } from "../../dagger/src/core/app/registry.js";
import { imageBuildArgs, imageName } from "../../dagger/src/core/app/image-build.js";
import { inputError } from "../helpers/errors.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("repository addresses", () => {
  it("reads the registry host, defaulting to docker.io", () => {
    expect(parseRepository("ghcr.io/acme/gitops-demo")).toEqual({ registry: "ghcr.io", path: "acme/gitops-demo", address: "ghcr.io/acme/gitops-demo" });
    expect(parseRepository("registry.local:5000/team/app/").registry).toBe("registry.local:5000");
    expect(parseRepository("localhost/app").registry).toBe("localhost");
    expect(parseRepository("acme/app").registry).toBe("docker.io");
  });

  it("refuses empty, tagged, digested and malformed addresses, naming the argument", () => {
    const cases: [string, RegExp][] = [
      ["", /is empty/],
      ["   ", /is empty/],
      ["ghcr.io/acme/app:1.0", /contains a tag/],
      [`ghcr.io/acme/app@${DIGEST}`, /contains a digest/],
      ["ghcr.io/Acme/App", /invalid path component "Acme"/],
      ["ghcr.io//app", /invalid path component ""/],
      ["bad_host.io:99999/app", /not a registry host/],
      ["ghcr.io/acme/-app", /invalid path component "-app"/],
    ];
    for (const [raw, re] of cases) {
      const e = inputError(() => parseRepository(raw));
      expect(e.input).toBe("image");
      expect(e.message).toMatch(re);
    }
    expect(inputError(() => parseRepository("", "registry")).input).toBe("registry");
  });

  it("property: valid lowercase paths are accepted and kept as given", () => {
    const comp = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)?$/);
    fc.assert(
      fc.property(fc.constantFrom("ghcr.io", "registry.local:5000", "localhost", ""), fc.array(comp, { minLength: 1, maxLength: 4 }), (host, parts) => {
        const address = [host, ...parts].filter((x) => x !== "").join("/");
        const repo = parseRepository(address);
        expect(repo.address).toBe(address);
      }),
    );
  });
});

describe("refs and digests", () => {
  const repo = parseRepository("ghcr.io/acme/app");
  it("tagged and pinned references", () => {
    expect(taggedRef(repo, "8855235-29")).toBe("ghcr.io/acme/app:8855235-29");
    expect(inputError(() => taggedRef(repo, "-bad")).input).toBe("tags");
    expect(digestOf(`ghcr.io/acme/app:8855235-29@${DIGEST}`)).toBe(DIGEST);
    expect(pinnedRef(repo, `ghcr.io/acme/app:8855235-29@${DIGEST}`)).toBe(`ghcr.io/acme/app@${DIGEST}`);
    expect(() => digestOf("ghcr.io/acme/app:1")).toThrow(/no sha256 digest/);
  });
});

describe("image build inputs", () => {
  it("build args become the Dockerfile's VERSION / REVISION (and SOURCE, PYTHON_IMAGE when given)", () => {
    expect(imageBuildArgs({ version: "v1.4.0", revision: "8855235" })).toEqual([
      { name: "VERSION", value: "1.4.0" },
      { name: "REVISION", value: "8855235" },
    ]);
    expect(
      imageBuildArgs({ version: "0.0.0-dev", revision: "unknown", sourceUrl: "https://github.com/acme/app", pythonImage: "python:3.12" }).map((a) => a.name),
    ).toEqual(["VERSION", "REVISION", "SOURCE", "PYTHON_IMAGE"]);
    expect(inputError(() => imageBuildArgs({ version: "one", revision: "x" })).input).toBe("version");
    expect(inputError(() => imageBuildArgs({ version: "1.0.0", revision: "a b" })).input).toBe("revision");
  });

  it("tarball image names get a tag and are validated", () => {
    expect(imageName("gitops-demo:e2e")).toBe("gitops-demo:e2e");
    expect(imageName("registry.local:5000/demo")).toBe("registry.local:5000/demo:latest");
    expect(inputError(() => imageName("Gitops:e2e")).input).toBe("imageName");
    expect(inputError(() => imageName("demo:-x")).input).toBe("imageName");
  });
});
