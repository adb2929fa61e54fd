/**
 * gitops-pipeline: a complete CI/CD + GitOps pipeline for a containerised Python (Flask) app
 * deployed to Kubernetes with Helm and Argo CD. Every stage runs in a container.
 */
import { argument, check, dag, object, func, Container, Directory, File, Secret, Service } from "@dagger.io/dagger";
import { VERSIONS } from "./core/versions.js";
import { e2eSettings } from "./core/e2e/settings.js";
import { environmentLayout } from "./core/gitops-config.js";
import { readGitopsLayout } from "./gitops-layout.js";
import { E2eRun, debugKubeconfig, dindService, newRunId, runE2e } from "./e2e/e2e.js";
import { validateStage, type ValidateRun } from "./validate/validate.js";
import { Linter, LintRun, runLint } from "./app/lint.js";
import { TestRun, runTests } from "./app/test.js";
import { build, buildTarball } from "./app/build.js";
import { PublishedImage, publish } from "./app/publish.js";
import { ScanRun, scan } from "./app/scan.js";
import { LAYOUT_DEFAULTS, WRITEBACK_DEFAULTS } from "./core/writeback/layout.js";
import { bump, promote, BumpResult, WriteBackFormat } from "./writeback/writeback.js";
import { runCi } from "./ci/ci.js";
import { CiReport } from "./ci/report.js";

/**
 * The pipeline: lint, test, build, publish, e2e, validate and the GitOps bump of a Python app
 * and its Helm chart. Constructor arguments pin every base image and tool version.
 */
@object()
export class GitopsPipeline {
  /** Python base image of the lint and test stages (and the default app base image). */
  @func()
  pythonImage: string;

  /** ruff version installed by the lint stage. */
  @func()
  ruff: string;

  /** flake8 version installed by the lint stage. */
  @func()
  flake8: string;

  /** pylint version installed by the lint stage. */
  @func()
  pylint: string;

  /** pytest version installed by the test stage when the app's pins do not provide one. */
  @func()
  pytest: string;

  /** pytest-cov version installed by the test stage when the app's pins do not provide one. */
  @func()
  pytestCov: string;

  /** Helm image (helm v3) for the validate and e2e stages. */
  @func()
  helmImage: string;

  /** kubeconform image for the validate stage. */
  @func()
  kubeconformImage: string;

  /** Kubernetes version the manifests are rendered and validated for (x.y.0). */
  @func()
  kubernetes: string;

  /** kind version of the e2e cluster. */
  @func()
  kind: string;

  /** kind node image, pinned by digest to the one released with the kind version. */
  @func()
  kindNodeImage: string;

  /** kubectl version of the e2e stage. */
  @func()
  kubectl: string;

  /** Docker-in-docker image that hosts the e2e kind cluster. */
  @func()
  dindImage: string;

  /** Trivy image of the scan stage. */
  @func()
  trivyImage: string;

  /** git client image of the bump and promote stages. */
  @func()
  gitImage: string;

  /** kustomize image (kustomize v5) that renders the kustomize overlays in the validate stage. */
  @func()
  kustomizeImage: string;

