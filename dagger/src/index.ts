/**
 * gitops-pipeline: a complete CI/CD + GitOps pipeline for a containerised Python (Flask) app
 * deployed to Kubernetes with Helm and Argo CD. Every stage runs in a container.
 */
import { argument, check, dag, func, generate, object, type Changeset, type Directory, type File, type Secret, type Service } from "@dagger.io/dagger";
import { App } from "./app/app.js";
import { runCi, type RepoCredentials } from "./ci/ci.js";
import { parseRepository } from "./core/app/registry.js";
import type { Run } from "./run.js";
import { DEFAULTS } from "./core/defaults.js";
import { toolchain } from "./core/toolchain.js";
import { Toolchain } from "./toolchain.js";
import { VERSIONS } from "./core/versions.js";
import { readGitopsLayout, readPipelineLayout } from "./gitops-layout.js";
import { Manifests } from "./validate/manifests.js";
import { ArgoCd } from "./verify/argocd.js";
import { LocalGitops } from "./local/local-gitops.js";
import { GitopsRepo, PullRequestProvider } from "./writeback/gitops-repo.js";
import { InputError } from "./core/errors.js";
import { SETTINGS_FILE } from "./core/settings/app-settings.js";
import { applyOverrides } from "./core/settings/ci-settings.js";
import { checkOffLine, checkSettings, type CheckSettings } from "./core/settings/check-settings.js";
import { readAppSettings } from "./settings.js";
import { addAppChanges, localEnvironment } from "./scaffold/generate.js";
import { up } from "./up.js";

/** What the app directory argument leaves out: caches and build output, never inputs of a stage. */
export const APP_IGNORE: string[] = [
  "**/__pycache__",
  "**/*.pyc",
  "**/.pytest_cache",
  "**/.venv",
  "**/.ruff_cache",
  "**/.mypy_cache",
  ".coverage",
  "coverage.xml",
  "junit.xml",
];

/**
 * The pipeline: lint, test, build, scan and publish a Python app; validate and end-to-end test
 * its gitops manifests; bump and promote the deployed image in the gitops repository; or all of
 * it at once with ci. The constructor holds the app source, the gitops tree, offline schemas and
 * the pinned toolchain.
 */
@object()
export class GitopsPipeline {
  /** The app directory. */
  source: Directory;

  /** The gitops tree. */
  gitops: Directory;

  /** The toolchain (images, tool versions, offline schemas), validated; every child object keeps it by reference. */
  toolchain: Toolchain;

