/**
 * gitops-pipeline: a complete CI/CD + GitOps pipeline for a containerised Python (Flask) app
 * deployed to Kubernetes with Helm and Argo CD. Every stage runs in a container.
 */
import { object, func, argument, Directory, Secret } from "@dagger.io/dagger";
import { VERSIONS } from "./core/versions.js";
import { LAYOUT_DEFAULTS, WRITEBACK_DEFAULTS } from "./core/deploy.js";
import { bump, promote, BumpResult, WriteBackFormat } from "./stages/bump.js";

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
      },
      null,
      2,
    );
  }

  // ---- app stages: lint, test, build, publish, scan (issue 3) ---------------------------------

  // ---- gitops: validate (issue 4) --------------------------------------------------------------

  // ---- e2e: kind in docker-in-docker (issue 5) --------------------------------------------------

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
   */
  @func({ cache: "never" })
  async bump(
    tag: string,
    env: string = "dev",
    app: string = "webapp",
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
  ): Promise<BumpResult> {
    return bump({ gitImage: this.gitImage, tag, env, app, digest, repository, appVersion, sourceCommit, gitops, repoUrl, branch, token, sshKey, sshKnownHosts, gitUser, gitopsPath, format, valuesPath, kustomizationPath, imageName, environments, authorName, authorEmail, maxAttempts, dryRun });
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
   */
  @func({ cache: "never" })
  async promote(
    from: string = "dev",
    to: string = "",
    app: string = "webapp",
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
  ): Promise<BumpResult> {
    return promote({ gitImage: this.gitImage, from, to, app, sourceCommit, gitops, repoUrl, branch, token, sshKey, sshKnownHosts, gitUser, gitopsPath, format, valuesPath, kustomizationPath, imageName, environments, authorName, authorEmail, maxAttempts, dryRun });
  }

  // ---- the whole pipeline: ci, checks (issue 7) ------------------------------------------------
}