  /**
   * Create the pipeline. Every image and tool version is pinned by default and can be
   * replaced, e.g. to point at a registry mirror in an air-gapped network.
   *
   * @param pythonImage Python base image of the lint and test stages (and the default app base image).
   * @param ruff ruff version installed by the lint stage.
   * @param flake8 flake8 version installed by the lint stage.
   * @param pylint pylint version installed by the lint stage.
   * @param pytest pytest version installed by the test stage when the app's pins do not provide one.
   * @param pytestCov pytest-cov version installed by the test stage when the app's pins do not provide one.
   * @param helmImage Helm image (helm v3) for the validate and e2e stages.
   * @param kubeconformImage kubeconform image for the validate stage.
   * @param kubernetes Kubernetes version the manifests are rendered and validated for (x.y.0).
   * @param kind kind version of the e2e cluster.
   * @param kindNodeImage kind node image, pinned by digest to the one released with the kind version.
   * @param kubectl kubectl version of the e2e stage.
   * @param dindImage Docker-in-docker image that hosts the e2e kind cluster.
   * @param trivyImage Trivy image of the scan stage.
   * @param gitImage git client image of the bump and promote stages.
   * @param kustomizeImage kustomize image (kustomize v5) that renders the kustomize overlays in the validate stage.
   */
  constructor(
    pythonImage: string = VERSIONS.pythonImage,
    ruff: string = VERSIONS.ruff,
    flake8: string = VERSIONS.flake8,
    pylint: string = VERSIONS.pylint,
    pytest: string = VERSIONS.pytest,
    pytestCov: string = VERSIONS.pytestCov,
    helmImage: string = VERSIONS.helmImage,
    kubeconformImage: string = VERSIONS.kubeconformImage,
    kubernetes: string = VERSIONS.kubernetes,
    kind: string = VERSIONS.kind,
    kindNodeImage: string = VERSIONS.kindNodeImage,
    kubectl: string = VERSIONS.kubectl,
    dindImage: string = VERSIONS.dindImage,
    trivyImage: string = VERSIONS.trivyImage,
    gitImage: string = VERSIONS.gitImage,
    kustomizeImage: string = VERSIONS.kustomizeImage,
  ) {
    this.pythonImage = pythonImage;
    this.ruff = ruff;
    this.flake8 = flake8;
    this.pylint = pylint;
    this.pytest = pytest;
    this.pytestCov = pytestCov;
    this.helmImage = helmImage;
    this.kubeconformImage = kubeconformImage;
    this.kubernetes = kubernetes;
    this.kind = kind;
    this.kindNodeImage = kindNodeImage;
    this.kubectl = kubectl;
    this.dindImage = dindImage;
    this.trivyImage = trivyImage;
    this.gitImage = gitImage;
    this.kustomizeImage = kustomizeImage;
  }

  /** The tool versions and images this pipeline instance uses, as JSON. */
  @func()
  versions(): string {
    const { dagger, helm, kubeconform, kubernetesValidate } = VERSIONS;
    return JSON.stringify(
      {
        dagger,
        helm,
        kubeconform,
        kubernetesValidate,
        pythonImage: this.pythonImage,
        ruff: this.ruff,
        flake8: this.flake8,
        pylint: this.pylint,
        pytest: this.pytest,
        pytestCov: this.pytestCov,
        helmImage: this.helmImage,
        kubeconformImage: this.kubeconformImage,
        kubernetes: this.kubernetes,
        kind: this.kind,
        kindNodeImage: this.kindNodeImage,
        kubectl: this.kubectl,
        dindImage: this.dindImage,
        trivyImage: this.trivyImage,
        gitImage: this.gitImage,
        kustomizeImage: this.kustomizeImage,
      },
      null,
      2,
    );
  }

  // ---- app stages: lint, test, build, publish, scan (issue 3) ---------------------------------

  /**
   * Lint the app with one linter. Returns the run: report, issues, summary; call `assert` to fail on issues.
   *
   * @param source The app directory (its pyproject.toml / .flake8 configure the linter).
   * @param linter The linter to run.
   */
  @func()
  async lint(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", "**/.ruff_cache"] })
    source: Directory,
    linter: Linter = Linter.Ruff,
  ): Promise<LintRun> {
    return runLint(this, source, linter);
  }

  /**
   * Check: lint the app with ruff and fail on any issue.
   *
   * @param source The app directory.
   */
  @func()
  @check()
  async lintCheck(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", "**/.ruff_cache"] })
    source: Directory,
  ): Promise<void> {
    await (await runLint(this, source, Linter.Ruff)).assert();
  }

  /**
   * Run the app's tests with pytest and a coverage gate. Returns the run: JUnit and coverage XML, summary; call `assert` to fail.
   *
   * @param source The app directory: its requirements*.txt pins, code and tests.
   * @param minCoverage Minimum total coverage in percent (lines and branches, as coverage.py counts them).
   */
  @func()
  async test(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", ".coverage", "coverage.xml", "junit.xml"] })
    source: Directory,
    minCoverage: number = 90,
  ): Promise<TestRun> {
    return runTests(this, source, minCoverage);
  }

  /**
   * Check: run the app's tests and fail below 90 % coverage or on any failed test.
   *
   * @param source The app directory.
   */
  @func()
  @check()
  async testCheck(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", ".coverage", "coverage.xml", "junit.xml"] })
    source: Directory,
  ): Promise<void> {
    await (await runTests(this, source, 90)).assert();
  }

