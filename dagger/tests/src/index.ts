/**
 * Tests of gitops-pipeline under a real Dagger engine: every public function called through the
 * generated client (`dag.gitopsPipeline()`), on this repository's app/, gitops/ and the broken
 * fixtures in tests/fixtures/. The engine level of the verification ladder; CI runs
 * `dagger call -m dagger/tests all`.
 *
 * Reading results: a function declared `cache: "never"` (e2e, bump, ci) gets a fresh cache key
 * on every query, so each field read on its result would run it again. These tests read one leaf
 * per such call (`assert()`, `summary()`), or `sync()` a directory of the result once and read
 * from that (its ID pins the one run).
 */
import { randomUUID } from "node:crypto";
import { argument, dag, func, object, Directory, Service } from "@dagger.io/dagger";
import { GIT_ROOT, INSTALL_SCRIPT, NGINX_CONF_PATH, REPO, SEED_DIR, SOCKET, nginxConf, seedScript, serveScript } from "./git-server.js";

/** Version the e2e test builds and expects the deployed app to report on `/`. */
const E2E_VERSION = "1.2.3-e2e";
/** Stages the ci report must list (the issue's pipeline). */
const CI_STAGES = ["lint", "test", "validate", "build", "e2e", "publish", "scan", "bump"];

/** Await a promise that must fail; return its message, or throw `unexpected` when it succeeds. */
async function failureOf(p: Promise<unknown>, unexpected: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error(unexpected);
}

/** Throw `message` unless `ok`. */
function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** First line of a text, for one-line results. */
const firstLine = (s: string): string => s.trim().split("\n")[0] ?? "";

/** A running smart-HTTP git server with the gitops tree committed on main under gitops/. */
interface GitServer {
  url: string;
  service: Service;
}

/**
 * Start a git server seeded with `gitops` (see git-server.ts). A random value in the seed step
 * makes each call's service unique: the engine de-duplicates identical services, and two tests
 * must not push to the same repository. Its hostname resolves in every container of the session,
 * so the bump (another module's containers) reaches it by URL alone.
 */
async function startGitServer(gitops: Directory): Promise<GitServer> {
  const image = await dag.gitopsPipeline().pythonImage();
  const service = await dag
    .container()
    .from(image)
    .withExec(["sh", "-c", INSTALL_SCRIPT])
    .withDirectory(`${SEED_DIR}/gitops`, gitops)
    .withEnvVariable("TESTS_GIT_SERVER", randomUUID())
    .withExec(["sh", "-c", seedScript({ seed: SEED_DIR, root: GIT_ROOT, repo: REPO })])
    .withNewFile(NGINX_CONF_PATH, nginxConf({ listen: "80", root: GIT_ROOT, socket: SOCKET, pidFile: "/run/nginx-git.pid", tmp: "/tmp" }))
    .withExposedPort(80)
    .asService({ args: ["sh", "-c", serveScript({ socket: SOCKET, conf: NGINX_CONF_PATH })] })
    .start();
  return { service, url: `http://${await service.hostname()}/${REPO}` };
}

/** Clone the served repository afresh; return the files asked for and the subjects of main's log. */
async function readServed(url: string, paths: string[]): Promise<{ files: string[]; log: string[] }> {
  const image = await dag.gitopsPipeline().gitImage();
  const clone = dag
    .container()
    .from(image)
    .withEnvVariable("TESTS_READ", randomUUID())
    .withExec(["git", "clone", "--quiet", "--branch", "main", url, "/served"])
    .withWorkdir("/served");
  const [log, ...files] = await Promise.all([
    clone.withExec(["git", "log", "--format=%s", "main"]).stdout(),
    ...paths.map((p) => clone.file(p).contents()),
  ]);
  return { files, log: log!.trim().split("\n") };
}

/** The image tag a values file sets (`tag: "x"` under image). */
const tagIn = (values: string): string | undefined => /^\s+tag:\s*"?([^"\s]+)"?\s*$/m.exec(values)?.[1];

/** One test's outcome, for `all`. */
interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
}

/** Engine-level tests of the gitops-pipeline module; `all` runs every one of them. */
@object()
export class Tests {
  /**
   * The good app passes ruff.
   *
   * @param source The app directory.
   */
  @func({ cache: "never" })
  async lintPasses(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", "**/.ruff_cache"] }) source: Directory,
  ): Promise<string> {
    const run = dag.gitopsPipeline().lint({ source });
    const [code, summary] = await Promise.all([run.exitCode(), run.summary()]);
    check(code === 0, `lint of app/ exited ${code}: ${summary}`);
    await run.assert();
    return firstLine(summary);
  }

