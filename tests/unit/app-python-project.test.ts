import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { join } from "node:path";
import { dependencyPlan, detectSource, pytestConfigured, requirementIncludes, rootRequirements, DEPS_DIR } from "../../dagger/src/core/app/dependencies.js";
import { poetryConstraint, poetryPins, readPyproject } from "../../dagger/src/core/app/pyproject.js";
import { choosePython, satisfiesClause, satisfiesSpecifier, PYTHON_IMAGES } from "../../dagger/src/core/app/python-version.js";
import { installFailedReport } from "../../dagger/src/core/app/install-report.js";
import { toolsInstallArgv } from "../../dagger/src/core/app/python-tools.js";
import { parseJunit, testResult } from "../../dagger/src/core/app/test-report.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { declarationsOf, filesOf } from "../helpers/dir-tree.js";
import { inputError } from "../helpers/errors.js";
import { ROOT } from "../helpers/tools.js";

const FIXTURE = (name: string) => declarationsOf(filesOf(join(ROOT, "tests", "fixtures", name)));

describe("dependency source detection, on the fixtures", () => {
  it.each([
    ["app-uv", "uv", "uv.lock found"],
    ["app-poetry", "poetry", "poetry.lock found"],
    ["app-unittest", "requirements", "requirements.txt found"],
    ["app-requirements-dir", "requirements", "requirements/dev.txt found"],
    ["app-pyproject", "pyproject", "pyproject.toml declares dependencies"],
    ["app-python313", "none", "no requirements file, lock file or pyproject dependencies found"],
  ])("%s → %s", (fixture, source, why) => {
    expect(detectSource(FIXTURE(fixture))).toEqual({ source, why });
  });

  it("the override wins, and names the missing file when the project has none", () => {
    expect(detectSource(FIXTURE("app-uv"), "pyproject").source).toBe("pyproject");
    const e = inputError(() => detectSource(FIXTURE("app-pyproject"), "poetry"));
    expect(e.input).toBe("dependencies");
    expect(e.problem).toMatch(/no poetry\.lock/);
  });

  it("pyproject: dependencies, the test extra naming the project itself, the dev group with its included group", () => {
    const plan = dependencyPlan(FIXTURE("app-pyproject"));
    expect(plan.srcLayout).toBe(true);
    expect(plan.steps).toEqual([["python", "-m", "pip", "install", "-r", `${DEPS_DIR}/pyproject-requirements.txt`]]);
    expect(plan.files[0]!.contents.split("\n").slice(1)).toEqual(["markupsafe>=2.1", "itsdangerous>=2.1", "ruff", "iniconfig>=2", ""]);
  });

  it("uv: pyproject and lock written as files, uv pinned, the lock exported frozen, the export installed", () => {
    const plan = dependencyPlan(FIXTURE("app-uv"), "auto", VERSIONS.uv);
    expect(plan.files.map((f) => f.path)).toEqual(["pyproject.toml", "uv.lock"]);
    expect(plan.steps[0]).toEqual(["python", "-m", "pip", "install", `uv==${VERSIONS.uv}`]);
    expect(plan.steps[1]).toEqual([
      "uv",
      "export",
      "--frozen",
      "--no-emit-project",
      "--no-hashes",
      "--format",
      "requirements.txt",
      "--group",
      "dev",
      "--output-file",
      `${DEPS_DIR}/uv-requirements.txt`,
    ]);
  });

  it("poetry: every group's pins read from the lock, a marker kept only where every group has one", () => {
    const plan = dependencyPlan(FIXTURE("app-poetry"));
    expect(plan.files[0]!.contents.split("\n").slice(1, -1)).toEqual(["iniconfig==2.0.0", "markupsafe==3.0.2"]);
    const pins = poetryPins(
      '[[package]]\nname = "a"\nversion = "1"\ngroups = ["main"]\nmarkers = {main = "os_name == \\"nt\\""}\n[[package]]\nname = "b"\nversion = "2"\nmarkers = "python_version < \\"3.12\\""\n[[package]]\nname = "c"\nversion = "3"\n[package.source]\ntype = "git"\nurl = "https://git.example/c.git"\nreference = "main"\nresolved_reference = "abc123"\n[[package]]\nname = "d"\nversion = "0"\n[package.source]\ntype = "directory"\nurl = "libs/d"\n[metadata]\nlock-version = "2.1"\n',
    );
    expect(pins.requirements).toEqual(['a==1 ; os_name == "nt"', 'b==2 ; python_version < "3.12"', "c @ git+https://git.example/c.git@abc123"]);
    expect(pins.skipped).toEqual(["d (directory libs/d)"]);
  });

  it("requirements: a line installing the project itself is left out and said", () => {
    const plan = dependencyPlan({
      entries: ["requirements.txt", "requirements-dev.txt"],
      contents: { "requirements.txt": "flask==3.1.0\n", "requirements-dev.txt": "-r requirements.txt\n-e .\npytest\n" },
    });
    expect(plan.files.find((f) => f.path === "requirements-dev.txt")!.contents).toBe("-r requirements.txt\npytest\n");
    expect(plan.notes[0]).toMatch(/requirements-dev\.txt: "-e \." installs the project itself/);
  });

  it("a pyproject that is not TOML is refused, naming the file", () => {
    const e = inputError(() => dependencyPlan({ entries: ["pyproject.toml"], contents: { "pyproject.toml": "[project\nname=" } }));
    expect(e.input).toBe("source: pyproject.toml");
  });

  it("pytest configuration: pyproject, pytest.ini, setup.cfg, tox.ini", () => {
    expect(pytestConfigured(FIXTURE("app-pyproject"))).toBe(true);
    expect(pytestConfigured(FIXTURE("app-unittest"))).toBe(false);
    expect(pytestConfigured({ entries: ["setup.cfg"], contents: { "setup.cfg": "[metadata]\n[tool:pytest]\n" } })).toBe(true);
    expect(pytestConfigured({ entries: ["tox.ini"], contents: { "tox.ini": "[tox]\n" } })).toBe(false);
  });

  it("readPyproject follows include-group without looping", () => {
    const info = readPyproject('[dependency-groups]\ndev = [{include-group = "test"}]\ntest = ["pytest", {include-group = "dev"}]\n');
    expect(info.requirements).toEqual(["pytest"]);
  });
});

