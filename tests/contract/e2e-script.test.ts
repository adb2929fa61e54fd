/**
 * The e2e stage's step argv and scripts run by a real POSIX shell (the client container runs
 * alpine's busybox sh; here dash or bash) against stub docker/kind/kubectl/helm that log their
 * arguments. This proves the control flow the engine cannot be asked about here: the order of
 * the steps, that a failing step stops the run, that the time budget kills a hanging step, and
 * that diagnostics complete (bounded) and pick out a crash-looping pod.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { E2E_PATHS, WITHIN_SCRIPT, clusterSteps, deploySteps, type E2eStep } from "../../dagger/src/core/e2e/script.js";
import { diagnosticsArgv } from "../../dagger/src/core/e2e/diagnostics.js";
import { e2eSettings } from "../../dagger/src/core/e2e/settings.js";

const S = e2eSettings({
  layout: { release: "gitops-demo", chartPath: "chart", valuesPaths: ["environments/dev/values.yaml"] },
  namespace: "e2e",
  environment: "dev",
  version: "1.2.3",
  timeout: 300,
  runId: "run1",
});

// One stub for all four tools; behaviour by $SCENARIO. Every call is logged as "tool args...".
const STUB = `#!/bin/sh
tool=$(basename "$0")
echo "$tool $*" >> "$E2E_T/calls.log"
case "$SCENARIO:$tool:$*" in
  load-fails:kind:load*) echo "ERROR: failed to load image: ctr: content digest sha256:0: not found" >&2; exit 1 ;;
  helm-hangs:helm:upgrade*) exec sleep 20 ;;
  *:kubectl:*"get deployment"*) echo "deployment.apps/gitops-demo" ;;
  *:kubectl:*"get service"*) printf 'gitops-demo:80' ;;
  crashloop:kubectl:*"get events"*) exec sleep 20 ;;
  crashloop:kubectl:*"get pods -l"*) printf 'gitops-demo-abc|false|5\\ngitops-demo-def|true|0\\n' ;;
  crashloop:kubectl:*"logs gitops-demo-abc"*) echo "Traceback: boom in gitops-demo-abc" ;;
esac
exit 0
`;

let T: string;

/** The argv with the container's /e2e paths moved into the test's temp dir. */
function local(argv: readonly string[]): string[] {
  return argv.map((a) => a.replaceAll(`${E2E_PATHS.dir}/`, `${T}/`).replace(E2E_PATHS.within, join(T, "bin", "within")));
}

function run(argv: readonly string[], scenario: string) {
  const [cmd, ...args] = local(argv);
  return spawnSync(cmd!, args, { encoding: "utf8", env: { ...process.env, PATH: `${join(T, "bin")}:${process.env.PATH}`, E2E_T: T, SCENARIO: scenario } });
}

/** Run steps in order, stopping at the first failure, as a Dagger withExec chain does. */
function runSteps(steps: readonly E2eStep[], scenario: string): { failed?: string; stderr: string } {
  for (const st of steps) {
    const r = run(st.argv, scenario);
    if (r.status !== 0) return { failed: st.name, stderr: r.stderr };
  }
  return { stderr: "" };
}

const calls = () => (existsSync(join(T, "calls.log")) ? readFileSync(join(T, "calls.log"), "utf8").trim().split("\n") : []);

beforeEach(() => {
  T = mkdtempSync(join(tmpdir(), "e2e-script-"));
  mkdirSync(join(T, "bin"));
  for (const t of ["docker", "kind", "kubectl", "helm"]) {
    writeFileSync(join(T, "bin", t), STUB);
    chmodSync(join(T, "bin", t), 0o755);
  }
  writeFileSync(join(T, "bin", "within"), WITHIN_SCRIPT.replaceAll(`${E2E_PATHS.dir}/`, `${T}/`));
  chmodSync(join(T, "bin", "within"), 0o755);
});