  /**
   * Build the app image, one per platform, from its Dockerfile (OCI labels from the VERSION/REVISION build args).
   *
   * @param source The app directory with its Dockerfile.
   * @param platforms Platforms to build, os/arch[/variant].
   * @param version App semver (VERSION build arg, image label and APP_VERSION).
   * @param revision Git commit (REVISION build arg, image label and APP_COMMIT).
   * @param dockerfile Dockerfile path inside the source directory.
   * @param sourceUrl Source repository URL for the org.opencontainers.image.source label (the Dockerfile's default when empty).
   */
  @func()
  async build(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv"] })
    source: Directory,
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    version: string = "0.0.0-dev",
    revision: string = "unknown",
    dockerfile: string = "Dockerfile",
    sourceUrl: string = "",
  ): Promise<Container[]> {
    return build(this.pythonImage, source, { platforms, version, revision, dockerfile, sourceUrl });
  }

  /**
   * Build the app image for one platform as a gzip OCI tarball named for `docker load` / `kind load image-archive`.
   *
   * @param source The app directory with its Dockerfile.
   * @param imageName Name:tag the image loads under.
   * @param platform The one platform to build.
   * @param version App semver (VERSION build arg).
   * @param revision Git commit (REVISION build arg).
   * @param dockerfile Dockerfile path inside the source directory.
   */
  @func()
  async imageTarball(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv"] })
    source: Directory,
    imageName: string = "gitops-demo:e2e",
    platform: string = "linux/amd64",
    version: string = "0.0.0-dev",
    revision: string = "unknown",
    dockerfile: string = "Dockerfile",
  ): Promise<File> {
    return buildTarball(this.pythonImage, source, { imageName, platforms: platform, version, revision, dockerfile });
  }

  /**
   * Build and push the app as one multi-arch image under the pipeline's tags; returns the digest-pinned image.
   *
   * @param image Repository address without tag, e.g. ghcr.io/acme/gitops-demo.
   * @param sha Git commit being published (tags use its first 7 characters).
   * @param run CI run number (e.g. $GITHUB_RUN_NUMBER), for the immutable {shortSha}-{run} tag.
   * @param source The app directory with its Dockerfile.
   * @param version App semver: adds the v{version}-{shortSha}-{run} tag.
   * @param environment Environment name: adds the {env}-latest tag.
   * @param branch Git branch, for tag templates using {branch} (sanitised into a valid tag).
   * @param release Also tag {version}, {major}.{minor} and {major} (never for pre-releases).
   * @param tagTemplates Tag templates replacing the defaults; placeholders {sha} {shortSha} {run} {version} {major} {minor} {patch} {branch} {env}.
   * @param username Registry user name.
   * @param password Registry password or token.
   * @param platforms Platforms to build and push, os/arch[/variant].
   * @param dockerfile Dockerfile path inside the source directory.
   */
  @func({ cache: "never" })
  async publish(
    image: string,
    sha: string,
    run: string,
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv"] })
    source: Directory,
    version: string = "",
    environment: string = "",
    branch: string = "",
    release: boolean = false,
    tagTemplates: string[] = [],
    username: string = "",
    password?: Secret,
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    dockerfile: string = "Dockerfile",
  ): Promise<PublishedImage> {
    return publish(this.pythonImage, source, { image, sha, run, version, environment, branch, release, tagTemplates, username, ...(password ? { password } : {}), platforms, dockerfile });
  }

  /**
   * Scan the app image with Trivy. Returns the run: JSON report, CycloneDX SBOM, summary; call `assert` to fail on the chosen severities.
   *
   * @param source The app directory with its Dockerfile.
   * @param severity Severities that fail the scan, comma-separated (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL).
   * @param dbRepository OCI repository of Trivy's vulnerability database (a mirror); Trivy's default when empty.
   * @param skipDbUpdate Use the database already in the cache volume; never download (offline runs).
   * @param platform The one platform to build and scan.
   * @param dockerfile Dockerfile path inside the source directory.
   */
  @func({ cache: "24h" })
  async scan(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv"] })
    source: Directory,
    severity: string = "CRITICAL,HIGH",
    dbRepository: string = "",
    skipDbUpdate: boolean = false,
    platform: string = "linux/amd64",
    dockerfile: string = "Dockerfile",
  ): Promise<ScanRun> {
    const day = new Date().toISOString().slice(0, 10);
    return scan(this.pythonImage, this.trivyImage, source, { severity, dbRepository, skipDbUpdate, day, platforms: platform, version: "0.0.0-dev", revision: "unknown", dockerfile });
  }

