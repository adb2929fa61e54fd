/**
 * The e2e stage's containers: the docker-in-docker service, the tools and client containers,
 * steps run in order with their log, kubeconfig and probe wiring, diagnostics. A leaf of the
 * shell, shared by the e2e stage (e2e.ts), the local environment (local/) and manifests'
 * debugging functions. Recipe and sources: see e2e.ts.
 */
import { dag, CacheSharingMode, Container, Directory, File, ReturnType, Service } from "@dagger.io/dagger";
import { execFailure } from "../core/errors.js";
import { lastLines } from "../core/e2e/report.js";
import {
  DOCKER_ALIAS,
  DOCKER_PORT,
  E2E_PATHS,
  WITHIN_SCRIPT,
  clusterSteps,
  curlProbeArgv,
  installToolsScript,
  stepOf,
  type E2eStep,
} from "../core/e2e/script.js";
import { type E2eSettings } from "../core/e2e/settings.js";
import { kindConfig } from "../core/e2e/kind-config.js";
import { rewriteKubeconfig, type KubeCredentials } from "../core/e2e/kubeconfig.js";
import { parseCurlOutput, type FetchLike } from "../core/e2e/smoke.js";

/** The pinned images and tool versions the stage uses (the module constructor's values). */
export interface E2eImages {
  helmImage: string;
  dindImage: string;
  kindNodeImage: string;
  kind: string;
  kubectl: string;
}

/** dockerd's own flags. `--tls=false` is explicit: without it dockerd waits ~16 s before binding TCP (moby daemon.go, checkTLSAuthOK). */
export const DOCKERD_ARGS = ["dockerd", `--host=tcp://0.0.0.0:${DOCKER_PORT}`, "--host=unix:///var/run/docker.sock", "--tls=false"];

/** The dind container before it becomes a service (separate for plan tests). */
export function dindContainer(images: E2eImages, runId: string): Container {
  return (
    dag
      .container()
      .from(images.dindImage)
      // Empty: plain TCP on 2375, no generated certificates (dockerd-entrypoint.sh).
      .withEnvVariable("DOCKER_TLS_CERTDIR", "")
      // One service instance per run: services are de-duplicated by definition, and two runs
      // sharing one dockerd would fight over the same cluster name and port.
      .withEnvVariable("E2E_RUN", runId)
      // dockerd's data root must not sit on the overlay rootfs; PRIVATE: never two daemons on one root.
      .withMountedCache("/var/lib/docker", dag.cacheVolume(`e2e-dind-${images.dindImage.replace(/[^\w.-]+/g, "-")}`), {
        sharing: CacheSharingMode.Private,
      })
      // Only the docker port: 6443 exists only once kind has run, a health check on it would hang.
      .withExposedPort(DOCKER_PORT)
  );
}

/** The docker-in-docker engine as a Dagger service. */
export function dindService(images: E2eImages, runId: string): Service {
  // useEntrypoint: dockerd-entrypoint.sh (moby hack/dind) moves processes out of the root cgroup
  // on cgroup v2, which the kind node's kubelet needs. insecureRootCapabilities: dockerd is privileged.
  return dindContainer(images, runId).asService({ args: DOCKERD_ARGS, useEntrypoint: true, insecureRootCapabilities: true });
}

/**
 * The client's tools: helm from the pinned helm image (alpine, with curl), the docker CLI from
 * the pinned dind image (a static binary), kind and kubectl as pinned release binaries checked
 * against their published checksums. Downloading needs the engine's internet access (CI has it);
 * it avoids an extra, unpinned image per tool and runs once, then the layer is cached.
 */
export function e2eTools(images: E2eImages): Container {
  return dag
    .container()
    .from(images.helmImage)
    .withoutEntrypoint()
    .withFile("/usr/local/bin/docker", dag.container().from(images.dindImage).file("/usr/local/bin/docker"))
    .withNewFile(E2E_PATHS.within, WITHIN_SCRIPT, { permissions: 0o755 })
    .withExec(["sh", "-c", installToolsScript({ kind: images.kind, kubectl: images.kubectl })]);
}

/** The client bound to the dind service, with the kind config; every exec after this carries the run id. */
export function e2eClient(tools: Container, docker: Service, images: E2eImages, runId: string): Container {
  return (
    tools
      .withServiceBinding(DOCKER_ALIAS, docker)
      .withEnvVariable("DOCKER_HOST", `tcp://${DOCKER_ALIAS}:${DOCKER_PORT}`)
      .withEnvVariable("KUBECONFIG", E2E_PATHS.kubeconfig)
      // Cache buster: a re-run must not replay cached output against a fresh, empty cluster.
      .withEnvVariable("E2E_RUN", runId)
      .withNewFile(E2E_PATHS.kindConfig, kindConfig({ nodeImage: images.kindNodeImage }))
      .withWorkdir(E2E_PATHS.dir)
  );
}

/** Chain the steps' argv in order. */
export function withSteps(ctr: Container, steps: readonly E2eStep[]): Container {
  return steps.reduce((c, st) => c.withExec(st.argv), ctr);
}