  /**
   * Create the pipeline. Every image and tool is pinned by default and can be replaced, e.g. to
   * point at a registry mirror in an air-gapped network.
   *
   * @param source The app directory: Dockerfile, its dependency declarations (requirements*.txt, pyproject.toml, uv.lock or poetry.lock), code and tests.
   * @param gitops The gitops tree: chart, per-environment values, Argo CD applications, gitops-pipeline.yaml.
   * @param schemas Offline Kubernetes JSON schemas (air-gapped runs): a copy of yannh/kubernetes-json-schema or of the kubernetes-validate package's kubernetes-json-schema/ directory holding the Kubernetes version's *-strict directory.
   * @param crdSchemas Offline CRD schemas in the CRDs-catalog layout (argoproj.io/application_v1alpha1.json ...); default: the pinned datreeio/CRDs-catalog online.
   * @param pythonImage Python base image of the lint and test stages (and the default app base image).
   * @param pythonTools Python tools to install at other versions than the pinned ones, as name==version: pytest, pytest-cov or a linter's PyPI package (the linter table of docs/app-stages.md lists them).
   * @param helmImage Helm image (helm v3) of the validate and e2e stages.
   * @param kubeconformImage kubeconform image of the validate stage.
   * @param kustomizeImage kustomize image (kustomize v5) that renders the kustomize overlays.
   * @param kubernetes Kubernetes version the manifests are rendered and validated for (x.y.0).
   * @param kind kind version of the e2e cluster.
   * @param kindNodeImage kind node image, pinned by digest to the one released with the kind version.
   * @param kubectl kubectl version of the e2e stage.
   * @param dindImage Docker-in-docker image that hosts the e2e kind cluster.
   * @param trivyImage Trivy image of the scan stage.
   * @param gitImage git client image of the write-back.
   * @param cosignImage cosign image that signs and attests published images and verifies them before a write-back.
   */
  constructor(
    @argument({ defaultPath: "/app", ignore: APP_IGNORE }) source: Directory,
    @argument({ defaultPath: "/gitops" }) gitops: Directory,
    schemas?: Directory,
    crdSchemas?: Directory,
    pythonImage: string = VERSIONS.pythonImage,
    pythonTools: string[] = [],
    helmImage: string = VERSIONS.helmImage,
    kubeconformImage: string = VERSIONS.kubeconformImage,
    kustomizeImage: string = VERSIONS.kustomizeImage,
    kubernetes: string = VERSIONS.kubernetes,
    kind: string = VERSIONS.kind,
    kindNodeImage: string = VERSIONS.kindNodeImage,
    kubectl: string = VERSIONS.kubectl,
    dindImage: string = VERSIONS.dindImage,
    trivyImage: string = VERSIONS.trivyImage,
    gitImage: string = VERSIONS.gitImage,
    cosignImage: string = VERSIONS.cosignImage,
  ) {
    const tools = toolchain({
      pythonImage,
      pythonTools: pythonTools ?? [],
      helmImage,
      kubeconformImage,
      kustomizeImage,
      kubernetes,
      kind,
      kindNodeImage,
      kubectl,
      dindImage,
      trivyImage,
      gitImage,
      cosignImage,
    });
    this.source = source;
    this.gitops = gitops;
    this.toolchain = Toolchain.of(tools, schemas, crdSchemas);
  }

  /** The tool versions and images this pipeline instance uses, as JSON. */
  @func()
  versions(): string {
    const tools = this.toolchain.pins();
    const { dagger, helm, kubeconform, kustomize, kubernetesValidate, argocd } = VERSIONS;
    return JSON.stringify({ dagger, helm, kubeconform, kustomize, kubernetesValidate, argocd, ...tools }, null, 2);
  }

  /**
   * The app: lint, test, build, image-tarball, publish, scan. Its version, revision and
   * Dockerfile are set once here for every function that builds.
   *
   * @param version App semver (VERSION build arg, image label, APP_VERSION and the version tags); a leading v is dropped; default 0.0.0-<short revision>.
   * @param revision Git commit being built (REVISION build arg, image label, APP_COMMIT and the {shortSha}-{run} tag).
   * @param dockerfile Dockerfile path inside the app directory.
   * @param sourceUrl Source repository URL for the org.opencontainers.image.source label; the Dockerfile's default when empty.
   * @param python Python minor version of lint, test and the build's PYTHON_IMAGE (3.12 or 3.13); default: the project's .python-version, else its requires-python, else 3.12.
   * @param dependencies Where the project declares its dependencies: auto (uv.lock, then poetry.lock, then requirements*.txt, then pyproject.toml), requirements, pyproject, uv, poetry or none.
   */
  @func()
  app(
    version: string = "",
    revision: string = DEFAULTS.revision,
    dockerfile: string = DEFAULTS.dockerfile,
    sourceUrl: string = "",
    python: string = "",
    dependencies: string = DEFAULTS.dependencies,
  ): App {
    return new App(this.source, this.toolchain, version, revision, dockerfile, sourceUrl, python, dependencies);
  }

  /**
   * The gitops tree's manifests: validate, end-to-end, add-app, and the kind debugging helpers.
   *
   * @param app App of a multi-app tree (gitops-pipeline.yaml's apps:): end-to-end deploys it, validate checks only it; "" validates every app (end-to-end then needs a single-app tree).
   */
  @func()
  manifests(app: string = ""): Manifests {
    return new Manifests(this.gitops, this.source, this.toolchain, app);
  }