describe("the project's Python", () => {
  it("fixtures: 3.13 from .python-version; the default when requires-python admits it", () => {
    const d313 = FIXTURE("app-python313");
    expect(choosePython({ pythonVersionFile: d313.contents[".python-version"]! })).toMatchObject({ minor: "3.13", image: VERSIONS.python313Image });
    expect(choosePython({ requiresPython: ">=3.11" })).toMatchObject({ minor: "3.12", image: VERSIONS.pythonImage });
    expect(choosePython({ requiresPython: ">=3.13" }).minor).toBe("3.13");
    expect(choosePython({ requiresPython: ">=3.9,<3.13" }).minor).toBe("3.12");
    expect(choosePython({ requiresPython: "~=3.13.0" }).minor).toBe("3.13");
    expect(choosePython({}).why).toMatch(/pinned default/);
    expect(choosePython({ pythonVersionFile: "3.13" }, "3.12").minor).toBe("3.12");
  });

  it("Poetry's python constraint stands for requires-python when there is none", () => {
    expect(poetryConstraint("^3.11")).toBe(">=3.11,<4");
    expect(poetryConstraint("~3.11")).toBe(">=3.11,<3.12");
    expect(poetryConstraint(">=3.11,<3.14")).toBe(">=3.11,<3.14");
    expect(poetryConstraint("3.13.*")).toBe("==3.13.*");
    const info = readPyproject(FIXTURE("app-poetry").contents["pyproject.toml"]!);
    expect(info).toMatchObject({ requiresPython: ">=3.11,<3.14", requiresPythonFrom: "tool.poetry.dependencies.python" });
    expect(choosePython({ requiresPython: poetryConstraint("~3.11"), requiresPythonFrom: "tool.poetry.dependencies.python" })).toMatchObject({
      minor: "3.11",
      why: 'tool.poetry.dependencies.python ">=3.11,<3.12"',
    });
  });

  it("an unsupported request names the file and the way out", () => {
    const a = inputError(() => choosePython({ pythonVersionFile: "3.10.4\n" }));
    expect(a.input).toBe("source: .python-version");
    expect(a.message).toMatch(/Python 3\.10, which no pinned image provides \(pinned: 3\.11, 3\.12, 3\.13\)/);
    expect(a.fix).toMatch(/--python 3\.11 or 3\.12 or 3\.13/);
    const b = inputError(() => choosePython({ requiresPython: ">=3.14" }));
    expect(b.input).toBe("source: pyproject.toml");
    expect(inputError(() => choosePython({}, "2.7")).input).toBe("python");
  });

  it("property: a minor satisfies >=x.y exactly when it is not older, and <x.y exactly when it is older", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (a, b) => {
        expect(satisfiesSpecifier(`3.${a}`, `>=3.${b}`)).toBe(a >= b);
        expect(satisfiesSpecifier(`3.${a}`, `<3.${b}`)).toBe(a < b);
        expect(satisfiesSpecifier(`3.${a}`, `==3.${b}.*`)).toBe(a === b);
      }),
    );
    expect(satisfiesClause("3.12.1", "===weird")).toBeUndefined();
    expect(Object.keys(PYTHON_IMAGES)).toEqual(["3.11", "3.12", "3.13"]);
  });
});

