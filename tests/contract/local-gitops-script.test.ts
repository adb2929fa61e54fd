/**
 * The local environment's scripts run by a real POSIX shell against stub docker, kind, kubectl,
 * getent and sleep that log their arguments: the `cluster` service's whole process (bring-up, then
 * the two port-forwards), a bring-up that never syncs (stops with Argo CD's last state, forwards
 * nothing), and the gitops e2e's post-bump wait, which only accepts the pushed commit.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_GITOPS_CONFIG } from "../../dagger/src/core/gitops-config.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { E2E_PATHS, WITHIN_SCRIPT, clusterSteps, type E2eStep } from "../../dagger/src/core/e2e/script.js";
import { GIT_ADDRESS_PLACEHOLDER, gitEndpointManifest } from "../../dagger/src/core/local/argocd.js";
import { LOCAL_PATHS, bringUpSteps, bumpedSteps, upScript } from "../../dagger/src/core/local/script.js";
import { LOCAL_PORTS, localSettings } from "../../dagger/src/core/local/settings.js";

const S = localSettings({
  argocdVersion: VERSIONS.argocd,
  environment: "dev",
  branch: "main",
  version: DEFAULTS.localVersion,
  nextVersion: DEFAULTS.localNextVersion,
  timeout: 300,
  config: DEFAULT_GITOPS_CONFIG,
  runId: "run1",
});
const OLD = "a".repeat(40);
const NEW = "b".repeat(40);

// One stub for every tool; behaviour by $SCENARIO. Every call is logged as "tool args...".
const STUB = `#!/bin/sh
tool=$(basename "$0")
echo "$tool $*" >> "$LOCAL_T/calls.log"
case "$tool:$*" in
  kind:create*) prev=""; for a in "$@"; do [ "$prev" = "--kubeconfig" ] && echo "kind: Config" > "$a"; prev=$a; done ;;
  getent:"hosts git") echo "10.87.0.130     git.example" ;;
  kubectl:*"get application"*)
    case "$SCENARIO" in
      never-synced) echo "OutOfSync Healthy $OLD_REV" ;;
      *) echo "Synced Healthy $HEAD_REV" ;;
    esac ;;
  kubectl:*"get service"*) printf 'gitops-demo:80' ;;
  kubectl:*"get deployment"*) echo "deployment.apps/gitops-demo" ;;
  kubectl:*"create namespace"*) printf 'apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: argocd\\n' ;;
  kubectl:*"apply -f -"*) cat > "$LOCAL_T/applied-$(date +%s%N).yaml" ;;
  kubectl:*port-forward*) exec /bin/sleep 30 ;;
esac
exit 0
`;

let T: string;

/** The container's /e2e paths moved into the test's temp dir. */
const local = (s: string): string => s.replaceAll(`${E2E_PATHS.dir}/`, `${T}/`).replaceAll(E2E_PATHS.within, join(T, "bin", "within"));

