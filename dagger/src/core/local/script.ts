/**
 * The steps that turn the e2e stage's kind cluster (core/e2e/script.ts clusterSteps) into the
 * local gitops environment, as the argv the client container runs: kubeconfig for the service
 * binding, images loaded, the git server's in-cluster name, Argo CD installed and configured, the
 * root Application applied, the environment Synced and Healthy. `up` runs them as one shell
 * script (upScript) and then forwards the app's and Argo CD's ports; the gitops e2e runs them as
 * a chain of execs, then bumps and waits again (bumpedSteps).
 */
import { E2E_PATHS, clusterSteps, findServiceStep, type E2eStep } from "../e2e/script.js";
import { E2E_API_PORT, E2E_CLUSTER } from "../e2e/kind-config.js";
import { e2eBudget } from "../e2e/settings.js";
import { ARGOCD_LOCAL_PATCHES, ARGOCD_NAMESPACE, GIT_ADDRESS_PLACEHOLDER, GIT_SERVICE_NAME } from "./argocd.js";
import { LOCAL_PORTS, type LocalSettings } from "./settings.js";

/** Host name of the git service binding in the client container. */
export const GIT_ALIAS = "git";

/** Files the client container gets, next to the e2e stage's. */
export const LOCAL_PATHS = {
  dir: `${E2E_PATHS.dir}/local`,
  install: `${E2E_PATHS.dir}/local/argocd-install.yaml`,
  gitEndpoint: `${E2E_PATHS.dir}/local/git-endpoint.yaml`,
  repository: `${E2E_PATHS.dir}/local/repository.yaml`,
  roots: `${E2E_PATHS.dir}/local/roots.yaml`,
  /** Every image tarball to load into the node (Argo CD's and the app's). */
  images: `${E2E_PATHS.dir}/images`,
} as const;

const W = E2E_PATHS.within;

/** Poll `check` every 2 s, at most `tries` times; print its output on the last failure. */
function poll(check: string, tries: number): string {
  return `i=0; until ${check} >/dev/null 2>&1; do i=$((i+1)); if [ "$i" -ge ${tries} ]; then ${check}; exit 1; fi; sleep 2; done`;
}

/** A merge patch as JSON, single-quoted for sh (the values hold no single quote). */
function patchArg(data: Record<string, string>): string {
  const json = JSON.stringify({ data });
  if (json.includes("'")) throw new Error("a ConfigMap patch must not contain a single quote");
  return `'${json}'`;
}

/** Wait until `app` is Synced and Healthy (at `revision` when given); print the last state seen when time runs out. */
export function waitSyncedStep(s: LocalSettings, revision = ""): E2eStep {
  if (revision !== "" && !/^[0-9a-f]{40}$/.test(revision)) throw new Error(`"${revision}" is not a commit id`);
  const tries = Math.max(1, Math.floor(e2eBudget(s.e2e.timeoutSeconds).setup / 2));
  // The Application, the revision and the count are arguments ($1 $2 $3), never pasted into the script.
  return {
    name: revision ? "wait-synced-bumped" : "wait-synced",
    what: revision
      ? `Argo CD syncs the bumped revision ${revision.slice(0, 12)} and the app is Healthy`
      : `Argo CD syncs the Application from the in-pipeline git server and the app is Healthy`,
    argv: [
      W,
      "sh",
      "-c",
      `i=0; while :; do st=$(kubectl -n ${ARGOCD_NAMESPACE} get application.argoproj.io "$1" -o jsonpath='{.status.sync.status} {.status.health.status} {.status.sync.revision}' 2>&1) || true; ` +
        'case "$st" in "Synced Healthy $2"*) if [ -z "$2" ] || [ "$st" = "Synced Healthy $2" ]; then echo "$st"; exit 0; fi ;; esac; i=$((i+1)); ' +
        'if [ "$i" -ge "$3" ]; then echo "local: $1 is not Synced and Healthy${2:+ at $2}; last state: $st" >&2; exit 1; fi; sleep 2; done',
      "wait-synced",
      s.application,
      revision,
      String(tries),
    ],
  };
}

