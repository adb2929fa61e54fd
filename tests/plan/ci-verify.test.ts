/**
 * ci's verify and rollback stages, as runCi wires them: the Argo CD connection checked before any
 * stage with errors naming ci's arguments; verify handed the commit the bump pushed; rollback
 * asking the gitops repository to roll the same environment back.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetSecrets } from "../../dagger/src/core/redact.js";
import { dag } from "@dagger.io/dagger";
import { ciStageRuns, runCi } from "../../dagger/src/ci/ci.js";
import { decideCi } from "../../dagger/src/core/ci/plan.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { ArgoCd } from "../../dagger/src/verify/argocd.js";
import { Run } from "../../dagger/src/run.js";
import { ciCall } from "../helpers/ci-call.js";

// The secrets runCi reads are remembered by the redaction, which other test files of the worker share (isolate: false).
afterEach(() => forgetSecrets());

const pushed = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
const secret = (value: string) => ({ plaintext: async () => value }) as never;
const call = { ...ciCall(), gitopsToken: secret("t0ken"), environment: "prod" };
/** The pipeline's parts, stopping at the repository (asked for before any stage when the bump runs). */
const parts = (made: { argo?: unknown[] } = {}) => ({
  app: () => ({}) as never,
  manifests: () => ({}) as never,
  repo: async () => ({}) as never,
  argoCd: (use: { token: boolean; kubeconfig: boolean }) => {
    made.argo?.push(use);
    return new ArgoCd(
      call2.argocdServer ?? "",
      "argocd",
      false,
      dag.directory(),
      use.token ? secret("argo") : undefined,
      use.kubeconfig ? secret("kc") : undefined,
    );
  },
});
let call2: { argocdServer?: string } = {};
const errorOf = async (p: Promise<unknown>): Promise<InputError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
};

describe("ci: the Argo CD connection and verify's inputs are checked before any stage, naming ci's arguments", () => {
  it("a server without a token names --argocd-token; a server and a kubeconfig name --argocd-kubeconfig; no renaming of the inner function's errors", async () => {
    call2 = { argocdServer: "https://argocd.example.com" };
    const noToken = await errorOf(runCi(parts(), { ...call, argocdServer: call2.argocdServer! }));
    expect(noToken.input).toBe("argocdToken");
    expect(noToken.message).toMatch(/^--argocd-token: is missing: verify.argocdServer in gitops-pipeline.settings.yaml needs an Argo CD API token/);
    const both = await errorOf(runCi(parts(), { ...call, argocdServer: call2.argocdServer!, argocdToken: secret("a"), argocdKubeconfig: secret("k") }));
    expect(both.input).toBe("argocdKubeconfig");
    expect(both.problem).toMatch(/verify.argocdServer/);
    call2 = {};
    expect((await errorOf(runCi(parts(), { ...call, argocdServer: "", argocdToken: secret("a") }))).problem).toMatch(/names no verify.argocdServer/);
  });

  it("an empty token (unset CI variable) with an empty server is no verify at all; rollback-on-failure then is refused naming the settings key", async () => {
    call2 = {};
    const seen: unknown[] = [];
    const e = await errorOf(runCi(parts({ argo: seen }), { ...call, argocdServer: "", argocdToken: secret(""), rollbackOnFailure: true }));
    expect(e.input).toBe("gitops-pipeline.settings.yaml: verify.rollbackOnFailure");
    expect(seen).toEqual([]);
  });

  it("the connection is made with only the credentials that hold a value", async () => {
    call2 = { argocdServer: "" };
    const seen: unknown[] = [];
    const p = parts({ argo: seen });
    p.repo = async () => {
      throw new Error("stop before any stage");
    };
    await expect(runCi(p, { ...call, argocdServer: "", argocdToken: secret(""), argocdKubeconfig: secret("apiVersion: v1") })).rejects.toThrow(
      "stop before any stage",
    );
    expect(seen).toEqual([{ token: false, kubeconfig: true }]);
  });
});

describe("ci: the verify and rollback stages", () => {
  const d = decideCi({ ...call, hasRegistryPassword: true, hasGitopsCredentials: true, hasDeployCheck: true, rollbackOnFailure: true });
  const report = (stage: string, passed: boolean) => Run.of({ stage, passed, summary: `${stage} ${passed ? "passed" : "failed"}`, details: "", findings: [] });

  it("verify waits for the commit the bump pushed, in the run's environment, with ci's timeout and probe", async () => {
    const verify = vi.fn(async () => report("verify", false));
    const runs = ciStageRuns(
      { app: {} as never, manifests: {} as never, repo: async () => ({}) as never, argoCd: { verify } as never },
      { ...call, verifyTimeout: 120, probeUrl: "https://prod.example.com/healthz" },
      d,
      Date.now(),
    );
    const out = await runs.verify({ bump: { gitopsCommit: pushed } });
    expect(verify).toHaveBeenCalledWith("prod", pushed, 120, "https://prod.example.com/healthz");
    expect(out).toMatchObject({ ok: false, summary: "verify failed", cached: false });
  });

  it("rollback rolls the run's environment back through the gitops repository", async () => {
    const rollback = vi.fn(async () => report("rollback", true));
    const runs = ciStageRuns({ app: {} as never, manifests: {} as never, repo: async () => ({ rollback }) as never }, call, d, Date.now());
    const out = await runs.rollback({ verify: {} });
    expect(rollback).toHaveBeenCalledWith("prod");
    expect(out).toMatchObject({ ok: true, summary: "rollback passed", cached: false });
  });
});

describe("ci: pull-request mode", () => {
  it("is handed to decideCi: verify waits for nothing, and rollback-on-failure is refused naming verify.rollbackOnFailure", async () => {
    call2 = { argocdServer: "https://argocd.example.com" };
    const e = await errorOf(
      runCi(parts(), { ...call, pullRequest: true, argocdServer: call2.argocdServer!, argocdToken: secret("a"), rollbackOnFailure: true }),
    );
    expect(e.input).toBe("gitops-pipeline.settings.yaml: verify.rollbackOnFailure");
    expect(decideCi({ ...call, hasRegistryPassword: true, hasGitopsCredentials: true, pullRequest: true, hasDeployCheck: true }).skip.verify).toMatch(
      /pull request/,
    );
  });

  it("the repository is asked for with whether an API token holds a value (an empty env:// one does not)", async () => {
    const seen: unknown[] = [];
    const p = { ...parts(), repo: async (use: unknown) => (seen.push(use), Promise.reject(new Error("stop before any stage"))) };
    await expect(runCi(p, { ...call, pullRequest: true, gitopsApiToken: secret("") })).rejects.toThrow("stop before any stage");
    await expect(runCi(p, { ...call, pullRequest: true, gitopsApiToken: secret("api") })).rejects.toThrow("stop before any stage");
    expect(seen).toEqual([
      { token: true, sshKey: false, apiToken: false, registry: true },
      { token: true, sshKey: false, apiToken: true, registry: true },
    ]);
  });
});
