/**
 * Argo CD as the pipeline sees it after a write-back: where its Application objects can be read
 * (the Argo CD API with a token, or the Kubernetes API with a kubeconfig) and `verify`, which
 * waits until the environment's Application runs the pushed revision.
 */
import { func, object, type Directory, type Secret } from "@dagger.io/dagger";
import { DEFAULTS } from "../core/defaults.js";
import type { Run } from "../run.js";
import { checkArgoConnection, verifyDeployment } from "./verify.js";
import { parseInputs } from "../core/inputs.js";
import { appInputs } from "../core/validate/inputs.js";

/** An Argo CD to verify deployments against: verify. */
@object()
export class ArgoCd {
  /** Argo CD server URL ("" with a kubeconfig). */
  server: string;
  /** Argo CD API token. */
  token?: Secret;
  /** Kubeconfig of the cluster Argo CD runs in. */
  kubeconfig?: Secret;
  /** Namespace of the Application objects. */
  namespace: string;
  /** Skip TLS verification of the Argo CD server. */
  insecure: boolean;
  /** The pipeline's gitops tree (gitops-pipeline.yaml names each environment's Application). */
  gitops: Directory;
  /** App of a multi-app tree whose Applications verify watches ("" for the tree's only app). */
  app: string;

  /**
   * @param server Argo CD server URL, or "".
   * @param namespace Namespace of the Application objects.
   * @param insecure Skip TLS verification of the Argo CD server.
   * @param gitops The pipeline's gitops tree.
   * @param token Argo CD API token.
   * @param kubeconfig Kubeconfig of the cluster Argo CD runs in.
   * @param app App of a multi-app tree.
   */
  constructor(server: string, namespace: string, insecure: boolean, gitops: Directory, token?: Secret, kubeconfig?: Secret, app: string = "") {
    const c = checkArgoConnection({ server, namespace, insecure, ...(token ? { token } : {}), ...(kubeconfig ? { kubeconfig } : {}) });
    this.app = parseInputs(appInputs, { app }).app;
    this.server = c.server;
    this.namespace = c.namespace;
    this.insecure = insecure;
    this.gitops = gitops;
    if (token) this.token = token;
    if (kubeconfig) this.kubeconfig = kubeconfig;
  }

  /**
   * Wait until Argo CD reports the environment's Application Synced and Healthy at the pushed
   * revision, then (with probe-url) until the app answers 2xx, all within the timeout. The first
   * request on the Argo CD API asks for a refresh, so Argo CD compares with git at once instead of
   * at its next poll (on the Kubernetes API verify cannot ask: expect up to Argo CD's poll
   * interval, 3 minutes by default). Fails at once when the sync of that revision ends Failed or
   * Error; fails when the app stays Degraded for 60 s after syncing it. Returns the run (data:
   * revision seen, sync, health, operation phase, conditions, probe, polls); call assert to fail
   * the call.
   *
   * @param environment Environment of gitops-pipeline.yaml whose Application to watch.
   * @param revision Commit the write-back pushed: a full sha or its first 7+ digits; "" accepts any revision.
   * @param timeout Seconds to wait for sync, health and the probe together.
   * @param probeUrl URL of the deployed app to GET until it answers 2xx, after Synced and Healthy; "" for none.
   * @param application Argo CD Application name; "" for the one gitops-pipeline.yaml names for the environment.
   */
  @func({ cache: "never" })
  async verify(
    environment: string = DEFAULTS.environment,
    revision: string = "",
    timeout: number = DEFAULTS.verifyTimeout,
    probeUrl: string = "",
    application: string = "",
  ): Promise<Run> {
    return verifyDeployment(
      {
        server: this.server,
        namespace: this.namespace,
        insecure: this.insecure,
        ...(this.token ? { token: this.token } : {}),
        ...(this.kubeconfig ? { kubeconfig: this.kubeconfig } : {}),
      },
      { environment, revision, timeout, probeUrl, application },
      this.gitops,
      {},
      this.app,
    );
  }
}
