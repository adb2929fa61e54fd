import { afterEach, describe, expect, it, vi } from "vitest";
import { dag, type Container } from "@dagger.io/dagger";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { App } from "../../dagger/src/app/app.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { lintArgv } from "../../dagger/src/core/app/lint.js";
import { LINTER_REGISTRY } from "../../dagger/src/core/app/linters/index.js";
import { testArgv } from "../../dagger/src/core/app/python-tools.js";
import { PINNED_TOOLCHAIN, type ToolPins } from "../../dagger/src/core/toolchain.js";
import { Toolchain } from "../../dagger/src/toolchain.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { trivySbomArgv, trivyScanArgv } from "../../dagger/src/core/app/trivy.js";
import { LINT_REPORT, lintContainer, lintContainers } from "../../dagger/src/app/lint.js";
import { DEFAULT_LINTERS } from "../../dagger/src/core/defaults.js";
import { parseInputs } from "../../dagger/src/core/inputs.js";
import { lintInputs } from "../../dagger/src/core/app/inputs.js";
import { installFailure, projectOf, readDeclarations } from "../../dagger/src/app/python.js";
import { toolsInstallArgv } from "../../dagger/src/core/app/python-tools.js";
import { execKeys } from "../helpers/cache-model.js";
import { testContainer } from "../../dagger/src/app/test.js";
import { build, buildVariants, imageTarball } from "../../dagger/src/app/build.js";
import { publish, publishPlan, type PublishOptions } from "../../dagger/src/app/publish.js";
import { scanContainer } from "../../dagger/src/app/scan.js";
import { allChains, execs, plan, stepsOf, type Step } from "../helpers/plan.js";
import { declarationsOf, filesOf, treeOf } from "../helpers/dir-tree.js";
import { ROOT } from "../helpers/tools.js";

// A mirror image and odd versions, so "pinned to the constructor value" cannot pass by accident with the defaults.
const P: ToolPins = {
  ...PINNED_TOOLCHAIN,
  pythonImage: "mirror.local/python:3.12.14-slim-trixie",
  trivyImage: "mirror.local/trivy:0.75.0",
  python: { ruff: "0.0.1", flake8: "0.0.2", pylint: "0.0.3", pytest: "0.0.4", "pytest-cov": "0.0.5", mypy: "0.0.6" },
};
/** The app object over `dir`, as `dagger call app --version 1.4.0 --revision <sha>` creates it. */
const appOf = (dir: ReturnType<typeof app>, version = "", revision = "unknown") => new App(dir, Toolchain.of(P), version, revision, "Dockerfile", "");
const APP_FILES = filesOf(join(ROOT, "app"));
const app = () => treeOf(APP_FILES);
const PROJECT = projectOf(P, declarationsOf(APP_FILES));
const SHA = "8855235f0c1e4a3b9d2e7f6a5b4c3d2e1f0a9b8c";
const DIGEST = `sha256:${"cd".repeat(32)}`;

const ops = (steps: Step[]) => steps.map((s) => s.op);
const idx = (steps: Step[], pred: (s: Step, i: number) => boolean) => steps.findIndex(pred);
const isExec = (argv0: string, argv1?: string) => (s: Step) =>
  s.op === "withExec" && (s.args.args as string[])[0] === argv0 && (argv1 === undefined || (s.args.args as string[]).includes(argv1));

/** Replace the engine's answers to listing calls with a real directory's listing. */
function listing(dir: ReturnType<typeof app>, files: Record<string, string>) {
  const top = [...new Set(Object.keys(files).map((f) => (f.includes("/") ? `${f.split("/")[0]}/` : f)))];
  dir.entries = vi.fn(async () => top);
  dir.glob = vi.fn(async (pattern: string) => Object.keys(files).filter((f) => (pattern === "**/*.py" ? f.endsWith(".py") : true)));
  dir.file = ((path: string) => ({ contents: async () => files[path] ?? "" })) as unknown as typeof dir.file;
  dir.exists = vi.fn(async (path: string) => path in files);
  return dir;
}

