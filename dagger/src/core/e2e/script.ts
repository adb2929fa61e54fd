/**
 * The steps of the e2e run, as the argv the stage executes in its client container, in order:
 * wait for docker, delete a stale cluster, create the cluster, (kubeconfig rewritten by the
 * stage with core/kubeconfig.ts), wait for /readyz, load the image, helm upgrade --install
 * --wait, rollout status, find the Service; then probes (core/smoke.ts over curlProbeArgv),
 * helm test, and on failure the diagnostics (core/e2e-diagnostics.ts); teardown last.
 *
 * Every setup step runs under `within`, which gives it only what is left of the setup budget,
 * so no step can hang past the stage's timeout.
 */
import { e2eBudget, type E2eSettings } from "./settings.js";
import { E2E_API_PORT, E2E_CLUSTER } from "./kind-config.js";

/** Paths inside the client container. */
export const E2E_PATHS = {
  dir: "/e2e",
  kindConfig: "/e2e/kind.yaml",
  /** kubeconfig as kind writes it (server https://0.0.0.0:6443). */
  kindKubeconfig: "/e2e/kind-kubeconfig",
  /** kubeconfig rewritten for the service binding; KUBECONFIG points here. */
  kubeconfig: "/e2e/kubeconfig",
  imageTarball: "/e2e/image.tar",
  gitops: "/e2e/gitops",
  deadline: "/e2e/deadline",
  /** `<service name>:<port>` of the released app, written by the find-service step. */
  service: "/e2e/service",
  pki: "/e2e/pki",
  diagnostics: "/e2e/diag",
  within: "/usr/local/bin/within",
} as const;

/** Host name of the dind service binding, and the dockerd port (plain TCP, no TLS). */
export const DOCKER_ALIAS = "docker";
export const DOCKER_PORT = 2375;

/** One step of the run: a name for reports and the exact argv. */
export interface E2eStep {
  name: string;
  /** What this step proves or does, for the failure summary. */
  what: string;
  argv: string[];
}

/**
 * `within CMD...`: run CMD with what is left of the setup budget (deadline file, epoch seconds);
 * refuse to start once the budget is used up. POSIX sh + `timeout` (busybox or coreutils).
 */
export const WITHIN_SCRIPT = `#!/bin/sh
deadline=$(cat ${E2E_PATHS.deadline}) || { echo "e2e: no deadline file: the start-clock step did not run" >&2; exit 2; }
left=$((deadline - $(date +%s)))
if [ "$left" -le 0 ]; then echo "e2e: time budget used up before: $*" >&2; exit 124; fi
rc=0
timeout "$left" "$@" || rc=$?
if [ "$rc" -ne 0 ] && [ "$(date +%s)" -ge "$deadline" ]; then echo "e2e: time budget used up during: $*" >&2; fi
exit "$rc"
`;

/**
 * Install pinned kind and kubectl release binaries, verified against the checksums published
 * next to them (kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installing-from-release-binaries;
 * kubectl: https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/#install-kubectl-binary-with-curl-on-linux).
 * Run in the engine, which has internet access in CI; cached as a layer after the first run.
 */
export function installToolsScript(versions: { kind: string; kubectl: string }): string {
  const kind = `https://github.com/kubernetes-sigs/kind/releases/download/v${versions.kind}`;
  const kubectl = `https://dl.k8s.io/release/v${versions.kubectl}/bin/linux`;
  return [
    "set -eu",
    `case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) echo "e2e: unsupported architecture $(uname -m)" >&2; exit 1 ;; esac`,
    "cd /tmp",
    `curl -fsSLo "kind-linux-$arch" "${kind}/kind-linux-$arch"`,
    `curl -fsSLo "kind-linux-$arch.sha256sum" "${kind}/kind-linux-$arch.sha256sum"`,
    `sha256sum -c "kind-linux-$arch.sha256sum"`,
    `install -m 0755 "kind-linux-$arch" /usr/local/bin/kind`,
    `curl -fsSLo kubectl "${kubectl}/$arch/kubectl"`,
    `curl -fsSLo kubectl.sha256 "${kubectl}/$arch/kubectl.sha256"`,
    `echo "$(cat kubectl.sha256)  kubectl" | sha256sum -c`,
    "install -m 0755 kubectl /usr/local/bin/kubectl",
    'rm -f "kind-linux-$arch" "kind-linux-$arch.sha256sum" kubectl kubectl.sha256',
    "kind version",
    "kubectl version --client",
  ].join("\n");
}