  // ---- gitops: validate (issue 4) --------------------------------------------------------------

  /**
   * Validate a gitops tree for every environment (or the ones given): helm lint --strict and
   * helm template with the environment's values, kustomize build of the environment's overlay
   * (<kustomize>/overlays/<env>, when there is one), kubeconform -strict on every rendering
   * (Kubernetes and Argo CD schemas), policy rules on the rendered objects, Argo CD and kustomize
   * checks. Returns the run: report(), findings(), summary(), assert().
   *
   * @param gitops The gitops directory (chart, environments, Argo CD manifests); default: this repo's gitops/.
   * @param environments Environments to validate, e.g. ["prod"]; default: all the tree declares.
   * @param schemas Offline Kubernetes JSON schemas for air-gapped runs: a copy of yannh/kubernetes-json-schema or of the kubernetes-validate package's kubernetes-json-schema/ directory, holding the kubernetes version's *-strict directory.
   * @param crdSchemas Offline CRD schemas in the CRD-catalog layout (argoproj.io/application_v1alpha1.json ...); default: the pinned datreeio/CRDs-catalog online.
   */
  @func()
  async validate(
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    environments?: string[],
    schemas?: Directory,
    crdSchemas?: Directory,
  ): Promise<ValidateRun> {
    return validateStage({ helmImage: this.helmImage, kubeconformImage: this.kubeconformImage, kustomizeImage: this.kustomizeImage, kubernetes: this.kubernetes, gitops, ...(environments ? { environments } : {}), ...(schemas ? { schemas } : {}), ...(crdSchemas ? { crdSchemas } : {}) });
  }

  /**
   * Check: this repository's gitops/ passes validate for every environment.
   *
   * @param gitops The gitops directory; default: this repo's gitops/.
   */
  @func()
  @check()
  async validateCheck(@argument({ defaultPath: "/gitops" }) gitops: Directory): Promise<void> {
    (await this.validate(gitops)).assert();
  }

  // ---- e2e: kind in docker-in-docker (issue 5) --------------------------------------------------

  /**
   * End-to-end test in an ephemeral kind cluster inside a docker-in-docker service: load the
   * image (no registry), helm upgrade --install the chart with the environment's values, await
   * the rollout, probe /healthz, / (the version) and /metrics through the API server proxy, run
   * helm test. On failure the run carries diagnostics. Needs an engine that allows insecure root
   * capabilities, on a cgroup v2 host.
   *
   * @param source App source, built with its Dockerfile when no image is given.
   * @param gitops Directory holding the Helm chart and the per-environment values.
   * @param image Image to test (one platform, the engine's); default: built from source.
   * @param chartPath Chart directory, relative to gitops; default: `chart` of gitops-pipeline.yaml (charts/gitops-demo).
   * @param environment Environment whose values are used.
   * @param valuesPath Values file relative to gitops, used alone; default: every values file of the environment in gitops-pipeline.yaml, in order.
   * @param version Version the app must show on / (the image's APP_VERSION; also the build's VERSION).
   * @param release Helm release name.
   * @param namespace Namespace the release is installed in.
   * @param timeout Time budget of the whole run in seconds (setup, probes, helm test, diagnostics, teardown).
   */
  @func({ cache: "never" })
  async e2e(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/.pytest_cache", "**/.venv"] }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    image?: Container,
    chartPath: string = "",
    environment: string = "dev",
    valuesPath: string = "",
    version: string = "0.0.0-e2e",
    release: string = "",
    namespace: string = "e2e",
    timeout: number = 300,
  ): Promise<E2eRun> {
    const layout = environmentLayout(await readGitopsLayout(gitops), environment, { chartPath, valuesPath });
    const settings = e2eSettings({ ...layout, release: release || layout.release, namespace, environment, version, timeoutSeconds: timeout, runId: newRunId() });
    // Without an image: the build stage's image for the engine's own platform (the kind node's).
    const app = image ?? (await build(this.pythonImage, source, { platforms: [String(await dag.defaultPlatform())], version, revision: "e2e", dockerfile: "Dockerfile" }))[0]!;
    return runE2e({ images: this, settings, image: app, gitops });
  }

