/**
 * Plan of the local gitops environment: the git server service, the client (the e2e stage's kind
 * client with the git server bound and Argo CD's files), the `cluster` service with its ports, and
 * the gitops e2e's chain of execs, built without an engine.
 */
import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { PINNED_TOOLCHAIN, type ToolPins } from "../../dagger/src/core/toolchain.js";
import { Toolchain } from "../../dagger/src/toolchain.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";
import { DEFAULT_GITOPS_CONFIG } from "../../dagger/src/core/gitops-config.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { clusterSteps } from "../../dagger/src/core/e2e/script.js";
import { GIT_SERVER_INSTALL, gitServeScript, FCGI_SOCKET, NGINX_CONF } from "../../dagger/src/core/local/git-server.js";
import { GIT_ALIAS, LOCAL_PATHS, bringUpSteps, bumpedSteps, upScript } from "../../dagger/src/core/local/script.js";
import { LOCAL_PORTS, localSettings } from "../../dagger/src/core/local/settings.js";
import { dindService, withSteps } from "../../dagger/src/e2e/containers.js";
import { gitServerContainer, gitService, localClient, upService } from "../../dagger/src/local/cluster.js";
import { namedTarball, tarballName } from "../../dagger/src/local/prepare.js";
import { LocalGitops } from "../../dagger/src/local/local-gitops.js";
import { GitopsPipeline } from "../../dagger/src/index.js";
import { execs, plan, stepsOf, type Ref, type Step } from "../helpers/plan.js";

const S = localSettings({
  argocdVersion: VERSIONS.argocd,
  environment: "dev",
  branch: "main",
  version: DEFAULTS.localVersion,
  nextVersion: DEFAULTS.localNextVersion,
  timeout: 600,
  config: DEFAULT_GITOPS_CONFIG,
  runId: "run1",
});
const mirrored: ToolPins = {
  ...PINNED_TOOLCHAIN,
  pythonImage: "mirror.example/python:3",
  dindImage: "mirror.example/docker:dind",
  helmImage: "mirror.example/helm:3",
};
const refOf = (s: Step | undefined, k: string) => (s?.args[k] as Ref).ref;

function build() {
  const tree = dag.directory().withNewFile("gitops-pipeline.yaml", "x");
  const git = gitService(mirrored.pythonImage, tree, { repoPath: "gitops", branch: "main", instance: "run1" });
  const docker = dindService(mirrored, "run1");
  const files = {
    install: dag.directory().withNewFile("install.yaml", "kind: List").file("install.yaml"),
    gitEndpoint: "endpoint",
    repository: "repository",
    roots: "roots",
    tarballs: [
      { name: "quay.io/argoproj/argocd:v9.9.9", file: namedTarball(dag.container().from("quay.io/argoproj/argocd:v9.9.9"), "quay.io/argoproj/argocd:v9.9.9") },
      {
        name: "docker.io/library/gitops-demo-local:0.1.0-local.1",
        file: namedTarball(dag.container().from("app-under-test"), "docker.io/library/gitops-demo-local:0.1.0-local.1"),
      },
    ],
  };
  const client = localClient(mirrored, docker, git, S, files);
  return { tree, git, docker, client };
}

describe("local gitops plan: the git server", () => {
  it("the pinned python image, packages before the tree, one instance per run, seeded at repoPath on the branch, port 80, nginx in front", () => {
    const steps = plan(gitService(mirrored.pythonImage, dag.directory(), { repoPath: "gitops", branch: "main", instance: "run1" }));
    expect(steps[1]!.args).toEqual({ address: "mirror.example/python:3" });
    const ops = steps.map((s) => s.op);
    expect(ops.indexOf("withExec")).toBeLessThan(ops.indexOf("withDirectory"));
    expect(execs(steps)[0]).toEqual(["sh", "-c", GIT_SERVER_INSTALL]);
    expect(execs(steps)[1]![2]).toContain('cp -R /seed/. "$work/gitops"');
    expect(stepsOf(steps, "withEnvVariable")[0]!.args).toEqual({ name: "LOCAL_GITOPS_INSTANCE", value: "run1" });
    expect(stepsOf(steps, "withExposedPort")[0]!.args.port).toBe(80);
    expect(steps.at(-1)).toEqual({ op: "asService", args: { args: ["sh", "-c", gitServeScript({ socket: FCGI_SOCKET, conf: NGINX_CONF })] } });
    // Another run is another repository.
    expect(JSON.stringify(plan(gitServerContainer(mirrored.pythonImage, dag.directory(), { repoPath: "gitops", branch: "main", instance: "run2" })))).not.toBe(
      JSON.stringify(steps.slice(0, -1)),
    );
  });
});