/** Make dag.container() return containers whose publish is a stub, and count pushes. */
function stubPublish() {
  const pushed: string[] = [];
  const variants: (string | undefined)[][] = [];
  const real = dag.container.bind(dag);
  vi.spyOn(dag, "container").mockImplementation((opts) => {
    const c = real(opts);
    const withAuth = c.withRegistryAuth.bind(c);
    const stub = (ctr: Container): Container => {
      ctr.publish = vi.fn(async (ref: string, opts?: { platformVariants?: Container[] }) => {
        pushed.push(ref);
        variants.push((opts?.platformVariants ?? []).map((v) => plan(v).at(-1)!.args.platform as string | undefined));
        return `${ref}@${DIGEST}`;
      });
      return ctr;
    };
    c.withRegistryAuth = (...args) => stub(withAuth(...args));
    return stub(c);
  });
  return { pushed, variants };
}

afterEach(() => vi.restoreAllMocks());

function expectPythonBase(steps: Step[]) {
  expect(steps[1]).toEqual({ op: "from", args: { address: "mirror.local/python:3.12.14-slim-trixie" } });
  const cache = stepsOf(steps, "withMountedCache");
  expect(cache).toHaveLength(1);
  expect(cache[0]!.args).toMatchObject({ path: "/root/.cache/pip", cache: { ref: [{ op: "cacheVolume", args: { key: "gitops-pipeline-pip" } }] } });
}

describe("lint plan", () => {
  it("ruff: pinned image, pip cache, linter installed before the source is added, run with any exit code", () => {
    const steps = plan(lintContainer(P, app(), "ruff"));
    expectPythonBase(steps);
    expect(execs(steps)).toEqual([["python", "-m", "pip", "install", "ruff==0.0.1"], lintArgv("ruff")]);
    const install = idx(steps, isExec("python", "install"));
    const source = idx(steps, (s) => s.op === "withDirectory" && s.args.path === "/src");
    expect(install).toBeLessThan(source);
    // ruff and flake8 only parse: no declaration file is written, the install depends on the version only.
    expect(stepsOf(steps.slice(0, install), "withDirectory")).toEqual([]);
    expect(stepsOf(steps.slice(0, install), "withNewFile")).toEqual([]);
    const run = steps[steps.length - 1]!;
    expect(run.args).toMatchObject({ expect: "ANY", redirectStdout: LINT_REPORT });
  });

  it("each registered linter runs its core argv at its pinned version", () => {
    for (const l of LINTER_REGISTRY) {
      const [linter, pin] = [l.id, `${l.package}==${P.python[l.package]}`];
      const argv = execs(lintContainer(P, app(), linter, PROJECT));
      expect(
        argv.find((a) => a.includes(pin)),
        linter,
      ).toBeDefined();
      expect(argv[argv.length - 1]).toEqual(lintArgv(linter));
    }
  });

  for (const l of LINTER_REGISTRY.filter((x) => x.needs === "dependencies")) {
    it(`${l.id} (needs the dependencies): the declaration files written as new files, installed, ${l.id} beside them, then the full source`, () => {
      const pin = P.python[l.package];
      const steps = plan(lintContainer(P, app(), l.id, PROJECT));
      const written = stepsOf(steps, "withNewFile").map((s) => s.args.path);
      const install = idx(steps, isExec("python", "install"));
      const tools = idx(steps, (s) => s.op === "withExec" && (s.args.args as string[]).includes(`${l.package}==${pin}`));
      const full = idx(steps, (s) => s.op === "withDirectory" && s.args.path === "/src");
      expect(written).toEqual(["/src/requirements.txt", "/src/requirements-dev.txt"]);
      expect([install < tools, tools < full]).toEqual([true, true]);
      // Nothing of the source directory before the install: its cache key would be the whole tree.
      expect(stepsOf(steps.slice(0, full), "withDirectory")).toEqual([]);
      expect(execs(steps)[0]).toEqual(["python", "-m", "pip", "install", "-r", "requirements.txt", "-r", "requirements-dev.txt"]);
      expect(execs(steps)[1]).toEqual(toolsInstallArgv({ [l.package]: pin }));
    });
  }

  it("readDeclarations follows -r includes through the engine, asking whether a file exists only for included ones", async () => {
    const files = { "requirements.txt": "-r requirements/base.txt\n", "requirements/base.txt": "flask\n", "app.py": "" };
    const dir = listing(app(), files);
    const d = await readDeclarations(dir);
    expect(d.contents).toEqual({ "requirements.txt": files["requirements.txt"], "requirements/base.txt": "flask\n" });
    expect(dir.exists).toHaveBeenCalledExactlyOnceWith("requirements/base.txt");
  });

  it("one container per linter; the project is read only for flake8 and pylint", async () => {
    const dir = listing(app(), APP_FILES);
    const both = await lintContainers(P, dir, ["ruff", "ruff-format"]);
    expect(dir.entries).not.toHaveBeenCalled();
    expect(both.containers.map((c) => execs(c).at(-1))).toEqual([lintArgv("ruff"), lintArgv("ruff-format")]);
    const two = await lintContainers(P, dir, ["ruff", "pylint"]);
    expect(dir.entries).toHaveBeenCalledOnce();
    expect(execs(two.containers[1]!)[0]).toContain("-r");
  });

  it("app lint: the defaults are the table's (ruff and its format check); names in any case, unknown names refused", async () => {
    expect(parseInputs(lintInputs, { linters: DEFAULT_LINTERS }).linters).toEqual(["ruff", "ruff-format"]);
    expect(parseInputs(lintInputs, { linters: ["FLAKE8", "pylint", "Ruff_Format", "ruff-format"] }).linters).toEqual(["flake8", "pylint", "ruff-format"]);
    await expect(appOf(listing(app(), APP_FILES)).lint(["bandit"])).rejects.toMatchObject({ input: "linters", problem: '"bandit" is not a linter' });
  });
});

