/**
 * verify as a plain function, for the argo-cd object and for ci: resolve the environment's
 * Application from gitops-pipeline.yaml, read the credential at request time, wait for Argo CD
 * to report the pushed revision Synced and Healthy (then probe the app's URL when asked) and
 * return the run.
 */
import type { Directory, Secret } from "@dagger.io/dagger";
import { InputError } from "../core/errors.js";
import { GITOPS_CONFIG_FILE, type GitopsConfig } from "../core/gitops-config.js";
import { parseInputs } from "../core/inputs.js";
import type { RunReport } from "../core/run.js";
import { argoCdApplicationUrl, kubernetesApplicationUrl } from "../core/verify/api.js";
import { checkConnection, connectionInputs, verifyInputs } from "../core/verify/inputs.js";
import { parseKubeconfig } from "../core/verify/kubeconfig.js";
import { verifyReport } from "../core/verify/report.js";
import { waitForDeployment, type WaitDeps } from "../core/verify/wait.js";
import { readGitopsLayout } from "../gitops-layout.js";
import { rememberSecret } from "../core/redact.js";
import { readSecret } from "../core/secret.js";
import { Run } from "../run.js";
import { fetchApplication, probeOnce, REQUEST_TIMEOUT_MS, type HttpAuth } from "./http.js";

/** Where Argo CD is and how to authenticate: server + token (Argo CD API) or a kubeconfig (Kubernetes API). */
export interface ArgoConnection {
  /** Argo CD server URL (with token); "" with a kubeconfig. */
  server: string;
  token?: Secret;
  kubeconfig?: Secret;
  /** Namespace of the Application objects. */
  namespace: string;
  /** Skip TLS verification of the Argo CD server. */
  insecure: boolean;
}

/** What to wait for. */
export interface VerifyRequest {
  environment: string;
  /** Commit the write-back pushed; "" = any revision. */
  revision: string;
  /** Seconds. */
  timeout: number;
  probeUrl: string;
  /** "" = gitops-pipeline.yaml's application of the environment. */
  application: string;
}

/** Test seams: clock, sleep and the poll intervals. */
export interface VerifyTiming {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  intervalMs?: number;
  probeIntervalMs?: number;
  degradedGraceMs?: number;
}

/** Check a connection's arguments; InputError naming the argument. */
export function checkArgoConnection(c: ArgoConnection): { api: "argocd" | "kubernetes"; server: string; namespace: string } {
  const i = parseInputs(connectionInputs, { server: c.server, namespace: c.namespace });
  return { api: checkConnection(i.server, Boolean(c.token), Boolean(c.kubeconfig)), server: i.server, namespace: i.namespace };
}

/** The Application of `environment` in the layout; InputError naming environment when it has none. */
export function applicationOf(config: GitopsConfig, environment: string): string {
  const env = config.environments[environment];
  if (!env) {
    const known = Object.keys(config.environments);
    throw new InputError(
      "environment",
      `unknown environment '${environment}' (${GITOPS_CONFIG_FILE} declares ${known.join(", ")})`,
      `pass one of: ${known.join(", ")}`,
    );
  }
  return env.application;
}

/** verify's report (the run without its Dagger wrapper): inputs checked first, nothing requested before. */
export async function verifyReportOf(
  connection: ArgoConnection,
  request: VerifyRequest,
  layout: Directory | GitopsConfig,
  timing: VerifyTiming = {},
  app = "",
): Promise<RunReport> {
  const conn = checkArgoConnection(connection);
  const i = parseInputs(verifyInputs, request);
  const config = "environments" in layout ? (layout as GitopsConfig) : await readGitopsLayout(layout as Directory, app);
  const fromLayout = applicationOf(config, i.environment);
  const application = i.application || fromLayout;

  let server = conn.server;
  let auth: HttpAuth;
  if (conn.api === "kubernetes") {
    const k = parseKubeconfig(await readSecret(connection.kubeconfig!, "kubeconfig", "pass an existing secret, e.g. --kubeconfig file:./kubeconfig"));
    rememberSecret(k.token);
    rememberSecret(k.key);
    server = k.server;
    auth = {
      insecure: k.insecure,
      ...(k.ca ? { ca: k.ca } : {}),
      ...(k.token ? { token: k.token } : {}),
      ...(k.cert ? { cert: k.cert } : {}),
      ...(k.key ? { key: k.key } : {}),
      ...(k.serverName ? { serverName: k.serverName } : {}),
    };
  } else {
    auth = { insecure: connection.insecure, token: await readSecret(connection.token!, "token", "pass an existing secret, e.g. --token env:ARGOCD_TOKEN") };
  }
  const now = timing.now ?? (() => performance.now());
  const start = now();
  const deadline = start + i.timeout * 1000;
  const budget = () => Math.min(REQUEST_TIMEOUT_MS, Math.max(2_000, deadline - now()));
  const deps: WaitDeps = {
    fetch: (refresh) =>
      fetchApplication(
        conn.api === "argocd"
          ? argoCdApplicationUrl(server, application, conn.namespace, refresh)
          : kubernetesApplicationUrl(server, application, conn.namespace),
        auth,
        budget(),
      ),
    probe: (url) => probeOnce(url, Math.min(10_000, budget())),
    now,
    sleep: timing.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
  };
  const result = await waitForDeployment(
    {
      application,
      environment: i.environment,
      revision: i.revision,
      timeoutMs: i.timeout * 1000,
      probeUrl: i.probeUrl,
      server,
      credential: conn.api === "argocd" ? "token" : "kubeconfig",
      api: conn.api,
      ...(timing.intervalMs !== undefined ? { intervalMs: timing.intervalMs } : {}),
      ...(timing.probeIntervalMs !== undefined ? { probeIntervalMs: timing.probeIntervalMs } : {}),
      ...(timing.degradedGraceMs !== undefined ? { degradedGraceMs: timing.degradedGraceMs } : {}),
    },
    deps,
  );
  return verifyReport({ application, environment: i.environment, revision: i.revision, api: conn.api, server }, result);
}

/**
 * Wait until Argo CD reports `request.revision` of the environment's Application Synced and
 * Healthy (and the probe URL answers 2xx, when given), within `request.timeout` seconds.
 * Returns the verify run; throws InputError for bad arguments, a rejected credential or an
 * unknown Application. `layout` is the gitops tree (its gitops-pipeline.yaml) or its parsed layout.
 */
export async function verifyDeployment(
  connection: ArgoConnection,
  request: VerifyRequest,
  layout: Directory | GitopsConfig,
  timing: VerifyTiming = {},
  app = "",
): Promise<Run> {
  return Run.of(await verifyReportOf(connection, request, layout, timing, app));
}
