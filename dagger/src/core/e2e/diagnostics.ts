/**
 * Diagnostics collected when the e2e run fails: events, pod status, the failing pods' logs (and
 * their previous container's logs after a crash), helm's view of the release, the docker and
 * kind node state, and `kind export logs`.
 *
 * Every command is bounded (`timeout`, kubectl --request-timeout) and allowed to fail, so the
 * collection finishes inside its reserve even when the cluster is half-created or gone. Each
 * section goes to its own file under the diagnostics directory and, truncated, to stdout, which
 * the stage puts into the failure message.
 */
import { e2eBudget, type E2eSettings } from "./settings.js";
import { E2E_CLUSTER } from "./kind-config.js";
import { E2E_PATHS } from "./script.js";

/** One diagnostics section: a file name and the shell command that fills it. */
export interface DiagnosticSection {
  file: string;
  command: string;
}

/** The sections, in the order they are collected (most telling first). "$NS" and "$SEL" are set by the script. */
export function diagnosticSections(): DiagnosticSection[] {
  const k = "kubectl --request-timeout=8s";
  return [
    { file: "events.txt", command: `${k} get events -A --sort-by=.metadata.creationTimestamp` },
    { file: "pods.txt", command: `${k} get pods -A -o wide` },
    { file: "describe-workloads.txt", command: `${k} -n "$NS" describe deployment,replicaset,pod -l "$SEL"` },
    { file: "services.txt", command: `${k} -n "$NS" get service,endpointslice -o wide` },
    {
      // Pods of the release that are not Ready, or have restarted: their logs, current and previous.
      file: "failing-pod-logs.txt",
      command:
        `for p in $(${k} -n "$NS" get pods -l "$SEL" -o jsonpath='{range .items[*]}{.metadata.name}{"|"}{.status.containerStatuses[*].ready}{"|"}{.status.containerStatuses[*].restartCount}{"\\n"}{end}' | awk -F'|' '$2 !~ /^true( true)*$/ || $3 ~ /[1-9]/ {print $1}'); do ` +
        `echo "--- $p"; ${k} -n "$NS" logs "$p" --all-containers --tail=200; echo "--- $p (previous)"; ${k} -n "$NS" logs "$p" --all-containers --previous --tail=200; done`,
    },
    { file: "helm.txt", command: 'helm -n "$NS" status "$REL"; helm -n "$NS" history "$REL"' },
    { file: "nodes.txt", command: `${k} get nodes -o wide` },
    { file: "docker.txt", command: "docker ps -a" },
    { file: "node-images.txt", command: `docker exec ${E2E_CLUSTER}-control-plane crictl images` },
    { file: "kind-export.txt", command: `kind export logs ${E2E_PATHS.diagnostics}/kind-logs --name ${E2E_CLUSTER}` },
  ];
}

/** Lines of each section printed to stdout (the files keep everything). */
export const DIAG_STDOUT_LINES = 60;

/**
 * The diagnostics script. Run as `sh -c SCRIPT diagnostics NAMESPACE RELEASE`; `timeout` bounds
 * each section to a share of the diagnostics reserve and the whole script to the reserve.
 */
export function diagnosticsScript(): string {
  const sections = diagnosticSections();
  const lines = [
    'NS="$1"; REL="$2"; SEL="app.kubernetes.io/instance=$2"',
    `PER="$3"`,
    `mkdir -p ${E2E_PATHS.diagnostics}`,
    `cd ${E2E_PATHS.diagnostics}`,
    // Each section is its own `sh -c` so `timeout` can stop it as a whole.
    'section() { f="$1"; shift; timeout "$PER" sh -c "$1" > "$f" 2>&1; rc=$?; ' + `echo "===== $f (exit $rc)"; tail -n ${DIAG_STDOUT_LINES} "$f"; }`,
    "export NS REL SEL",
    ...sections.map((sec) => `section ${sec.file} ${shellQuote(sec.command)}`),
    "exit 0",
  ];
  return lines.join("\n");
}

/** argv that runs the diagnostics inside the diagnostics reserve. */
export function diagnosticsArgv(s: E2eSettings): string[] {
  const { diagnostics } = e2eBudget(s.timeoutSeconds);
  // One section may take at most a quarter of the reserve; the whole script never more than the reserve.
  const per = Math.max(5, Math.floor(diagnostics / 4));
  return ["timeout", String(diagnostics), "sh", "-c", diagnosticsScript(), "diagnostics", s.namespace, s.release, String(per)];
}

/** Single-quote `s` for POSIX sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