describe("reports that explain themselves", () => {
  it("a failed install is a failed run quoting pip's conflict", () => {
    const stderr =
      "ERROR: Cannot install packaging==23.2 and pytest==9.2.0 because these package versions have conflicting dependencies.\n\nThe conflict is caused by:\n    The user requested packaging==23.2\n    pytest 9.2.0 depends on packaging>=24\nERROR: ResolutionImpossible: for help visit https://pip.pypa.io/";
    const r = installFailedReport(
      "test",
      { cmd: toolsInstallArgv({ pytest: "9.2.0" }), exitCode: 1, stdout: "", stderr },
      { source: "requirements", why: "requirements.txt found", notes: [] },
    );
    expect(r.passed).toBe(false);
    expect(r.summary).toBe(
      "test failed: installing the project's dependencies failed: ERROR: Cannot install packaging==23.2 and pytest==9.2.0 because these package versions have conflicting dependencies.",
    );
    expect(r.details).toContain("pytest 9.2.0 depends on packaging>=24");
    expect(r.details).toContain("the pipeline's tools (pytest==9.2.0)");
    expect(r.details).not.toContain("importlib.metadata");
  });

  it("without an ERROR line, the summary quotes stderr's last line, not stdout's progress (pip's 'Looking in links')", () => {
    const r = installFailedReport(
      "test",
      {
        cmd: ["python", "-m", "pip", "install", "-r", "requirements.txt"],
        exitCode: 2,
        stdout: "Looking in links: /opt/wheels\nCollecting flask==3.1.0\n",
        stderr: 'Traceback (most recent call last):\n  File "pip", line 1\nOSError: [Errno 28] No space left on device\n',
      },
      { source: "requirements", why: "requirements.txt found", notes: [] },
    );
    expect(r.summary).toBe("test failed: installing the project's dependencies failed: OSError: [Errno 28] No space left on device");
    expect(r.details).toContain("stdout:\nLooking in links: /opt/wheels");
  });

  it("pip's colours (FORCE_COLOR set, even to 0) are taken out before its ERROR line is quoted", () => {
    const red = (t: string) => `\x1b[31m${t}\x1b[0m\x1b[31m\n\x1b[0m`;
    const stderr =
      red("ERROR: Could not find a version that satisfies the requirement packaging==0.0.0.999 (from versions: none)") +
      red("ERROR: No matching distribution found for packaging==0.0.0.999");
    const r = installFailedReport(
      "test",
      { cmd: ["python", "-m", "pip", "install", "-r", "requirements.txt"], exitCode: 1, stdout: "Looking in links: /opt/wheels\n", stderr },
      { source: "requirements", why: "requirements.txt found", notes: [] },
    );
    expect(r.summary).toBe(
      "test failed: installing the project's dependencies failed: ERROR: Could not find a version that satisfies the requirement packaging==0.0.0.999 (from versions: none)",
    );
    expect(r.details).not.toContain("\x1b");
  });

  it("a collection error names the test file and the exception, not importlib's frame", () => {
    const xml = `<testsuites><testsuite name="pytest" errors="1" failures="0" skipped="0" tests="1"><testcase classname="" name="tests.test_x"><error message="collection failure">ImportError while importing test module '/src/tests/test_x.py'.
Traceback:
/usr/local/lib/python3.12/importlib/__init__.py:90: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
tests/test_x.py:1: in &lt;module&gt;
    import app
app/__init__.py:2: in &lt;module&gt;
    import flask
/usr/local/lib/python3.12/site-packages/shim.py:3: in &lt;module&gt;
    raise ModuleNotFoundError
E   ModuleNotFoundError: No module named 'flask'</error></testcase></testsuite></testsuites>`;
    const [t] = parseJunit(xml).failed;
    expect(t).toMatchObject({ file: "app/__init__.py", line: 2, message: "collection failure: ModuleNotFoundError: No module named 'flask'" });
  });

  it("pytest that cannot start (exit 4): the details quote stderr's cause, never empty", () => {
    const stderr =
      "ImportError while loading conftest '/src/tests/conftest.py'.\ntests/conftest.py:1: in <module>\n    import flask\nE   ModuleNotFoundError: No module named 'flask'\n";
    const r = testResult({ exitCode: 4, minCoverage: 90, stdout: "", stderr });
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/pytest could not start/);
    expect(r.summary).toContain("ImportError while loading conftest '/src/tests/conftest.py'.");
    expect(r.summary).toContain("E   ModuleNotFoundError: No module named 'flask'");
    expect(r.summary).not.toMatch(/no coverage report was written/);
  });
});

