/**
 * Tests of gitops-pipeline under a real Dagger engine: every public function called through the
 * generated client (`dag.gitopsPipeline()`), on this repository's app/, gitops/ and the broken
 * fixtures in tests/fixtures/. The engine level of the verification ladder; CI runs
 * `dagger call -m dagger/tests all`.
 *
 * Offline schemas: give `--schemas` and `--crd-schemas` to the tests module and every pipeline it
 * creates validates against them instead of the online catalogs (air-gapped engines).
 *
 * Reading results: a function declared `cache: "never"` (e2e, bump, ci) gets a fresh cache key
 * on every query, so each field read on its result would run it again. These tests read one leaf
 * per such call (`assert()`, `summary()`), or `sync()` a directory of the result once and read
 * from that (its ID pins the one run).
 */
import { randomUUID } from "node:crypto";
import { argument, dag, func, object, Directory, Service, type GitopsPipeline } from "@dagger.io/dagger";
import { GIT_ROOT, INSTALL_SCRIPT, NGINX_CONF_PATH, REPO, SEED_DIR, SOCKET, nginxConf, seedScript, serveScript } from "./git-server.js";

/**
 * What the tests leave out of the app directory: the main module's own list (its APP_IGNORE; a
 * module cannot import another's source, so a unit test keeps the two equal).
 */
const APP_IGNORE = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", "**/.ruff_cache", "**/.mypy_cache", ".coverage", "coverage.xml", "junit.xml"];

/** Version the e2e test builds and expects the deployed app to report on `/`. */
const E2E_VERSION = "1.2.3-e2e";
/** Stages the ci run must list (the issue's pipeline). */
const CI_STAGES = ["lint", "test", "validate", "build", "secrets", "smoke", "e2e", "scan", "publish", "bump", "verify", "rollback"];

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

/** A running smart-HTTP git server with the gitops tree committed on main under gitops/. */
interface GitServer {
  url: string;
  service: Service;
}

/** The pipeline's pinned images, read from its versions report. */
async function images(): Promise<{ pythonImage: string; gitImage: string }> {
  return JSON.parse(await dag.gitopsPipeline().versions()) as { pythonImage: string; gitImage: string };
}

/**
 * Start a git server seeded with `gitops` (see git-server.ts). A random value in the seed step
 * makes each call's service unique: the engine de-duplicates identical services, and two tests
 * must not push to the same repository. Its hostname resolves in every container of the session,
 * so the bump (another module's containers) reaches it by URL alone.
 */
async function startGitServer(gitops: Directory): Promise<GitServer> {
  const { pythonImage } = await images();
  const service = await dag
    .container()
    .from(pythonImage)
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
  const { gitImage } = await images();
  const clone = dag
    .container()
    .from(gitImage)
    .withEnvVariable("TESTS_READ", randomUUID())
    .withExec(["git", "clone", "--quiet", "--branch", "main", url, "/served"])
    .withWorkdir("/served");
  const [log, ...files] = await Promise.all([clone.withExec(["git", "log", "--format=%s", "main"]).stdout(), ...paths.map((p) => clone.file(p).contents())]);
  return { files, log: log!.trim().split("\n") };
}

/** The image tag a values file sets (`tag: "x"` under image). */
const tagIn = (values: string): string | undefined => /^\s+tag:\s*"?([^"\s]+)"?\s*$/m.exec(values)?.[1];

/** One test's outcome, for `all`. */
interface Outcome {
  name: string;
  status: "PASS" | "FAIL" | "SKIP";
  detail: string;
}

/** Engine-level tests of the gitops-pipeline module; `all` runs every one of them. */
@object()
export class Tests {
  /** Offline Kubernetes JSON schemas every pipeline of these tests validates with, when given. */
  schemas?: Directory;

  /** Offline CRD schemas every pipeline of these tests validates with, when given. */
  crdSchemas?: Directory;

