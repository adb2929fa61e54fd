/**
 * e2e stage: an ephemeral kind cluster in a docker-in-docker Dagger service, the image loaded
 * without a registry, the chart installed, rollout awaited, smoke probes, helm test, diagnostics
 * on failure, teardown. The steps and their argv come from the core (core/e2e-*.ts); this file
 * only builds the containers and runs the phases in order.
 *
 * Recipe and sources: notes/e2e-kind-in-dagger.md. Dagger: services with explicit start/stop
 * (https://docs.dagger.io/0.19/extending/modules/services); dind: docker-library `docker:dind`
 * image and its dockerd-entrypoint.sh (https://hub.docker.com/_/docker); kind: configuration and
 * image loading (https://kind.sigs.k8s.io/docs/user/configuration/,
 * https://kind.sigs.k8s.io/docs/user/quick-start/#loading-an-image-into-your-cluster).
 */
import { dag, Container, Directory, ReturnType } from "@dagger.io/dagger";
import { diagnosticsArgv } from "../core/e2e/diagnostics.js";
import { E2E_PATHS, clusterSteps, deploySteps, helmTestStep, teardownStep } from "../core/e2e/script.js";
import { checkGitopsInputs, e2eBudget, type E2eSettings } from "../core/e2e/settings.js";
import { kubeconfigCredentials, rewriteKubeconfig } from "../core/e2e/kubeconfig.js";
import { smokeSummary, smokeTest } from "../core/e2e/smoke.js";
import { e2eReport } from "../core/e2e/report.js";
import { reportJson, type RunReport } from "../core/run.js";
import { Run } from "../run.js";
import { imageTarball } from "../app/build.js";
import {
  collectDiagnostics,
  dindService,
  proxyFetch,
  e2eClient,
  e2eTools,
  probeExec,
  runPhase,
  withKubeconfig,
  withRunInputs,
  withSteps,
  type E2eImages,
} from "./containers.js";

/** Every container of one run, built lazily; the only values it waits for are kind's kubeconfig and the Service name. */
export function e2ePlan(images: E2eImages, s: E2eSettings, image: Container, gitops: Directory) {
  const docker = dindService(images, s.runId);
  const client = withRunInputs(e2eClient(e2eTools(images), docker, images, s.runId), gitops, imageTarball(image, `${s.imageRepository}:${s.imageTag}`));
  const cluster = withSteps(client, clusterSteps(s));
  return {
    docker,
    client,
    /** wait for docker → delete stale cluster → create cluster. */
    cluster,
    /** The cluster container with the rewritten kubeconfig (from kind's own) and the probe credentials. */
    withKubeconfig: (kindKubeconfig: string): Container => {
      const kubeconfig = rewriteKubeconfig(kindKubeconfig);
      return withKubeconfig(cluster, kubeconfig, kubeconfigCredentials(kubeconfig));
    },
    /** readyz → load image → helm upgrade --install --wait → rollout status → find Service. */
    deploy: (inputs: Container): Container => withSteps(inputs, deploySteps(s)),
    probe: (deployed: Container, service: string, path: string, headers: Record<string, string>, n: number): Container =>
      probeExec(deployed, s, service, path, headers, n),
    helmTest: (deployed: Container): Container => deployed.withExec(helmTestStep(s).argv),
    /** Diagnostics from a container that has not run the failed step (the cluster state lives in the service). */
    diagnostics: (base: Container): Container => base.withExec(diagnosticsArgv(s), { expect: ReturnType.Any }),
    teardown: (): Container => client.withExec(teardownStep(s).argv, { expect: ReturnType.Any }),
  };
}

/** The e2e run: its report, with e2e-report.json beside the run's files. */
function e2eRun(report: RunReport, files: Directory = dag.directory()): Run {
  return Run.of(report, files.withNewFile("e2e-report.json", reportJson(report)));
}

/** What the e2e function needs besides the validated settings. */
export interface E2eRunInput {
  images: E2eImages;
  settings: E2eSettings;
  image: Container;
  gitops: Directory;
}

/** Run the whole stage. Inputs are checked before anything starts; the service is stopped in every case. */
export async function runE2e(input: E2eRunInput): Promise<Run> {
  const { images, settings: s, image, gitops } = input;
  checkGitopsInputs(s, {
    chart: await gitops.exists(`${s.chartPath}/Chart.yaml`),
    values: await Promise.all(s.valuesPaths.map((v) => gitops.exists(v))),
  });
  const budget = e2eBudget(s.timeoutSeconds);
  const plan = e2ePlan(images, s, image, gitops);
  const log: string[] = [];
  let diagBase = plan.client;
  const outcome = { environment: s.environment, version: s.version };
  const fail = async (step: string, detail: string): Promise<Run> => {
    const { printed, dir } = await collectDiagnostics(plan.diagnostics(diagBase));
    const report = e2eReport({ ...outcome, passed: false, failedStep: step, detail, log: log.join("\n"), diagnostics: printed });
    return e2eRun(report, dag.directory().withDirectory("diagnostics", dir));
  };
  // Explicit start/stop: a service detaches 10 s after its last client, which would drop the
  // cluster between phases (dagger core/services.go DetachGracePeriod).
  try {
    await plan.docker.start();
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n").slice(0, 5).join("\n") : String(err);
    const report = e2eReport({
      ...outcome,
      passed: false,
      failedStep: "start-docker",
      detail: `start the docker-in-docker service (the engine must allow insecure root capabilities): ${detail}`,
      log: "",
    });
    return e2eRun(report);
  }
  try {
    const created = await runPhase(plan.cluster, clusterSteps(s), log);
    if (!created.ok) return await fail(created.step, created.detail);

    const inputs = plan.withKubeconfig(await plan.cluster.file(E2E_PATHS.kindKubeconfig).contents());
    diagBase = inputs;
    const deployed = plan.deploy(inputs);
    const ready = await runPhase(deployed, deploySteps(s), log);
    if (!ready.ok) return await fail(ready.step, ready.detail);

    const service = (await deployed.file(E2E_PATHS.service).contents()).trim();
    const smoke = await smokeTest(proxyFetch(deployed, s, service), { expectedVersion: s.version, deadlineMs: budget.probes * 1000 });
    for (const p of smoke.probes) log.push(`${p.ok ? "ok  " : "FAIL"}  probe GET ${p.path}${p.ok ? "" : `: ${p.detail}`}`);
    if (!smoke.passed) return await fail("smoke-probes", smokeSummary(smoke));

    const tested = await runPhase(plan.helmTest(deployed), [helmTestStep(s)], log);
    if (!tested.ok) return await fail(tested.step, tested.detail);
    const report = e2eReport({ ...outcome, passed: true, failedStep: "", detail: "", log: log.join("\n") });
    return e2eRun(report);
  } finally {
    // Best effort, never masking the run's result: the cluster lives in the service, which is
    // stopped in any case.
    await plan
      .teardown()
      .sync()
      .catch(() => undefined);
    await plan.docker.stop().catch(() => undefined);
  }
}
