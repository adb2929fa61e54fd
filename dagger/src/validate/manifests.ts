/**
 * The gitops tree as Kubernetes manifests: validate renders and checks every environment; the
 * end-to-end test deploys one environment into a throw-away kind cluster. Both read the tree's
 * gitops-pipeline.yaml.
 */
import { func, object, type Container, type Directory, type File, type Secret, type Service } from "@dagger.io/dagger";
import { DEFAULTS } from "../core/defaults.js";
import { e2eInputs, e2eSettings } from "../core/e2e/settings.js";
import { parseInputs } from "../core/inputs.js";
import { appInputs, kindInputs, validateInputs } from "../core/validate/inputs.js";
import { environmentLayout } from "../core/gitops-config.js";
import type { Toolchain } from "../toolchain.js";
import { engineImage } from "../app/build.js";
import { runE2e } from "../e2e/e2e.js";
import { debugKubeconfig, dindService, newRunId } from "../e2e/containers.js";
import type { Run } from "../run.js";
import { readGitopsLayout } from "../gitops-layout.js";
import { validateStage } from "./validate.js";
import { addAppInputs } from "../core/scaffold/add-app.js";
import { addAppStage } from "../scaffold/add-app.js";
import { sealInputs } from "../core/secrets/seal.js";
import { VERSIONS } from "../core/versions.js";
import { sealStage } from "../secrets/seal.js";
import { smokeInputs } from "../core/smoke/inputs.js";
import { appServiceOf, renderedRuntime, runSmoke } from "../smoke/smoke.js";
import type { SmokeRuntime } from "../core/smoke/runtime.js";

/** The gitops tree's manifests: validate, end-to-end, add-app, seal, and the kind debugging helpers. */
@object()
export class Manifests {
  /** The gitops tree. */
  gitops: Directory;

  /** The app directory (e2e builds the image from it when none is given). */
  source: Directory;

  /** The pipeline's toolchain (images, versions, offline schemas). */
  toolchain: Toolchain;

  /** App of a multi-app tree ("" for every app in validate, the only app elsewhere). */
  app: string;

  /**
   * @param gitops The gitops tree.
   * @param source The app directory.
   * @param toolchain The pipeline's toolchain.
   * @param app App of a multi-app tree.
   */
  constructor(gitops: Directory, source: Directory, toolchain: Toolchain, app: string = "") {
    this.app = parseInputs(appInputs, { app }).app;
    this.gitops = gitops;
    this.source = source;
    this.toolchain = toolchain;
  }

  /**
   * Validate every environment of the tree (or the ones given): helm lint --strict and helm
   * template with the environment's values, kustomize build of its overlay when there is one,
   * kubeconform -strict on every rendering (Kubernetes and Argo CD schemas), the policy rules on
   * the rendered objects, Argo CD and kustomize checks (ApplicationSets' list and matrix
   * generators expanded). In a multi-app tree every app is validated, or only the manifests' app
   * when one is given; findings name the app. Returns the run (artifacts: the rendered manifests
   * and validate-report.json).
   *
   * @param environments Environments to validate, e.g. prod; default: all the tree declares (in a multi-app tree, of every app that declares them).
   * @param changedFiles Files changed since the base commit, as git diff --name-only <base> prints them (repository-root paths): only the apps they touch are validated, the others listed as skipped with why; none: every app.
   */
  @func()
  async validate(environments: string[] = [], changedFiles: string[] = []): Promise<Run> {
    const i = parseInputs(validateInputs, { environments, changedFiles });
    return validateStage({ tools: this.toolchain, gitops: this.gitops, environments: i.environments, app: this.app, changedFiles: i.changedFiles });
  }