describe("test plan", () => {
  it("declaration files written → install → tools beside them → full source copied → pytest with the gate, any exit code", () => {
    const steps = plan(testContainer(P, app(), 90, PROJECT));
    expectPythonBase(steps);
    const written = idx(steps, (s) => s.op === "withNewFile");
    const install = idx(steps, isExec("python", "install"));
    const tools = idx(steps, (s) => s.op === "withExec" && (s.args.args as string[])[1] === "-c");
    const full = idx(steps, (s) => s.op === "withDirectory" && s.args.path === "/src");
    const pytest = idx(steps, isExec("python", "pytest"));
    expect(written).toBeGreaterThan(0);
    expect([written < install, install < tools, tools < full, full < pytest]).toEqual([true, true, true, true]);
    // The install step's only inputs from the source: the pin files' contents.
    expect(stepsOf(steps, "withNewFile").map((s) => [s.args.path, s.args.contents])).toEqual([
      ["/src/requirements.txt", APP_FILES["requirements.txt"]],
      ["/src/requirements-dev.txt", APP_FILES["requirements-dev.txt"]],
    ]);
    expect(stepsOf(steps.slice(0, full), "withDirectory")).toEqual([]);
    expect(execs(steps)[0]).toEqual(["python", "-m", "pip", "install", "-r", "requirements.txt", "-r", "requirements-dev.txt"]);
    // The tools: the project's own pytest when installed, else the newest up to the pin that fits its packages.
    expect(execs(steps)[1]).toEqual(toolsInstallArgv({ pytest: "0.0.4", "pytest-cov": "0.0.5" }));
    // app/ configures pytest (pyproject [tool.pytest.ini_options]): its patterns alone decide.
    expect(steps[pytest]!.args).toMatchObject({ args: testArgv({ minCoverage: 90, reportDir: "/reports" }), expect: "ANY" });
  });

  it("a source edit changes no input of the install steps; a pin edit does", () => {
    const edited = { ...APP_FILES, "webapp/__init__.py": `${APP_FILES["webapp/__init__.py"]}\n# edit\n` };
    const keys = (files: Record<string, string>) => execKeys(plan(testContainer(P, treeOf(files), 90, projectOf(P, declarationsOf(files)))));
    const [before, after] = [keys(APP_FILES), keys(edited)];
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2)); // pip install and the tools
    expect(after[2]!.key).not.toBe(before[2]!.key); // pytest sees the edit
    const repinned = { ...APP_FILES, "requirements.txt": `${APP_FILES["requirements.txt"]}# repin\n` };
    expect(keys(repinned)[0]!.key).not.toBe(before[0]!.key);
  });

  it("without a dependency declaration, nothing is written and only the tools are installed", () => {
    const steps = plan(testContainer(P, app(), 75, projectOf(P, { entries: ["tests/"], contents: {} })));
    expect(stepsOf(steps, "withNewFile")).toEqual([]);
    expect(execs(steps)[0]).toEqual(toolsInstallArgv({ pytest: "0.0.4", "pytest-cov": "0.0.5" }));
    expect(execs(steps)[1]).toContain("--cov-fail-under=75");
    // No pytest configuration: unittest's tests.py is collected too.
    expect(execs(steps)[1]).toEqual(expect.arrayContaining(["-o", "python_files=test_*.py *_test.py tests.py"]));
  });

  it("runTests asks pytest, not the file names: a source with only tests.py is run", async () => {
    const files = { "tests.py": "import unittest\n" };
    const dir = listing(treeOf(files), files);
    const c = testContainer(P, dir, 90, projectOf(P, await readDeclarations(dir)));
    expect(execs(c).at(-1)).toEqual(expect.arrayContaining(["-o", "python_files=test_*.py *_test.py tests.py"]));
  });

  it("an exec error of an install step becomes a failed run quoting pip; any other error is not swallowed", () => {
    const execError = (cmd: string[], stderr: string) => Object.assign(new Error("exit code: 1"), { name: "ExecError", cmd, exitCode: 1, stdout: "", stderr });
    const tools = toolsInstallArgv({ pytest: "0.0.4", "pytest-cov": "0.0.5" });
    const failed = installFailure(
      "test",
      execError(tools, "ERROR: Cannot install packaging==23.2 and pytest==0.0.4\nERROR: ResolutionImpossible"),
      PROJECT.deps,
      tools,
    );
    expect(failed).toMatchObject({
      stage: "test",
      passed: false,
      summary: "test failed: installing the project's dependencies failed: ERROR: Cannot install packaging==23.2 and pytest==0.0.4",
    });
    expect(failed!.details).toContain("dependencies: requirements (requirements.txt, requirements-dev.txt found)");
    expect(
      installFailure("test", execError(PROJECT.deps.steps[0]!, "ERROR: No matching distribution found for flask==9"), PROJECT.deps, tools)?.summary,
    ).toMatch(/flask==9$/);
    expect(installFailure("test", execError(["python", "-m", "pytest"], "boom"), PROJECT.deps, tools)).toBeUndefined();
    expect(installFailure("test", new Error("connection refused"), PROJECT.deps, tools)).toBeUndefined();
  });

  it("app test refuses a bad gate before asking the engine anything", async () => {
    const dir = listing(app(), APP_FILES);
    await expect(appOf(dir).test(150)).rejects.toMatchObject({ input: "minCoverage", problem: "is above 100" });
    await expect(appOf(dir).test(89.5)).rejects.toMatchObject({ input: "minCoverage", problem: "is not a whole number" });
    expect(dir.glob).not.toHaveBeenCalled();
    expect(dir.entries).not.toHaveBeenCalled();
  });

  it("app refuses an unknown dependency source and a malformed Python version, naming the argument", () => {
    expect(() => new App(app(), Toolchain.of(P), "", "unknown", "Dockerfile", "", "", "pipenv")).toThrow(expect.objectContaining({ input: "dependencies" }));
    expect(() => new App(app(), Toolchain.of(P), "", "unknown", "Dockerfile", "", "three", "auto")).toThrow(expect.objectContaining({ input: "python" }));
  });
});

