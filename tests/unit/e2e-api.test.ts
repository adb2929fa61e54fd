import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";
import { E2E_DEFAULT_TIMEOUT } from "../../dagger/src/core/e2e/settings.js";

describe("e2e functions as the engine introspects them", () => {
  it("e2e: app and gitops from the caller's repo, optional image, defaults as documented", async () => {
    const fn = (await moduleApi()).objects.GitopsPipeline!.methods.e2e!;
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "E2eRun" });
    const args = Object.fromEntries(Object.values(fn.arguments).map((a) => [a.name, a]));
    expect(args.source!.defaultPath).toBe("/app");
    expect(args.gitops!.defaultPath).toBe("/gitops");
    expect(args.image!.isOptional).toBe(true);
    const defaults = Object.fromEntries(["chartPath", "environment", "valuesPath", "version", "release", "namespace", "timeout"].map((n) => [n, args[n]!.defaultValue]));
    expect(defaults).toEqual({ chartPath: "", environment: "dev", valuesPath: "", version: "0.0.0-e2e", release: "", namespace: "e2e", timeout: E2E_DEFAULT_TIMEOUT });
  }, 30_000); // the first introspection parses the whole module and the SDK

  it("debug functions return the dind Service and the kubeconfig File; the run object has logs, summary, assert", async () => {
    const api = await moduleApi();
    const m = api.objects.GitopsPipeline!.methods;
    expect(m.e2eDocker!.returnType).toEqual({ kind: "OBJECT_KIND", name: "Service" });
    expect(m.e2eKubeconfig!.returnType).toEqual({ kind: "OBJECT_KIND", name: "File" });
    expect(Object.keys(api.objects.E2eRun!.methods).sort()).toEqual(["assert", "logs", "summary"]);
  });
});
