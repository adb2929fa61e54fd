import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { DEFAULT_GITOPS_CONFIG, environmentLayout, parseGitopsConfig } from "../../dagger/src/core/gitops-config.js";

describe("environmentLayout (e2e and bump read the chart and values from gitops-pipeline.yaml)", () => {
  const repo = parseGitopsConfig(readFileSync("gitops/gitops-pipeline.yaml", "utf8"));

  it("takes chart, values and release from this repo's layout", () => {
    expect(environmentLayout(repo, "staging")).toEqual({
      chartPath: "charts/gitops-demo",
      valuesPaths: ["environments/staging/values.yaml"],
      release: "gitops-demo",
    });
  });

  it("a layered environment yields all its values files, in order, as a copy", () => {
    const layered = parseGitopsConfig(
      "environments:\n  dev:\n    values: [common.yaml, environments/dev/values.yaml, environments/dev/local.yaml]\n    namespace: demo-dev\n    application: demo-dev\n",
    );
    expect(environmentLayout(layered, "dev").valuesPaths).toEqual(["common.yaml", "environments/dev/values.yaml", "environments/dev/local.yaml"]);
    environmentLayout(layered, "dev").valuesPaths.push("x.yaml");
    expect(layered.environments.dev!.values).toHaveLength(3);
  });

  it("the default layout is this repository's", () => {
    expect(environmentLayout(DEFAULT_GITOPS_CONFIG, "prod")).toEqual(environmentLayout(repo, "prod"));
  });

  it("an unknown environment is an input error listing the known ones", () => {
    expect(() => environmentLayout(repo, "qa")).toThrow(/^--environment: unknown environment 'qa'.*dev, staging, prod/);
  });
});