describe("build plan", () => {
  const opts = { platforms: ["linux/amd64", "linux/arm64"], version: "1.4.0", revision: SHA, dockerfile: "Dockerfile" };

  it("one dockerBuild per platform, with VERSION/REVISION (the OCI labels) and the pinned base image", () => {
    const variants = buildVariants(P.pythonImage, app(), opts);
    expect(variants).toHaveLength(2);
    const builds = variants.map((v) => plan(v).at(-1)!);
    expect(builds.map((b) => b.op)).toEqual(["dockerBuild", "dockerBuild"]);
    expect(builds.map((b) => b.args.platform)).toEqual(["linux/amd64", "linux/arm64"]);
    for (const b of builds) {
      expect(b.args.dockerfile).toBe("Dockerfile");
      expect(b.args.buildArgs).toEqual([
        { name: "VERSION", value: "1.4.0" },
        { name: "REVISION", value: SHA },
        { name: "PYTHON_IMAGE", value: "mirror.local/python:3.12.14-slim-trixie" },
      ]);
    }
  });

  it("the project's Python reaches the build (PYTHON_IMAGE) and the flake8/pylint/test containers; ruff stays on the default", async () => {
    const files = { ...APP_FILES, ".python-version": "3.13\n" };
    const pinned = new App(listing(treeOf(files), files), Toolchain.of(PINNED_TOOLCHAIN), "1.4.0", SHA, "Dockerfile", "");
    const [variant] = await pinned.build(["linux/amd64"]);
    expect(plan(variant!).at(-1)!.args.buildArgs).toContainEqual({ name: "PYTHON_IMAGE", value: VERSIONS.python313Image });
    const { containers } = await lintContainers(PINNED_TOOLCHAIN, listing(treeOf(files), files), ["ruff", "flake8"]);
    expect(containers.map((c) => plan(c)[1]!.args.address)).toEqual([VERSIONS.pythonImage, VERSIONS.python313Image]);
    // --python overrides the file; an unsupported one is refused naming the argument.
    const overridden = new App(listing(treeOf(files), files), Toolchain.of(PINNED_TOOLCHAIN), "1.4.0", SHA, "Dockerfile", "", "3.11");
    expect(plan((await overridden.build(["linux/amd64"]))[0]!).at(-1)!.args.buildArgs).toContainEqual({ name: "PYTHON_IMAGE", value: VERSIONS.python311Image });
    const old = new App(listing(treeOf(files), files), Toolchain.of(PINNED_TOOLCHAIN), "1.4.0", SHA, "Dockerfile", "", "3.9");
    await expect(old.build(["linux/amd64"])).rejects.toMatchObject({ input: "python" });
  });

  it("the Dockerfile turns those build args into OCI labels", () => {
    const dockerfile = readFileSync(join(ROOT, "app", "Dockerfile"), "utf8");
    for (const arg of ["VERSION", "REVISION"]) {
      expect(dockerfile).toMatch(new RegExp(`^ARG ${arg}=`, "m"));
    }
    expect(dockerfile).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(dockerfile).toContain('org.opencontainers.image.revision="${REVISION}"');
    expect(dockerfile).toMatch(/^ARG PYTHON_IMAGE=/m);
  });

  it("refuses an unknown platform before listing the source", async () => {
    const dir = listing(app(), APP_FILES);
    await expect(build(P.pythonImage, dir, { ...opts, platforms: ["linux/amd64", "linux/amd65"] })).rejects.toMatchObject({ input: "platforms" });
    expect(dir.entries).not.toHaveBeenCalled();
  });

  it("refuses a source without a Dockerfile, naming source", async () => {
    const files = filesOf(join(ROOT, "tests", "fixtures", "app-no-dockerfile"));
    const err = await build(P.pythonImage, listing(treeOf(files), files), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ input: "source", problem: "has no Dockerfile" });
  });

  it("tarball for e2e: one platform, named by the caller, gzip layers", () => {
    const [amd64] = buildVariants(P.pythonImage, app(), { ...opts, platforms: "linux/amd64" });
    const steps = plan(imageTarball(amd64!, "gitops-demo:e2e-42"));
    expect(stepsOf(steps, "withAnnotation")[0]!.args).toEqual({ name: "io.containerd.image.name", value: "gitops-demo:e2e-42" });
    expect(steps.at(-1)).toEqual({ op: "asTarball", args: { forcedCompression: "Gzip" } });
  });
});

