/**
 * A gitops tree without gitops-pipeline.yaml whose Argo CD Applications say everything: the
 * layout is discovered from them (each Application deploying a chart or kustomization of the
 * tree is one environment of the app that chart or kustomization is), written as the
 * gitops-pipeline.yaml the team would commit, and read through the same parser. Applications
 * that cannot be rendered from the tree (a Helm-repository chart, a plugin, a plain directory,
 * a path outside the tree) are listed with the reason, never guessed at.
 */
import { posix } from "node:path";
import { stringify } from "yaml";
import { InputError } from "../errors.js";
import { APPLICATION_NAME, DEFAULT_GITOPS_CONFIG, DNS_LABEL, GITOPS_CONFIG_FILE, parsePipelineConfig, type PipelineConfig } from "../gitops-config.js";
import { loadPipeline } from "./app-plan.js";
import { expandApplicationSets } from "./applicationset.js";
import { applicationSync, argoCharts, readArgoObjects, sourcesOf, treePath, valueFilesOf, type GitopsTree } from "./argocd.js";
import { renderArgoCharts, type ArgoChartRendering } from "./argocd-chart.js";
import { asObj, asText, type Manifest } from "./manifests.js";
import type { ValidationPort } from "./validation-types.js";

/** The info finding that says the layout was discovered, and the file to commit. */
export const DISCOVER_RULES = {
  "GITOPS-DISCOVERED":
    "a tree without gitops-pipeline.yaml is validated with the layout its Argo CD Applications describe; the finding lists what was discovered and skipped and holds the file to commit",
} as const;

/** Where the docs say what a team writes. */
const DOCS = "see docs/gitops-repositories.md";

const KUSTOMIZATIONS = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const ARGO_KIND = /^kind:\s*["']?Application(Set)?["']?\s*$/m;
const ARGO_API = /^apiVersion:\s*["']?argoproj\.io\//m;

/** True when the tree is this module's sample layout (the defaults apply to it as they always did). */
export function isSampleLayout(tree: GitopsTree, chart: string): boolean {
  return tree.hasFile(`${chart}/Chart.yaml`);
}

/**
 * The directory holding the tree's Argo CD manifests: the deepest directory containing every YAML
 * file (outside a deployed chart) that declares an argoproj.io Application or ApplicationSet, and
 * every chart whose templates render Applications (an app-of-apps chart). Undefined when there is none.
 */
export async function findArgoDirectory(tree: GitopsTree, read: (p: string) => Promise<string>): Promise<string | undefined> {
  const charts = argoCharts(tree, "");
  const chartOf = (f: string) => charts.find((c) => c === "" || f.startsWith(`${c}/`));
  const found: string[] = [];
  for (const file of tree.filesUnder("", [".yaml", ".yml"])) {
    const text = await read(file);
    if (!ARGO_KIND.test(text) || !ARGO_API.test(text)) continue;
    const chart = chartOf(file);
    // A template of a chart: the chart is the app-of-apps, rendered with helm as a whole.
    found.push(chart !== undefined && file.startsWith(`${chart ? `${chart}/` : ""}templates/`) ? chart : posix.dirname(file));
  }
  if (found.length === 0) return undefined;
  const parts = found.map((d) => (d === "." ? [] : d.split("/")));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0]![i]); i++) common.push(parts[0]![i]!);
  return common.join("/");
}

/** A DNS-1123 label made from `s` (lower-cased, other characters as '-'), or "" when nothing is left. */
function label(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 53)
    .replace(/-+$/, "");
}

/** Where the tree sits in the repository: the prefix that maps the most Application paths onto directories of the tree. */
export function inferRepoPath(tree: GitopsTree, paths: readonly string[]): string {
  const votes = new Map<string, number>();
  for (const raw of paths) {
    const norm = posix.normalize(raw.replace(/^\/+/, "")).replace(/\/+$/, "");
    if (norm.startsWith("..")) continue;
    const segs = norm === "." ? [] : norm.split("/");
    for (let k = 0; k <= segs.length; k++) {
      const rest = segs.slice(k).join("/");
      if (rest !== "" && tree.hasDir(rest)) {
        const prefix = segs.slice(0, k).join("/");
        votes.set(prefix, (votes.get(prefix) ?? 0) + 1);
        break;
      }
    }
  }
  const best = [...votes].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length)[0];
  return best ? best[0] : "";
}

/** What discovery found: the file to commit, the layout read from it, and the Applications left out with why. */
export interface Discovery {
  text: string;
  pipeline: PipelineConfig;
  skipped: { application: string; why: string }[];
  /** Each discovered app with its environments (for the finding). */
  apps: { name: string; dir: string; environments: string[] }[];
}

/** One Application that deploys a chart or kustomization of the tree. */
interface Deployed {
  app: Manifest;
  dir: string;
  kind: "chart" | "kustomize";
  values: string[];
}