/** The steps from kind's kubeconfig to the environment Synced and Healthy. */
export function bringUpSteps(s: LocalSettings): E2eStep[] {
  const { setup } = e2eBudget(s.e2e.timeoutSeconds);
  const kubeconfigCmd =
    `cp ${E2E_PATHS.kindKubeconfig} ${E2E_PATHS.kubeconfig} && ` +
    `kubectl config set-cluster kind-${E2E_CLUSTER} --server=https://docker:${E2E_API_PORT} --tls-server-name=localhost`;
  const patches = ARGOCD_LOCAL_PATCHES.map((p) => `kubectl -n ${ARGOCD_NAMESPACE} patch configmap ${p.configMap} --type merge -p ${patchArg(p.data)}`).join(
    " && ",
  );
  return [
    {
      name: "kubeconfig",
      what: "point kind's kubeconfig at the service binding (server docker:6443, certificate checked as localhost)",
      argv: ["sh", "-c", kubeconfigCmd],
    },
    {
      name: "api-readyz",
      what: "the API server answers through the service binding",
      argv: [W, "sh", "-c", poll("kubectl --request-timeout=5s get --raw /readyz", 60)],
    },
    {
      name: "load-images",
      what: "Argo CD's and the app's images are imported into the node (no registry, no pull)",
      argv: [
        W,
        "sh",
        "-c",
        `set -e; n=0; for f in ${LOCAL_PATHS.images}/*.tar; do kind load image-archive "$f" --name ${E2E_CLUSTER}; n=$((n+1)); done; echo "loaded $n images"`,
      ],
    },
    {
      name: "git-endpoint",
      what: `the cluster reaches the in-pipeline git server as ${GIT_SERVICE_NAME}.${ARGOCD_NAMESPACE} (its address from the ${GIT_ALIAS} binding)`,
      argv: [
        W,
        "sh",
        "-c",
        `set -e; addr=$(getent hosts ${GIT_ALIAS} | awk '$1 ~ /^[0-9.]+$/ {print $1; exit}'); ` +
          `[ -n "$addr" ] || { echo "local: the git service binding '${GIT_ALIAS}' has no IPv4 address" >&2; exit 1; }; ` +
          `kubectl create namespace ${ARGOCD_NAMESPACE} --dry-run=client -o yaml | kubectl apply -f -; ` +
          `sed "s/${GIT_ADDRESS_PLACEHOLDER}/$addr/" ${LOCAL_PATHS.gitEndpoint} | kubectl apply -f -`,
      ],
    },
    {
      name: "install-argocd",
      what: "apply the pinned Argo CD install manifest (server-side: its CRDs are too large for client-side apply)",
      argv: [W, "kubectl", "apply", "-n", ARGOCD_NAMESPACE, "--server-side", "--force-conflicts", "-f", LOCAL_PATHS.install],
    },
    {
      name: "configure-argocd",
      what: "plain-http UI with anonymous read-only access, 15 s reconciliation; restart what reads it",
      argv: [
        W,
        "sh",
        "-c",
        `set -e; ${patches}; kubectl -n ${ARGOCD_NAMESPACE} rollout restart deployment/argocd-server statefulset/argocd-application-controller`,
      ],
    },
    {
      name: "argocd-ready",
      what: "every Argo CD component is ready",
      argv: [
        W,
        "sh",
        "-c",
        `set -e; kubectl -n ${ARGOCD_NAMESPACE} wait --for=condition=Available deployment --all --timeout=${setup}s; ` +
          `kubectl -n ${ARGOCD_NAMESPACE} rollout status statefulset/argocd-application-controller --timeout=${setup}s`,
      ],
    },
    { name: "repository", what: "declare the in-pipeline repository to Argo CD", argv: [W, "kubectl", "apply", "-f", LOCAL_PATHS.repository] },
    {
      name: "apply-root",
      what: "apply the root Application(s) of the rewritten tree",
      argv: [W, "kubectl", "apply", "-n", ARGOCD_NAMESPACE, "-f", LOCAL_PATHS.roots],
    },
    waitSyncedStep(s),
    findServiceStep({ namespace: s.e2e.namespace, release: s.e2e.release, what: "the release has a Service", who: "local" }),
  ];
}

/**
 * After the bump: a fresh setup budget (the bring-up may have used most of the first), ask Argo CD
 * to refresh now (not at its next poll), wait for the bumped revision, then the rollout.
 */
export function bumpedSteps(s: LocalSettings, revision: string): E2eStep[] {
  const selector = `app.kubernetes.io/instance=${s.e2e.release}`;
  const clock = clusterSteps(s.e2e)[0]!;
  return [
    { ...clock, name: "restart-clock", what: "a fresh setup budget for the sync of the bump" },
    {
      name: "refresh",
      what: "ask Argo CD to re-read the repository now",
      argv: [W, "kubectl", "-n", ARGOCD_NAMESPACE, "annotate", "application.argoproj.io", s.application, "argocd.argoproj.io/refresh=normal", "--overwrite"],
    },
    waitSyncedStep(s, revision),
    {
      name: "rollout-status",
      what: "the bumped Deployment finished its rollout",
      argv: [
        W,
        "sh",
        "-c",
        'set -e; deps=$(kubectl -n "$1" get deployment -l "$2" -o name); ' +
          'if [ -z "$deps" ]; then echo "local: no Deployment labelled $2 in namespace $1" >&2; exit 1; fi; ' +
          'for d in $deps; do kubectl -n "$1" rollout status "$d" --timeout=120s; done',
        "rollout-status",
        s.e2e.namespace,
        selector,
      ],
    },
  ];
}

/** Quote one argument for sh. */
export function shQuote(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * `kubectl port-forward` kept alive (it exits when the pod behind it restarts), on every address
 * of the service container so the engine's tunnel reaches it.
 */
function forward(namespace: string, target: string, ports: string): string {
  return `while true; do kubectl -n ${shQuote(namespace)} port-forward --address 0.0.0.0 ${target} ${ports} || true; echo "local: port-forward ${target} stopped; restarting" >&2; sleep 2; done`;
}

/**
 * The up service's process: every step in order (the first failure ends the script), then the
 * app and the Argo CD UI forwarded to the exposed ports until the service is stopped.
 */
export function upScript(steps: readonly E2eStep[], s: LocalSettings): string {
  const lines = ["set -eu"];
  for (const st of steps) {
    lines.push(`echo "local: ${st.name}: ${st.what.replace(/["$`\\]/g, "")}" >&2`);
    lines.push(st.argv.map(shQuote).join(" "));
  }
  lines.push(
    `svc=$(cut -d: -f1 ${E2E_PATHS.service}); port=$(cut -d: -f2 ${E2E_PATHS.service})`,
    `echo "local: ready: the app (${s.environment}) on port ${LOCAL_PORTS.app}, the Argo CD UI on port ${LOCAL_PORTS.argocd}" >&2`,
    `${forward(ARGOCD_NAMESPACE, "service/argocd-server", `${LOCAL_PORTS.argocd}:80`)} &`,
    `${forward(s.e2e.namespace, 'service/"$svc"', `${LOCAL_PORTS.app}:"$port"`)} &`,
    "wait",
  );
  return lines.join("\n") + "\n";
}