describe("publish plan", () => {
  const base: PublishOptions = {
    image: "ghcr.io/acme/gitops-demo",
    revision: SHA,
    run: "29",
    version: "1.4.0",
    environment: "dev",
    platforms: ["linux/amd64", "linux/arm64"],
    dockerfile: "Dockerfile",
    username: "ci-bot",
    password: dag.setSecret("registry-token", "s3cr3t"),
  };

  it("tags from the core rules, credentials as a Secret for the registry host, one variant per platform", () => {
    const p = publishPlan(P.pythonImage, app(), base);
    expect(p.refs).toEqual(["ghcr.io/acme/gitops-demo:8855235-29", "ghcr.io/acme/gitops-demo:v1.4.0-8855235-29", "ghcr.io/acme/gitops-demo:dev-latest"]);
    const auth = stepsOf(p.publisher, "withRegistryAuth");
    expect(auth).toHaveLength(1);
    expect(auth[0]!.args).toMatchObject({ address: "ghcr.io", username: "ci-bot" });
    expect((auth[0]!.args.secret as { ref: Step[] }).ref[0]).toEqual({ op: "setSecret", args: { name: "registry-token", plaintext: "s3cr3t" } });
    // The secret's value appears only inside the setSecret node, never as a plain argument elsewhere.
    const elsewhere = allChains(plan(p.publisher))
      .flat()
      .filter((s) => s.op !== "setSecret" && JSON.stringify(s.args).includes("s3cr3t") && s.op !== "withRegistryAuth");
    expect(elsewhere).toEqual([]);
    expect(p.variants.map((v) => plan(v).at(-1)!.args.platform)).toEqual(["linux/amd64", "linux/arm64"]);
  });

  it("custom templates use the branch, sanitised", () => {
    const p = publishPlan(P.pythonImage, app(), { ...base, branch: "feature/Login Page", tagTemplates: ["{branch}-{shortSha}"] });
    expect(p.refs).toEqual(["ghcr.io/acme/gitops-demo:feature-login-page-8855235"]);
  });

  it("pushes each tag with every platform variant and returns digest-pinned references", async () => {
    const { pushed, variants } = stubPublish();
    const img = await publish(P.pythonImage, listing(app(), APP_FILES), base);
    expect(pushed).toEqual(["ghcr.io/acme/gitops-demo:8855235-29", "ghcr.io/acme/gitops-demo:v1.4.0-8855235-29", "ghcr.io/acme/gitops-demo:dev-latest"]);
    expect(variants).toEqual(pushed.map(() => ["linux/amd64", "linux/arm64"]));
    expect(img.ref()).toBe(`ghcr.io/acme/gitops-demo@${DIGEST}`);
    expect(img.refs()[0]).toBe(`ghcr.io/acme/gitops-demo:8855235-29@${DIGEST}`);
  });

  it("app publish: bad input is refused, naming the argument, and nothing is pushed", async () => {
    const { pushed } = stubPublish();
    const noDockerfile = filesOf(join(ROOT, "tests", "fixtures", "app-no-dockerfile"));
    const password = dag.setSecret("registry-token", "s3cr3t");
    type Call = { image?: string; run?: string; username?: string; platforms?: string[]; tagTemplates?: string[]; password?: typeof password | undefined };
    const cases: [Call, string, { revision?: string; version?: string; dir?: ReturnType<typeof app> }?][] = [
      [{ image: "" }, "image"],
      [{ image: "ghcr.io/acme/app:latest" }, "image"],
      [{}, "revision", { revision: "not-a-sha" }],
      [{ run: "0" }, "run"],
      [{ platforms: ["linux/amd65"] }, "platforms"],
      [{ username: "" }, "username"],
      [{ password: undefined }, "password"],
      [{ tagTemplates: ["{branch}-{run}"] }, "tagTemplates"], // no branch given
      [{ tagTemplates: ["{nope}"] }, "tagTemplates"],
      [{}, "source", { dir: listing(treeOf(noDockerfile), noDockerfile) }],
    ];
    for (const [patch, input, ctx] of cases) {
      const c = {
        image: "ghcr.io/acme/gitops-demo",
        run: "29",
        username: "ci-bot",
        platforms: ["linux/amd64"],
        tagTemplates: [] as string[],
        password,
        ...patch,
      };
      const a = appOf(ctx?.dir ?? listing(app(), APP_FILES), ctx?.version ?? "1.4.0", ctx?.revision ?? SHA);
      const err = await a.publish(c.image, c.run, "dev", "", false, c.tagTemplates, c.username, c.password, c.platforms).catch((e: unknown) => e);
      expect(err, input).toBeInstanceOf(InputError);
      expect((err as InputError).input, input).toBe(input);
    }
    expect(() => appOf(app(), "1.4")).toThrow(/^--version: "1.4" is not a semantic version/);
    expect(pushed).toEqual([]);
  });

  it("app publish: a leading v on the version is dropped; tags come from the app's revision", async () => {
    const { pushed } = stubPublish();
    const img = await appOf(listing(app(), APP_FILES), "v1.4.0", SHA).publish(
      "ghcr.io/acme/gitops-demo",
      "29",
      "",
      "",
      true,
      [],
      "ci-bot",
      dag.setSecret("t", "x"),
      ["linux/amd64"],
    );
    expect(img.tags).toEqual(["8855235-29", "v1.4.0-8855235-29", "1.4.0", "1.4", "1"]);
    expect(pushed).toHaveLength(5);
  });
});

