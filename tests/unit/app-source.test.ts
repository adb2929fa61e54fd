import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pinFiles, pinnedNames, pipInstallArgv, requireDockerfile } from "../../dagger/src/core/app/source.js";
import { ROOT } from "../helpers/tools.js";
import { inputError } from "../helpers/errors.js";

/** Top-level entries as Directory.entries() lists them (directories end with /). */
function entries(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
}

const APP = join(ROOT, "app");
const FIXTURES = join(ROOT, "tests", "fixtures");

describe("app directory checks, on real listings", () => {
  it("app/ has pin files (runtime first) and a Dockerfile", () => {
    expect(pinFiles(entries(APP))).toEqual(["requirements.txt", "requirements-dev.txt"]);
    expect(() => requireDockerfile(entries(APP))).not.toThrow();
  });

  it("a directory with no Dockerfile is refused, naming source and the fix", () => {
    const e = inputError(() => requireDockerfile(entries(join(FIXTURES, "app-no-dockerfile"))));
    expect(e.input).toBe("source");
    expect(e.message).toMatch(/has no Dockerfile/);
    expect(e.fix).toMatch(/--dockerfile/);
    expect(inputError(() => requireDockerfile(entries(APP), "docker/app.Dockerfile")).message).toMatch(/has no docker\/app\.Dockerfile/);
  });

  it("pin files: only requirements*.txt at the top, never directories", () => {
    expect(pinFiles(["requirements-dev.txt", "requirements/", "requirements.txt", "requirements_test.txt", "reqs.txt", "requirements.in"])).toEqual([
      "requirements.txt",
      "requirements-dev.txt",
      "requirements_test.txt",
    ]);
  });
});

describe("the install step", () => {
  it("adds a tool only when no pin file names it", () => {
    const files = ["requirements.txt", "requirements-dev.txt"];
    const contents = files.map((f) => readFileSync(join(APP, f), "utf8"));
    // app/requirements-dev.txt pins pytest and pytest-cov itself.
    expect(pipInstallArgv({ pinFiles: files, pinContents: contents, tools: { pytest: "9.2.0", "pytest-cov": "7.1.0" } })).toEqual([
      "python",
      "-m",
      "pip",
      "install",
      "-r",
      "requirements.txt",
      "-r",
      "requirements-dev.txt",
    ]);
    expect(pipInstallArgv({ pinFiles: [], tools: { ruff: "0.17.6" } })).toEqual(["python", "-m", "pip", "install", "ruff==0.17.6"]);
  });

  it("reads pinned names the way pip normalises them (PEP 503), ignoring comments and options", () => {
    expect([...pinnedNames("# c\nPytest_Cov==7.1.0\n-r other.txt\nzope.interface>=5 # x\n\n")]).toEqual(["pytest-cov", "zope-interface"]);
  });

  it("property: the argv has one -r per pin file, in order, and never the source", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^requirements-[a-z]{1,8}\.txt$/), { maxLength: 5 }), (files) => {
        const argv = pipInstallArgv({ pinFiles: files });
        expect(argv.filter((a) => a === "-r").length).toBe(files.length);
        expect(argv.filter((_, i) => argv[i - 1] === "-r")).toEqual(files);
        expect(argv).not.toContain(".");
      }),
    );
  });
});
