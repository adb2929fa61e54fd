import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dag } from "@dagger.io/dagger";
import { Manifests } from "../../dagger/src/validate/manifests.js";
import { PINNED_TOOLCHAIN, type ToolPins } from "../../dagger/src/core/toolchain.js";
import { Toolchain } from "../../dagger/src/toolchain.js";
import { e2ePlan } from "../../dagger/src/e2e/e2e.js";
import { DOCKERD_ARGS, dindService, e2eTools, type E2eImages } from "../../dagger/src/e2e/containers.js";
import { E2E_PATHS, WITHIN_SCRIPT, clusterSteps, deploySteps } from "../../dagger/src/core/e2e/script.js";
import { e2eSettings } from "../../dagger/src/core/e2e/settings.js";
import { kindConfig } from "../../dagger/src/core/e2e/kind-config.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { allChains, execs, plan, stepsOf, type Ref, type Step } from "../helpers/plan.js";
import { ROOT } from "../helpers/tools.js";

const KIND_KUBECONFIG = readFileSync(join(ROOT, "tests", "fixtures", "kind-kubeconfig.yaml"), "utf8");
const LAYOUT = { release: "gitops-demo", chartPath: "chart", valuesPaths: ["environments/dev/values.yaml"] };
const INPUT_OF_S = { namespace: "e2e", environment: "dev", version: "1.2.3", timeout: 300, runId: "run1", layout: LAYOUT };
const S = e2eSettings(INPUT_OF_S);

/** The pipeline's toolchain, changed to recognisable mirrors so the test proves they flow through. */
function mirrored(): ToolPins {
  return {
    ...PINNED_TOOLCHAIN,
    dindImage: "mirror.example/docker:29.7.2-dind",
    helmImage: "mirror.example/helm:3.21.4",
    kindNodeImage: `mirror.example/kindest/node:v1.36.4@sha256:${"a".repeat(64)}`,
    kind: "9.9.9",
    kubectl: "8.8.8",
  };
}

function build(images: E2eImages = mirrored()) {
  const app = dag.container().from("app-under-test");
  const gitops = dag.directory().withNewFile("chart/Chart.yaml", "name: x");
  const p = e2ePlan(images, S, app, gitops);
  const inputs = p.withKubeconfig(KIND_KUBECONFIG);
  const deployed = p.deploy(inputs);
  return { ...p, inputs, deployed };
}

const names = (steps: Step[]) => steps.map((s) => s.op);
const refOf = (s: Step | undefined, k: string) => (s?.args[k] as Ref).ref;

describe("e2e plan: docker-in-docker service", () => {
  it("pinned dind image, empty TLS cert dir, private docker cache volume, port 2375, entrypoint + insecure root", () => {
    const steps = plan(dindService(mirrored(), "run1"));
    expect(names(steps)).toEqual(["container", "from", "withEnvVariable", "withEnvVariable", "withMountedCache", "withExposedPort", "asService"]);
    expect(steps[1]!.args).toEqual({ address: "mirror.example/docker:29.7.2-dind" });
    expect(stepsOf(steps, "withEnvVariable").map((s) => s.args)).toEqual([
      { name: "DOCKER_TLS_CERTDIR", value: "" },
      { name: "E2E_RUN", value: "run1" },
    ]);
    const cache = stepsOf(steps, "withMountedCache")[0]!;
    expect(cache.args.path).toBe("/var/lib/docker");
    expect(cache.args.sharing).toBe("PRIVATE");
    expect(refOf(cache, "cache")[0]!.args.key).toMatch(/^e2e-dind-/);
    expect(stepsOf(steps, "withExposedPort")[0]!.args.port).toBe(2375);
    expect(steps.at(-1)!.args).toEqual({ args: DOCKERD_ARGS, useEntrypoint: true, insecureRootCapabilities: true });
    expect(DOCKERD_ARGS).toEqual(["dockerd", "--host=tcp://0.0.0.0:2375", "--host=unix:///var/run/docker.sock", "--tls=false"]);
  });

  it("one service instance per run id; the module's kind-docker uses the pipeline's dind image", () => {
    const a = JSON.stringify(plan(dindService(mirrored(), "a")));
    expect(a).not.toBe(JSON.stringify(plan(dindService(mirrored(), "b"))));
    const mod = plan(new Manifests(dag.directory(), dag.directory(), Toolchain.of(PINNED_TOOLCHAIN)).kindDocker());
    expect(mod[1]!.args.address).toBe(VERSIONS.dindImage);
    expect(stepsOf(mod, "withEnvVariable")[1]!.args.value).toBe("debug");
  });
});

