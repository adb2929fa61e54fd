/**
 * The local GitOps environment: the gitops tree served by a git server inside the pipeline, a kind
 * cluster in a docker-in-docker service, Argo CD from its pinned install manifest with the root
 * Application reading that git server. `cluster` hands it to a developer (the app and the Argo CD UI on
 * localhost: `cluster up`); `end-to-end` proves the whole loop: bump, Argo CD syncs, the new version answers.
 */
import { dag, func, object, type Directory, type File, type Service } from "@dagger.io/dagger";
import { DEFAULTS } from "../core/defaults.js";
import type { Toolchain } from "../toolchain.js";
import { argocdInstallUrl, gitEndpointManifest, LOCAL_REPO_URL, repositorySecret } from "../core/local/argocd.js";
import { localSettings, parseLocalInputs, type LocalSettings } from "../core/local/settings.js";
import { selectApp, type GitopsConfig } from "../core/gitops-config.js";
import { parseInputs } from "../core/inputs.js";
import { readPipelineLayout } from "../gitops-layout.js";
import { appInputs } from "../core/validate/inputs.js";
import { dindService, newRunId } from "../e2e/containers.js";
import type { Run } from "../run.js";
import { gitService, localClient, upService } from "./cluster.js";
import { runLocalE2e } from "./gitops-e2e.js";
import { GitopsRepo } from "../writeback/gitops-repo.js";
import { localFiles, seedTree } from "./prepare.js";
import { engineImage } from "../app/build.js";

/** Instance id of the services `git-server` and `cluster` start (one developer environment per engine). */
const UP_INSTANCE = "local";

/** The local GitOps environment: git-server, manifests, cluster (run with up), end-to-end. */
@object()
export class LocalGitops {
  /** The gitops tree. */
  gitops: Directory;
  /** The app directory (its image is built and loaded into kind). */
  source: Directory;
  /** The pipeline's toolchain (images, versions, offline schemas for the bump's validation). */
  toolchain: Toolchain;
  /** Argo CD release whose install manifest is applied. */
  argocdVersion: string;
  /** The Argo CD install manifest, when given instead of the release's. */
  argocdManifest?: File;
  /** App of a multi-app tree the environment runs ("" for a single-app tree). */
  app: string;

  /**
   * @param gitops The gitops tree.
   * @param source The app directory.
   * @param toolchain The pipeline's toolchain.
   * @param argocdVersion Argo CD release (its manifests/install.yaml).
   * @param argocdManifest Argo CD install manifest to apply instead of the release's (air-gapped engines).
   * @param app App of a multi-app tree.
   */
  constructor(gitops: Directory, source: Directory, toolchain: Toolchain, argocdVersion: string, argocdManifest?: File, app: string = "") {
    this.app = parseInputs(appInputs, { app }).app;
    this.gitops = gitops;
    this.source = source;
    this.toolchain = toolchain;
    this.argocdVersion = argocdVersion;
    if (argocdManifest) this.argocdManifest = argocdManifest;
  }

  /** Validated settings joined with the tree's layout; nothing is read before the arguments pass. */
  private async settings(a: {
    environment: string;
    branch: string;
    version: string;
    nextVersion: string;
    timeout: number;
    runId: string;
  }): Promise<{ s: LocalSettings; config: GitopsConfig }> {
    const raw = {
      argocdVersion: this.argocdVersion,
      environment: a.environment,
      branch: a.branch,
      version: a.version,
      nextVersion: a.nextVersion,
      timeout: a.timeout,
    };
    parseLocalInputs(raw); // before anything is read
    const pipeline = await readPipelineLayout(this.gitops);
    const config = selectApp(pipeline, this.app);
    const otherApplications = pipeline.apps.filter((x) => x !== config).flatMap((x) => Object.values(x.environments).map((e) => e.application));
    return { s: localSettings({ ...raw, config, runId: a.runId, otherApplications }), config };
  }

  /** The install manifest: the one given, else the pinned release's. */
  private install(): File {
    return this.argocdManifest ?? dag.http(argocdInstallUrl(this.argocdVersion));
  }

  /**
   * The in-pipeline git server: the gitops tree committed on the branch at its repoPath, the
   * environment's image set to the local build, the Argo CD Applications reading this server
   * (the root syncs only this environment's); served over plain http on port 80 as /gitops.git, anonymous
   * clone and push. E.g. `git-server up --ports 8081:80`, then `git clone http://localhost:8081/gitops.git`.
   *
   * @param environment Environment of gitops-pipeline.yaml the tree is prepared for.
   * @param version Version of the app image the environment starts with.
   * @param branch Branch the tree is committed on (the one Argo CD watches).
   */
  @func()
  async gitServer(
    environment: string = DEFAULTS.environment,
    version: string = DEFAULTS.localVersion,
    branch: string = DEFAULTS.gitopsBranch,
  ): Promise<Service> {
    const { s, config } = await this.settings({ environment, branch, version, nextVersion: "", timeout: DEFAULTS.localTimeout, runId: UP_INSTANCE });
    const seeded = await seedTree(this.gitops, config, s);
    return gitService(this.toolchain.pythonImage, seeded.tree, { repoPath: s.repoPath, branch: s.branch, instance: UP_INSTANCE });
  }

