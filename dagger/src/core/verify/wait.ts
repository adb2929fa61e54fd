/**
 * The wait: poll an Application until the wanted revision is Synced and Healthy, the sync of it
 * failed, it stayed Degraded past the grace window, or the time is up; then, when asked, probe the
 * app's URL until it answers 2xx in the time left. Clock, sleep and both HTTP calls are injected,
 * so the loop is tested with a fake clock and run for real with node's timers and sockets.
 */
import { InputError } from "../errors.js";
import { evaluate, observe, type Observed, type Verdict } from "./status.js";

/** One answer of the API: an Application object, another HTTP status, or no answer at all. */
export type Fetched =
  | { kind: "ok"; application: unknown }
  | { kind: "http"; status: number; message: string }
  | { kind: "network"; message: string; tls: boolean; redirect?: boolean };

/** What the probe saw: a status code, or why there was none. */
export interface ProbeSeen {
  status?: number;
  error?: string;
}

export interface WaitDeps {
  /** GET the Application; `refresh` asks Argo CD to compare with git now (first poll). */
  fetch(refresh: boolean): Promise<Fetched>;
  probe(url: string): Promise<ProbeSeen>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface WaitOptions {
  application: string;
  environment: string;
  /** "" = any revision. */
  revision: string;
  timeoutMs: number;
  probeUrl: string;
  /** Where the Application is read from, for messages: the server URL. */
  server: string;
  /** The argument that holds the credential, for a 401/403: token or kubeconfig. */
  credential: "token" | "kubeconfig";
  /** The Argo CD API or the Kubernetes API. */
  api: "argocd" | "kubernetes";
  intervalMs?: number;
  probeIntervalMs?: number;
  degradedGraceMs?: number;
}

/** Poll interval: Argo CD itself reconciles every few seconds once a refresh is asked. */
export const POLL_INTERVAL_MS = 5_000;
export const PROBE_INTERVAL_MS = 3_000;
/**
 * How long Synced + Degraded at the wanted revision may last before verify fails: a rollout can
 * report Degraded for a moment (a pod restarting, a probe failing once) and recover; a Deployment
 * past its progress deadline stays Degraded, and a minute does not change that.
 */
export const DEGRADED_GRACE_MS = 60_000;

/** How the wait ended. */
export type Outcome = "ready" | "failed" | "degraded" | "timeout" | "unreachable" | "probe";

export interface WaitResult {
  outcome: Outcome;
  /** Why, one line. */
  why: string;
  observed?: Observed;
  polls: number;
  waitedMs: number;
  probe?: { url: string; status?: number; error?: string };
  /** One line per change of what the polls saw, with the time since the start. */
  timeline: string[];
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Wait for the deployment; throws InputError for a rejected credential or an unknown Application. */
export async function waitForDeployment(o: WaitOptions, deps: WaitDeps): Promise<WaitResult> {
  const interval = o.intervalMs ?? POLL_INTERVAL_MS;
  const grace = o.degradedGraceMs ?? DEGRADED_GRACE_MS;
  const start = deps.now();
  const elapsed = () => deps.now() - start;
  const timeline: string[] = [];
  let last = "";
  const note = (line: string) => {
    if (line !== last) timeline.push(`+${(elapsed() / 1000).toFixed(1)}s ${line}`);
    last = line;
  };
  let polls = 0;
  let reached = false;
  let observed: Observed | undefined;
  let lastWhy = "no answer yet";
  let degradedSince: number | undefined;
  const result = (outcome: Outcome, why: string, extra: Partial<WaitResult> = {}): WaitResult => ({
    outcome,
    why,
    ...(observed ? { observed } : {}),
    polls,
    waitedMs: elapsed(),
    timeline,
    ...extra,
  });

  for (;;) {
    polls += 1;
    const got = await deps.fetch(polls === 1);
    if (got.kind === "http") {
      if (got.status === 401 || got.status === 403) {
        const what = o.credential === "token" ? "the Argo CD API refused the token" : "the Kubernetes API refused the kubeconfig's credentials";
        const fix =
          o.credential === "token"
            ? "pass a valid Argo CD token (argocd account generate-token) whose role may get this application"
            : "pass a kubeconfig whose user may get applications.argoproj.io in that namespace";
        throw new InputError(o.credential, `${what} (HTTP ${got.status} from ${o.server})`, fix);
      }
      if (got.status === 404) {
        throw new InputError(
          "application",
          `Application '${o.application}' of environment '${o.environment}' was not found on ${o.server} (HTTP 404${got.message ? `: ${got.message}` : ""})`,
          `check environments.${o.environment}.application in gitops-pipeline.yaml (or pass --application) and --namespace`,
        );
      }
      lastWhy = `HTTP ${got.status} from ${o.server}${got.message ? `: ${got.message}` : ""}`;
      note(lastWhy);
    } else if (got.kind === "network") {
      lastWhy = `cannot reach ${o.server}: ${got.message}`;
      note(lastWhy);
      if (got.redirect) {
        const fix =
          o.api === "argocd" ? "pass the address Argo CD answers at directly as --server" : "put the API server's own address in the kubeconfig's server";
        throw new InputError(o.api === "argocd" ? "server" : "kubeconfig", `${o.server} ${got.message}`, fix);
      }
      if (got.tls) {
        const fix =
          o.api === "argocd"
            ? "give the server a certificate the system trusts, or pass --insecure for a self-signed Argo CD"
            : "put the cluster's CA in certificate-authority-data of the kubeconfig";
        throw new InputError(o.api === "argocd" ? "server" : "kubeconfig", `TLS verification of ${o.server} failed (${got.message})`, fix);
      }
      // Never reached at all: a wrong address, not a restart; waiting out the timeout helps no one.
      if (!reached) return result("unreachable", lastWhy);
    } else {
      reached = true;
      observed = observe(got.application);
      const verdict: Verdict = evaluate(got.application, o.revision);
      lastWhy = verdict.why;
      note(`${verdict.state}: ${verdict.why}`);
      if (verdict.state === "ready") break;
      if (verdict.state === "failed") return result("failed", verdict.why);
      if (verdict.state === "degraded") {
        degradedSince ??= elapsed();
        if (elapsed() - degradedSince >= grace) return result("degraded", `Degraded for ${secs(elapsed() - degradedSince)} after syncing: ${verdict.why}`);
      } else {
        degradedSince = undefined;
      }
    }
    const left = o.timeoutMs - elapsed();
    if (left <= 0) return result("timeout", `not deployed within ${secs(o.timeoutMs)}; last seen ${lastWhy}`);
    await deps.sleep(Math.min(interval, left));
  }

  if (!o.probeUrl) return result("ready", lastWhy);
  let seen: ProbeSeen = {};
  for (;;) {
    seen = await deps.probe(o.probeUrl);
    note(`probe ${o.probeUrl}: ${seen.status ?? seen.error ?? "no answer"}`);
    if (seen.status !== undefined && seen.status >= 200 && seen.status < 300) {
      return result("ready", lastWhy, { probe: { url: o.probeUrl, status: seen.status } });
    }
    const left = o.timeoutMs - elapsed();
    if (left <= 0) {
      const got = seen.status !== undefined ? `HTTP ${seen.status}` : (seen.error ?? "no answer");
      return result("probe", `deployed (${lastWhy}) but ${o.probeUrl} did not answer 2xx within ${secs(o.timeoutMs)}; last ${got}`, {
        probe: { url: o.probeUrl, ...seen },
      });
    }
    await deps.sleep(Math.min(o.probeIntervalMs ?? PROBE_INTERVAL_MS, left));
  }
}

/** The revision(s) the Application is at, in full ("" before Argo CD compared it). */
export function revisionSeen(o: Observed | undefined): string {
  return o?.revisions.join(",") ?? "";
}
