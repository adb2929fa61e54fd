/** argo-cd and verify as the engine introspects them: names, Secrets, defaults, never cached. */
import { describe, expect, it } from "vitest";
import { moduleApi } from "../helpers/module-api.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";
import { DEFAULT_GITOPS_CONFIG, parseGitopsConfig } from "../../dagger/src/core/gitops-config.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { applicationOf } from "../../dagger/src/verify/verify.js";

describe("argo-cd and verify as the engine introspects them", () => {
  it("argo-cd takes the server and a Secret token, or a Secret kubeconfig; defaults from the table", async () => {
    const fn = (await moduleApi()).objects.GitopsPipeline!.methods.argoCd!;
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "ArgoCd" });
    expect(fn.arguments.token!.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
    expect(fn.arguments.kubeconfig!.type).toEqual({ kind: "OBJECT_KIND", name: "Secret" });
    expect(
      Object.fromEntries(
        Object.values(fn.arguments)
          .filter((a) => a.defaultValue !== undefined)
          .map((a) => [a.name, a.defaultValue]),
      ),
    ).toEqual({ server: "", namespace: DEFAULTS.argocdNamespace, insecure: false, app: "" });
    expect(fn.arguments.insecure!.description).toMatch(/Skip TLS verification/);
  });

  it("verify is never cached, returns a Run and needs no argument", async () => {
    const fn = (await moduleApi()).objects.ArgoCd!.methods.verify!;
    expect(fn.cache).toBe("never");
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "Run" });
    expect(Object.fromEntries(Object.values(fn.arguments).map((a) => [a.name, a.defaultValue]))).toEqual({
      environment: DEFAULTS.environment,
      revision: "",
      timeout: DEFAULTS.verifyTimeout,
      probeUrl: "",
      application: "",
    });
  });

  it("no argument of either function is a string credential", async () => {
    const api = await moduleApi();
    for (const fn of [api.objects.GitopsPipeline!.methods.argoCd!, ...Object.values(api.objects.ArgoCd!.methods)]) {
      const strings = Object.values(fn.arguments)
        .filter((x) => x.type.kind === "STRING_KIND")
        .map((x) => x.name);
      expect(
        strings.filter((n) => /token|password|key|kubeconfig/i.test(n)),
        fn.name,
      ).toEqual([]);
    }
  });
});

describe("the environment's Application", () => {
  it("comes from gitops-pipeline.yaml", () => {
    expect(applicationOf(DEFAULT_GITOPS_CONFIG, "prod")).toBe("gitops-demo-prod");
    const c = parseGitopsConfig("environments:\n  qa:\n    values: [qa.yaml]\n    namespace: shop-qa\n    application: shop-qa-eu\n");
    expect(applicationOf(c, "qa")).toBe("shop-qa-eu");
  });

  it("an environment the file does not declare is an InputError naming environment and listing the known ones", () => {
    try {
      applicationOf(DEFAULT_GITOPS_CONFIG, "qa");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).input).toBe("environment");
      expect((e as InputError).fix).toBe("pass one of: dev, staging, prod");
    }
  });
});