  /**
   * The gitops repository the write-back pushes to (then with-token or with-ssh-key, bump,
   * promote). Without a URL, bump and promote edit the gitops directory and return it.
   *
   * @param url Remote repository: https (with-token) or ssh (with-ssh-key); "" edits the local gitops directory.
   * @param branch Branch Argo CD watches.
   * @param path Directory of the gitops tree inside the repository ("." for its root); default: repoPath of gitops-pipeline.yaml.
   * @param app App of a multi-app tree whose environments bump, promote and rollback write (and whose environments the validation before the push checks); "" for a single-app tree.
   */
  @func()
  async gitopsRepo(url: string = "", branch: string = DEFAULTS.gitopsBranch, path: string = "", app: string = ""): Promise<GitopsRepo> {
    const root = path || (url ? (await readPipelineLayout(this.gitops)).repoPath : "");
    return new GitopsRepo(url, branch, root, app, this.gitops, this.toolchain);
  }

  /**
   * The Argo CD that deploys the gitops repository, for verify: reached through the Argo CD API
   * (server + token) or through the Kubernetes API (a kubeconfig: reads the Application objects),
   * exactly one of the two.
   *
   * @param server Argo CD server URL (https), with token; "" when using a kubeconfig.
   * @param token Argo CD API token (an account or project token that may get applications), with server.
   * @param kubeconfig Kubeconfig of the cluster Argo CD runs in (token or client certificate, everything embedded; no exec plugins), instead of server and token.
   * @param namespace Namespace the Application objects live in.
   * @param insecure Skip TLS verification of the Argo CD server (a self-signed certificate); the token is still sent.
   * @param app App of a multi-app tree whose Applications verify watches; "" for a single-app tree.
   */
  @func()
  argoCd(
    server: string = "",
    token?: Secret,
    kubeconfig?: Secret,
    namespace: string = DEFAULTS.argocdNamespace,
    insecure: boolean = false,
    app: string = "",
  ): ArgoCd {
    return new ArgoCd(server, namespace, insecure, this.gitops, token, kubeconfig, app);
  }

  /**
   * The local GitOps environment: the gitops tree served by a git server inside the pipeline, a
   * kind cluster with Argo CD reading it (cluster up: the app and the Argo CD UI on localhost), and the
   * gitops e2e (end-to-end: bump, Argo CD syncs, the new version answers).
   *
   * @param argocdVersion Argo CD release whose manifests/install.yaml is applied.
   * @param argocdManifest Argo CD install manifest to apply instead of the release's (air-gapped engines; its images must still be pullable by the engine).
   * @param app App of a multi-app tree the environment runs (its Application must be a file of the tree, not generated by an ApplicationSet; the other apps are left out of the sync); "" for a single-app tree.
   */
  @func()
  localGitops(argocdVersion: string = VERSIONS.argocd, argocdManifest?: File, app: string = ""): LocalGitops {
    return new LocalGitops(this.gitops, this.source, this.toolchain, argocdVersion, argocdManifest, app);
  }