/** The client with the run's inputs: the chart and values, and the image tarball. */
export function withRunInputs(client: Container, gitops: Directory, tarball: File): Container {
  return client.withMountedDirectory(E2E_PATHS.gitops, gitops).withMountedFile(E2E_PATHS.imageTarball, tarball);
}

/** The cluster container plus the rewritten kubeconfig and the PEM files the probes' curl uses. */
export function withKubeconfig(cluster: Container, kubeconfig: string, creds: KubeCredentials): Container {
  return (
    cluster
      .withNewFile(E2E_PATHS.kubeconfig, kubeconfig, { permissions: 0o600 })
      .withNewFile(`${E2E_PATHS.pki}/ca.crt`, creds.ca)
      .withNewFile(`${E2E_PATHS.pki}/client.crt`, creds.cert)
      // Throw-away cluster's admin key, removed with the cluster; never leaves the engine.
      .withNewFile(`${E2E_PATHS.pki}/client.key`, creds.key, { permissions: 0o600 })
  );
}

/** One probe attempt: curl in `ctr` (its own cache key `n`, so every attempt really runs). */
export function probeExec(ctr: Container, s: E2eSettings, service: string, path: string, headers: Record<string, string>, n: number): Container {
  return ctr.withEnvVariable("E2E_PROBE", String(n)).withExec(curlProbeArgv(s, service, path, headers), { expect: ReturnType.Any });
}

/** A fetch-like function that runs curl in `ctr` through the API server's service proxy. */
export function proxyFetch(ctr: Container, s: E2eSettings, service: string): FetchLike {
  let n = 0;
  return async (path, headers) => {
    const probe = probeExec(ctr, s, service, path, headers, ++n);
    const [code, out, err] = await Promise.all([probe.exitCode(), probe.stdout(), probe.stderr()]);
    if (code !== 0) throw new Error(err.trim() || `curl exited with ${code}`);
    return parseCurlOutput(out);
  };
}

/** Outcome of one phase: ok, or the failing step and what it printed. */
export type PhaseResult = { ok: true } | { ok: false; step: string; detail: string };

/** Sync one phase's exec chain; on failure name the step (by its argv) and keep the tail of its output. */
export async function runPhase(ctr: Container, steps: readonly E2eStep[], log: string[]): Promise<PhaseResult> {
  try {
    await ctr.sync();
    for (const st of steps) log.push(`ok    ${st.name}`);
    return { ok: true };
  } catch (err) {
    const e = execFailure(err);
    if (!e) throw err;
    const st = stepOf(steps, e.cmd);
    // Not one of the phase's steps: a command of the client's own setup (installing the tools).
    const name = st?.name ?? (e.cmd.join(" ").includes("kubectl") ? "install-tools" : e.cmd.join(" ").slice(0, 80));
    const what = st?.what ?? (name === "install-tools" ? "download kind and kubectl (the engine needs to reach github.com and dl.k8s.io)" : "");
    for (const done of steps.slice(0, st ? steps.indexOf(st) : 0)) log.push(`ok    ${done.name}`);
    const detail = `${what ? `${what}: ` : ""}exit ${e.exitCode}\n${lastLines(e.stderr || e.stdout, 40)}`;
    log.push(`FAIL  ${name}`); // why: in the run's details, right after the log
    return { ok: false, step: name, detail };
  }
}

/** The diagnostics' printed report and files, or why they could not be collected (never throws). */
export async function collectDiagnostics(diag: Container): Promise<{ printed: string; dir: Directory }> {
  try {
    const [printed, dir] = await Promise.all([diag.stdout(), diag.directory(E2E_PATHS.diagnostics).sync()]);
    return { printed, dir };
  } catch (err) {
    const e = execFailure(err);
    const why = e ? `exit ${e.exitCode}: ${lastLines(e.stderr || e.stdout, 5)}` : err instanceof Error ? err.message.split("\n")[0]! : String(err);
    return { printed: `diagnostics could not be collected (${why})`, dir: dag.directory() };
  }
}

/** A fresh run id: lower-case, short, unique enough for one engine (time + random). */
export function newRunId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Debugging: create a kind cluster in the dind service `runId` and return its kubeconfig with
 * the server rewritten to `server`. The cluster lives as long as that service does.
 */
export async function debugKubeconfig(images: E2eImages, settings: E2eSettings, serviceId: string, server: string): Promise<File> {
  // The service keeps the caller's id (so `e2e-docker --run-id X up` is the same instance); the
  // execs get this call's fresh id so they really run.
  const cluster = withSteps(e2eClient(e2eTools(images), dindService(images, serviceId), images, settings.runId), clusterSteps(settings));
  const kubeconfig = rewriteKubeconfig(await cluster.file(E2E_PATHS.kindKubeconfig).contents(), { server });
  return dag.directory().withNewFile("kubeconfig", kubeconfig, { permissions: 0o600 }).file("kubeconfig");
}