  /**
   * Add an app to the gitops tree, made from a template app of the tree (the first, or from):
   * the same chart with values files per environment (apps/<name>/<env>/values.yaml: the
   * template's, with this image and tag, its name in label selectors replaced, and without the
   * template's own Ingress, envFrom, extraEnv, sealedSecrets and extraObjects), an Argo CD Application per environment and an
   * AppProject (beside the template's), and the app in gitops-pipeline.yaml (a single-app file
   * turns into the apps: form). The new app is validated; returns the tree only when it passes
   * (export it), else fails with the findings.
   *
   * @param name The new app's name (a DNS label; namespaces and Applications become <name>-<environment>).
   * @param image Image repository of the new app, e.g. ghcr.io/acme/refunds.
   * @param tag Image tag every environment starts with.
   * @param from App of the tree to copy; "" for the first.
   */
  @func()
  async addApp(name: string, image: string, tag: string = DEFAULTS.scaffoldTag, from: string = ""): Promise<Directory> {
    parseInputs(addAppInputs, { name, image, tag, from }); // before anything is read
    return addAppStage(this.gitops, { name, image, tag, from }, this.toolchain, validateStage);
  }

  /**
   * Seal one value for an environment, offline, and write it into the tree: kubeseal encrypts it
   * with the cluster's public certificate, bound to the Secret's name and the environment's
   * namespace (strict scope) or wider; the ciphertext goes where the environment deploys it from
   * (helm layout: sealedSecrets.<name> in its last values file; kustomize layout: a SealedSecret
   * file in its overlay, listed under resources). The environment is validated on the new tree;
   * returns the tree only when it passes (export it). The value appears in no output.
   *
   * @param name Name of the Secret the controller makes (the workload reads it), e.g. gitops-demo-credentials.
   * @param key Key of the value in that Secret, e.g. api-token.
   * @param value The value to seal, e.g. env://API_TOKEN or file://./token.txt.
   * @param environment Environment of gitops-pipeline.yaml whose namespace the value is sealed for.
   * @param cert The sealed-secrets controller's public certificate (kubeseal --fetch-cert > cert.pem).
   * @param scope strict (bound to the name and namespace), namespace-wide or cluster-wide.
   * @param type Type of the Secret the controller makes.
   * @param kubesealImage Image with kubeseal on PATH (a mirror of the pinned one).
   */
  @func({ cache: "never" })
  async seal(
    name: string,
    key: string,
    value: Secret,
    environment: string,
    cert: File,
    scope: string = DEFAULTS.sealScope,
    type: string = DEFAULTS.secretType,
    kubesealImage: string = VERSIONS.kubesealImage,
  ): Promise<Directory> {
    const i = parseInputs(sealInputs, { name, key, environment, scope, type }); // before anything is read
    return sealStage(this.gitops, { ...i, app: this.app }, value, cert, kubesealImage, this.toolchain, validateStage);
  }

  /**
   * End-to-end test in an ephemeral kind cluster inside a docker-in-docker service: load the
   * image (no registry), helm upgrade --install the chart with the environment's values files,
   * await the rollout, probe /healthz, / (the version) and /metrics through the API server proxy,
   * run helm test. On failure the run's artifacts hold the diagnostics. Needs an engine that allows insecure
   * root capabilities, on a cgroup v2 host, with access to the kind node image.
   *
   * @param environment Environment of gitops-pipeline.yaml whose values are deployed.
   * @param image Image to test (one platform, the engine's); default: built from the app source.
   * @param version Version the app must show on / (the image's APP_VERSION; also the build's VERSION).
   * @param namespace Namespace the release is installed in.
   * @param timeout Time budget of the whole run in seconds (setup, probes, helm test, diagnostics, teardown).
   */
  @func({ cache: "never" })
  async endToEnd(
    environment: string = DEFAULTS.environment,
    image?: Container,
    version: string = DEFAULTS.e2eVersion,
    namespace: string = DEFAULTS.e2eNamespace,
    timeout: number = DEFAULTS.e2eTimeout,
  ): Promise<Run> {
    parseInputs(e2eInputs, { environment, version, namespace, timeout }); // before anything is read
    const layout = environmentLayout(await readGitopsLayout(this.gitops, this.app), environment);
    const settings = e2eSettings({ environment, version, namespace, timeout, layout, runId: newRunId() });
    return runE2e({
      images: this.toolchain,
      settings,
      image: image ?? (await engineImage(this.toolchain.pythonImage, this.source, { version: settings.version, revision: "e2e" })),
      gitops: this.gitops,
    });
  }