  /**
   * The lint-error fixture fails, and the summary names the file and line (webapp/greet.py:2).
   *
   * @param source The lint-error fixture app.
   */
  @func({ cache: "never" })
  async lintFails(@argument({ defaultPath: "/tests/fixtures/app-lint-error" }) source: Directory): Promise<string> {
    const run = dag.gitopsPipeline().lint({ source });
    const [code, summary] = await Promise.all([run.exitCode(), run.summary()]);
    check(code !== 0, `lint passed on the lint-error fixture: ${summary}`);
    check(/^webapp\/greet\.py:2\b/m.test(summary), `the lint summary does not name webapp/greet.py:2: ${summary}`);
    const message = await failureOf(run.assert(), "lint assert() passed on the lint-error fixture");
    check(message.includes("webapp/greet.py:2"), `lint assert() does not name webapp/greet.py:2: ${message}`);
    return firstLine(summary);
  }

  /**
   * The good app's tests pass with coverage at or above the 90 % gate.
   *
   * @param source The app directory.
   */
  @func({ cache: "never" })
  async testPasses(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", ".coverage", "coverage.xml", "junit.xml"] }) source: Directory,
  ): Promise<string> {
    const run = dag.gitopsPipeline().test({ source });
    const summary = await run.summary();
    await run.assert().catch((e: unknown) => {
      throw new Error(`test of app/ failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    return firstLine(summary);
  }

  /**
   * The low-coverage fixture fails the 90 % gate, naming the coverage figure.
   *
   * @param source The low-coverage fixture app.
   */
  @func({ cache: "never" })
  async testBelowGate(@argument({ defaultPath: "/tests/fixtures/app-low-coverage" }) source: Directory): Promise<string> {
    const run = dag.gitopsPipeline().test({ source });
    const summary = await run.summary();
    const figure = /coverage (\d+(?:\.\d+)?%) is below the gate 90%/.exec(summary);
    check(figure !== null, `the test summary does not give the coverage figure against the 90% gate: ${summary}`);
    const message = await failureOf(run.assert(), "test assert() passed on the low-coverage fixture");
    check(message.includes(figure![0]), `test assert() does not give the coverage figure: ${message}`);
    return `failed as expected: ${figure![0]}`;
  }

  /**
   * The build returns one variant per default platform (linux/amd64, linux/arm64), each with the
   * OCI labels from the build args.
   *
   * @param source The app directory with its Dockerfile.
   */
  @func({ cache: "never" })
  async buildPlatforms(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv"] }) source: Directory,
  ): Promise<string> {
    const version = "1.2.3-build";
    const revision = "0123456789abcdef0123456789abcdef01234567";
    const variants = await dag.gitopsPipeline().build({ source, version, revision });
    check(variants.length === 2, `build returned ${variants.length} variants, expected 2`);
    const seen = await Promise.all(
      variants.map(async (c) => {
        const [platform, v, r, title, src] = await Promise.all([
          c.platform(),
          c.label("org.opencontainers.image.version"),
          c.label("org.opencontainers.image.revision"),
          c.label("org.opencontainers.image.title"),
          c.label("org.opencontainers.image.source"),
        ]);
        check(v === version, `${platform}: org.opencontainers.image.version is "${v}", expected "${version}"`);
        check(r === revision, `${platform}: org.opencontainers.image.revision is "${r}", expected "${revision}"`);
        check(title === "gitops-demo", `${platform}: org.opencontainers.image.title is "${title}"`);
        check(src !== "", `${platform}: org.opencontainers.image.source is empty`);
        return String(platform);
      }),
    );
    check(seen.slice().sort().join(",") === "linux/amd64,linux/arm64", `build platforms are ${seen.join(", ")}, expected linux/amd64 and linux/arm64`);
    return `2 variants (${seen.join(", ")}) labelled version ${version}, revision ${revision.slice(0, 7)}`;
  }

  /**
   * This repository's gitops/ passes validate for every environment.
   *
   * @param gitops The gitops directory.
   */
  @func({ cache: "never" })
  async validatePasses(@argument({ defaultPath: "/gitops" }) gitops: Directory): Promise<string> {
    const run = dag.gitopsPipeline().validate({ gitops });
    const [passed, summary] = await Promise.all([run.passed(), run.summary()]);
    check(passed, `validate failed on gitops/: ${summary}`);
    return firstLine(summary);
  }

  /**
   * gitops/ with the policy-violation fixture laid over it fails with POL-PROD-REPLICAS (prod).
   *
   * @param gitops The gitops directory.
   * @param fixture The policy-violation overlay (files replacing gitops/ files).
   */
  @func({ cache: "never" })
  async validatePolicyViolation(
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-policy-violation" }) fixture: Directory,
  ): Promise<string> {
    const run = dag.gitopsPipeline().validate({ gitops: gitops.withDirectory(".", fixture, { exclude: ["FIXTURE.md"] }) });
    const [passed, findings] = await Promise.all([run.passed(), run.findings()]);
    check(!passed, "validate passed on the policy-violation fixture");
    const rules = (JSON.parse(findings) as { rule?: string; severity?: string; environment?: string }[]).filter((f) => f.severity === "error");
    check(
      rules.some((f) => f.rule === "POL-PROD-REPLICAS" && f.environment === "prod"),
      `no POL-PROD-REPLICAS error for prod; errors: ${rules.map((f) => `${f.environment}:${f.rule}`).join(", ")}`,
    );
    const message = await failureOf(run.assert(), "validate assert() passed on the policy-violation fixture");
    check(message.includes("POL-PROD-REPLICAS"), `validate assert() does not name POL-PROD-REPLICAS: ${message}`);
    return `failed as expected: ${rules.map((f) => `${f.environment}:${f.rule}`).join(", ")}`;
  }

  /**
   * e2e deploys the app built from app/ into a kind cluster and every step and probe passes,
   * including `/` reporting the version it was built with.
   *
   * @param source The app directory.
   * @param gitops The gitops directory.
   */
  @func({ cache: "never" })
  async e2ePasses(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/.pytest_cache", "**/.venv"] }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
  ): Promise<string> {
    // assert() returns the summary when the run passed and throws with it (and the
    // diagnostics) when it did not: one leaf, so the never-cached e2e runs once.
    const summary = await dag.gitopsPipeline().e2e({ source, gitops, version: E2E_VERSION }).assert();
    check(summary.includes("e2e passed"), `e2e summary does not say it passed: ${summary}`);
    // The `/` probe passes only when the app reports the version it was built with.
    check(/^ok\s+probe GET \/$/m.test(summary), `e2e summary has no passed version probe (GET / expecting ${E2E_VERSION}): ${summary}`);
    return `e2e passed; GET / reported ${E2E_VERSION}`;
  }

  /**
   * A bump against a git server run as a service lands: the served repository's dev values carry
   * the new tag, the other environments are untouched, and the commit is on main.
   *
   * @param gitops The gitops tree the served repository is seeded with (under gitops/).
   */
  @func({ cache: "never" })
  async bumpLands(@argument({ defaultPath: "/gitops" }) gitops: Directory): Promise<string> {
    const tag = "1.2.3-bump";
    const server = await startGitServer(gitops);
    try {
      const summary = await dag.gitopsPipeline().bump(tag, { env: "dev", repoUrl: server.url, sourceCommit: "tests-module" }).summary();
      check(summary.startsWith("bump: pushed "), `the bump did not push: ${summary}`);
      const { files, log } = await readServed(server.url, ["gitops/environments/dev/values.yaml", "gitops/environments/staging/values.yaml"]);
      check(tagIn(files[0]!) === tag, `served dev values have tag ${tagIn(files[0]!)}, expected ${tag}`);
      check(tagIn(files[1]!) !== tag, "the bump of dev changed staging too");
      check(log[0] === `chore(deploy): webapp dev → ${tag}`, `served main's last commit is "${log[0]}"`);
      return summary;
    } finally {
      await server.service.stop();
    }
  }

  /**
   * Two concurrent bumps of different environments against one served repository both land:
   * the one that pushes second is rejected, fetches, re-applies its edit and pushes again.
   *
   * @param gitops The gitops tree the served repository is seeded with (under gitops/).
   */
  @func({ cache: "never" })
  async bumpConcurrent(@argument({ defaultPath: "/gitops" }) gitops: Directory): Promise<string> {
    const server = await startGitServer(gitops);
    try {
      const bumps = [
        { env: "dev", tag: "2.0.0-dev" },
        { env: "staging", tag: "2.0.0-staging" },
      ];
      // Both clone the same head, then validate their edit (tens of seconds) before pushing, so
      // the second push finds main moved and takes the retry path.
      const summaries = await Promise.all(
        bumps.map((b) => dag.gitopsPipeline().bump(b.tag, { env: b.env, repoUrl: server.url, sourceCommit: "tests-module" }).summary()),
      );
      summaries.forEach((s, i) => check(s.startsWith("bump: pushed "), `the ${bumps[i]!.env} bump did not push: ${s}`));
      check(
        summaries.some((s) => /after \d+ rejected push\(es\)/.test(s)),
        `neither bump was rejected, so the retry path did not run (the pushes did not overlap): ${summaries.join(" | ")}`,
      );
      const { files, log } = await readServed(server.url, bumps.map((b) => `gitops/environments/${b.env}/values.yaml`));
      bumps.forEach((b, i) => check(tagIn(files[i]!) === b.tag, `served ${b.env} values have tag ${tagIn(files[i]!)}, expected ${b.tag}`));
      for (const b of bumps) {
        check(log.includes(`chore(deploy): webapp ${b.env} → ${b.tag}`), `served main has no commit for the ${b.env} bump: ${log.join(" | ")}`);
      }
      return summaries.join(" | ");
    } finally {
      await server.service.stop();
    }
  }

  /**
   * The whole pipeline on app/ and gitops/ without a registry: the report is ok, lists every
   * stage, and publish and bump are skipped.
   *
   * @param source The app directory.
   * @param gitops The gitops directory.
   */
  @func({ cache: "never" })
  async ciReport(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", "**/.ruff_cache", ".coverage", "coverage.xml", "junit.xml"] }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
  ): Promise<string> {
    // sync() pins this one run: the files below are read from it, not from a new ci run.
    const artifacts = await dag.gitopsPipeline().ci({ source, gitops }).artifacts().sync();
    const [status, json] = await Promise.all([artifacts.file("status").contents(), artifacts.file("report.json").contents()]);
    const report = JSON.parse(json) as { ok?: unknown; stages?: { name: string; status: string; summary?: string }[] };
    const stages = report.stages ?? [];
    const byName = new Map(stages.map((s) => [s.name, s]));
    const table = stages.map((s) => `${s.name}=${s.status}`).join(", ");
    check(report.ok === true, `ci report is not ok: ${table}; ${stages.filter((s) => s.status === "failed").map((s) => `${s.name}: ${s.summary ?? ""}`).join("; ")}`);
    check(status.trim() === "passed", `ci status file says "${status.trim()}"`);
    const missing = CI_STAGES.filter((n) => !byName.has(n));
    check(missing.length === 0, `ci report does not list ${missing.join(", ")}: ${table}`);
    for (const n of ["publish", "bump"]) check(byName.get(n)!.status === "skipped", `${n} is ${byName.get(n)!.status} without a registry, expected skipped`);
    for (const n of ["lint", "test", "validate", "build", "e2e"]) check(byName.get(n)!.status === "passed", `${n} is ${byName.get(n)!.status}, expected passed`);
    return `ci ok: ${table}`;
  }

  /**
   * Run every test concurrently; fail listing each failed test with its message, or return one
   * line per test.
   *
   * @param app The app directory.
   * @param gitops The gitops directory.
   * @param lintError The lint-error fixture app.
   * @param lowCoverage The low-coverage fixture app.
   * @param policyViolation The policy-violation overlay of gitops/.
   */
  @func({ cache: "never" })
  async all(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", "**/.ruff_cache", ".coverage", "coverage.xml", "junit.xml"] }) app: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-lint-error" }) lintError: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-low-coverage" }) lowCoverage: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-policy-violation" }) policyViolation: Directory,
  ): Promise<string> {
    const tests: [string, () => Promise<string>][] = [
      ["lintPasses", () => this.lintPasses(app)],
      ["lintFails", () => this.lintFails(lintError)],
      ["testPasses", () => this.testPasses(app)],
      ["testBelowGate", () => this.testBelowGate(lowCoverage)],
      ["buildPlatforms", () => this.buildPlatforms(app)],
      ["validatePasses", () => this.validatePasses(gitops)],
      ["validatePolicyViolation", () => this.validatePolicyViolation(gitops, policyViolation)],
      ["e2ePasses", () => this.e2ePasses(app, gitops)],
      ["bumpLands", () => this.bumpLands(gitops)],
      ["bumpConcurrent", () => this.bumpConcurrent(gitops)],
      ["ciReport", () => this.ciReport(app, gitops)],
    ];
    const settled = await Promise.allSettled(tests.map(([, run]) => run()));
    const outcomes: Outcome[] = settled.map((r, i) => ({
      name: tests[i]![0],
      ok: r.status === "fulfilled",
      detail: r.status === "fulfilled" ? r.value : r.reason instanceof Error ? r.reason.message : String(r.reason),
    }));
    const lines = outcomes.map((o) => `${o.ok ? "PASS" : "FAIL"} ${o.name}: ${o.detail}`);
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      throw new Error(`${failed.length} of ${outcomes.length} tests failed: ${failed.map((o) => o.name).join(", ")}\n${lines.join("\n")}`);
    }
    return `${outcomes.length} tests passed\n${lines.join("\n")}`;
  }
}
