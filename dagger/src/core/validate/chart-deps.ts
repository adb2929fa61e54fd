/**
 * Chart dependencies, as a team brings them: a vendored `charts/` is used as is; dependencies
 * that are not vendored are fetched with `helm dependency build` (online; `helm repo add` first
 * for an http(s) repository, which helm will not resolve otherwise); when that fails (offline,
 * registry unreachable), one finding names each missing dependency and how to vendor it.
 */
import { posix } from "node:path";
import { parseDocument } from "yaml";
import type { Finding } from "../findings.js";
import type { GitopsTree } from "./argocd.js";
import { asObj as obj, asText as str } from "./manifests.js";
import type { ExecResult } from "./output.js";
import type { ValidationPort } from "./validation-types.js";

/** One entry of Chart.yaml's `dependencies` (or a v1 chart's requirements.yaml). */
export interface ChartDependency {
  name: string;
  version: string;
  repository: string;
}

/** The dependencies a chart declares; `texts` are its Chart.yaml and, when present, requirements.yaml. */
export function dependenciesOf(...texts: (string | undefined)[]): ChartDependency[] {
  return texts.flatMap((t) => {
    if (!t) return [];
    const deps = obj(parseDocument(t).toJS()).dependencies;
    return Array.isArray(deps)
      ? deps
          .map((d) => obj(d))
          .filter((d) => str(d.name))
          .map((d) => ({ name: str(d.name), version: String(d.version ?? ""), repository: str(d.repository) }))
      : [];
  });
}

/** The dependencies not vendored in `<chart>/charts/` (neither a `<name>/` chart directory nor a `<name>-*.tgz` archive). */
export function missingDependencies(tree: GitopsTree, chart: string, deps: readonly ChartDependency[]): ChartDependency[] {
  const dir = posix.join(chart, "charts");
  const archives = tree
    .filesUnder(dir, [".tgz"])
    .filter((f) => posix.dirname(f) === dir)
    .map((f) => posix.basename(f));
  return deps.filter((d) => !tree.hasFile(posix.join(dir, d.name, "Chart.yaml")) && !archives.some((a) => a.startsWith(`${d.name}-`)));
}

/** The argv that fetch a chart's dependencies: `helm repo add` for each http(s) repository, then `helm dependency build <chart>`. */
export function dependencyBuildArgvs(chart: string, deps: readonly ChartDependency[]): string[][] {
  const repos = [...new Set(deps.map((d) => d.repository).filter((r) => /^https?:\/\//.test(r)))];
  return [...repos.map((url, i) => ["helm", "repo", "add", `dependency-${i}`, url, "--force-update"]), ["helm", "dependency", "build", chart]];
}

/** The finding for dependencies that are neither vendored nor fetchable: each named, with the two ways to vendor it. */
export function dependencyFinding(chart: string, missing: readonly ChartDependency[], r: ExecResult, environments: readonly string[]): Finding {
  const lines = `${r.stderr}\n${r.stdout}`
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const why = (lines.find((l) => l.startsWith("Error:")) ?? lines[lines.length - 1] ?? `exit code ${r.exitCode}`).replace(/^Error: /, "");
  const list = missing.map((d) => `${d.name} ${d.version || "(any version)"} from ${d.repository || "(no repository)"}`).join(", ");
  return {
    source: "helm",
    rule: "HELM-DEPENDENCY",
    severity: "error",
    file: posix.join(chart, "Chart.yaml"),
    message: `${environments.join(", ")}: chart ${chart} depends on ${list}, not vendored in ${chart}/charts/, and helm dependency build failed (${why}); vendor it: run \`helm dependency build ${chart}\` where the repository is reachable and commit ${chart}/charts/ with Chart.lock, or copy the dependency's chart into the tree and set its repository to file://<path>`,
  };
}

/**
 * Make every chart's dependencies available before it is rendered: nothing to do when they are
 * vendored; else `helm dependency build` through the port. `charts` maps each chart to the
 * environments rendering it; a chart whose dependencies stay missing is `blocked` (its
 * environments are not rendered: helm would only repeat the error), with one finding.
 */
export async function prepareCharts(
  port: ValidationPort,
  tree: GitopsTree,
  charts: ReadonlyMap<string, readonly string[]>,
): Promise<{ blocked: Set<string>; findings: Finding[] }> {
  const blocked = new Set<string>();
  const findings: Finding[] = [];
  for (const [chart, envs] of charts) {
    const read = async (f: string) => (tree.hasFile(f) ? port.read(f) : undefined);
    const deps = dependenciesOf(await read(posix.join(chart, "Chart.yaml")), await read(posix.join(chart, "requirements.yaml")));
    const missing = missingDependencies(tree, chart, deps);
    if (missing.length === 0) continue;
    const r = await port.prepareChart(dependencyBuildArgvs(chart, missing));
    if (r.exitCode === 0) continue;
    blocked.add(chart);
    findings.push(dependencyFinding(chart, missing, r, envs));
  }
  return { blocked, findings };
}
