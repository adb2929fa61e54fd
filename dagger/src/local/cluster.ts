/**
 * The containers and services of the local gitops environment, built lazily from the core's scripts
 * (core/local/*): the in-pipeline git server, the e2e stage's kind-in-docker client with the git
 * server bound and Argo CD's files mounted, and the `up` service that brings it all up and forwards
 * the app and the Argo CD UI. Nothing here runs until a caller starts or syncs it.
 */
import { dag, type Container, type Directory, type Service } from "@dagger.io/dagger";
import { tarballName, type LocalFiles } from "./prepare.js";
import { e2eClient, e2eTools, type E2eImages } from "../e2e/containers.js";
import { clusterSteps } from "../core/e2e/script.js";
import {
  FCGI_SOCKET,
  GIT_PORT,
  GIT_REPO,
  GIT_ROOT,
  GIT_SERVER_INSTALL,
  NGINX_CONF,
  SEED_DIR,
  gitNginxConf,
  gitSeedScript,
  gitServeScript,
} from "../core/local/git-server.js";
import { GIT_ALIAS, LOCAL_PATHS, bringUpSteps, upScript } from "../core/local/script.js";
import { LOCAL_PORTS, type LocalSettings } from "../core/local/settings.js";

/** The git server with `tree` committed at `repoPath` on `branch` (before it becomes a service; separate for plan tests). */
export function gitServerContainer(pythonImage: string, tree: Directory, o: { repoPath: string; branch: string; instance: string }): Container {
  return (
    dag
      .container()
      .from(pythonImage)
      // Packages first: this layer is cached whatever the tree holds.
      .withExec(["sh", "-c", GIT_SERVER_INSTALL])
      .withDirectory(SEED_DIR, tree)
      // One repository per instance: the engine de-duplicates identical services, and two runs
      // must not push to (and read) the same repository.
      .withEnvVariable("LOCAL_GITOPS_INSTANCE", o.instance)
      .withExec(["sh", "-c", gitSeedScript({ seed: SEED_DIR, root: GIT_ROOT, repo: GIT_REPO, repoPath: o.repoPath, branch: o.branch })])
      .withNewFile(NGINX_CONF, gitNginxConf({ listen: String(GIT_PORT), root: GIT_ROOT, socket: FCGI_SOCKET, pidFile: "/run/nginx-git.pid", tmp: "/tmp" }))
      .withExposedPort(GIT_PORT)
  );
}

/** The git server as a service: http://<host>/gitops.git, anonymous clone and push. */
export function gitService(pythonImage: string, tree: Directory, o: { repoPath: string; branch: string; instance: string }): Service {
  return gitServerContainer(pythonImage, tree, o).asService({ args: ["sh", "-c", gitServeScript({ socket: FCGI_SOCKET, conf: NGINX_CONF })] });
}

/** The e2e stage's client with the git server bound as `git` and the local environment's files. */
export function localClient(images: E2eImages, docker: Service, git: Service, s: LocalSettings, f: LocalFiles): Container {
  const base = e2eClient(e2eTools(images), docker, images, s.e2e.runId)
    .withServiceBinding(GIT_ALIAS, git)
    .withMountedFile(LOCAL_PATHS.install, f.install)
    .withNewFile(LOCAL_PATHS.gitEndpoint, f.gitEndpoint)
    .withNewFile(LOCAL_PATHS.repository, f.repository)
    .withNewFile(LOCAL_PATHS.roots, f.roots);
  return f.tarballs.reduce((c, t, i) => c.withMountedFile(`${LOCAL_PATHS.images}/${tarballName(i, t.name)}`, t.file), base);
}

/**
 * The `up` service: on start it creates the cluster, installs Argo CD, applies the root
 * Application, waits for the environment to be Synced and Healthy, then forwards the app and the
 * Argo CD UI to its exposed ports. No health check on those ports: they open only after the
 * bring-up (minutes), and the service's log says where it is.
 */
export function upService(client: Container, s: LocalSettings): Service {
  return client
    .withExposedPort(LOCAL_PORTS.app, { description: "the app", experimentalSkipHealthcheck: true })
    .withExposedPort(LOCAL_PORTS.argocd, { description: "the Argo CD UI (plain http, anonymous read-only)", experimentalSkipHealthcheck: true })
    .asService({ args: ["sh", "-c", upScript([...clusterSteps(s.e2e), ...bringUpSteps(s)], s)] });
}