  /**
   * The manifests the local environment applies besides Argo CD itself, to read or check offline:
   * the tree as the git server serves it (tree/), the root Applications (roots.yaml), the
   * repository Secret (repository.yaml) and the git server's in-cluster Service and EndpointSlice
   * (git-endpoint.yaml, its address filled in at run time).
   *
   * @param environment Environment of gitops-pipeline.yaml the tree is prepared for.
   * @param version Version of the app image the environment starts with.
   * @param branch Branch Argo CD watches.
   */
  @func()
  async manifests(
    environment: string = DEFAULTS.environment,
    version: string = DEFAULTS.localVersion,
    branch: string = DEFAULTS.gitopsBranch,
  ): Promise<Directory> {
    const { s, config } = await this.settings({ environment, branch, version, nextVersion: "", timeout: DEFAULTS.localTimeout, runId: UP_INSTANCE });
    const seeded = await seedTree(this.gitops, config, s);
    return dag
      .directory()
      .withDirectory("tree", seeded.tree)
      .withNewFile("roots.yaml", seeded.roots)
      .withNewFile("repository.yaml", repositorySecret(LOCAL_REPO_URL))
      .withNewFile("git-endpoint.yaml", gitEndpointManifest());
  }

  /**
   * The local environment as a service: on start, a kind cluster in a docker-in-docker service,
   * the app image and Argo CD's images loaded into it (no registry), Argo CD installed from the
   * pinned manifest (plain-http UI, anonymous read-only), the root Application applied, reading the
   * in-pipeline git server; once the environment is Synced and Healthy, the app is forwarded to
   * port 8080 and the Argo CD UI to port 9080. Run it with
   * `dagger call local-gitops cluster up --ports 8080:8080,9080:9080`; the ports answer after the
   * bring-up (minutes; the log says each step). Needs an engine that allows insecure root
   * capabilities and reaches the kind node image, the Argo CD manifest and its images.
   *
   * @param environment Environment of gitops-pipeline.yaml to run.
   * @param version Version of the app image deployed.
   * @param branch Branch Argo CD watches in the in-pipeline repository.
   * @param timeout Seconds the bring-up may take before the service gives up.
   */
  @func()
  async cluster(
    environment: string = DEFAULTS.environment,
    version: string = DEFAULTS.localVersion,
    branch: string = DEFAULTS.gitopsBranch,
    timeout: number = DEFAULTS.localTimeout,
  ): Promise<Service> {
    const { s, config } = await this.settings({ environment, branch, version, nextVersion: "", timeout, runId: UP_INSTANCE });
    const seeded = await seedTree(this.gitops, config, s);
    const files = await localFiles(this.install(), seeded.roots, [
      { tag: s.tag, image: await engineImage(this.toolchain.pythonImage, this.source, { version: s.version, revision: "local" }) },
    ]);
    const git = gitService(this.toolchain.pythonImage, seeded.tree, { repoPath: s.repoPath, branch: s.branch, instance: UP_INSTANCE });
    return upService(localClient(this.toolchain, dindService(this.toolchain, UP_INSTANCE), git, s, files), s);
  }

  /**
   * The gitops e2e, the whole loop in one run: bring the environment up at version, probe it, bump
   * the environment to nextVersion with the write-back (edit, validate, commit, push) into the
   * in-pipeline repository, then wait until Argo CD syncs the pushed commit and the app answers
   * nextVersion. Returns the run; on failure its artifacts hold the diagnostics.
   *
   * @param environment Environment of gitops-pipeline.yaml to deploy and bump.
   * @param version Version deployed first.
   * @param nextVersion Version the bump deploys.
   * @param branch Branch Argo CD watches in the in-pipeline repository.
   * @param timeout Time budget in seconds of the bring-up, and again of the sync after the bump.
   */
  @func({ cache: "never" })
  async endToEnd(
    environment: string = DEFAULTS.environment,
    version: string = DEFAULTS.localVersion,
    nextVersion: string = DEFAULTS.localNextVersion,
    branch: string = DEFAULTS.gitopsBranch,
    timeout: number = DEFAULTS.localTimeout,
  ): Promise<Run> {
    const { s, config } = await this.settings({ environment, branch, version, nextVersion, timeout, runId: newRunId() });
    return runLocalE2e({
      tools: this.toolchain,
      settings: s,
      config,
      gitops: this.gitops,
      source: this.source,
      install: this.install(),
      app: this.app,
      openRepo: (url, branch, path, app, tree) => new GitopsRepo(url, branch, path, app, tree, this.toolchain),
      cluster: { gitService, localClient },
    });
  }
}