  /**
   * The whole pipeline in one run: lint, test, validate and the multi-arch build start together;
   * e2e (kind) and the Trivy scan (every platform image) run on the built images, the source is
   * scanned for secrets; only when all of them passed, and only when publishing is asked for
   * (image.repository in the settings file + registry password, on a release branch or a tag),
   * the image is pushed, signed and attested when the settings file's signing: asks for it, and
   * the environment is bumped in the gitops repository (token or SSH key) behind the gitops tree's
   * verification policy. What the team decided once (image repository, platforms, linters, coverage gate, release
   * branches, scan policy, e2e, gitops repository, verify target) is read from
   * gitops-pipeline.settings.yaml at the root of the app directory (docs/settings.md); the
   * arguments are the CI context, the secrets and a few one-off overrides (flag > file > default).
   * Returns the run: passed, summary, details, findings, report, assert; its stages and artifacts
   * (summary.md for a CI job summary, status, report.json, every stage's files). A failing stage
   * fails nothing by itself: call assert.
   *
   * @param commit Commit being built ($GITHUB_SHA); labels, APP_COMMIT and the immutable tag.
   * @param runNumber CI run number ($GITHUB_RUN_NUMBER), for the immutable {shortSha}-{run} tag.
   * @param branch Branch being built; publishing happens only on a release branch (or for a tag).
   * @param tag Git tag being built ($GITHUB_REF_NAME on tag builds), e.g. v1.2.3: the version comes from it and the image is published (no release-branch check) as X.Y.Z, and for a stable version also X.Y and X.
   * @param version App semver (a leading v is dropped); default 0.0.0-<short commit>. Adds the v{version}-{shortSha}-{run} tag.
   * @param releasedTags The repository's version tags, comma- or space-separated (e.g. from git tag --list 'v*'): with tag, X.Y and X move only when no newer stable version of their line exists. Empty: they always move.
   * @param registryUsername Registry user ($GITHUB_ACTOR, $CI_REGISTRY_USER); default: image.registryUsername of the settings file.
   * @param environment Environment to deploy (e2e) and bump, over the settings file's deploy.branches and deploy.environment.
   * @param endToEnd Run the kind end-to-end test, over the settings file's e2e.enabled (nothing is published without it).
   * @param scan Run the Trivy image scan, over the settings file's scan.enabled (nothing is published without it).
   * @param registryPassword Registry password or token; without it nothing is published.
   * @param gitopsToken Token with push rights on an https gitops repository (gitops.repository).
   * @param gitopsSshKey SSH deploy key with push rights on an ssh gitops repository.
   * @param gitopsApiToken Forge API token for a pull-request bump (gitops.pullRequest); default: gitopsToken.
   * @param argocdToken Argo CD API token that may get applications (with verify.argocdServer): after a pushed bump, verify waits until Argo CD deploys it.
   * @param argocdKubeconfig Kubeconfig of the cluster Argo CD runs in (reads the Application objects), instead of verify.argocdServer and argocdToken.
   * @param cosignKey cosign private key that signs and attests what is published (signing.mode: key in the settings file).
   * @param cosignPassword Password of the cosign private key.
   * @param identityToken The CI's OIDC identity for keyless signing (signing.mode: keyless): an ID token with audience sigstore (GitLab id_tokens), or in GitHub Actions "$ACTIONS_ID_TOKEN_REQUEST_URL $ACTIONS_ID_TOKEN_REQUEST_TOKEN", from which cosign requests a fresh token when it signs.
   */
  @func({ cache: "never" })
  async ci(
    commit: string = DEFAULTS.commit,
    runNumber: string = DEFAULTS.runNumber,
    branch: string = DEFAULTS.branch,
    tag: string = "",
    version: string = "",
    releasedTags: string = "",
    registryUsername: string = "",
    environment?: string,
    endToEnd?: boolean,
    scan?: boolean,
    registryPassword?: Secret,
    gitopsToken?: Secret,
    gitopsSshKey?: Secret,
    gitopsApiToken?: Secret,
    argocdToken?: Secret,
    argocdKubeconfig?: Secret,
    cosignKey?: Secret,
    cosignPassword?: Secret,
    identityToken?: Secret,
  ): Promise<Run> {
    const s = applyOverrides(await readAppSettings(this.source), { environment, endToEnd, scan, registryUsername }, branch);
    const app = s.gitops.app;
    // Only the credentials that hold a value: CI templates pass env:// references that may be empty.
    const repo = async (use: RepoCredentials): Promise<GitopsRepo> => {
      let r = await this.gitopsRepo(s.gitops.repository, s.gitops.branch, "", app);
      // The verification before the bump reads the image's signatures from the registry ci published to.
      if (use.registry && registryPassword && s.image.repository)
        r = r.withRegistryAuth(parseRepository(s.image.repository).registry, s.image.registryUsername, registryPassword);
      const authed = use.sshKey && gitopsSshKey ? r.withSshKey(gitopsSshKey, s.gitops.knownHosts) : use.token && gitopsToken ? r.withToken(gitopsToken) : r;
      if (!s.gitops.pullRequest) return authed;
      const apiToken = use.apiToken && gitopsApiToken ? gitopsApiToken : use.token && gitopsToken ? gitopsToken : undefined;
      if (!apiToken)
        throw new InputError(
          "gitopsApiToken",
          `is missing: gitops.pullRequest in ${SETTINGS_FILE} needs a forge API token`,
          "pass --gitops-api-token (or an https --gitops-token, which is used for both)",
        );
      return authed.withPullRequest(apiToken, s.gitops.provider as PullRequestProvider);
    };
    return runCi(
      {
        app: (v) => this.app(v, commit),
        manifests: () => this.manifests(app),
        // Before any stage: a multi-app tree without gitops.app (or with an unknown one) fails now, naming it.
        checkGitops: async () => void (await readGitopsLayout(this.gitops, app, `${SETTINGS_FILE}: gitops.app`)),
        repo,
        argoCd: (use) =>
          this.argoCd(
            s.verify.argocdServer,
            use.token ? argocdToken : undefined,
            use.kubeconfig ? argocdKubeconfig : undefined,
            s.verify.namespace,
            s.verify.insecure,
            app,
          ),
      },
      {
        commit,
        runNumber,
        branch,
        version,
        tag,
        releasedTags,
        imageRepository: s.image.repository,
        registryUsername: s.image.registryUsername,
        releaseBranches: s.release.branches.join(","),
        gitopsRepo: s.gitops.repository,
        gitopsBranch: s.gitops.branch,
        environment: s.deploy.environment,
        platforms: s.image.platforms,
        endToEnd: s.e2e.enabled,
        smoke: s.smoke.enabled,
        scan: s.scan.enabled,
        severity: s.scan.severity.join(","),
        ignoreUnfixed: s.scan.ignoreUnfixed,
        scanSecrets: s.scan.secrets,
        linters: s.lint.linters,
        minCoverage: s.test.minCoverage,
        argocdServer: s.verify.argocdServer,
        verifyTimeout: s.verify.timeout,
        probeUrl: s.verify.probeUrl,
        rollbackOnFailure: s.verify.rollbackOnFailure,
        pullRequest: s.gitops.pullRequest,
        signing: s.signing,
        ...(cosignKey ? { cosignKey } : {}),
        ...(cosignPassword ? { cosignPassword } : {}),
        ...(identityToken ? { identityToken } : {}),
        ...(argocdToken ? { argocdToken } : {}),
        ...(argocdKubeconfig ? { argocdKubeconfig } : {}),
        ...(registryPassword ? { registryPassword } : {}),
        ...(gitopsToken ? { gitopsToken } : {}),
        ...(gitopsSshKey ? { gitopsSshKey } : {}),
        ...(gitopsApiToken ? { gitopsApiToken } : {}),
      },
    );
  }