  /**
   * Debugging: the docker-in-docker service the e2e stage runs kind in, for `up` or `terminal`.
   *
   * @param runId Service instance id; e2e-kubeconfig with the same id creates its cluster here.
   */
  @func()
  e2eDocker(runId: string = "debug"): Service {
    return dindService(this, runId);
  }

  /**
   * Debugging: create a kind cluster in the e2e-docker service and return its kubeconfig. Keep
   * `e2e-docker up` running so the cluster outlives this call.
   *
   * @param runId Service instance id, as given to e2e-docker.
   * @param server API server URL written into the kubeconfig (https://docker:6443 inside containers bound to the service as docker).
   */
  @func({ cache: "never" })
  async e2eKubeconfig(runId: string = "debug", server: string = "https://docker:6443"): Promise<File> {
    const settings = e2eSettings({ release: "gitops-demo", namespace: "e2e", environment: "dev", chartPath: "chart", valuesPaths: [], version: "debug", timeoutSeconds: 300, runId: newRunId() });
    return debugKubeconfig(this, settings, runId, server);
  }

  // ---- GitOps write-back: bump, promote (issue 6) ----------------------------------------------

  /**
   * Write a new image reference into one environment of the gitops tree, validate it, and (with
   * repoUrl) commit and push it, retrying on top of concurrent pushes. Without repoUrl, edits the
   * local gitops directory: `dagger call bump --tag 1.2.3 directory export --path gitops`.
   *
   * @param tag Image tag to deploy.
   * @param env Environment to bump (one of environments).
   * @param app App name, used in the commit message.
   * @param digest Image digest (sha256:...) to pin; "" clears a pinned digest.
   * @param repository Image repository to set as well; "" leaves it as it is.
   * @param appVersion Value of env.appVersion (Helm); "" sets it to the tag where the key exists.
   * @param sourceCommit Commit of the app source this image was built from (goes in the commit message).
   * @param gitops Local gitops directory to edit when no repoUrl is given.
   * @param repoUrl Remote gitops repository (https, or ssh with sshKey); "" edits the local directory.
   * @param branch Branch to push to.
   * @param token HTTPS token (Secret) for repoUrl, given to git through GIT_ASKPASS only.
   * @param sshKey SSH private key (Secret) for an ssh repoUrl, mounted read-only.
   * @param sshKnownHosts known_hosts lines of the SSH host (required with sshKey).
   * @param gitUser User name sent with the HTTPS token.
   * @param gitopsPath Directory of the gitops tree inside the remote repository ("." for its root).
   * @param format Helm values files or kustomize overlays.
   * @param valuesPath Values file of an environment, relative to the gitops directory; {env} is replaced.
   * @param kustomizationPath Kustomization of an environment, relative to the gitops directory; {env} is replaced.
   * @param imageName kustomize images[].name to edit; "" for the only entry.
   * @param environments Environments in promotion order, comma-separated.
   * @param authorName Commit author and committer name.
   * @param authorEmail Commit author and committer email.
   * @param maxAttempts Push attempts before giving up when others keep pushing first.
   * @param dryRun Compute and validate the edit, return the diff, push nothing.
   * @param schemas Offline Kubernetes JSON schemas for the validation before push (air-gapped runs; see validate).
   * @param crdSchemas Offline CRD schemas for the validation before push (air-gapped runs; see validate).
   */
  @func({ cache: "never" })
  async bump(
    tag: string,
    env: string = "dev",
    app: string = "gitops-demo",
    digest: string = "",
    repository: string = "",
    appVersion: string = "",
    sourceCommit: string = "",
    @argument({ defaultPath: "/gitops" }) gitops?: Directory,
    repoUrl: string = "",
    branch: string = "main",
    token?: Secret,
    sshKey?: Secret,
    sshKnownHosts: string = "",
    gitUser: string = "x-access-token",
    gitopsPath: string = LAYOUT_DEFAULTS.gitopsPath,
    format: WriteBackFormat = WriteBackFormat.Helm,
    valuesPath: string = LAYOUT_DEFAULTS.valuesPath,
    kustomizationPath: string = LAYOUT_DEFAULTS.kustomizationPath,
    imageName: string = "",
    environments: string = LAYOUT_DEFAULTS.environments,
    authorName: string = WRITEBACK_DEFAULTS.authorName,
    authorEmail: string = WRITEBACK_DEFAULTS.authorEmail,
    maxAttempts: number = 6,
    dryRun: boolean = false,
    schemas?: Directory,
    crdSchemas?: Directory,
  ): Promise<BumpResult> {
    return bump({ gitImage: this.gitImage, validate: { helmImage: this.helmImage, kubeconformImage: this.kubeconformImage, kustomizeImage: this.kustomizeImage, kubernetes: this.kubernetes, ...(schemas ? { schemas } : {}), ...(crdSchemas ? { crdSchemas } : {}) }, tag, env, app, digest, repository, appVersion, sourceCommit, gitops, repoUrl, branch, token, sshKey, sshKnownHosts, gitUser, gitopsPath, format, valuesPath, kustomizationPath, imageName, environments, authorName, authorEmail, maxAttempts, dryRun });
  }