/** What the Application deploys from the tree, or why it cannot be rendered from it. */
function deployedBy(app: Manifest, tree: GitopsTree, repoPath: string, argocd: string): Deployed | string {
  const all = sourcesOf(app);
  if (all.some((s) => asText(s.s.chart)))
    return "its chart comes from a Helm repository (spec.source.chart): copy the chart into the tree and write gitops-pipeline.yaml";
  const src = all.find((s) => asText(s.s.path));
  if (!src) return "it has no source path";
  if (asObj(src.s.plugin) && Object.keys(asObj(src.s.plugin)).length) return "it renders with a config management plugin, which validate does not run";
  const dir = treePath(repoPath, asText(src.s.path));
  if (dir === undefined || !tree.hasDir(dir)) return `its path ${asText(src.s.path)} is not a directory of this tree`;
  if (dir === argocd || dir.startsWith(`${argocd}/`) || (argocd === "" && dir === "")) return "it deploys the Argo CD manifests themselves (an app of apps)";
  const chart = tree.hasFile(posix.join(dir, "Chart.yaml"));
  const kustomize = KUSTOMIZATIONS.some((n) => tree.hasFile(posix.join(dir, n)));
  if (!chart && !kustomize) return `its path ${dir} holds neither a Chart.yaml nor a kustomization (plain or jsonnet directories are not rendered)`;
  const own = posix.join(dir, "values.yaml");
  // The chart's own values.yaml is applied by helm anyway; a value file missing from the tree is left to ARGO-VALUES-FILES.
  const values = chart
    ? valueFilesOf(src, all, repoPath)
        .map((v) => v.tree)
        .filter((t): t is string => t !== undefined && t !== own && tree.hasFile(t))
    : [];
  return { app, dir, kind: chart ? "chart" : "kustomize", values };
}

/** The environment name of an Application of app `app`: its name without the app's name (`podinfo-dev` is dev), else `default`. */
function environmentName(application: string, app: string): string {
  const rest = application.includes(app) ? application.replace(app, "-") : application;
  return label(rest.replace(/\./g, "-")) || "default";
}

/**
 * The layout the Applications describe. `objects` are the Argo CD objects read from `argocd`
 * (files, app-of-apps charts, ApplicationSet-generated). Throws an InputError saying what to write
 * when no Application deploys anything of the tree.
 */
export function discoverPipeline(tree: GitopsTree, argocd: string, objects: readonly Manifest[]): Discovery {
  const applications = objects.filter((o) => o.kind === "Application");
  const repoPath = inferRepoPath(tree, applications.flatMap((a) => sourcesOf(a).map((s) => asText(s.s.path))).filter(Boolean));
  const skipped: Discovery["skipped"] = [];
  const byDir = new Map<string, Deployed[]>();
  for (const app of applications) {
    const d = deployedBy(app, tree, repoPath, argocd);
    if (typeof d === "string") skipped.push({ application: app.name, why: d });
    else if (!APPLICATION_NAME.test(app.name)) skipped.push({ application: app.name, why: "its name is not a valid Application name" });
    else byDir.set(d.dir, [...(byDir.get(d.dir) ?? []), d]);
  }
  const apps: Record<string, unknown>[] = [];
  const summary: Discovery["apps"] = [];
  const taken = new Set<string>();
  for (const [dir, deployed] of [...byDir].sort((a, b) => a[0].localeCompare(b[0]))) {
    let name = label(posix.basename(dir) || "app") || "app";
    for (let i = 2; taken.has(name); i++) name = `${label(posix.basename(dir) || "app")}-${i}`;
    taken.add(name);
    const environments: Record<string, unknown> = {};
    for (const d of deployed) {
      let env = environmentName(d.app.name, name);
      for (let i = 2; env in environments; i++) env = `${environmentName(d.app.name, name)}-${i}`;
      const ns = asText(asObj(asObj(d.app.body.spec).destination).namespace);
      environments[env] = {
        ...(d.values.length ? { values: d.values } : {}),
        namespace: DNS_LABEL.test(ns) ? ns : "default",
        application: d.app.name,
        ...(/^(prod|production|prd|live)$/.test(env) ? { production: true } : {}),
        sync: applicationSync(d.app),
      };
    }
    const kind = deployed[0]!.kind;
    apps.push({
      name,
      ...(kind === "chart" ? { chart: dir } : { kustomize: dir, writeBack: { format: "kustomize" } }),
      environments,
    });
    summary.push({ name, dir, environments: Object.keys(environments) });
  }
  if (apps.length === 0) {
    const seen = skipped.length ? ` (${skipped.map((s) => `${s.application}: ${s.why}`).join("; ")})` : "";
    throw new InputError(
      GITOPS_CONFIG_FILE,
      `is missing and no Argo CD Application in ${argocd || "the tree"} deploys a chart or kustomization of this tree${seen}`,
      `write ${GITOPS_CONFIG_FILE} at the root of the gitops directory naming the chart (or kustomize base) and its environments; ${DOCS}`,
    );
  }
  const header = `# Discovered from the Argo CD Applications in ${argocd || "the tree"}; commit it as ${GITOPS_CONFIG_FILE} to tune it.\n`;
  const text = header + stringify({ repoPath, argocd, apps }, { lineWidth: 0 });
  const pipeline = parsePipelineConfig(text, GITOPS_CONFIG_FILE);
  return { text, pipeline, skipped, apps: summary };
}

