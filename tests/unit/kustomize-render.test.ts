/** The core pieces that render the kustomize overlays: which overlays, the argv, the build-error finding. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { GitopsTree } from "../../dagger/src/core/validate/argocd.js";
import { KUSTOMIZATION_FILES, kustomizeBuildFinding, overlayDir, overlaysOf } from "../../dagger/src/core/validate/kustomize.js";
import { kustomizeBuildArgv } from "../../dagger/src/core/validate/argv.js";
import { findingOrigin, overlayRenderKey } from "../../dagger/src/core/validate/validation.js";

describe("kustomize overlays of the environments", () => {
  const tree = new GitopsTree([
    "kustomize/base/kustomization.yaml",
    "kustomize/overlays/dev/kustomization.yaml",
    "kustomize/overlays/prod/kustomization.yml",
    "kustomize/overlays/qa/Kustomization",
    "kustomize/overlays/staging/notes.md", // a directory without a kustomization is no overlay
  ]);

  it("lists the environments whose overlay directory holds a kustomization, in the environments' order", () => {
    expect(overlaysOf(tree, "kustomize", ["prod", "staging", "dev", "qa"])).toEqual([
      { environment: "prod", dir: "kustomize/overlays/prod" },
      { environment: "dev", dir: "kustomize/overlays/dev" },
      { environment: "qa", dir: "kustomize/overlays/qa" },
    ]);
    expect(KUSTOMIZATION_FILES).toEqual(["kustomization.yaml", "kustomization.yml", "Kustomization"]);
  });

  it("no kustomize directory declared, or none in the tree: nothing to render", () => {
    expect(overlaysOf(tree, undefined, ["dev"])).toEqual([]);
    expect(overlaysOf(tree, "kustomize-other", ["dev"])).toEqual([]);
    expect(overlaysOf(tree, "kustomize", [])).toEqual([]);
  });

  it("the overlay directory is <kustomize>/overlays/<env>, normalized", () => {
    expect(overlayDir("kustomize", "dev")).toBe("kustomize/overlays/dev");
    expect(overlayDir("deploy/kustomize/", "prod")).toBe("deploy/kustomize/overlays/prod");
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), (root, env) => {
        const tree = new GitopsTree([`${root}/overlays/${env}/kustomization.yaml`]);
        expect(overlaysOf(tree, root, [env])).toEqual([{ environment: env, dir: `${root}/overlays/${env}` }]);
      }),
    );
  });

  it("the rendering of an overlay is kept apart from helm's: kustomize/<env>", () => {
    expect(overlayRenderKey("prod")).toBe("kustomize/prod");
  });
});

describe("kustomize build argv and its failure", () => {
  it("kustomize build <overlay>, with the binary the container has", () => {
    expect(kustomizeBuildArgv("kustomize/overlays/dev")).toEqual(["kustomize", "build", "kustomize/overlays/dev"]);
    expect(kustomizeBuildArgv("kustomize/overlays/dev", "/app/kustomize")).toEqual(["/app/kustomize", "build", "kustomize/overlays/dev"]);
    expect(() => kustomizeBuildArgv("")).toThrow(/no overlay/);
  });

  it("a failed build is a KUSTOMIZE-BUILD finding naming the overlay, with kustomize's error", () => {
    const overlay = { environment: "staging", dir: "kustomize/overlays/staging" };
    const stderr =
      'Error: no resource matches strategic merge patch "Deployment.v1.apps/missing.[noNs]": no matches for Id Deployment.v1.apps/missing.[noNs]; failed to find unique target for patch Deployment.v1.apps/missing.[noNs]\n';
    expect(kustomizeBuildFinding({ exitCode: 1, stdout: "", stderr }, overlay)).toEqual({
      source: "kustomize",
      rule: "KUSTOMIZE-BUILD",
      severity: "error",
      file: "kustomize/overlays/staging",
      message: `staging: kustomize build failed: ${stderr.trim().replace(/^Error: /, "")}`,
    });
    expect(kustomizeBuildFinding({ exitCode: 2, stdout: "", stderr: "" }, overlay).message).toBe("staging: kustomize build failed: exit code 2");
    expect(kustomizeBuildFinding({ exitCode: 1, stdout: "", stderr: "warning: x\nError: boom\n" }, overlay).message).toBe(
      "staging: kustomize build failed: boom",
    );
  });

  it("findings say where they came from: the environment, and the overlay for kustomize renderings", () => {
    const f = { source: "policy", rule: "R", severity: "error" as const, message: "m" };
    expect(findingOrigin(f)).toBe("");
    expect(findingOrigin({ ...f, environment: "dev" })).toBe("[dev] ");
    expect(findingOrigin({ ...f, environment: "dev", overlay: "kustomize/overlays/dev" })).toBe("[dev kustomize/overlays/dev] ");
  });
});
