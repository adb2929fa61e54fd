/**
 * The gitops e2e: the local environment brought up (kind in docker-in-docker, Argo CD, the root
 * Application reading the in-pipeline git server), the app probed at its first version, the
 * environment bumped by the real write-back (GitopsRepo.bump, handed in: edit, validate, commit, push) into
 * the in-pipeline repository, then Argo CD must sync the pushed commit and the app must answer
 * the new version. The whole loop in one run; services stopped in every case.
 */
import { dag, ReturnType, type Container, type Directory, type File, type Service } from "@dagger.io/dagger";
import { E2E_PATHS, clusterSteps, teardownStep } from "../core/e2e/script.js";
import { e2eBudget } from "../core/e2e/settings.js";
import { diagnosticsArgv } from "../core/e2e/diagnostics.js";
import { kubeconfigCredentials, rewriteKubeconfig } from "../core/e2e/kubeconfig.js";
import { smokeSummary, smokeTest } from "../core/e2e/smoke.js";
import { reportJson } from "../core/run.js";
import { gitServerUrl } from "../core/local/git-server.js";
import { ARGOCD_NAMESPACE } from "../core/local/argocd.js";
import { localE2eReport } from "../core/local/report.js";
import { bringUpSteps, bumpedSteps } from "../core/local/script.js";
import { LOCAL_IMAGE_REPOSITORY, type LocalSettings } from "../core/local/settings.js";
import type { GitopsConfig } from "../core/gitops-config.js";
import type { Toolchain } from "../toolchain.js";
import { collectDiagnostics, dindService, proxyFetch, runPhase, withKubeconfig, withSteps, type E2eImages } from "../e2e/containers.js";
import { Run } from "../run.js";
import { InputError } from "../core/errors.js";
import { ARGOCD_MANIFEST_HINT, localFiles, seedTree, type LocalFiles } from "./prepare.js";
import { engineImage } from "../app/build.js";

/** What the gitops e2e needs besides the validated settings. */
export interface LocalE2eInput {
  /** The pipeline's toolchain (the bump's write-back keeps it too). */
  tools: Toolchain;
  settings: LocalSettings;
  config: GitopsConfig;
  gitops: Directory;
  source: Directory;
  install: File;
  /** App of a multi-app tree ("" for a single-app tree): the bump writes its environment. */
  app?: string;
  /**
   * The gitops repository at `url` (a GitopsRepo with the pipeline's toolchain), handed in by the
   * caller so this stage imports no object: its bump is the real write-back.
   */
  openRepo: (url: string, branch: string, path: string, app: string, tree: Directory) => LocalRepo;
  /** The local environment's git server and client containers (local/cluster.ts), handed in by the caller. */
  cluster: LocalCluster;
}

/** What the gitops e2e builds its services with: cluster.ts's gitService and localClient. */
export interface LocalCluster {
  /** The in-pipeline git server serving `tree`. */
  gitService(pythonImage: string, tree: Directory, o: { repoPath: string; branch: string; instance: string }): Service;
  /** The e2e client with the git server bound and the local environment's files. */
  localClient(images: E2eImages, docker: Service, git: Service, s: LocalSettings, f: LocalFiles): Container;
}

/** What the gitops e2e calls on the repository: GitopsRepo.bump. */
export interface LocalRepo {
  /** Bump the environment to the tag (arguments as GitopsRepo.bump). */
  bump(tag: string, environment: string, digest: string, repository: string, appVersion: string, sourceCommit: string): Promise<Run>;
}

/** Argo CD's view of the Applications, for the diagnostics. */
const ARGO_DIAGNOSTICS = ["sh", "-c", `kubectl -n ${ARGOCD_NAMESPACE} get application.argoproj.io -o yaml; kubectl -n ${ARGOCD_NAMESPACE} get pods -o wide`];