describe("local gitops plan: the client", () => {
  it("the e2e client bound to docker and to the git server as `git`, Argo CD's files and every image tarball mounted", () => {
    const { client, git, docker } = build();
    const steps = plan(client);
    const binds = stepsOf(steps, "withServiceBinding");
    expect(binds.map((b) => b.args.alias)).toEqual(["docker", GIT_ALIAS]);
    expect(refOf(binds[0], "service")).toEqual(plan(docker));
    expect(refOf(binds[1], "service")).toEqual(plan(git));
    const files = Object.fromEntries(stepsOf(steps, "withNewFile").map((s) => [s.args.path, s.args.contents]));
    expect(files).toMatchObject({ [LOCAL_PATHS.gitEndpoint]: "endpoint", [LOCAL_PATHS.repository]: "repository", [LOCAL_PATHS.roots]: "roots" });
    const mounted = stepsOf(steps, "withMountedFile");
    expect(mounted.map((m) => m.args.path)).toEqual([
      LOCAL_PATHS.install,
      `${LOCAL_PATHS.images}/00-quay.io_argoproj_argocd_v9.9.9.tar`,
      `${LOCAL_PATHS.images}/01-docker.io_library_gitops-demo-local_0.1.0-local.1.tar`,
    ]);
    const argo = refOf(mounted[1], "source");
    expect(stepsOf(argo, "withAnnotation")[0]!.args).toEqual({ name: "io.containerd.image.name", value: "quay.io/argoproj/argocd:v9.9.9" });
    expect(argo.at(-1)).toEqual({ op: "asTarball", args: { forcedCompression: "Gzip" } });
    expect(tarballName(3, "a/b:c@sha256:x")).toBe("03-a_b_c_sha256_x.tar");
  });
});

describe("local gitops plan: cluster (the up service)", () => {
  it("exposes the app and the Argo CD UI without a health check and runs the whole bring-up, then the port-forwards", () => {
    const steps = plan(upService(build().client, S));
    const ports = stepsOf(steps, "withExposedPort").map((s) => s.args);
    expect(ports).toEqual([
      { port: LOCAL_PORTS.app, description: "the app", experimentalSkipHealthcheck: true },
      { port: LOCAL_PORTS.argocd, description: "the Argo CD UI (plain http, anonymous read-only)", experimentalSkipHealthcheck: true },
    ]);
    const svc = steps.at(-1)!;
    expect(svc.op).toBe("asService");
    expect(svc.args.args).toEqual(["sh", "-c", upScript([...clusterSteps(S.e2e), ...bringUpSteps(S)], S)]);
    // Nothing runs before the service starts: the cluster lives in the service's own process.
    expect(execs(steps).some((a) => a.includes("kind") || a.includes("kubectl"))).toBe(false);
  });

  it("the gitops e2e's chain: cluster, bring-up, then after the bump refresh → wait for the commit → rollout", () => {
    const rev = "c".repeat(40);
    const chain = withSteps(withSteps(withSteps(build().client, clusterSteps(S.e2e)), bringUpSteps(S)), bumpedSteps(S, rev));
    const all = execs(plan(chain)).map((a) => a.join(" "));
    const at = (needle: string) => all.findIndex((a) => a.includes(needle));
    const order = [
      "kind create cluster",
      "set-cluster",
      "image-archive",
      "getent hosts git",
      "--server-side",
      "patch configmap",
      "argocd-application-controller --timeout",
      "repository.yaml",
      "roots.yaml",
      `wait-synced ${S.application}  `,
      "find-service",
      "refresh=normal",
      `wait-synced ${S.application} ${rev} `,
      "rollout-status",
    ].map(at);
    expect(
      order.every((i) => i >= 0),
      JSON.stringify(order),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe("local gitops plan: the module's functions", () => {
  it("local-gitops passes the pipeline's tree, app, toolchain and schemas on; the pinned Argo CD by default", () => {
    const schemas = dag.directory().withNewFile("s", "1");
    const p = new GitopsPipeline(dag.directory(), dag.directory(), schemas);
    const l = p.localGitops();
    expect(l).toBeInstanceOf(LocalGitops);
    expect(l.argocdVersion).toBe(VERSIONS.argocd);
    expect(l.toolchain).toBe(p.toolchain);
    expect(l.toolchain.schemas).toBe(schemas);
    expect(l.argocdManifest).toBeUndefined();
  });

  it("bad arguments fail before anything is read from the tree", async () => {
    const l = new LocalGitops(dag.directory(), dag.directory(), Toolchain.of(PINNED_TOOLCHAIN), "nope");
    await expect(l.cluster()).rejects.toThrow(/--argocd-version/);
    const ok = new LocalGitops(dag.directory(), dag.directory(), Toolchain.of(PINNED_TOOLCHAIN), VERSIONS.argocd);
    await expect(ok.endToEnd("dev", "1.0.0", "1.0.0")).rejects.toThrow(/--next-version/);
    await expect(ok.gitServer("Dev!")).rejects.toThrow(/environment/);
    await expect(ok.manifests("dev", "1.2")).rejects.toThrow(/version/);
  });
});
