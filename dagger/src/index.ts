/**
 * gitops-pipeline: a complete CI/CD + GitOps pipeline for a containerised Python (Flask) app
 * deployed to Kubernetes with Helm and Argo CD. Every stage runs in a container.
 */
import { argument, check, object, func, Container, Directory, File, Service } from "@dagger.io/dagger";
import { VERSIONS } from "./core/versions.js";
import { e2eSettings } from "./core/e2e-settings.js";
import { E2eRun, debugKubeconfig, dindService, newRunId, runE2e } from "./stages/e2e.js";
import { validateStage, type ValidateRun } from "./stages/validate.js";

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

  /**
   * Validate a gitops tree for every environment (or the ones given): helm lint --strict and
   * helm template with the environment's values, kubeconform -strict (Kubernetes and Argo CD
   * schemas), policy rules on the rendered objects, Argo CD and kustomize checks. Returns the
   * run: report(), findings(), summary(), assert().
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
    return validateStage({ helmImage: this.helmImage, kubeconformImage: this.kubeconformImage, kubernetes: this.kubernetes, gitops, ...(environments ? { environments } : {}), ...(schemas ? { schemas } : {}), ...(crdSchemas ? { crdSchemas } : {}) });
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
   * @param chartPath Chart directory, relative to gitops.
   * @param environment Environment whose values are used.
   * @param valuesPath Values file relative to gitops; default environments/<environment>/values.yaml.
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
    chartPath: string = "chart",
    environment: string = "dev",
    valuesPath: string = "",
    version: string = "0.0.0-e2e",
    release: string = "gitops-demo",
    namespace: string = "e2e",
    timeout: number = 300,
  ): Promise<E2eRun> {
    const settings = e2eSettings({ release, namespace, environment, chartPath, valuesPath, version, timeoutSeconds: timeout, runId: newRunId() });
    const app = image ?? source.dockerBuild({ buildArgs: [{ name: "VERSION", value: version }] });
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
    const settings = e2eSettings({ release: "gitops-demo", namespace: "e2e", environment: "dev", chartPath: "chart", valuesPath: "", version: "debug", timeoutSeconds: 300, runId: newRunId() });
    return debugKubeconfig(this, settings, runId, server);
  }

  // ---- GitOps write-back: bump, promote (issue 6) ----------------------------------------------

  // ---- the whole pipeline: ci, checks (issue 7) ------------------------------------------------
}