  /**
   * Promote: copy the image reference (repository, tag, digest, appVersion) of one environment to
   * the next (dev → staging → prod) through the same validate / commit / push-with-retry path as
   * bump. Refuses when the source environment has no image tag, or when the step skips one.
   *
   * @param from Environment to promote from.
   * @param to Environment to promote to; "" for the next one after from.
   * @param app App name, used in the commit message.
   * @param sourceCommit Commit of the app source, for the commit message.
   * @param gitops Local gitops directory to edit when no repoUrl is given.
   * @param repoUrl Remote gitops repository (https, or ssh with sshKey); "" edits the local directory.
   * @param branch Branch to push to.
   * @param token HTTPS token (Secret) for repoUrl, given to git through GIT_ASKPASS only.
   * @param sshKey SSH private key (Secret) for an ssh repoUrl, mounted read-only.
   * @param sshKnownHosts known_hosts lines of the SSH host (required with sshKey).
   * @param gitUser User name sent with the HTTPS token.
   * @param gitopsPath Directory of the gitops tree inside the remote repository ("." for its root).
   * @param format Helm values files or kustomize overlays.
   * @param valuesPath Values file of an environment, relative to the gitops directory; {env} is replaced.
   * @param kustomizationPath Kustomization of an environment, relative to the gitops directory; {env} is replaced.
   * @param imageName kustomize images[].name to copy; "" for the only entry.
   * @param environments Environments in promotion order, comma-separated.
   * @param authorName Commit author and committer name.
   * @param authorEmail Commit author and committer email.
   * @param maxAttempts Push attempts before giving up when others keep pushing first.
   * @param dryRun Compute and validate the edit, return the diff, push nothing.
   * @param schemas Offline Kubernetes JSON schemas for the validation before push (air-gapped runs; see validate).
   * @param crdSchemas Offline CRD schemas for the validation before push (air-gapped runs; see validate).
   */
  @func({ cache: "never" })
  async promote(
    from: string = "dev",
    to: string = "",
    app: string = "gitops-demo",
    sourceCommit: string = "",
    @argument({ defaultPath: "/gitops" }) gitops?: Directory,
    repoUrl: string = "",
    branch: string = "main",
    token?: Secret,
    sshKey?: Secret,
    sshKnownHosts: string = "",
    gitUser: string = "x-access-token",
    gitopsPath: string = LAYOUT_DEFAULTS.gitopsPath,
    format: WriteBackFormat = WriteBackFormat.Helm,
    valuesPath: string = LAYOUT_DEFAULTS.valuesPath,
    kustomizationPath: string = LAYOUT_DEFAULTS.kustomizationPath,
    imageName: string = "",
    environments: string = LAYOUT_DEFAULTS.environments,
    authorName: string = WRITEBACK_DEFAULTS.authorName,
    authorEmail: string = WRITEBACK_DEFAULTS.authorEmail,
    maxAttempts: number = 6,
    dryRun: boolean = false,
    schemas?: Directory,
    crdSchemas?: Directory,
  ): Promise<BumpResult> {
    return promote({ gitImage: this.gitImage, validate: { helmImage: this.helmImage, kubeconformImage: this.kubeconformImage, kustomizeImage: this.kustomizeImage, kubernetes: this.kubernetes, ...(schemas ? { schemas } : {}), ...(crdSchemas ? { crdSchemas } : {}) }, from, to, app, sourceCommit, gitops, repoUrl, branch, token, sshKey, sshKnownHosts, gitUser, gitopsPath, format, valuesPath, kustomizationPath, imageName, environments, authorName, authorEmail, maxAttempts, dryRun });
  }