  /**
   * Smoke check without a cluster, in seconds: the image runs with the runtime settings of the
   * environment's rendered workload (user from runAsUser, environment, port, emptyDir mounts as
   * tmpfs, ConfigMap files, command) and is probed as the cluster and the e2e run would probe it:
   * non-root-user, start, the container's own startup/liveness/readiness HTTP probes, healthz,
   * version (/), metrics, json-logs (stdout) and read-only-rootfs (the run's writes to the root
   * filesystem, found by a diff). Each failed probe is a finding named after the probe. kind
   * (end-to-end) stays the full test before publishing.
   *
   * @param environment Environment of gitops-pipeline.yaml whose rendering gives the runtime settings.
   * @param image Image to run (the engine's platform); default: built from the app source.
   * @param version Version the app must show on / (the chart's APP_VERSION is set to it, as e2e does).
   * @param container The app's container as <workload>/<container> when the rendering has several; "" when it has one.
   */
  @func()
  async smoke(environment: string = DEFAULTS.environment, image?: Container, version: string = DEFAULTS.e2eVersion, container: string = ""): Promise<Run> {
    const i = parseInputs(smokeInputs, { environment, version, container });
    const runtime = await this.runtimeOf(i.environment, i.container, i.version);
    return runSmoke({ image: image ?? (await this.defaultImage(i.version)), runtime, environment: i.environment, version: i.version });
  }

  /**
   * The app as a service with the environment's rendered runtime settings (user, environment,
   * tmpfs mounts, port, command), as the smoke check runs it: for `up` or a client container.
   *
   * @param environment Environment of gitops-pipeline.yaml whose rendering gives the runtime settings.
   * @param image Image to run; default: built from the app source.
   * @param version Version the app shows on / (APP_VERSION).
   * @param container The app's container as <workload>/<container> when the rendering has several.
   */
  @func()
  async smokeService(
    environment: string = DEFAULTS.environment,
    image?: Container,
    version: string = DEFAULTS.e2eVersion,
    container: string = "",
  ): Promise<Service> {
    const i = parseInputs(smokeInputs, { environment, version, container });
    const runtime = await this.runtimeOf(i.environment, i.container, i.version);
    return appServiceOf(image ?? (await this.defaultImage(i.version)), runtime);
  }

  /** The rendered runtime settings, APP_VERSION set to `version` (what a bump would deploy, as e2e sets env.appVersion). */
  private async runtimeOf(environment: string, container: string, version: string): Promise<SmokeRuntime> {
    await readGitopsLayout(this.gitops, this.app); // a multi-app tree without --app fails here, naming it
    const r = await renderedRuntime(this.validateOptions(), environment, this.app, container);
    return { ...r, env: r.env.map((e) => (e.name === "APP_VERSION" ? { ...e, value: version } : e)) };
  }

  private async defaultImage(version: string): Promise<Container> {
    return engineImage(this.toolchain.pythonImage, this.source, { version, revision: DEFAULTS.revision });
  }

  private validateOptions() {
    return { tools: this.toolchain, gitops: this.gitops };
  }

  /**
   * Debugging: the docker-in-docker service end-to-end runs kind in, for `up` or `terminal`.
   *
   * @param runId Service instance id; kind-kubeconfig with the same id creates its cluster here.
   */
  @func()
  kindDocker(runId: string = DEFAULTS.kindRunId): Service {
    return dindService(this.toolchain, parseInputs(kindInputs, { runId }).runId);
  }

  /**
   * Debugging: create a kind cluster in the kind-docker service and return its kubeconfig. Keep
   * `kind-docker up` running so the cluster outlives this call.
   *
   * @param runId Service instance id, as given to kind-docker.
   * @param server API server URL written into the kubeconfig (https://docker:6443 inside containers bound to the service as docker).
   */
  @func({ cache: "never" })
  async kindKubeconfig(runId: string = DEFAULTS.kindRunId, server: string = DEFAULTS.kindServer): Promise<File> {
    parseInputs(kindInputs, { runId, server });
    const layout = environmentLayout(await readGitopsLayout(this.gitops, this.app), DEFAULTS.environment);
    const settings = e2eSettings({
      environment: DEFAULTS.environment,
      version: DEFAULTS.e2eVersion,
      namespace: DEFAULTS.e2eNamespace,
      timeout: DEFAULTS.e2eTimeout,
      layout,
      runId: newRunId(),
    });
    return debugKubeconfig(this.toolchain, settings, runId, server);
  }
}