/** The info finding telling the team what was discovered and what to commit to tune it (and to write back). */
export function discoveryFinding(d: Discovery): {
  source: string;
  rule: keyof typeof DISCOVER_RULES;
  severity: "info";
  message: string;
  file: string;
  hint: string;
} {
  const apps = d.apps.map((a) => `${a.name} (${a.dir}: ${a.environments.join(", ")})`).join("; ");
  const skipped = d.skipped.length ? `; not rendered: ${d.skipped.map((s) => `${s.application} (${s.why})`).join("; ")}` : "";
  return {
    source: "gitops",
    rule: "GITOPS-DISCOVERED",
    severity: "info",
    message: `no ${GITOPS_CONFIG_FILE}: the layout was discovered from the Argo CD Applications: ${apps}${skipped}`,
    file: GITOPS_CONFIG_FILE,
    hint: `to tune it (policy, production, write-back keys) and to let bump and promote write back, commit this as ${GITOPS_CONFIG_FILE}:\n${d.text}`,
  };
}

/** The tree's layout and its Argo CD objects, read once for a validation. */
export interface TreeLayout {
  pipeline: PipelineConfig;
  /** The Argo CD directory's YAML files and app-of-apps charts, as read. */
  argo: Awaited<ReturnType<typeof readArgoObjects>>;
  argoCharts: ArgoChartRendering;
  expansion: ReturnType<typeof expandApplicationSets>;
  /** Files, app-of-apps charts and ApplicationSet-generated Applications together. */
  argoObjects: Manifest[];
  /** Set when the tree had no gitops-pipeline.yaml and the layout came from its Applications. */
  discovery?: Discovery;
}

/**
 * Read the layout: gitops-pipeline.yaml; else this module's sample layout when the tree is it;
 * else discovered from the tree's Argo CD Applications. A tree with none of the three is an
 * InputError saying what to write.
 */
export async function readTreeLayout(port: Pick<ValidationPort, "read" | "render">, tree: GitopsTree, kubernetesVersion: string): Promise<TreeLayout> {
  const read = (p: string) => port.read(p);
  const discover = !tree.hasFile(GITOPS_CONFIG_FILE) && !isSampleLayout(tree, DEFAULT_GITOPS_CONFIG.chart!);
  let argocd: string;
  if (discover) {
    const dir = await findArgoDirectory(tree, read);
    if (dir === undefined)
      throw new InputError(
        GITOPS_CONFIG_FILE,
        `is missing, and the tree holds no Argo CD Application to discover its layout from (nor this module's sample layout, ${DEFAULT_GITOPS_CONFIG.chart}/Chart.yaml)`,
        `pass the gitops directory that holds your chart and Argo CD Applications, or write ${GITOPS_CONFIG_FILE} naming the chart (or kustomize base) and its environments; ${DOCS}`,
      );
    if (dir === "")
      throw new InputError(
        GITOPS_CONFIG_FILE,
        "is missing, and the tree's Argo CD manifests are not under one directory",
        `write ${GITOPS_CONFIG_FILE} with argocd: naming the directory of your Applications, and the chart (or kustomize base) and environments; ${DOCS}`,
      );
    argocd = dir;
  }
  const layout = discover ? undefined : await loadPipeline(port, tree);
  argocd = layout ? layout.argocd : argocd!;
  const argo = await readArgoObjects(read, tree, argocd);
  // An app-of-apps chart reads its own directory only: its rendering stays cached while the rest of the tree changes.
  const argoCharts = await renderArgoCharts(argo.charts, kubernetesVersion, (key, argv, dir) => port.render(key, argv, undefined, dir ? [dir] : undefined));
  const expansion = expandApplicationSets([...argo.objects, ...argoCharts.objects]);
  const argoObjects = [...argo.objects, ...argoCharts.objects, ...expansion.applications];
  const discovery = layout ? undefined : discoverPipeline(tree, argocd, argoObjects);
  return { pipeline: layout ?? discovery!.pipeline, argo, argoCharts, expansion, argoObjects, ...(discovery ? { discovery } : {}) };
}
