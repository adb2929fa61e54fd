/**
 * The one source of truth for every tool version and base image the pipeline runs.
 *
 * The module's constructor defaults, the stages, the contract-test setup script
 * (`scripts/setup-contract-tools.sh`, through `scripts/pins.mjs`) and the CI workflow all read
 * these values; a unit test fails when any of them drifts. This file must stay import-free:
 * the setup script transpiles it on its own.
 */
export const VERSIONS = {
  /** Dagger engine / TypeScript SDK; equals `engineVersion` in dagger.json. */
  dagger: "0.21.9",
  /** Python base image of the app and of the lint/test stages (multi-arch official image). */
  pythonImage: "python:3.12.14-slim-trixie",
  /** The Python 3.11 image, chosen for a project that declares 3.11 (.python-version, --python). */
  python311Image: "python:3.11.15-slim-trixie",
  /** The Python 3.13 image, chosen for a project that declares 3.13 (.python-version, requires-python). */
  python313Image: "python:3.13.14-slim-trixie",
  /** uv, installed with pip to read a project's uv.lock (`uv export --frozen`). */
  uv: "0.13.10",
  /** The lint stage's linters, by PyPI package (each is one file in core/app/linters/, which reads
   *  its pin here); the contract setup installs exactly these (`scripts/pins.mjs` prints them as
   *  one requirement list, PIN_LINTERS). */
  linters: {
    ruff: "0.17.6",
    flake8: "7.5.0",
    pylint: "4.1.4",
    mypy: "2.4.1",
  },
  /** Test runner, installed with pip in the test container. */
  pytest: "9.2.0",
  pytestCov: "7.1.0",
  /** Helm v3 line; `alpine/helm` tags drop the leading `v`. */
  helm: "3.21.4",
  helmImage: "alpine/helm:3.21.4",
  /** kubeconform: binary at /kubeconform in its alpine image (not on PATH). */
  kubeconform: "0.7.0",
  kubeconformImage: "ghcr.io/yannh/kubeconform:v0.7.0-alpine",
  /** Kubernetes version the manifests are validated against (x.y.0: offline schemas exist only for .0). */
  kubernetes: "1.36.0",
  /** Offline Kubernetes JSON schemas (PyPI `kubernetes-validate`), used by the contract tests. */
  kubernetesValidate: "1.37.0",
  /** kind and the node image released with it (pinned by digest, as the kind release notes require). */
  kind: "0.33.0",
  kindNodeImage: "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
  kubectl: "1.36.4",
  /** Argo CD of the local gitops environment (local-gitops): its install manifest is the release's
   *  manifests/install.yaml at tag v<argocd>; 3.3.9 is the release the offline Argo CD CRD schemas
   *  were generated from. */
  argocd: "3.3.9",
  /** Docker-in-docker engine for the e2e stage's kind cluster. */
  dindImage: "docker:29.7.2-dind",
  /** Trivy image scanner (never 0.69.4–0.69.6: compromised releases); the image's tag is this. */
  trivy: "0.74.0",
  trivyImage: "aquasec/trivy:0.74.0",
  /** git client image for the GitOps write-back (clone, commit, push). */
  gitImage: "alpine/git:2.49.1",
  /** kustomize v5 (validate renders the kustomize overlays); `go install sigs.k8s.io/kustomize/kustomize/v5`.
   *  Not 5.8.3: it needs Go >= 1.27 to build (the contract setup builds with the local Go). */
  kustomize: "5.8.2",
  /** kustomize's official image: distroless, the binary is the entrypoint `/app/kustomize` (not on PATH). */
  kustomizeImage: "registry.k8s.io/kustomize/kustomize:v5.8.2",
  /** Sealed Secrets' kubeseal (seal: offline, with the cluster's public certificate); `go install
   *  github.com/bitnami-labs/sealed-secrets/cmd/kubeseal`. Not 0.36.3/0.36.5/0.36.6: releases without
   *  their images; 0.36.4 is not served by the Go module proxy. */
  kubeseal: "0.36.1",
  /** The project's kubeseal image: distroless, entrypoint `kubeseal` (on PATH at /usr/local/bin), runs as uid 1001. */
  kubesealImage: "bitnami/kubeseal:0.36.1",
  /** cosign (sign, attest, verify images); `go install github.com/sigstore/cosign/v3/cmd/cosign`. Not 3.1.4:
   *  it needs Go >= 1.27 to build (the contract setup builds with the local Go). */
  cosign: "3.1.3",
  /** cosign's official image: ko-built and distroless, the binary is the entrypoint `/ko-app/cosign` (no shell). */
  cosignImage: "ghcr.io/sigstore/cosign/cosign:v3.1.3",
  /** Contract tests only: the OCI registry cosign signs against on loopback (`go install github.com/distribution/distribution/v3/cmd/registry`). */
  distribution: "3.1.2",
  /** Contract tests only: crane pushes the test images (`go install github.com/google/go-containerregistry/cmd/crane`). */
  crane: "0.22.1",
} as const;

export type ToolVersions = typeof VERSIONS;