const W = E2E_PATHS.within;

/** Poll `check` once a second, at most `tries` times; print its output on the last failure. */
function poll(check: string, tries: number): string {
  return `i=0; until ${check} >/dev/null 2>&1; do i=$((i+1)); if [ "$i" -ge ${tries} ]; then ${check}; exit 1; fi; sleep 1; done`;
}

/** Steps that start the clock and create the cluster (kind writes its own kubeconfig). */
export function clusterSteps(s: E2eSettings): E2eStep[] {
  const { setup } = e2eBudget(s.timeoutSeconds);
  return [
    {
      name: "start-clock",
      what: "start the setup budget",
      argv: ["sh", "-c", `mkdir -p ${E2E_PATHS.dir} && echo $(( $(date +%s) + ${setup} )) > ${E2E_PATHS.deadline}`],
    },
    {
      // dockerd may accept TCP before it serves the API (the service health check is TCP only).
      name: "wait-docker",
      what: "the docker-in-docker engine answers",
      argv: [W, "sh", "-c", poll("docker info", 60)],
    },
    {
      // The cache volume keeps the last run's containers; start clean.
      name: "delete-stale-cluster",
      what: "remove a cluster left by a previous run",
      argv: [W, "kind", "delete", "cluster", "--name", E2E_CLUSTER],
    },
    {
      name: "create-cluster",
      what: "kind creates the cluster (pulls the node image on a cold cache)",
      // --retain keeps the node on failure so `kind export logs` has something to export.
      argv: [
        W,
        "kind",
        "create",
        "cluster",
        "--name",
        E2E_CLUSTER,
        "--config",
        E2E_PATHS.kindConfig,
        "--kubeconfig",
        E2E_PATHS.kindKubeconfig,
        "--wait",
        `${setup}s`,
        "--retain",
      ],
    },
  ];
}

/** Steps that make the cluster serve the app, once the rewritten kubeconfig is in place. */
export function deploySteps(s: E2eSettings): E2eStep[] {
  const { setup } = e2eBudget(s.timeoutSeconds);
  const selector = `app.kubernetes.io/instance=${s.release}`;
  return [
    {
      name: "api-readyz",
      what: "the API server answers through the service binding (kubeconfig rewrite)",
      argv: [W, "sh", "-c", poll("kubectl --request-timeout=5s get --raw /readyz", 60)],
    },
    {
      name: "load-image",
      what: "the image tarball is imported into the node's containerd (no registry)",
      argv: [W, "kind", "load", "image-archive", E2E_PATHS.imageTarball, "--name", E2E_CLUSTER],
    },
    {
      name: "helm-install",
      what: "the chart installs and its workloads become ready",
      argv: [
        W,
        "helm",
        "upgrade",
        "--install",
        s.release,
        `${E2E_PATHS.gitops}/${s.chartPath}`,
        "--namespace",
        s.namespace,
        "--create-namespace",
        // Every values file of the environment, in order (later overrides earlier), as Argo CD applies them.
        ...s.valuesPaths.flatMap((v) => ["--values", `${E2E_PATHS.gitops}/${v}`]),
        "--set-string",
        `image.repository=${s.imageRepository}`,
        "--set-string",
        `image.tag=${s.imageTag}`,
        // A digest pinned by a bump would win over the tag and name an image the node lacks.
        "--set-string",
        "image.digest=",
        // The chart's APP_VERSION comes from the values; the probe checks this run's version.
        "--set-string",
        `env.appVersion=${s.version}`,
        // The image exists only in the node: never pull, so a missing image fails fast (ErrImageNeverPull).
        "--set-string",
        "image.pullPolicy=Never",
        "--wait",
        "--timeout",
        `${setup}s`,
      ],
    },
    {
      name: "rollout-status",
      what: "every Deployment of the release finished its rollout",
      argv: [
        W,
        "sh",
        "-c",
        'set -e; deps=$(kubectl -n "$1" get deployment -l "$2" -o name); ' +
          'if [ -z "$deps" ]; then echo "e2e: no Deployment labelled $2 in namespace $1" >&2; exit 1; fi; ' +
          'for d in $deps; do kubectl -n "$1" rollout status "$d" --timeout=60s; done',
        "rollout-status",
        s.namespace,
        selector,
      ],
    },
    findServiceStep({ namespace: s.namespace, release: s.release, what: "the release has a Service to probe", who: "e2e" }),
  ];
}