/** Run the gitops e2e. */
export async function runLocalE2e(input: LocalE2eInput): Promise<Run> {
  const { tools, settings: s } = input;
  const log: string[] = [];
  const outcome = { environment: s.environment, version: s.version, nextVersion: s.nextVersion };
  let revision = "";
  const finish = (passed: boolean, failedStep = "", detail = "", diagnostics?: string, files: Directory = dag.directory()): Run => {
    const report = localE2eReport({ ...outcome, passed, revision, failedStep, detail, log: log.join("\n"), ...(diagnostics ? { diagnostics } : {}) });
    return Run.of(report, files.withNewFile("gitops-e2e-report.json", reportJson(report)));
  };

  const seeded = await seedTree(input.gitops, input.config, s);
  for (const p of seeded.changed) log.push(`seed  ${p}`);
  const [first, next] = await Promise.all([
    engineImage(tools.pythonImage, input.source, { version: s.version, revision: "local" }),
    engineImage(tools.pythonImage, input.source, { version: s.nextVersion, revision: "local" }),
  ]);
  let files: LocalFiles;
  try {
    files = await localFiles(input.install, seeded.roots, [
      { tag: s.tag, image: first },
      { tag: s.nextTag, image: next },
    ]);
  } catch (err) {
    if (err instanceof InputError) throw err;
    log.push("FAIL  argocd-manifest");
    return finish(false, "argocd-manifest", `${ARGOCD_MANIFEST_HINT}: ${err instanceof Error ? err.message.split("\n").slice(0, 3).join("\n") : String(err)}`);
  }
  for (const t of files.tarballs) log.push(`load  ${t.name}`);
  const git = input.cluster.gitService(tools.pythonImage, seeded.tree, { repoPath: s.repoPath, branch: s.branch, instance: s.e2e.runId });
  const docker = dindService(tools, s.e2e.runId);
  const client = input.cluster.localClient(tools, docker, git, s, files);
  const cluster = withSteps(client, clusterSteps(s.e2e));
  let diagBase: Container = client;
  const fail = async (step: string, detail: string): Promise<Run> => {
    const [main, argo] = await Promise.all([
      collectDiagnostics(diagBase.withExec(diagnosticsArgv(s.e2e), { expect: ReturnType.Any })),
      diagBase
        .withExec(ARGO_DIAGNOSTICS, { expect: ReturnType.Any })
        .stdout()
        .catch((e: unknown) => `Argo CD state could not be read (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`),
    ]);
    return finish(false, step, detail, `${main.printed}\n${argo}`, dag.directory().withDirectory("diagnostics", main.dir));
  };

  try {
    await Promise.all([git.start(), docker.start()]);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n").slice(0, 5).join("\n") : String(err);
    return finish(
      false,
      "start-services",
      `start the git server and the docker-in-docker services (the engine must allow insecure root capabilities): ${detail}`,
    );
  }
  try {
    const created = await runPhase(cluster, clusterSteps(s.e2e), log);
    if (!created.ok) return await fail(created.step, created.detail);
    const kind = await cluster.file(E2E_PATHS.kindKubeconfig).contents();
    const kubeconfig = rewriteKubeconfig(kind);
    const inputs = withKubeconfig(cluster, kubeconfig, kubeconfigCredentials(kubeconfig));
    diagBase = inputs;

    const up = withSteps(inputs, bringUpSteps(s));
    const ready = await runPhase(up, bringUpSteps(s), log);
    if (!ready.ok) return await fail(ready.step, ready.detail);
    const service = (await up.file(E2E_PATHS.service).contents()).trim();
    const deadlineMs = e2eBudget(s.e2e.timeoutSeconds).probes * 1000;
    const before = await smokeTest(proxyFetch(up, s.e2e, service), { expectedVersion: s.version, deadlineMs });
    log.push(`${before.passed ? "ok  " : "FAIL"}  the app answers ${s.version}`);
    if (!before.passed) return await fail("probe-initial", smokeSummary(before));

    const url = gitServerUrl(await git.hostname());
    const repo = input.openRepo(url, s.branch, s.repoPath, input.app ?? "", seeded.tree);
    const bump = (await repo.bump(s.nextTag, s.environment, "", LOCAL_IMAGE_REPOSITORY, s.nextVersion, "local-gitops-e2e")).result;
    if (!bump.passed) {
      log.push("FAIL  bump");
      return await fail("bump", `the write-back into the in-pipeline repository failed: ${bump.summary}\n${bump.details}`);
    }
    revision = String(bump.data?.commit ?? "");
    log.push(`ok    bump: ${bump.summary}`);

    const steps = bumpedSteps(s, revision);
    const synced = withSteps(up, steps);
    const after = await runPhase(synced, steps, log);
    if (!after.ok) return await fail(after.step, after.detail);
    const probe = await smokeTest(proxyFetch(synced, s.e2e, service), { expectedVersion: s.nextVersion, deadlineMs });
    log.push(`${probe.passed ? "ok  " : "FAIL"}  the app answers ${s.nextVersion}`);
    if (!probe.passed) return await fail("probe-bumped", smokeSummary(probe));
    return finish(true);
  } finally {
    await client
      .withExec(teardownStep(s.e2e).argv, { expect: ReturnType.Any })
      .sync()
      .catch(() => undefined);
    await docker.stop().catch(() => undefined);
    await git.stop().catch(() => undefined);
  }
}
