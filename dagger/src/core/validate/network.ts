/**
 * Network failures of the validate stage's tools: an online schema download (kubeconform) or a
 * chart repository (helm dependency build) that could not be reached. Such a run says nothing
 * about the manifests; the engine would replay it from its cache on the next run, so the stage
 * re-runs it when the failure it read was replayed (see validate.ts).
 */

/** What kubeconform prints for a schema it could not download (its JSON output and its text). */
const SCHEMA_DOWNLOAD = /failed downloading schema at /;

/** Connection-level errors as Go tools (helm, kubeconform) print them. */
const CONNECTION =
  /dial tcp|no such host|connection refused|connection reset|i\/o timeout|TLS handshake timeout|network is unreachable|Client\.Timeout exceeded/;

/** Whether a tool's output shows a network failure (a schema download, or a connection that failed). */
export function isNetworkFailure(out: { stdout: string; stderr: string }): boolean {
  const text = `${out.stdout}\n${out.stderr}`;
  return SCHEMA_DOWNLOAD.test(text) || CONNECTION.test(text);
}

/** Work that ran at `ranAtSeconds` (unix s) before a call that started at `startedAtMs` came from the engine's cache. */
export function replayed(ranAtSeconds: number, startedAtMs: number): boolean {
  return Number.isFinite(ranAtSeconds) && ranAtSeconds * 1000 < startedAtMs - 1000;
}

/** Name of the variable that makes a retried run a new cache key. */
export const RETRY_ENV = "PIPELINE_NETWORK_RETRY";