describe("requirements files that include others (-r, -c) and requirements/ directories", () => {
  it("requirements/ without a top-level file: its development file is installed, with what it includes at their own paths; prod.txt is not", () => {
    const plan = dependencyPlan(FIXTURE("app-requirements-dir"));
    expect(plan.steps).toEqual([["python", "-m", "pip", "install", "-r", "requirements/dev.txt"]]);
    expect(plan.files.map((f) => f.path).sort()).toEqual(["requirements/base.txt", "requirements/constraints.txt", "requirements/dev.txt"]);
  });

  it("follows -r, --requirement=, -rFILE and -c from a top-level file, relative to the including file; URLs are pip's", () => {
    const d = declarationsOf({
      "requirements.txt": "-r requirements/common.txt\n--requirement=requirements/extra.txt # comment\n-c https://example.com/c.txt\n",
      "requirements/common.txt": "-rnested/deep.txt\nflask\n",
      "requirements/nested/deep.txt": "--constraint ../../constraints.txt\n",
      "requirements/extra.txt": "-r common.txt\n",
      "constraints.txt": "flask<4\n",
      "requirements/unrelated.txt": "django\n",
    });
    expect(Object.keys(d.contents).sort()).toEqual([
      "constraints.txt",
      "requirements.txt",
      "requirements/common.txt",
      "requirements/extra.txt",
      "requirements/nested/deep.txt",
    ]);
    const plan = dependencyPlan(d);
    expect(plan.steps).toEqual([["python", "-m", "pip", "install", "-r", "requirements.txt"]]);
    expect(plan.files.map((f) => f.path).sort()).toEqual(Object.keys(d.contents).sort());
  });

  it("an include that is missing or leaves the app directory is an error naming the including file; a loop is read once", () => {
    expect(inputError(() => declarationsOf({ "requirements.txt": "-r base.txt\n" }))).toMatchObject({
      input: "requirements.txt",
      problem: expect.stringMatching(/includes base.txt, which is not a file/),
    });
    expect(inputError(() => requirementIncludes("requirements/dev.txt", "-r ../../shared.txt\n"))).toMatchObject({
      input: "requirements/dev.txt",
      problem: expect.stringMatching(/outside the app directory/),
    });
    const loop = declarationsOf({ "requirements-a.txt": "-r requirements-b.txt\nx\n", "requirements-b.txt": "-r requirements-a.txt\ny\n" });
    expect(Object.keys(loop.contents).sort()).toEqual(["requirements-a.txt", "requirements-b.txt"]);
  });

  it("requirements/ without a development file: every .txt there", () => {
    expect(rootRequirements({ entries: ["requirements/"], requirementsDir: ["base.txt", "README.md", "prod.txt"] })).toEqual([
      "requirements/base.txt",
      "requirements/prod.txt",
    ]);
    expect(rootRequirements({ entries: ["requirements.txt", "requirements/"], requirementsDir: ["dev.txt"] })).toEqual(["requirements.txt"]);
  });

  it("an include is always inside the including file's directory tree or refused (any relative path)", () => {
    const segment = fc.constantFrom("a", "b", "..", ".", "req.txt");
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.constantFrom("requirements.txt", "requirements/dev.txt"), (parts, file) => {
        const ref = parts.join("/");
        try {
          const [path] = requirementIncludes(file, `-r ${ref}\n`);
          return path !== undefined && !path.startsWith("..") && !path.startsWith("/");
        } catch (e) {
          return (e as Error).message.includes("outside the app directory");
        }
      }),
    );
  });
});