describe("e2e steps under a real shell", () => {
  it("run in order: docker → stale delete → create → readyz → load → install → rollout → service", () => {
    expect(runSteps([...clusterSteps(S), ...deploySteps(S)], "ok")).toEqual({ stderr: "" });
    expect(calls().map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
      "docker info",
      "kind delete cluster",
      "kind create cluster",
      "kubectl --request-timeout=5s get",
      "kind load image-archive",
      "helm upgrade --install",
      "kubectl -n e2e",
      "kubectl -n e2e",
      "kubectl -n e2e",
    ]);
    expect(calls()[7]).toBe("kubectl -n e2e rollout status deployment.apps/gitops-demo --timeout=60s");
    expect(readFileSync(join(T, "service"), "utf8")).toBe("gitops-demo:80");
    const deadline = Number(readFileSync(join(T, "deadline"), "utf8"));
    expect(deadline - Math.floor(Date.now() / 1000)).toBeGreaterThan(160);
  });

  it("an image that fails to load stops the run before helm, with kind's error", () => {
    const r = runSteps([...clusterSteps(S), ...deploySteps(S)], "load-fails");
    expect(r.failed).toBe("load-image");
    expect(r.stderr).toContain("failed to load image");
    expect(calls().some((c) => c.startsWith("helm"))).toBe(false);
  });

  it("a step that hangs (rollout never finishes) is stopped when the setup budget runs out", () => {
    writeFileSync(join(T, "deadline"), String(Math.floor(Date.now() / 1000) + 2));
    const helm = deploySteps(S).find((s) => s.name === "helm-install")!;
    const started = Date.now();
    const r = run(helm.argv, "helm-hangs");
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/^e2e: time budget used up during: helm upgrade --install gitops-demo/m);
  });

  it("no step starts once the budget is used up", () => {
    writeFileSync(join(T, "deadline"), String(Math.floor(Date.now() / 1000) - 1));
    const r = run(deploySteps(S)[1]!.argv, "ok");
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/^e2e: time budget used up before: kind load image-archive/);
    expect(calls()).toEqual([]);
  });

  it("`within` refuses to run without the clock (start-clock did not run)", () => {
    const r = run(deploySteps(S)[1]!.argv, "ok");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no deadline file");
  });
});

describe("e2e diagnostics under a real shell", () => {
  it("crash-looping pod: its current and previous logs are collected; a hanging command is cut off; exits 0", () => {
    const argv = diagnosticsArgv(S);
    argv[argv.length - 1] = "1"; // one second per section instead of ten, to keep the test short
    const started = Date.now();
    const r = run(argv, "crashloop");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/===== events\.txt \(exit 124\)/);
    const order = [
      "events.txt",
      "pods.txt",
      "describe-workloads.txt",
      "services.txt",
      "failing-pod-logs.txt",
      "helm.txt",
      "nodes.txt",
      "docker.txt",
      "node-images.txt",
      "kind-export.txt",
    ];
    expect([...r.stdout.matchAll(/===== (\S+) \(exit \d+\)/g)].map((m) => m[1])).toEqual(order);
    const logs = readFileSync(join(T, "diag", "failing-pod-logs.txt"), "utf8");
    expect(logs).toContain("--- gitops-demo-abc\n");
    expect(logs).toContain("--- gitops-demo-abc (previous)");
    expect(logs).toContain("Traceback: boom in gitops-demo-abc");
    expect(logs).not.toContain("gitops-demo-def");
    expect(calls()).toContain("kubectl --request-timeout=8s -n e2e logs gitops-demo-abc --all-containers --previous --tail=200");
    expect(calls()).toContain(`kind export logs ${T}/diag/kind-logs --name e2e`);
  });

  it("with no cluster at all, every section still runs and the script exits 0", () => {
    const r = run(diagnosticsArgv(S), "no-cluster");
    expect(r.status).toBe(0);
    expect((r.stdout.match(/===== /g) ?? []).length).toBe(10);
  });
});
