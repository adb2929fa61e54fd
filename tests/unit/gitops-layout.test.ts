import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { DEFAULT_GITOPS_CONFIG, environmentLayout, parseGitopsConfig } from "../../dagger/src/core/gitops-config.js";

describe("environmentLayout (e2e and bump read the chart and values from gitops-pipeline.yaml)", () => {
  const repo = parseGitopsConfig(readFileSync("gitops/gitops-pipeline.yaml", "utf8"));

  it("takes chart, values and release from this repo's layout", () => {
    expect(environmentLayout(repo, "staging")).toEqual({
      chartPath: "charts/gitops-demo",
      valuesPath: "environments/staging/values.yaml",
      release: "gitops-demo",
    });
  });

  it("explicit paths win", () => {
    expect(environmentLayout(DEFAULT_GITOPS_CONFIG, "dev", { chartPath: "c", valuesPath: "v.yaml" })).toMatchObject({ chartPath: "c", valuesPath: "v.yaml" });
  });

  it("an unknown environment is an input error listing the known ones", () => {
    expect(() => environmentLayout(repo, "qa")).toThrow(/environments: unknown environment 'qa'.*dev, staging, prod/);
  });
});