describe("scan plan", () => {
  it("pinned Trivy image, DB cache volume, image tarball in, SBOM then the severity scan with any exit code", () => {
    const [amd64] = buildVariants(P.pythonImage, app(), { platforms: "linux/amd64", version: "0.0.0-dev", revision: "unknown", dockerfile: "Dockerfile" });
    const steps = plan(
      scanContainer(P.trivyImage, imageTarball(amd64!, "scanned:1"), {
        failOn: ["HIGH", "CRITICAL"],
        day: "2026-11-22",
        dbRepository: "mirror.local/trivy-db:2",
      }),
    );
    expect(steps[1]).toEqual({ op: "from", args: { address: "mirror.local/trivy:0.75.0" } });
    expect(stepsOf(steps, "withMountedCache")[0]!.args).toMatchObject({
      path: "/root/.cache/trivy",
      cache: { ref: [{ op: "cacheVolume", args: { key: "gitops-pipeline-trivy" } }] },
    });
    const image = stepsOf(steps, "withFile")[0]!.args;
    expect(image.path).toBe("/scan/image.tar");
    expect(ops((image.source as { ref: Step[] }).ref).slice(-2)).toEqual(["withAnnotation", "asTarball"]);
    expect(execs(steps)).toEqual([trivySbomArgv(), trivyScanArgv(["HIGH", "CRITICAL"], { dbRepository: "mirror.local/trivy-db:2" })]);
    expect(steps.at(-1)!.args.expect).toBe("ANY");
    expect(stepsOf(steps, "withEnvVariable")[0]!.args).toEqual({ name: "SCAN_DAY", value: "2026-11-22" });
  });

  it("app scan refuses unknown severities, a bad DB repository and several platforms before building", async () => {
    const dir = listing(app(), APP_FILES);
    await expect(appOf(dir).scan("BAD")).rejects.toMatchObject({ input: "severity" });
    await expect(appOf(dir).scan("CRITICAL", "Not A Repo")).rejects.toMatchObject({ input: "dbRepository" });
    await expect(appOf(dir).scan("CRITICAL", "", false, "linux/amd64,linux/arm64")).rejects.toMatchObject({ input: "platform" });
    expect(dir.entries).not.toHaveBeenCalled();
  });
});