  /** The checks' arguments from the app directory's settings file (the one ci reads; every default without it). */
  private async checks(): Promise<CheckSettings> {
    return checkSettings(await readAppSettings(this.source));
  }

  /** Check: the app passes the linters of lint.linters in gitops-pipeline.settings.yaml (default: ruff with the security rules and ruff's format check). */
  @func()
  @check()
  async lintCheck(): Promise<void> {
    const c = await this.checks();
    await (await this.app().lint(c.lint.linters)).assert();
  }

  /** Check: every test of the app passes and coverage reaches test.minCoverage of gitops-pipeline.settings.yaml (default 90). */
  @func()
  @check()
  async testCheck(): Promise<void> {
    const c = await this.checks();
    await (await this.app().test(c.test.minCoverage)).assert();
  }

  /** Check: the gitops tree passes validate for every environment (only gitops.app's when gitops-pipeline.settings.yaml names one). */
  @func()
  @check()
  async validateCheck(): Promise<void> {
    const c = await this.checks();
    (await this.manifests(c.validate.app).validate()).assert();
  }

  /**
   * Check: the app's image runs with deploy.environment's rendered runtime settings (its user,
   * read-only root filesystem, port, environment) and passes the smoke probes, no cluster needed.
   * gitops-pipeline.settings.yaml gives the environment, smoke.container and gitops.app; smoke.enabled: false turns it off.
   */
  @func()
  @check()
  async smokeCheck(): Promise<void> {
    const { smoke } = await this.checks();
    if (!smoke.enabled) return void console.log(checkOffLine("smoke-check", "smoke.enabled"));
    (await this.manifests(smoke.app).smoke(smoke.environment, undefined, DEFAULTS.e2eVersion, smoke.container)).assert();
  }