describe("e2e plan: client container", () => {
  it("tools: the helm image, the docker CLI from the dind image, `within`, kind + kubectl at the pinned versions with checksums", () => {
    const steps = plan(e2eTools(mirrored()));
    expect(steps[1]!.args).toEqual({ address: "mirror.example/helm:3.21.4" });
    const docker = stepsOf(steps, "withFile")[0]!;
    expect(docker.args.path).toBe("/usr/local/bin/docker");
    const src = refOf(docker, "source");
    expect(src[1]!.args.address).toBe("mirror.example/docker:29.7.2-dind");
    expect(src.at(-1)).toEqual({ op: "file", args: { path: "/usr/local/bin/docker" } });
    expect(stepsOf(steps, "withNewFile")[0]!.args).toEqual({ path: E2E_PATHS.within, contents: WITHIN_SCRIPT, permissions: 0o755 });
    const [install] = execs(steps);
    expect(install!.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(install![2]).toContain("releases/download/v9.9.9/kind-linux-$arch");
    expect(install![2]).toContain('sha256sum -c "kind-linux-$arch.sha256sum"');
    expect(install![2]).toContain("https://dl.k8s.io/release/v8.8.8/bin/linux/$arch/kubectl");
    expect(install![2]).toMatch(/kubectl\.sha256\)  kubectl" \| sha256sum -c/);
  });

  it("bound to the dind service as `docker`, DOCKER_HOST and KUBECONFIG set, run id before any cluster exec", () => {
    const { client, docker } = build();
    const steps = plan(client);
    const bind = stepsOf(steps, "withServiceBinding")[0]!;
    expect(bind.args.alias).toBe("docker");
    expect(refOf(bind, "service")).toEqual(plan(docker));
    expect(refOf(bind, "service").at(-1)!.args.insecureRootCapabilities).toBe(true);
    const env = Object.fromEntries(stepsOf(steps, "withEnvVariable").map((s) => [s.args.name, s.args.value]));
    expect(env).toMatchObject({ DOCKER_HOST: "tcp://docker:2375", KUBECONFIG: "/e2e/kubeconfig", E2E_RUN: "run1" });
    const kindCfg = stepsOf(steps, "withNewFile").find((s) => s.args.path === E2E_PATHS.kindConfig)!;
    expect(kindCfg.args.contents).toBe(kindConfig({ nodeImage: "mirror.example/kindest/node:v1.36.4@sha256:" + "a".repeat(64) }));
  });

  it("the image reaches the cluster as a named gzip tarball, no registry", () => {
    const steps = plan(build().client);
    const tar = stepsOf(steps, "withMountedFile")[0]!;
    expect(tar.args.path).toBe("/e2e/image.tar");
    const chain = refOf(tar, "source");
    expect(chain[1]!.args.address).toBe("app-under-test");
    expect(stepsOf(chain, "withAnnotation")[0]!.args).toEqual({ name: "io.containerd.image.name", value: "docker.io/library/gitops-demo:e2e-run1" });
    expect(chain.at(-1)).toEqual({ op: "asTarball", args: { forcedCompression: "Gzip" } });
    expect(stepsOf(steps, "withMountedDirectory")[0]!.args.path).toBe("/e2e/gitops");
    // Nothing is pushed anywhere.
    expect(
      allChains(steps)
        .flat()
        .some((s) => s.op === "publish" || s.op === "withRegistryAuth"),
    ).toBe(false);
  });
});

describe("e2e plan: order of the run", () => {
  it("cluster → kubeconfig → readyz → load → install → rollout → service → probe → helm test", () => {
    const { deployed, probe, helmTest } = build();
    const probeSteps = plan(probe(deployed, "gitops-demo:80", "/healthz", { Accept: "application/json" }, 1));
    const all = execs(plan(helmTest(deployed)));
    const order = (needle: string) => all.findIndex((a) => a.includes(needle));
    const idx = ["docker info", "delete", "create", "/readyz", "image-archive", "upgrade", "rollout-status", "find-service", "test"].map((n) =>
      all.findIndex((a) => a.some((x) => x.includes(n))),
    );
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(order("image-archive")).toBeLessThan(order("upgrade"));
    // The probe runs on the deployed container: its chain holds load and install before the curl.
    const pe = execs(probeSteps);
    expect(pe.findIndex((a) => a.includes("image-archive"))).toBeLessThan(pe.findIndex((a) => a.includes("upgrade")));
    expect(pe.at(-1)![0]).toBe("curl");
    expect(stepsOf(probeSteps, "withExec").at(-1)!.args.expect).toBe("ANY");
    // The run id is set before the first cluster exec: every cluster exec is unique to the run.
    const h = plan(helmTest(deployed));
    const runEnv = h.findIndex((s) => s.op === "withEnvVariable" && s.args.name === "E2E_RUN");
    const firstCluster = h.findIndex((s) => s.op === "withExec" && JSON.stringify(s.args.args) === JSON.stringify(clusterSteps(S)[0]!.argv));
    expect(runEnv).toBeGreaterThan(-1);
    expect(runEnv).toBeLessThan(firstCluster);
  });

  it("the setup execs are exactly the core's steps, in order", () => {
    const { deployed } = build();
    const all = execs(deployed);
    expect(all.slice(1)).toEqual([...clusterSteps(S), ...deploySteps(S)].map((s) => s.argv));
  });

  it("the rewritten kubeconfig and the probe credentials are written before the deploy steps", () => {
    const { inputs } = build();
    const files = stepsOf(plan(inputs), "withNewFile").filter((s) => String(s.args.path).startsWith("/e2e/") && s.args.path !== E2E_PATHS.kindConfig);
    expect(files.map((f) => f.args.path)).toEqual(["/e2e/kubeconfig", "/e2e/pki/ca.crt", "/e2e/pki/client.crt", "/e2e/pki/client.key"]);
    expect(files[0]!.args.contents).toContain("server: https://docker:6443");
    expect(files[0]!.args.contents).toContain("tls-server-name: localhost");
    expect(files[3]!.args.permissions).toBe(0o600);
    expect(execs(inputs).at(-1)).toEqual(clusterSteps(S).at(-1)!.argv);
  });

  it("helm installs the loaded image, never pulls, waits within the setup budget", () => {
    const helm = execs(build().deployed).find((a) => a.includes("upgrade"))!;
    expect(helm.slice(0, 5)).toEqual([E2E_PATHS.within, "helm", "upgrade", "--install", "gitops-demo"]);
    expect(helm).toContain("/e2e/gitops/chart");
    expect(helm.join(" ")).toContain("--values /e2e/gitops/environments/dev/values.yaml");
    expect(helm.join(" ")).toContain(
      "--set-string image.repository=docker.io/library/gitops-demo --set-string image.tag=e2e-run1 --set-string image.digest= --set-string env.appVersion=",
    );
    expect(helm.join(" ")).toContain("--set-string image.pullPolicy=Never");
    expect(helm.join(" ")).toContain("--namespace e2e --create-namespace");
    expect(helm.slice(-3)).toEqual(["--wait", "--timeout", "165s"]);
  });

  it("a layered environment: one --values per file, in the environment's order", () => {
    const layered = e2eSettings({
      ...INPUT_OF_S,
      layout: { ...LAYOUT, valuesPaths: ["common.yaml", "environments/dev/values.yaml", "environments/dev/local.yaml"] },
    });
    const helm = deploySteps(layered).find((st) => st.name === "helm-install")!.argv;
    const values = helm.flatMap((a, i) => (helm[i - 1] === "--values" ? [a] : []));
    expect(values).toEqual(["/e2e/gitops/common.yaml", "/e2e/gitops/environments/dev/values.yaml", "/e2e/gitops/environments/dev/local.yaml"]);
    expect(helm.filter((a) => a === "--values")).toHaveLength(3);
  });

  it("probes go through the API server's service proxy with the kubeconfig's credentials", () => {
    const { deployed, probe } = build();
    const argv = execs(probe(deployed, "gitops-demo:80", "/", { Accept: "application/json" }, 2)).at(-1)!;
    expect(argv).toEqual([
      "curl",
      "-sS",
      "--max-time",
      "5",
      "-D",
      "-",
      "--cacert",
      "/e2e/pki/ca.crt",
      "--cert",
      "/e2e/pki/client.crt",
      "--key",
      "/e2e/pki/client.key",
      "--connect-to",
      "localhost:6443:docker:6443",
      "-H",
      "Accept: application/json",
      "https://localhost:6443/api/v1/namespaces/e2e/services/http:gitops-demo:80/proxy/",
    ]);
  });
});

describe("e2e plan: failure paths and teardown", () => {
  it("diagnostics run on the container before the deploy steps, bounded, never failing the chain", () => {
    const { inputs, diagnostics } = build();
    const d = plan(diagnostics(inputs));
    const ex = stepsOf(d, "withExec");
    expect(ex.at(-1)!.args.expect).toBe("ANY");
    const argv = ex.at(-1)!.args.args as string[];
    expect(argv.slice(0, 4)).toEqual(["timeout", "40", "sh", "-c"]);
    expect(argv.slice(5)).toEqual(["diagnostics", "e2e", "gitops-demo", "10"]);
    // Not on top of the failed steps: the deploy steps are absent from the chain.
    expect(execs(d).some((a) => a.includes("upgrade"))).toBe(false);
  });

  it("teardown deletes the cluster from the client, bounded, whatever happened", () => {
    const { teardown } = build();
    const t = stepsOf(plan(teardown()), "withExec").at(-1)!;
    expect(t.args).toEqual({ args: ["timeout", "20", "kind", "delete", "cluster", "--name", "e2e"], expect: "ANY" });
  });

  it("helm test runs with --logs after the probes' container state", () => {
    const { deployed, helmTest } = build();
    expect(execs(helmTest(deployed)).at(-1)).toEqual(["timeout", "45", "helm", "test", "gitops-demo", "--namespace", "e2e", "--logs", "--timeout", "40s"]);
  });
});

describe("e2e: bad input stops before anything runs", () => {
  it("chart or values missing: InputError from runE2e, before the service is started", async () => {
    const { runE2e } = await import("../../dagger/src/e2e/e2e.js");
    const { InputError } = await import("../../dagger/src/core/errors.js");
    for (const [missing, input] of [
      ["chart/Chart.yaml", "gitops-pipeline.yaml: chart"],
      ["environments/dev/values.yaml", "gitops-pipeline.yaml: environments.dev.values"],
    ] as const) {
      const asked: string[] = [];
      // Only `exists` is answered: any other engine call (building, starting the service) would fail differently.
      const gitops = { exists: async (p: string) => (asked.push(p), p !== missing) } as unknown as import("@dagger.io/dagger").Directory;
      const err = await runE2e({ images: mirrored(), settings: S, image: dag.container(), gitops }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect((err as InstanceType<typeof InputError>).input).toBe(input);
      expect(asked).toEqual(["chart/Chart.yaml", "environments/dev/values.yaml"]);
    }
  });

  it("a layered environment: each values file is checked; a missing later one is an InputError naming it", async () => {
    const { runE2e } = await import("../../dagger/src/e2e/e2e.js");
    const { InputError } = await import("../../dagger/src/core/errors.js");
    const layered = e2eSettings({ ...INPUT_OF_S, layout: { ...LAYOUT, valuesPaths: ["common.yaml", "environments/dev/values.yaml"] } });
    const asked: string[] = [];
    const gitops = { exists: async (p: string) => (asked.push(p), p !== "environments/dev/values.yaml") } as unknown as import("@dagger.io/dagger").Directory;
    const err = await runE2e({ images: mirrored(), settings: layered, image: dag.container(), gitops }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InstanceType<typeof InputError>).input).toBe("gitops-pipeline.yaml: environments.dev.values");
    expect((err as Error).message).toContain("'environments/dev/values.yaml'");
    expect(asked).toEqual(["chart/Chart.yaml", "common.yaml", "environments/dev/values.yaml"]);
  });
});