  /**
   * @param schemas Offline Kubernetes JSON schemas (see the pipeline's --schemas); default: kubeconform's online registry.
   * @param crdSchemas Offline CRD schemas (see the pipeline's --crd-schemas); default: the pinned online CRDs-catalog.
   */
  constructor(schemas?: Directory, crdSchemas?: Directory) {
    if (schemas) this.schemas = schemas;
    if (crdSchemas) this.crdSchemas = crdSchemas;
  }

  /** A pipeline on these directories, with the offline schemas when given. */
  private pipeline(o: { source?: Directory; gitops?: Directory }): GitopsPipeline {
    return dag.gitopsPipeline({ ...o, ...(this.schemas ? { schemas: this.schemas } : {}), ...(this.crdSchemas ? { crdSchemas: this.crdSchemas } : {}) });
  }

  /**
   * The good app passes the default linters (ruff with the security rules, ruff's format check).
   *
   * @param source The app directory.
   */
  @func({ cache: "never" })
  async lintPasses(@argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory): Promise<string> {
    const run = await this.pipeline({ source }).app().lint();
    const [passed, summary, details] = await Promise.all([run.passed(), run.summary(), run.details()]);
    check(passed, `lint of app/ failed: ${summary}\n${details}`);
    check(summary === (await run.assert()), "lint assert() did not return the summary");
    return summary;
  }

  /**
   * The lint-error fixture fails; the details and the typed findings name webapp/greet.py:2.
   *
   * @param source The lint-error fixture app.
   */
  @func({ cache: "never" })
  async lintFails(@argument({ defaultPath: "/tests/fixtures/app-lint-error" }) source: Directory): Promise<string> {
    const run = this.pipeline({ source }).app().lint();
    const [passed, summary, details, findings] = await Promise.all([run.passed(), run.summary(), run.details(), run.findings()]);
    check(!passed, `lint passed on the lint-error fixture: ${summary}`);
    check(!summary.includes("\n"), `the lint summary is not one line: ${summary}`);
    check(/webapp\/greet\.py:2\b/.test(details), `the lint details do not name webapp/greet.py:2: ${details}`);
    const at = await Promise.all(findings.map(async (f) => `${await f.file()}:${await f.line()}`));
    check(at.includes("webapp/greet.py:2"), `no finding at webapp/greet.py:2: ${at.join(", ")}`);
    const message = await failureOf(run.assert(), "lint assert() passed on the lint-error fixture");
    check(message.includes("webapp/greet.py:2"), `lint assert() does not name webapp/greet.py:2: ${message}`);
    return summary;
  }

