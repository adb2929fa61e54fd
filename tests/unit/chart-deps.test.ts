/** Chart dependencies: which are declared, which are vendored, what fetches the others. */
import { describe, expect, it } from "vitest";
import { GitopsTree } from "../../dagger/src/core/validate/argocd.js";
import { dependenciesOf, dependencyBuildArgvs, missingDependencies } from "../../dagger/src/core/validate/chart-deps.js";

const CHART =
  "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - {name: common, version: 2.x.x, repository: oci://registry.example.com/charts}\n  - {name: redis, version: 1.0.0, repository: https://charts.example.com}\n  - {name: lib, version: 0.1.0, repository: file://../lib}\n";

describe("chart dependencies", () => {
  it("reads Chart.yaml's dependencies and a v1 chart's requirements.yaml", () => {
    expect(dependenciesOf(CHART).map((d) => d.name)).toEqual(["common", "redis", "lib"]);
    expect(dependenciesOf("apiVersion: v1\nname: old\n", "dependencies:\n  - {name: pg, version: 9.0.0, repository: https://x.example.com}\n")).toEqual([
      { name: "pg", version: "9.0.0", repository: "https://x.example.com" },
    ]);
    expect(dependenciesOf("name: none\n")).toEqual([]);
  });

  it("vendored as a chart directory or a <name>-<version>.tgz archive counts; anything else is missing", () => {
    const tree = new GitopsTree(["charts/web/Chart.yaml", "charts/web/charts/common/Chart.yaml", "charts/web/charts/redis-1.0.0.tgz"]);
    expect(missingDependencies(tree, "charts/web", dependenciesOf(CHART)).map((d) => d.name)).toEqual(["lib"]);
    expect(missingDependencies(new GitopsTree(["charts/web/Chart.yaml"]), "charts/web", dependenciesOf(CHART)).map((d) => d.name)).toEqual([
      "common",
      "redis",
      "lib",
    ]);
  });

  it("http repositories are added first (helm does not resolve them otherwise); OCI and file:// need nothing", () => {
    expect(dependencyBuildArgvs("charts/web", dependenciesOf(CHART))).toEqual([
      ["helm", "repo", "add", "dependency-0", "https://charts.example.com", "--force-update"],
      ["helm", "dependency", "build", "charts/web"],
    ]);
  });
});