function env(scenario: string, head = OLD): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(T, "bin")}:${process.env.PATH}`,
    LOCAL_T: T,
    SCENARIO: scenario,
    OLD_REV: OLD,
    HEAD_REV: head,
    KUBECONFIG: join(T, "kubeconfig"),
  };
}

function runSteps(steps: readonly E2eStep[], scenario: string, head = OLD): { failed?: string; stderr: string } {
  for (const st of steps) {
    const [cmd, ...args] = st.argv.map(local);
    const r = spawnSync(cmd!, args, { encoding: "utf8", env: env(scenario, head) });
    if (r.status !== 0) return { failed: st.name, stderr: r.stderr };
  }
  return { stderr: "" };
}

const calls = (): string[] => (existsSync(join(T, "calls.log")) ? readFileSync(join(T, "calls.log"), "utf8").trim().split("\n") : []);
const script = (): string => local(upScript([...clusterSteps(S.e2e), ...bringUpSteps(S)], S));

beforeEach(() => {
  T = mkdtempSync(join(tmpdir(), "local-script-"));
  for (const d of ["bin", "local", "images"]) mkdirSync(join(T, d));
  for (const t of ["docker", "kind", "kubectl", "getent", "sleep"]) {
    writeFileSync(join(T, "bin", t), STUB);
    chmodSync(join(T, "bin", t), 0o755);
  }
  writeFileSync(join(T, "bin", "within"), local(WITHIN_SCRIPT));
  chmodSync(join(T, "bin", "within"), 0o755);
  writeFileSync(local(LOCAL_PATHS.gitEndpoint), gitEndpointManifest());
  for (const f of ["00-quay.io_argoproj_argocd.tar", "01-gitops-demo-local.tar"]) writeFileSync(join(T, "images", f), "");
});

describe("the cluster service's process under a real shell", () => {
  it("brings everything up in order, fills in the git address, then forwards the Argo CD UI and the app", async () => {
    const p = spawn("sh", ["-c", script()], { env: env("ok"), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (calls().filter((c) => c.includes("port-forward")).length < 2 && Date.now() < deadline && p.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    const running = p.exitCode === null;
    if (running) process.kill(-p.pid!, "SIGKILL");
    expect(running, stderr).toBe(true);
    const seen = calls().filter((c) => !c.startsWith("sleep"));
    const first = (needle: string) => seen.findIndex((c) => c.includes(needle));
    const order = [
      "docker info",
      "kind delete cluster",
      "kind create cluster",
      "kubectl config set-cluster kind-e2e --server=https://docker:6443 --tls-server-name=localhost",
      "get --raw /readyz",
      "kind load image-archive",
      "getent hosts git",
      "create namespace argocd",
      "--server-side --force-conflicts",
      "patch configmap argocd-cmd-params-cm",
      "rollout restart",
      "wait --for=condition=Available",
      "apply -f " + join(T, "local", "repository.yaml"),
      "apply -n argocd -f " + join(T, "local", "roots.yaml"),
      "get application.argoproj.io gitops-demo-dev",
      "get service -l app.kubernetes.io/instance=gitops-demo",
      "port-forward",
    ].map(first);
    expect(
      order.every((i) => i >= 0),
      JSON.stringify(order) + "\n" + seen.join("\n"),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Both images loaded, one call each.
    expect(seen.filter((c) => c.startsWith("kind load image-archive"))).toHaveLength(2);
    // The Service and EndpointSlice were applied with the git service's address, no placeholder left.
    const applied = readdirSync(T)
      .filter((f) => f.startsWith("applied-"))
      .map((f) => readFileSync(join(T, f), "utf8"))
      .join("\n");
    expect(applied).toContain("- 10.87.0.130");
    expect(applied).not.toContain(GIT_ADDRESS_PLACEHOLDER);
    const forwards = seen.filter((c) => c.includes("port-forward")).sort();
    expect(forwards).toEqual([
      `kubectl -n argocd port-forward --address 0.0.0.0 service/argocd-server ${LOCAL_PORTS.argocd}:80`,
      `kubectl -n gitops-demo-dev port-forward --address 0.0.0.0 service/gitops-demo ${LOCAL_PORTS.app}:80`,
    ]);
    expect(stderr).toContain(`local: ready: the app (dev) on port ${LOCAL_PORTS.app}, the Argo CD UI on port ${LOCAL_PORTS.argocd}`);
  }, 30_000);

  it("an environment that never syncs stops the script with Argo CD's last state; nothing is forwarded", () => {
    const r = spawnSync("sh", ["-c", script()], { env: env("never-synced"), encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`local: gitops-demo-dev is not Synced and Healthy; last state: OutOfSync Healthy ${OLD}`);
    expect(calls().some((c) => c.includes("port-forward"))).toBe(false);
    expect(calls().some((c) => c.includes("get service"))).toBe(false);
  });
});

describe("the gitops e2e's wait after the bump", () => {
  it("passes only once Argo CD reports the pushed commit Synced and Healthy; refresh first, rollout last", () => {
    expect(runSteps(bumpedSteps(S, NEW), "ok", OLD)).toMatchObject({ failed: "wait-synced-bumped" });
    expect(runSteps(bumpedSteps(S, NEW), "ok", OLD).stderr).toContain(`not Synced and Healthy at ${NEW}; last state: Synced Healthy ${OLD}`);
    writeFileSync(join(T, "calls.log"), "");
    expect(runSteps(bumpedSteps(S, NEW), "ok", NEW)).toEqual({ stderr: "" });
    const seen = calls().filter((c) => c.startsWith("kubectl"));
    expect(seen[0]).toBe("kubectl -n argocd annotate application.argoproj.io gitops-demo-dev argocd.argoproj.io/refresh=normal --overwrite");
    expect(seen.at(-1)).toBe("kubectl -n gitops-demo-dev rollout status deployment.apps/gitops-demo --timeout=120s");
  });
});
