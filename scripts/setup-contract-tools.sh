#!/usr/bin/env bash
# Installs the real tools the contract tests run, at the versions the pipeline's containers use
# (read from dagger/src/core/versions.ts), into project-local folders:
#   .tools/venv  Python venv from PyPI: the app's pins, every linter of versions.ts (PIN_LINTERS), pytest(-cov),
#                kubernetes-validate (offline Kubernetes JSON schemas for kubeconform)
#   .tools/bin   Go programs built with `go install`: helm, kubeconform, kustomize, trivy, kubeseal, cosign,
#                the distribution registry and crane (signing contract tests); and
#                trivy-test-db (scripts/trivy-test-db): writes a tiny Trivy vulnerability DB, so the
#                image scan is matched for real without downloading Trivy's DB
# Idempotent: a tool already at the pinned version is left alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(node scripts/pins.mjs)"
tools="$root/.tools"
mkdir -p "$tools/bin"

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required: $2" >&2; exit 1; }; }
need go "install Go >= 1.26 (https://go.dev/doc/install) - helm ${PIN_HELM} needs it"
need git "apt-get install -y git"
need ssh-keygen "apt-get install -y openssh-client (signed gitops commits: git signs and verifies with ssh-keygen)"

# The app image runs Python 3.12; use a local 3.12 when there is one.
py=""
pyenv_312=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V | tail -n 1 || true)
for cand in python3.12 $pyenv_312 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then py=$cand; break; fi
done
[ -n "$py" ] || { echo "setup: Python >= 3.11 is required (python3.12 preferred: the app image runs ${PIN_PYTHON_IMAGE})" >&2; exit 1; }
want=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -x "$tools/venv/bin/python" ] && [ "$("$tools/venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$want" ]; then
  rm -rf "$tools/venv"
fi
if [ ! -x "$tools/venv/bin/python" ]; then
  echo "setup: creating .tools/venv with $($py --version)"
  "$py" -m venv "$tools/venv"
fi
# PIN_LINTERS is a list of requirements (pkg==version ...), split into words on purpose.
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r app/requirements.txt -r app/requirements-dev.txt \
  ${PIN_LINTERS} \
  "pytest==${PIN_PYTEST}" "pytest-cov==${PIN_PYTEST_COV}" "uv==${PIN_UV}" \
  "kubernetes-validate==${PIN_KUBERNETES_VALIDATE}"

export GOBIN="$tools/bin" GOFLAGS="-trimpath" GOTOOLCHAIN=local
k8s_minor=$(echo "$PIN_KUBERNETES" | cut -d. -f2)
if ! "$GOBIN/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "v${PIN_HELM}"; then
  echo "setup: go install helm v${PIN_HELM} (a few minutes on 2 cores)"
  # `go install` sets no version ldflags: without these helm reports no patch version and
  # assumes Kubernetes 1.20 (the stages always pass --kube-version anyway).
  go install -ldflags "-s -w \
    -X helm.sh/helm/v3/internal/version.version=v${PIN_HELM} \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${k8s_minor} \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${k8s_minor}" \
    "helm.sh/helm/v3/cmd/helm@v${PIN_HELM}"
fi
if ! "$GOBIN/kubeconform" -v 2>/dev/null | grep -q "${PIN_KUBECONFORM}"; then
  echo "setup: go install kubeconform v${PIN_KUBECONFORM}"
  go install -ldflags "-s -w -X main.version=v${PIN_KUBECONFORM}" "github.com/yannh/kubeconform/cmd/kubeconform@v${PIN_KUBECONFORM}"
fi
if ! "$GOBIN/kustomize" version 2>/dev/null | grep -qx "v${PIN_KUSTOMIZE}"; then
  echo "setup: go install kustomize v${PIN_KUSTOMIZE}"
  # `go install` leaves kustomize's version unset: set it so `kustomize version` (and the check
  # above) report the pin.
  go install -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/v${PIN_KUSTOMIZE}" "sigs.k8s.io/kustomize/kustomize/v5@v${PIN_KUSTOMIZE}"
fi
if ! "$GOBIN/trivy" --version 2>/dev/null | grep -qx "Version: ${PIN_TRIVY}"; then
  echo "setup: go install trivy v${PIN_TRIVY} (several minutes on 2 cores)"
  # Trivy (0.74 on) builds only with the json/v2 experiment; the version is stamped as its releases stamp it.
  GOEXPERIMENT=jsonv2 CGO_ENABLED=0 go install -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${PIN_TRIVY}" "github.com/aquasecurity/trivy/cmd/trivy@v${PIN_TRIVY}" || {
    echo "setup: could not build trivy v${PIN_TRIVY} with go install; install that release's binary as .tools/bin/trivy (https://github.com/aquasecurity/trivy/releases)" >&2
    exit 1
  }
fi
if ! "$GOBIN/kubeseal" --version 2>/dev/null | grep -qx "kubeseal version: v${PIN_KUBESEAL}"; then
  echo "setup: go install kubeseal v${PIN_KUBESEAL}"
  go install -ldflags "-s -w -X main.VERSION=v${PIN_KUBESEAL}" "github.com/bitnami-labs/sealed-secrets/cmd/kubeseal@v${PIN_KUBESEAL}"
fi
if ! "$GOBIN/cosign" version 2>/dev/null | grep -q "GitVersion: *v${PIN_COSIGN}$"; then
  echo "setup: go install cosign v${PIN_COSIGN} (several minutes on 2 cores)"
  go install -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=v${PIN_COSIGN}" "github.com/sigstore/cosign/v3/cmd/cosign@v${PIN_COSIGN}"
fi
if ! "$GOBIN/registry" --version 2>/dev/null | grep -q " v${PIN_DISTRIBUTION}"; then
  echo "setup: go install the distribution registry v${PIN_DISTRIBUTION} (signing contract tests)"
  go install -ldflags "-s -w" "github.com/distribution/distribution/v3/cmd/registry@v${PIN_DISTRIBUTION}"
fi
if ! "$GOBIN/crane" version 2>/dev/null | grep -qx "v${PIN_CRANE}"; then
  echo "setup: go install crane v${PIN_CRANE}"
  go install -ldflags "-s -w" "github.com/google/go-containerregistry/cmd/crane@v${PIN_CRANE}"
fi
# Rebuilt every time: it is small, and its source is this repository's.
echo "setup: go build trivy-test-db"
go build -C "$root/scripts/trivy-test-db" -o "$GOBIN/trivy-test-db" .

echo "setup: tools ready in .tools/"
"$tools/venv/bin/ruff" --version
"$tools/venv/bin/pytest" --version
"$GOBIN/helm" version --short
"$GOBIN/kubeconform" -v
"$GOBIN/kubeseal" --version
"$GOBIN/kustomize" version
"$GOBIN/trivy" --version | head -n 1