  // ---- the whole pipeline: ci, checks (issue 7) ------------------------------------------------

  /**
   * The whole pipeline in one run: lint, test, validate and the multi-arch build start together;
   * e2e (kind) and the Trivy scan run on the built image; only when all of them passed, and only
   * when publishing is asked for (image repository + registry password, on a release branch), the
   * image is pushed and the dev environment is bumped in the gitops repository. Returns the report
   * (every stage's status, duration and summary, the artifacts, Markdown for a CI job summary);
   * a failing stage fails nothing by itself: call `assert`, or read `artifacts/status`.
   *
   * @param source The app directory (Dockerfile, requirements*.txt, tests).
   * @param gitops The gitops directory (chart, environments, Argo CD apps, gitops-pipeline.yaml).
   * @param commit Commit being built ($GITHUB_SHA); labels, APP_COMMIT and the immutable tag.
   * @param runNumber CI run number ($GITHUB_RUN_NUMBER), for the immutable {shortSha}-{run} tag.
   * @param branch Branch being built; publishing happens only on a release branch.
   * @param version App semver; default 0.0.0-{shortSha}. Adds the v{version}-{shortSha}-{run} tag.
   * @param imageRepository Repository to publish to, e.g. ghcr.io/acme/gitops-demo; empty: no publish.
   * @param registryUsername Registry user.
   * @param registryPassword Registry password or token; without it nothing is published.
   * @param releaseBranches Branches that publish and bump, comma-separated.
   * @param gitopsRepo HTTPS URL of the gitops repository to bump after publishing; empty: no bump.
   * @param gitopsBranch Branch of the gitops repository Argo CD watches.
   * @param gitopsToken Token with push rights on gitopsRepo.
   * @param environment Environment deployed by e2e and bumped after publishing.
   * @param platforms Platforms to build and publish.
   * @param linter Linter of the lint stage.
   * @param minCoverage Minimum test coverage in percent.
   * @param e2e Run the kind end-to-end test (nothing is published without it).
   * @param scan Run the Trivy scan (nothing is published without it).
   * @param schemas Offline Kubernetes JSON schemas for validate and the bump's validation (air-gapped runs; see validate).
   * @param crdSchemas Offline CRD schemas for validate and the bump's validation (air-gapped runs; see validate).
   */
  @func({ cache: "never" })
  async ci(
    @argument({ defaultPath: "/app", ignore: ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.venv", "**/.ruff_cache", ".coverage", "coverage.xml", "junit.xml"] })
    source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    commit: string = "local",
    runNumber: string = "0",
    branch: string = "local",
    version: string = "",
    imageRepository: string = "",
    registryUsername: string = "",
    registryPassword?: Secret,
    releaseBranches: string = "main",
    gitopsRepo: string = "",
    gitopsBranch: string = "main",
    gitopsToken?: Secret,
    environment: string = "dev",
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    linter: Linter = Linter.Ruff,
    minCoverage: number = 90,
    e2e: boolean = true,
    scan: boolean = true,
    schemas?: Directory,
    crdSchemas?: Directory,
  ): Promise<CiReport> {
    return runCi(this, { source, gitops, commit, runNumber, branch, version, imageRepository, registryUsername, registryPassword, releaseBranches, gitopsRepo, gitopsBranch, gitopsToken, environment, platforms, linter, minCoverage, e2e, scan, schemas, crdSchemas });
  }
}