  /**
   * The good app's tests pass with coverage at or above the default gate.
   *
   * @param source The app directory.
   */
  @func({ cache: "never" })
  async testPasses(@argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory): Promise<string> {
    const run = this.pipeline({ source }).app().test();
    return run.assert().catch((e: unknown) => {
      throw new Error(`test of app/ failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /**
   * The low-coverage fixture fails the 90 % gate, naming the coverage figure.
   *
   * @param source The low-coverage fixture app.
   */
  @func({ cache: "never" })
  async testBelowGate(@argument({ defaultPath: "/tests/fixtures/app-low-coverage" }) source: Directory): Promise<string> {
    const run = this.pipeline({ source }).app().test({ minCoverage: 90 });
    const summary = await run.summary();
    const figure = /coverage (\d+(?:\.\d+)?%) is below the gate 90%/.exec(summary);
    check(figure !== null, `the test summary does not give the coverage figure against the 90% gate: ${summary}`);
    const message = await failureOf(run.assert(), "test assert() passed on the low-coverage fixture");
    check(message.includes(figure![0]), `test assert() does not give the coverage figure: ${message}`);
    return `failed as expected: ${figure![0]}`;
  }

  /**
   * The build returns one variant per default platform (linux/amd64, linux/arm64), each with the
   * OCI labels from the app's version and revision.
   *
   * @param source The app directory with its Dockerfile.
   */
  @func({ cache: "never" })
  async buildPlatforms(@argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory): Promise<string> {
    const version = "1.2.3-build";
    const revision = "0123456789abcdef0123456789abcdef01234567";
    const variants = await this.pipeline({ source })
      .app({ version: `v${version}`, revision })
      .build();
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
        check(v === version, `${platform}: org.opencontainers.image.version is "${v}", expected "${version}" (the leading v dropped)`);
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
    const run = this.pipeline({ gitops }).manifests().validate();
    const [passed, summary, details] = await Promise.all([run.passed(), run.summary(), run.details()]);
    check(passed, `validate failed on gitops/: ${summary}\n${details}`);
    return summary;
  }

  /**
   * gitops/ with the policy-violation fixture laid over it fails with POL-PROD-REPLICAS (prod),
   * a typed finding naming the environment.
   *
   * @param gitops The gitops directory.
   * @param fixture The policy-violation overlay (files replacing gitops/ files).
   */
  @func({ cache: "never" })
  async validatePolicyViolation(
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-policy-violation" }) fixture: Directory,
  ): Promise<string> {
    const run = this.pipeline({ gitops: gitops.withDirectory(".", fixture, { exclude: ["FIXTURE.md"] }) })
      .manifests()
      .validate();
    const [passed, findings] = await Promise.all([run.passed(), run.findings()]);
    check(!passed, "validate passed on the policy-violation fixture");
    const errors = (
      await Promise.all(findings.map(async (f) => ({ rule: await f.rule(), severity: await f.severity(), environment: await f.environment() })))
    ).filter((f) => f.severity === "error");
    const names = errors.map((f) => `${f.environment}:${f.rule}`);
    check(names.includes("prod:POL-PROD-REPLICAS"), `no POL-PROD-REPLICAS error for prod; errors: ${names.join(", ")}`);
    const message = await failureOf(run.assert(), "validate assert() passed on the policy-violation fixture");
    check(message.includes("POL-PROD-REPLICAS"), `validate assert() does not name POL-PROD-REPLICAS: ${message}`);
    return `failed as expected: ${names.join(", ")}`;
  }

  /**
   * The multi-app sample (gitops/ with tests/fixtures/gitops-multi-app laid over it: two apps,
   * three environments, an ApplicationSet) validates clean, every app at once; with the
   * missing-chart fixture on top it fails with exactly one finding, APP-INPUT, naming app
   * payments; and a stage working on one app refuses the tree without the app.
   *
   * @param gitops The gitops directory.
   * @param sample The multi-app overlay.
   * @param missingChart The overlay whose second app's chart is missing.
   */
  @func({ cache: "never" })
  async multiAppValidates(
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-multi-app" }) sample: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-multi-app-missing-chart" }) missingChart: Directory,
  ): Promise<string> {
    const tree = gitops.withDirectory(".", sample, { exclude: ["FIXTURE.md"] });
    const clean = this.pipeline({ gitops: tree }).manifests().validate();
    const [passed, summary] = await Promise.all([clean.passed(), clean.summary()]);
    check(passed && summary.includes("2 apps (gitops-demo, payments)"), `the multi-app sample did not validate clean: ${summary}`);
    const broken = this.pipeline({ gitops: tree.withDirectory(".", missingChart, { exclude: ["FIXTURE.md"] }) })
      .manifests()
      .validate();
    const findings = await broken.findings();
    const seen = await Promise.all(findings.map(async (f) => `${await f.rule()}:${await f.app()}:${await f.file()}`));
    check(
      seen.length === 1 && seen[0] === "APP-INPUT:payments:charts/payments/Chart.yaml",
      `missing chart: expected one APP-INPUT finding for payments, got ${seen.join(", ") || "none"}`,
    );
    const refused = await failureOf(this.pipeline({ gitops: tree }).gitopsRepo().bump("9.9.9").summary(), "bump without --app passed on a multi-app tree");
    check(refused.includes("app: is missing"), `bump without --app: ${refused}`);
    return `${summary}; missing chart: ${seen[0]}; bump without --app refused`;
  }

  /**
   * add-app adds a third app to the multi-app sample from payments (whose Applications an
   * ApplicationSet generates) and returns the tree; the whole tree then validates clean.
   *
   * @param gitops The gitops directory.
   * @param sample The multi-app overlay.
   */
  @func({ cache: "never" })
  async addAppValidates(
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-multi-app" }) sample: Directory,
  ): Promise<string> {
    const tree = await this.pipeline({ gitops: gitops.withDirectory(".", sample, { exclude: ["FIXTURE.md"] }) })
      .manifests()
      .addApp("refunds", "ghcr.io/acme/refunds", { tag: "0.2.0", from: "payments" });
    const added = await tree.glob("apps/refunds/**/values.yaml");
    check(added.length === 3, `add-app wrote ${added.length} values files: ${added.join(", ")}`);
    const run = this.pipeline({ gitops: tree }).manifests().validate();
    const [passed, summary] = await Promise.all([run.passed(), run.summary()]);
    check(passed && summary.includes("3 apps (gitops-demo, payments, refunds)"), `the tree with refunds did not validate clean: ${summary}`);
    return `${added.join(", ")}; ${summary}`;
  }

  /**
   * end-to-end deploys the app built from app/ into a kind cluster and every step and probe
   * passes, including `/` reporting the version it was built with.
   *
   * @param source The app directory.
   * @param gitops The gitops directory.
   */
  @func({ cache: "never" })
  async endToEndPasses(
    @argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
  ): Promise<string> {
    // assert() returns the summary when the run passed and throws with the step log and the
    // diagnostics when it did not: one leaf, so the never-cached e2e runs once.
    const summary = await this.pipeline({ source, gitops }).manifests().endToEnd({ version: E2E_VERSION }).assert();
    check(summary.includes(`version ${E2E_VERSION}`), `e2e summary does not report the version probe: ${summary}`);
    return summary;
  }

  /**
   * The local environment's git server serves the gitops tree as Argo CD must read it, and takes the
   * gitops e2e's bump: cloned from another container through a service binding, the root
   * Application reads the in-pipeline repository and syncs only the environment's Application, the
   * values carry the local image; then the write-back (as the gitops e2e runs it: validate, commit,
   * push over plain http without credentials) lands the next version on main.
   *
   * @param gitops The gitops tree the server is seeded with.
   */
  @func({ cache: "never" })
  async localGitServerServes(@argument({ defaultPath: "/gitops" }) gitops: Directory): Promise<string> {
    const { gitImage } = await images();
    const server = await this.pipeline({ gitops }).localGitops().gitServer({ environment: "dev" }).start();
    const read = (marker: string) =>
      dag
        .container()
        .from(gitImage)
        .withServiceBinding("gitserver", server)
        .withEnvVariable("TESTS_READ", marker)
        .withExec(["git", "clone", "--quiet", "--branch", "main", `http://gitserver/${REPO}`, "/served"])
        .withWorkdir("/served");
    try {
      const clone = read(randomUUID());
      const [root, values, apps] = await Promise.all([
        clone.file("gitops/argocd/root.yaml").contents(),
        clone.file("gitops/environments/dev/values.yaml").contents(),
        clone.directory("gitops/argocd/apps").entries(),
      ]);
      check(
        root.includes("repoURL: http://gitops-git.argocd.svc.cluster.local/gitops.git"),
        `the served root Application does not read the in-pipeline repository:\n${root}`,
      );
      const exclude = /^\s+exclude: "?\{([^}]*)\}"?$/m.exec(root)?.[1]?.split(",").sort().join(",");
      check(exclude === "prod.yaml,staging.yaml", `the served root Application syncs the other environments too:\n${root}`);
      check(
        apps.sort().join(",") === "dev.yaml,prod.yaml,project.yaml,staging.yaml",
        `served argocd/apps holds ${apps.join(", ")}, expected every environment's file (the bump validates them all)`,
      );
      check(
        values.includes("repository: docker.io/library/gitops-demo-local") && tagIn(values) === "0.1.0-local.1",
        `the served dev values do not name the local image:\n${values}`,
      );
      const next = "0.1.0-local.2";
      const summary = await this.pipeline({ gitops })
        .gitopsRepo({ url: `http://${await server.hostname()}/${REPO}`, path: "gitops" })
        .bump(next, { environment: "dev", repository: "docker.io/library/gitops-demo-local", appVersion: next, sourceCommit: "local-gitops-e2e" })
        .assert();
      const after = await read(randomUUID()).withExec(["git", "log", "--format=%s", "-1"]).stdout();
      const bumped = await read(randomUUID()).file("gitops/environments/dev/values.yaml").contents();
      check(tagIn(bumped) === next, `served dev values have tag ${tagIn(bumped)} after the bump, expected ${next}`);
      check(after.trim() === `chore(deploy): gitops-demo dev → ${next}`, `served main's last commit is "${after.trim()}"`);
      return `served: root reads the in-pipeline repository and syncs dev only, local image in dev values; ${summary}`;
    } finally {
      await server.stop();
    }
  }

  /**
   * The gitops e2e passes: kind + Argo CD read the in-pipeline repository, the bump is synced and
   * the app answers the new version.
   *
   * @param source The app directory.
   * @param gitops The gitops tree.
   */
  @func({ cache: "never" })
  async localGitopsEndToEnd(
    @argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
  ): Promise<string> {
    const summary = await this.pipeline({ source, gitops }).localGitops().endToEnd().assert();
    check(summary.startsWith("gitops e2e passed"), `unexpected summary: ${summary}`);
    return summary;
  }

  /**
   * The Trivy scan of the app image writes a readable report and an SBOM.
   *
   * @param source The app directory.
   */
  @func({ cache: "never" })
  async scanReports(@argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory): Promise<string> {
    const run = this.pipeline({ source }).app().scan();
    const [summary, sbom] = await Promise.all([run.summary(), run.artifacts().file("sbom.cdx.json").contents()]);
    check((JSON.parse(sbom) as { bomFormat?: string }).bomFormat === "CycloneDX", "the SBOM is not CycloneDX");
    return summary;
  }

  /**
   * The smoke check (no cluster) passes on the sample image with gitops/'s dev runtime settings,
   * and fails naming its probe on the fixture image that runs as root (non-root-user) and on the
   * one that writes to its root filesystem (read-only-rootfs), each with that one failed probe.
   *
   * @param source The app directory.
   * @param gitops The gitops directory.
   * @param runsAsRoot The fixture app whose Dockerfile has no USER (tests/fixtures/app-runs-as-root).
   * @param writesRootfs The fixture app that writes under /app on GET / (tests/fixtures/app-writes-rootfs).
   */
  @func({ cache: "never" })
  async smokeNamesProbes(
    @argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-runs-as-root" }) runsAsRoot: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-writes-rootfs" }) writesRootfs: Directory,
  ): Promise<string> {
    const run = (app: Directory) => this.pipeline({ source: app, gitops }).manifests().smoke();
    const good = run(source);
    const [passed, summary] = await Promise.all([good.passed(), good.summary()]);
    check(passed, `smoke failed on the sample app: ${summary}\n${await good.details()}`);
    const failed: string[] = [];
    for (const [fixture, probe] of [
      [runsAsRoot, "non-root-user"],
      [writesRootfs, "read-only-rootfs"],
    ] as const) {
      const bad = run(fixture);
      const rules = await Promise.all((await bad.findings()).map((f) => f.rule()));
      check(!(await bad.passed()), `smoke passed on the fixture that should fail ${probe}`);
      check(rules.join(",") === probe, `smoke on the ${probe} fixture failed ${rules.join(", ")}, not exactly ${probe}: ${await bad.details()}`);
      failed.push(probe);
    }
    return `${summary}; the fixtures failed ${failed.join(" and ")}`;
  }

  /**
   * The secret scan finds the fixture app's planted fake AWS key: it fails, naming the file, the
   * line and the rule, and no report or detail carries the key itself.
   *
   * @param plantedSecret The fixture app with a planted fake key (tests/fixtures/app-planted-secret).
   */
  @func({ cache: "never" })
  async secretsFound(@argument({ defaultPath: "/tests/fixtures/app-planted-secret" }) plantedSecret: Directory): Promise<string> {
    const run = this.pipeline({ source: plantedSecret }).app().scanSecrets();
    const [passed, summary, report] = await Promise.all([run.passed(), run.summary(), run.report().contents()]);
    check(!passed, `the secret scan passed the planted key: ${summary}`);
    const findings = (JSON.parse(report) as { findings?: { file?: string; line?: number; rule?: string }[] }).findings ?? [];
    check(
      findings.some((f) => f.file === "settings.py" && f.line === 8 && f.rule === "aws-access-key-id"),
      `no finding names settings.py:8 aws-access-key-id: ${report}`,
    );
    check(!/AKIA[A-Z2-7]{16}/.test(report), "the secret scan's report carries the key");
    return summary;
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
      const summary = await this.pipeline({ gitops }).gitopsRepo({ url: server.url }).bump(tag, { environment: "dev", sourceCommit: "tests-module" }).assert();
      check(summary.startsWith("bump: pushed "), `the bump did not push: ${summary}`);
      const { files, log } = await readServed(server.url, ["gitops/environments/dev/values.yaml", "gitops/environments/staging/values.yaml"]);
      check(tagIn(files[0]!) === tag, `served dev values have tag ${tagIn(files[0]!)}, expected ${tag}`);
      check(tagIn(files[1]!) !== tag, "the bump of dev changed staging too");
      check(log[0] === `chore(deploy): gitops-demo dev → ${tag}`, `served main's last commit is "${log[0]}"`);
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
        { environment: "dev", tag: "2.0.0-dev" },
        { environment: "staging", tag: "2.0.0-staging" },
      ];
      // Both clone the same head, then validate their edit (tens of seconds) before pushing, so
      // the second push finds main moved and takes the retry path.
      const repo = this.pipeline({ gitops }).gitopsRepo({ url: server.url });
      const summaries = await Promise.all(bumps.map((b) => repo.bump(b.tag, { environment: b.environment, sourceCommit: "tests-module" }).assert()));
      summaries.forEach((s, i) => check(s.startsWith("bump: pushed "), `the ${bumps[i]!.environment} bump did not push: ${s}`));
      check(
        summaries.some((s) => /after \d+ rejected push\(es\)/.test(s)),
        `neither bump was rejected, so the retry path did not run (the pushes did not overlap): ${summaries.join(" | ")}`,
      );
      const { files, log } = await readServed(
        server.url,
        bumps.map((b) => `gitops/environments/${b.environment}/values.yaml`),
      );
      bumps.forEach((b, i) => check(tagIn(files[i]!) === b.tag, `served ${b.environment} values have tag ${tagIn(files[i]!)}, expected ${b.tag}`));
      for (const b of bumps) {
        check(
          log.includes(`chore(deploy): gitops-demo ${b.environment} → ${b.tag}`),
          `served main has no commit for the ${b.environment} bump: ${log.join(" | ")}`,
        );
      }
      return summaries.join(" | ");
    } finally {
      await server.service.stop();
    }
  }

  /**
   * A rollback against a served repository: after a bump of dev, rollback restores the seeded
   * image (read from the history of dev's values file) as a revert commit on main; staging, never
   * bumped, has nothing to roll back to and is refused naming the environment, pushing nothing.
   *
   * @param gitops The gitops tree the served repository is seeded with (under gitops/).
   */
  @func({ cache: "never" })
  async rollbackRestores(@argument({ defaultPath: "/gitops" }) gitops: Directory): Promise<string> {
    const server = await startGitServer(gitops);
    try {
      const dev = "gitops/environments/dev/values.yaml";
      const seeded = tagIn(await gitops.file("environments/dev/values.yaml").contents());
      const repo = this.pipeline({ gitops }).gitopsRepo({ url: server.url });
      await repo.bump("3.0.0-bad", { environment: "dev", sourceCommit: "tests-module" }).assert();
      const summary = await repo.rollback({ environment: "dev" }).assert();
      check(summary.startsWith("rollback: pushed "), `the rollback did not push: ${summary}`);
      const { files, log } = await readServed(server.url, [dev]);
      check(tagIn(files[0]!) === seeded, `served dev values have tag ${tagIn(files[0]!)} after the rollback, expected the seeded ${seeded}`);
      check(log[0] === `revert(deploy): gitops-demo dev → ${seeded}`, `served main's last commit is "${log[0]}"`);
      const refused = await failureOf(repo.rollback({ environment: "staging" }).summary(), "a rollback of staging, which was never bumped, succeeded");
      check(/environment: staging has no earlier image/.test(refused), `the refusal does not name the environment: ${refused}`);
      const after = await readServed(server.url, [dev]);
      check(after.log[0] === log[0], `the refused rollback pushed: main's last commit is "${after.log[0]}"`);
      return `${summary}; staging refused: ${refused.split("\n")[0]}`;
    } finally {
      await server.service.stop();
    }
  }

  /**
   * The whole pipeline on app/ and gitops/ without a registry: the run passes, lists every
   * stage, and publish and bump are skipped (e2e and scan too when switched off).
   *
   * @param source The app directory.
   * @param gitops The gitops directory.
   * @param endToEnd Run the e2e stage (needs the kind node image).
   * @param scan Run the scan stage (needs Trivy's vulnerability database).
   */
  @func({ cache: "never" })
  async ciRun(
    @argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    endToEnd: boolean = true,
    scan: boolean = true,
  ): Promise<string> {
    // sync() pins this one run: the files below are read from it, not from a new ci run.
    const artifacts = await this.pipeline({ source, gitops }).ci({ endToEnd, scan }).artifacts().sync();
    const [status, json, markdown] = await Promise.all([
      artifacts.file("status").contents(),
      artifacts.file("report.json").contents(),
      artifacts.file("summary.md").contents(),
    ]);
    const report = JSON.parse(json) as { passed?: unknown; summary?: string; stages?: { name: string; status: string; summary?: string }[] };
    const stages = report.stages ?? [];
    const byName = new Map(stages.map((s) => [s.name, s]));
    const table = stages.map((s) => `${s.name}=${s.status}`).join(", ");
    check(
      report.passed === true,
      `ci did not pass: ${table}; ${stages
        .filter((s) => s.status === "failed")
        .map((s) => `${s.name}: ${s.summary ?? ""}`)
        .join("; ")}`,
    );
    check(status.trim() === "passed", `ci status file says "${status.trim()}"`);
    const missing = CI_STAGES.filter((n) => !byName.has(n));
    check(missing.length === 0, `ci run does not list ${missing.join(", ")}: ${table}`);
    const skipped = ["publish", "bump", "verify", "rollback", ...(endToEnd ? [] : ["e2e"]), ...(scan ? [] : ["scan"])];
    for (const n of skipped) check(byName.get(n)!.status === "skipped", `${n} is ${byName.get(n)!.status}, expected skipped`);
    for (const n of CI_STAGES.filter((x) => !skipped.includes(x)))
      check(byName.get(n)!.status === "passed", `${n} is ${byName.get(n)!.status}, expected passed`);
    const rows = markdown.split("\n").filter((l) => /^\| [a-z0-9]+ \|/.test(l) && !l.startsWith("| stage"));
    check(rows.length === CI_STAGES.length, `the job summary has ${rows.length} stage rows, expected ${CI_STAGES.length}`);
    return report.summary ?? table;
  }

  /**
   * Run every test concurrently; fail listing each failed test with its message, or return one
   * line per test. Tests switched off are listed as SKIP and never counted as passed.
   *
   * @param app The app directory.
   * @param gitops The gitops directory.
   * @param lintError The lint-error fixture app.
   * @param lowCoverage The low-coverage fixture app.
   * @param policyViolation The policy-violation overlay of gitops/.
   * @param plantedSecret The fixture app with a planted fake key.
   * @param multiApp The multi-app overlay of gitops/.
   * @param multiAppMissingChart The multi-app overlay whose second app's chart is missing.
   * @param runsAsRoot The smoke fixture app that runs as root (tests/fixtures/app-runs-as-root).
   * @param writesRootfs The smoke fixture app that writes to its root filesystem (tests/fixtures/app-writes-rootfs).
   * @param endToEnd Run the tests that need kind (end-to-end, and ci's e2e stage).
   * @param scan Run the tests that need Trivy's vulnerability database (scan, and ci's scan stage).
   */
  @func({ cache: "never" })
  async all(
    @argument({ defaultPath: "/app", ignore: APP_IGNORE }) app: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-lint-error" }) lintError: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-low-coverage" }) lowCoverage: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-policy-violation" }) policyViolation: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-planted-secret" }) plantedSecret: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-multi-app" }) multiApp: Directory,
    @argument({ defaultPath: "/tests/fixtures/gitops-multi-app-missing-chart" }) multiAppMissingChart: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-runs-as-root" }) runsAsRoot: Directory,
    @argument({ defaultPath: "/tests/fixtures/app-writes-rootfs" }) writesRootfs: Directory,
    endToEnd: boolean = true,
    scan: boolean = true,
  ): Promise<string> {
    const tests: [string, (() => Promise<string>) | string][] = [
      ["lintPasses", () => this.lintPasses(app)],
      ["lintFails", () => this.lintFails(lintError)],
      ["testPasses", () => this.testPasses(app)],
      ["testBelowGate", () => this.testBelowGate(lowCoverage)],
      ["buildPlatforms", () => this.buildPlatforms(app)],
      ["validatePasses", () => this.validatePasses(gitops)],
      ["validatePolicyViolation", () => this.validatePolicyViolation(gitops, policyViolation)],
      ["multiAppValidates", () => this.multiAppValidates(gitops, multiApp, multiAppMissingChart)],
      ["addAppValidates", () => this.addAppValidates(gitops, multiApp)],
      ["endToEndPasses", endToEnd ? () => this.endToEndPasses(app, gitops) : "switched off (--end-to-end=false)"],
      ["localGitServerServes", () => this.localGitServerServes(gitops)],
      ["localGitopsEndToEnd", endToEnd ? () => this.localGitopsEndToEnd(app, gitops) : "switched off (--end-to-end=false)"],
      ["smokeNamesProbes", () => this.smokeNamesProbes(app, gitops, runsAsRoot, writesRootfs)],
      ["scanReports", scan ? () => this.scanReports(app) : "switched off (--scan=false)"],
      ["secretsFound", () => this.secretsFound(plantedSecret)],
      ["bumpLands", () => this.bumpLands(gitops)],
      ["bumpConcurrent", () => this.bumpConcurrent(gitops)],
      ["rollbackRestores", () => this.rollbackRestores(gitops)],
      ["ciRun", () => this.ciRun(app, gitops, endToEnd, scan)],
    ];
    const settled = await Promise.allSettled(tests.map(([, run]) => (typeof run === "string" ? Promise.resolve(run) : run())));
    const outcomes: Outcome[] = settled.map((r, i) => {
      const [name, run] = tests[i]!;
      if (typeof run === "string") return { name, status: "SKIP", detail: run };
      return r.status === "fulfilled"
        ? { name, status: "PASS", detail: r.value }
        : { name, status: "FAIL", detail: r.reason instanceof Error ? r.reason.message : String(r.reason) };
    });
    const lines = outcomes.map((o) => `${o.status} ${o.name}: ${o.detail}`);
    const count = (s: Outcome["status"]) => outcomes.filter((o) => o.status === s).length;
    const tally = `${count("PASS")} passed, ${count("FAIL")} failed, ${count("SKIP")} skipped of ${outcomes.length}`;
    if (count("FAIL") > 0)
      throw new Error(
        `${tally}: ${outcomes
          .filter((o) => o.status === "FAIL")
          .map((o) => o.name)
          .join(", ")}\n${lines.join("\n")}`,
      );
    return `${tally}\n${lines.join("\n")}`;
  }
}