/**
 * Find the release's Service and write `name:port` to E2E_PATHS.service, for the probes through
 * the API server's proxy; `who` names the stage in the error when there is none.
 */
export function findServiceStep(o: { namespace: string; release: string; what: string; who: string }): E2eStep {
  return {
    name: "find-service",
    what: o.what,
    argv: [
      W,
      "sh",
      "-c",
      `kubectl -n "$1" get service -l "$2" -o jsonpath='{.items[0].metadata.name}:{.items[0].spec.ports[0].port}' > ${E2E_PATHS.service}; ` +
        `grep -q '^[a-z0-9-]*:[0-9]*$' ${E2E_PATHS.service} || { echo "${o.who}: no Service labelled $2 in namespace $1" >&2; exit 1; }`,
      "find-service",
      o.namespace,
      `app.kubernetes.io/instance=${o.release}`,
    ],
  };
}

/** `curl` of one path of the app through the API server's service proxy, headers + body on stdout. */
export function curlProbeArgv(s: E2eSettings, service: string, path: string, headers: Record<string, string>, maxSeconds = 5): string[] {
  // https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/#manually-constructing-apiserver-proxy-urls
  const url = `https://localhost:${E2E_API_PORT}/api/v1/namespaces/${s.namespace}/services/http:${service}/proxy${path}`;
  return [
    "curl",
    "-sS",
    "--max-time",
    String(maxSeconds),
    "-D",
    "-",
    "--cacert",
    `${E2E_PATHS.pki}/ca.crt`,
    "--cert",
    `${E2E_PATHS.pki}/client.crt`,
    "--key",
    `${E2E_PATHS.pki}/client.key`,
    // Connect to the service binding but verify the certificate as `localhost`, a SAN kind always sets.
    "--connect-to",
    `localhost:${E2E_API_PORT}:${DOCKER_ALIAS}:${E2E_API_PORT}`,
    ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    url,
  ];
}

/** `helm test` of the release, bounded by its reserve; --logs prints the test pods' logs. */
export function helmTestStep(s: E2eSettings): E2eStep {
  const { helmTest } = e2eBudget(s.timeoutSeconds);
  return {
    name: "helm-test",
    what: "the chart's test hooks pass",
    argv: ["timeout", String(helmTest), "helm", "test", s.release, "--namespace", s.namespace, "--logs", "--timeout", `${helmTest - 5}s`],
  };
}

/** Delete the cluster; stopping the dind service afterwards removes everything else. */
export function teardownStep(s: E2eSettings): E2eStep {
  const { teardown } = e2eBudget(s.timeoutSeconds);
  return { name: "teardown", what: "delete the cluster", argv: ["timeout", String(teardown), "kind", "delete", "cluster", "--name", E2E_CLUSTER] };
}

/** The step whose argv is `cmd` (as an ExecError reports it), if any. */
export function stepOf(steps: readonly E2eStep[], cmd: readonly string[]): E2eStep | undefined {
  return steps.find((st) => st.argv.length === cmd.length && st.argv.every((a, i) => a === cmd[i]));
}
