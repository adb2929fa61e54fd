/**
 * The argv and paths of the Python tools the test stage runs (the lint stage's are in lint.ts).
 * The stages run exactly these lists in their containers; the contract tests run the same lists
 * against the real tools.
 */
import { InputError } from "../errors.js";

/** Where the lint and test stages write their machine-readable reports inside the container. */
export const REPORT_DIR = "/reports";

/** Where the lint and test stages put the app's source inside the container (their workdir). */
export const SOURCE_DIR = "/src";

/** pip's cache inside the lint and test containers (a cache volume). */
export const PIP_CACHE_DIR = "/root/.cache/pip";

/** Options of the pytest run. */
export interface TestArgvOptions {
  /** Minimum total coverage in percent; pytest-cov fails the run below it. */
  minCoverage: number;
  /** Directory for junit.xml and coverage.xml. */
  reportDir?: string;
  /** Coverage source (package or path); default: the project's coverage config, else `.`. */
  coverageSource?: string;
  /** Also collect unittest's `tests.py` (for a project without a pytest configuration of its own). */
  unittestFiles?: boolean;
}

/** pytest's default test file patterns plus unittest's conventional single module. */
export const UNITTEST_PYTHON_FILES = "python_files=test_*.py *_test.py tests.py";

/** argv of the pytest run with coverage, JUnit XML and Cobertura XML reports. */
export function testArgv(opts: TestArgvOptions): string[] {
  const dir = opts.reportDir ?? REPORT_DIR;
  if (!Number.isFinite(opts.minCoverage) || opts.minCoverage < 0 || opts.minCoverage > 100) {
    throw new InputError("minCoverage", `${opts.minCoverage} is not a percentage`, "pass a number from 0 to 100, e.g. 90");
  }
  return [
    "python",
    "-m",
    "pytest",
    opts.coverageSource ? `--cov=${opts.coverageSource}` : "--cov",
    "--cov-report=term",
    `--cov-report=xml:${dir}/coverage.xml`,
    `--junitxml=${dir}/junit.xml`,
    `--cov-fail-under=${opts.minCoverage}`,
    ...(opts.unittestFiles ? ["-o", UNITTEST_PYTHON_FILES] : []),
  ];
}

/**
 * A Python tool's output without its terminal escapes (colours, cursor moves). pip and pytest colour
 * their output whenever FORCE_COLOR is set, even to 0, and pytest's JUnit writer turns the ESC it
 * cannot put in XML into the text `#x1B`: either form would hide the lines a report looks for
 * (pip's `ERROR:`, pytest's `path.py:6:` frames and `E   ` lines).
 */
export function withoutColour(s: string): string {
  return s.replace(/(?:\x1b|#x1B)\[[0-9;?]*[ -/]*[@-~]/g, "");
}

/** `path` relative to `root` (the directory the linter ran in), without a leading `./`. */
export function relativeTo(path: string, root = ""): string {
  const r = root.replace(/\/+$/, "");
  const rel = r && path.startsWith(`${r}/`) ? path.slice(r.length + 1) : path;
  return rel.replace(/^(\.\/)+/, "");
}

/**
 * Installs the pipeline's tools next to the project's dependencies without breaking their pins:
 * a tool the project already installed (its own pytest, pytest-cov, pylint) is used as it is;
 * a missing one is installed at the newest version up to the pinned one that pip can resolve with
 * every installed package held at its installed version (a constraints file of them). With no
 * conflict that is exactly the pin; with one (an app pinning packaging==23.2) an older
 * compatible release; with no compatible release, pip's own resolution error, which the stage
 * reports. A fixed program: the tool pins come in as arguments.
 */
export const TOOLS_INSTALL_PROGRAM = `
import importlib.metadata as md, re, subprocess, sys
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
have = {}
for d in md.distributions():
    n = d.metadata["Name"]
    if n:
        have.setdefault(norm(n), (n, d.version))
want = []
for arg in sys.argv[1:]:
    name, _, version = arg.partition("==")
    if norm(name) in have:
        print(f"{name}: the project's own {have[norm(name)][1]}", flush=True)
    else:
        want.append(f"{name}<={version}")
if want:
    with open("/tmp/pipeline-installed.txt", "w") as f:
        f.writelines(f"{n}=={v}\\n" for n, v in sorted(have.values()))
    cmd = [sys.executable, "-m", "pip", "install", *want, "-c", "/tmp/pipeline-installed.txt"]
    print(" ".join(cmd), flush=True)
    sys.exit(subprocess.call(cmd))
`.trim();

/** argv installing `tools` (`{ pytest: "9.2.0" }`) beside the project's dependencies (TOOLS_INSTALL_PROGRAM). */
export function toolsInstallArgv(tools: Readonly<Record<string, string>>): string[] {
  return ["python", "-c", TOOLS_INSTALL_PROGRAM, ...Object.entries(tools).map(([name, version]) => `${name}==${version}`)];
}