  /** Check: the app source holds no secrets (Trivy's secret rules; waivers in the app's .trivyignore); scan.secrets: false in gitops-pipeline.settings.yaml turns it off. */
  @func()
  @check()
  async secretsCheck(): Promise<void> {
    const c = await this.checks();
    if (!c.secrets.enabled) return void console.log(checkOffLine("secrets-check", "scan.secrets"));
    (await this.app().scanSecrets()).assert();
  }

  /**
   * Check: the app's image has no vulnerability of scan.severity in gitops-pipeline.settings.yaml
   * (default CRITICAL, HIGH; scan.ignoreUnfixed applies), on linux/amd64 or else the first of
   * image.platforms (Trivy downloads its database); scan.enabled: false turns it off.
   */
  @func()
  @check()
  async scanCheck(): Promise<void> {
    const { scan } = await this.checks();
    if (!scan.enabled) return void console.log(checkOffLine("scan-check", "scan.enabled"));
    (await this.app().scan(scan.severity, "", false, scan.platform, scan.ignoreUnfixed, false)).assert();
  }

  /**
   * Generator: add an app to the gitops tree, as changes to apply (dagger generate).
   * The app is made from an app of the tree and validated; the changes land where the tree sits in
   * the repository. Nothing when no name is given or the app exists (dagger check then finds the
   * generator up to date). Declare the app once in the consumer's dagger.json (customizations of
   * add-app's name and image), or call it once:
   * dagger call gitops-pipeline add-app --name refunds --image ghcr.io/acme/refunds.
   *
   * @param name The new app's name (a DNS label; namespaces and Applications become <name>-<environment>); "" adds nothing.
   * @param image Image repository of the new app, e.g. ghcr.io/acme/refunds.
   * @param tag Image tag every environment starts with.
   * @param from App of the tree to copy; "" for the first.
   * @param path Where the gitops tree sits in the repository dagger runs in, e.g. deploy ("." for its root); default: repoPath of gitops-pipeline.yaml.
   */
  @func()
  @generate()
  async addApp(name: string = "", image: string = "", tag: string = DEFAULTS.scaffoldTag, from: string = "", path: string = ""): Promise<Changeset> {
    return addAppChanges(this.gitops, name, path, () => this.manifests().addApp(name, image, tag, from));
  }

  /**
   * Service: the app's image, running (dagger up tunnels its port to the host).
   * Built from the app directory for the engine's platform; runs the image's own entrypoint.
   *
   * @param port Port the app listens on inside its image (its Dockerfile's EXPOSE).
   */
  @func()
  @up()
  async appService(port: number = DEFAULTS.appPort): Promise<Service> {
    const [image] = await this.app().build([await dag.defaultPlatform()]);
    return image!.withExposedPort(port).asService({ useEntrypoint: true });
  }

  /**
   * Service: the local GitOps environment, kind with Argo CD syncing the tree (dagger up).
   * The same as local-gitops cluster: Argo CD reads the gitops tree from an in-pipeline git server;
   * the app answers on port 8080 and the Argo CD UI on 9080 once Synced and Healthy (minutes).
   * Needs an engine that allows insecure root capabilities and reaches the kind node image and
   * Argo CD's images.
   *
   * @param app App of a multi-app tree the environment runs ("" for a single-app tree); dagger up passes no arguments, so a multi-app tree sets it with a customization.
   * @param environment Environment of gitops-pipeline.yaml to run; default: dev when the tree declares it, else its first environment.
   */
  @func()
  @up()
  async localGitopsCluster(app: string = "", environment: string = ""): Promise<Service> {
    const env = environment || localEnvironment(Object.keys((await readGitopsLayout(this.gitops, app)).environments));
    return this.localGitops(VERSIONS.argocd, undefined, app).cluster(env);
  }
}
