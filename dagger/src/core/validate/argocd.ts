/**
 * Argo CD checks over the Applications of a gitops tree: what Argo CD will try to sync must exist
 * in the tree, point at a pinned source, and match what the validate stage rendered for each
 * environment (namespace, values files, sync policy).
 */
import { posix } from "node:path";
import type { Finding } from "../findings.js";
import { GITOPS_CONFIG_FILE, type GitopsConfig } from "../gitops-config.js";
import { asObj as obj, asText as str, objectId, parseManifests, parseYamlInput, type Manifest } from "./manifests.js";

/** Argo CD check ids, with what each one proves. */
export const ARGOCD_RULES = {
  "ARGO-REPO-URL": "every source has a repoURL",
  "ARGO-TARGET-REVISION": "every source has a targetRevision",
  "ARGO-PATH": "every source path exists in the gitops tree (and holds a Chart.yaml for Helm sources)",
  "ARGO-VALUES-FILES": "every Helm valueFiles entry exists in the gitops tree",
  "ARGO-ENVIRONMENT": "every environment has its Application, deploying to its namespace with the values files validate rendered",
  "ARGO-SYNC-POLICY": "the sync policy is the one declared for the environment (automated, prune, selfHeal, CreateNamespace)",
  "ARGO-PROJECT": "the project is `default` or an AppProject of the tree",
  "ARGO-PROJECT-DESTINATION": "the Application's AppProject allows its destination (server or cluster name, and namespace; `!` entries deny)",
  "ARGO-PROJECT-SOURCE": "the Application's AppProject allows its source repositories (sourceRepos globs; `!` entries deny)",
  "ARGO-PROJECT-RESOURCES": "the Application's AppProject allows every kind the environment renders (its resource white- and blacklists)",
  "ARGO-APPLICATIONSET":
    "every ApplicationSet's list and matrix generators expand (each element fills every template expression, the generated names differ); the Applications it generates pass the checks above (other generators are reported, not expanded)",
  "ARGO-POD-SECURITY":
    "a production environment's namespace enforces the restricted Pod Security Standard (managedNamespaceMetadata label, with CreateNamespace=true)",
} as const;

/** The Pod Security Admission label a production namespace must carry, and its value. */
export const PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
export const PSA_PRODUCTION_LEVEL: PodSecurityLevel = "restricted";

export type ArgoRule = keyof typeof ARGOCD_RULES;

type Obj = Record<string, unknown>;

/** The gitops tree as a set of relative file paths, with directory lookups. */
export class GitopsTree {
  private readonly fileSet: Set<string>;
  private readonly dirs = new Set<string>([""]);
  constructor(files: Iterable<string>) {
    this.fileSet = new Set([...files].map((f) => f.replace(/^\.\//, "")));
    for (const f of this.fileSet) {
      let d = posix.dirname(f);
      while (d !== "." && !this.dirs.has(d)) {
        this.dirs.add(d);
        d = posix.dirname(d);
      }
    }
  }
  hasFile(p: string): boolean {
    return this.fileSet.has(p);
  }
  hasDir(p: string): boolean {
    return this.dirs.has(p === "." ? "" : p);
  }
  /** Files under `dir` with one of the extensions, sorted. */
  filesUnder(dir: string, exts: readonly string[]): string[] {
    const prefix = dir ? `${dir}/` : "";
    return [...this.fileSet].filter((f) => f.startsWith(prefix) && exts.some((e) => f.endsWith(e))).sort();
  }
}

/**
 * The Helm charts inside the Argo CD directory (an app-of-apps written as a chart): directories
 * holding a Chart.yaml. Their files are templates, rendered with helm, never parsed as YAML.
 */
export function argoCharts(tree: GitopsTree, dir: string): string[] {
  const dirs = tree
    .filesUnder(dir, ["Chart.yaml"])
    .filter((f) => posix.basename(f) === "Chart.yaml")
    .map((f) => posix.dirname(f))
    .map((d) => (d === "." ? "" : d));
  // A chart's own subcharts (its charts/ directory) render with it, not on their own.
  return dirs.filter((d) => !dirs.some((o) => o !== d && (o === "" || d.startsWith(`${o}/`))));
}

/**
 * The Argo CD directory's YAML files and the objects they hold; a file that is not YAML is an
 * InputError naming it. Files of a chart inside the directory (see argoCharts) are left to helm.
 */
export async function readArgoObjects(
  read: (path: string) => Promise<string>,
  tree: GitopsTree,
  dir: string,
): Promise<{ files: string[]; objects: Manifest[]; charts: string[] }> {
  const charts = argoCharts(tree, dir);
  const inChart = (f: string) => charts.some((c) => c === "" || f.startsWith(`${c}/`));
  const files = tree.filesUnder(dir, [".yaml", ".yml"]).filter((f) => !inChart(f));
  const objects: Manifest[] = [];
  for (const file of files) {
    const text = await read(file);
    parseYamlInput(text, file);
    // A finding on an Application names its file, even when the file carries helm's `# Source:` header.
    objects.push(...parseManifests(text, file).objects.map((o) => ({ ...o, source: file })));
  }
  return { files, objects, charts };
}

/** Map a repository path (as in an Application) to a tree path; undefined when outside the tree. */
export function treePath(repoPath: string, path: string): string | undefined {
  const norm = posix.normalize(path.replace(/^\/+/, "")).replace(/\/+$/, "");
  if (norm.startsWith("..")) return undefined;
  const root = repoPath.replace(/^\/+|\/+$/g, "");
  if (!root) return norm === "." ? "" : norm;
  if (norm === root) return "";
  return norm.startsWith(`${root}/`) ? norm.slice(root.length + 1) : undefined;
}

/** One source of an Application, with its field path (`spec.source`, `spec.sources[1]`). */
export interface Source {
  s: Obj;
  path: string; // field path of the source in the object
}

/** The sources of an Application: `spec.sources` (multi-source) or `spec.source`. */
export function sourcesOf(app: Manifest): Source[] {
  const spec = obj(app.body.spec);
  if (Array.isArray(spec.sources)) return spec.sources.map((s, i) => ({ s: obj(s), path: `spec.sources[${i}]` }));
  return [{ s: obj(spec.source), path: "spec.source" }];
}

/** What the per-Application checks need: the objects, the tree, and where the tree sits in the repository. */
export interface ApplicationCheckInput {
  objects: readonly Manifest[];
  tree: GitopsTree;
  repoPath: string;
  /** Tree paths already reported missing by an earlier finding (an app's chart or values file): not reported again. */
  reported?: ReadonlySet<string>;
}

/** What the per-environment checks of one app need; `app` tags the findings of a multi-app tree. */
export interface EnvironmentCheckInput {
  objects: readonly Manifest[];
  /** The tree, to tell the value files Argo CD skips (ignoreMissingValueFiles). */
  tree?: GitopsTree;
  config: GitopsConfig;
  environments: readonly string[];
  app?: string;
  /** The Pod Security level a production environment's namespace must enforce at least: restricted, or baseline where the team's policy profile is baseline. */
  podSecurity?: (environment: string) => PodSecurityLevel;
}

/** Pod Security Standards levels a production namespace may be required to enforce, weakest last. */
export type PodSecurityLevel = "restricted" | "baseline";

/** Resolve the Helm value files of a source to tree paths (relative to its path, or `$ref/...`). */
export function valueFilesOf(src: Source, all: Source[], repoPath: string): { entry: string; field: string; tree?: string }[] {
  const files = obj(src.s.helm).valueFiles;
  if (!Array.isArray(files)) return [];
  return files.map((raw, i) => {
    const entry = String(raw);
    const field = `${src.path}.helm.valueFiles[${i}]`;
    let repoRel: string;
    const ref = /^\$([^/]+)\/(.*)$/.exec(entry);
    if (ref) {
      // Multi-source `$values/...`: relative to the root of the source with that ref.
      if (!all.some((o) => str(o.s.ref) === ref[1])) return { entry, field };
      repoRel = ref[2]!;
    } else {
      repoRel = posix.join(str(src.s.path), entry);
    }
    const t = treePath(repoPath, repoRel);
    return t === undefined ? { entry, field } : { entry, field, tree: t };
  });
}

type AddFinding = (rule: ArgoRule, app: Manifest, path: string, message: string, severity?: Finding["severity"]) => void;

function adder(out: Finding[], extra: Partial<Finding> = {}): AddFinding {
  return (rule, app, path, message, severity = "error") => {
    out.push({ source: "argocd", rule, severity, object: objectId(app), path, file: app.source, message, ...extra });
  };
}

/** The checks of every Application on its own: project, repoURL, targetRevision, path and values files in the tree. */
export function checkApplications(input: ApplicationCheckInput): Finding[] {
  const { objects, tree, repoPath } = input;
  const reported = input.reported ?? new Set<string>();
  const out: Finding[] = [];
  const add = adder(out);
  const projects = new Set(objects.filter((o) => o.kind === "AppProject").map((o) => o.name));
  const apps = objects.filter((o) => o.kind === "Application");

  for (const app of apps) {
    const project = str(obj(app.body.spec).project);
    if (project !== "default" && !projects.has(project)) {
      add(
        "ARGO-PROJECT",
        app,
        "spec.project",
        project ? `project '${project}' is not defined in the tree (AppProjects: ${[...projects].join(", ") || "none"})` : "spec.project is not set",
      );
    }
    const sources = sourcesOf(app);
    for (const src of sources) {
      if (!str(src.s.repoURL)) add("ARGO-REPO-URL", app, `${src.path}.repoURL`, "repoURL is not set");
      if (!str(src.s.targetRevision)) add("ARGO-TARGET-REVISION", app, `${src.path}.targetRevision`, "targetRevision is not set (Argo CD would follow HEAD)");
      if (str(src.s.chart)) continue; // a chart from a Helm repository: no path in this tree
      const path = str(src.s.path);
      if (!path) {
        if (!str(src.s.ref)) add("ARGO-PATH", app, `${src.path}.path`, "path is not set");
        continue;
      }
      const t = treePath(repoPath, path);
      if (t === undefined) {
        add("ARGO-PATH", app, `${src.path}.path`, `path '${path}' is outside the gitops tree (it starts with '${repoPath}/' in the repository)`);
      } else if (reported.has(t)) {
        // The app's missing chart is already a finding: one cause, one finding.
      } else if (!tree.hasDir(t)) {
        add("ARGO-PATH", app, `${src.path}.path`, `path '${path}' does not exist in the gitops tree`);
      } else if (src.s.helm !== undefined && !tree.hasFile(t ? `${t}/Chart.yaml` : "Chart.yaml")) {
        add("ARGO-PATH", app, `${src.path}.path`, `path '${path}' has Helm settings but no Chart.yaml`);
      }
      for (const vf of valueFilesOf(src, sources, repoPath)) {
        if (vf.tree === undefined) add("ARGO-VALUES-FILES", app, vf.field, `values file '${vf.entry}' resolves outside the gitops tree`);
        else if (!tree.hasFile(vf.tree) && !reported.has(vf.tree)) {
          const ignored = obj(src.s.helm).ignoreMissingValueFiles === true;
          add(
            "ARGO-VALUES-FILES",
            app,
            vf.field,
            `values file '${vf.entry}' (${repoPath ? `${repoPath}/` : ""}${vf.tree}) does not exist${ignored ? "; skipped, as Argo CD does with ignoreMissingValueFiles" : ""}`,
            ignored ? "info" : "error",
          );
        }
      }
    }
  }
  return out;
}

/** Each environment of one app against its Application: it exists, its namespace, values files, sync policy and Pod Security. */
export function checkEnvironments(input: EnvironmentCheckInput): Finding[] {
  const { objects, config } = input;
  const tag = input.app ? { app: input.app } : {};
  const out: Finding[] = [];
  const apps = objects.filter((o) => o.kind === "Application");
  for (const envName of input.environments) {
    const env = config.environments[envName];
    if (!env) continue;
    const add = adder(out, { ...tag, environment: envName });
    const app = apps.find((a) => a.name === env.application);
    if (!app) {
      out.push({
        source: "argocd",
        rule: "ARGO-ENVIRONMENT",
        severity: "error",
        object: `Application/${env.application}`,
        message: `${input.app ? `app ${input.app}, ` : ""}environment ${envName}: no Application named '${env.application}' under ${config.argocd}/`,
        ...tag,
        environment: envName,
      });
      continue;
    }
    const spec = obj(app.body.spec);
    const ns = str(obj(spec.destination).namespace);
    if (ns !== env.namespace)
      add(
        "ARGO-ENVIRONMENT",
        app,
        "spec.destination.namespace",
        `environment ${envName} deploys to namespace '${env.namespace}', the Application to '${ns || "(unset)"}'`,
      );
    const sources = sourcesOf(app);
    // Where the Application names its Helm release and gitops-pipeline.yaml another, validate renders Argo CD's and e2e installs the config's.
    const named = sources.find((s) => str(obj(s.s.helm).releaseName));
    const argoRelease = named ? str(obj(named.s.helm).releaseName) : "";
    if (config.chart && named && argoRelease !== config.release)
      add(
        "ARGO-ENVIRONMENT",
        app,
        `${named.path}.helm.releaseName`,
        `Argo CD installs environment ${envName} as release '${argoRelease}' but ${GITOPS_CONFIG_FILE} says release: ${config.release} (the e2e test installs that one: object names and selectors differ from what Argo CD deploys); make the two the same`,
        "warning",
      );
    // Helm always applies the chart's own values.yaml first: listing it (or not) changes nothing.
    const chartValues = config.chart ? `${config.chart}/values.yaml` : undefined;
    const own = (files: readonly string[]) => files.filter((f) => f !== chartValues);
    const withFiles = sources.find((s) => Array.isArray(obj(s.s.helm).valueFiles)) ?? sources.find((s) => s.s.helm !== undefined) ?? sources[0]!;
    // Files Argo CD skips (missing, with ignoreMissingValueFiles) are not part of its list.
    const skipped = (s: Source, v: { tree?: string }) =>
      obj(s.s.helm).ignoreMissingValueFiles === true && input.tree !== undefined && v.tree !== undefined && !input.tree.hasFile(v.tree);
    const argoFiles = own(
      sources.flatMap((s) =>
        valueFilesOf(s, sources, config.repoPath)
          .filter((v) => !skipped(s, v))
          .map((v) => v.tree ?? v.entry),
      ),
    );
    const declared = own(env.values);
    if (argoFiles.join("\n") !== declared.join("\n")) {
      add(
        "ARGO-ENVIRONMENT",
        app,
        `${withFiles.path}.helm.valueFiles`,
        `Argo CD renders with [${argoFiles.join(", ")}] but environment ${envName} declares [${declared.join(", ")}] in ${GITOPS_CONFIG_FILE}; make the two lists the same (the chart's own values.yaml is applied first either way)`,
      );
    }
    checkSync(app, envName, env.sync, (path, message) => add("ARGO-SYNC-POLICY", app, path, message));
    checkPodSecurity(app, envName, env.production, input.podSecurity?.(envName) ?? PSA_PRODUCTION_LEVEL, (path, message, severity) =>
      add("ARGO-POD-SECURITY", app, path, message, severity),
    );
  }
  return out;
}

/**
 * Pod Security Admission through the Application: Argo CD writes
 * `spec.syncPolicy.managedNamespaceMetadata.labels` onto the namespace it creates
 * (CreateNamespace=true). Production must enforce `restricted`; anywhere, labels Argo CD will
 * never apply (no CreateNamespace=true) are a warning, since they look like protection that is not there.
 */
function checkPodSecurity(
  app: Manifest,
  envName: string,
  production: boolean,
  required: PodSecurityLevel,
  add: (path: string, message: string, severity?: Finding["severity"]) => void,
): void {
  const sync = obj(obj(app.body.spec).syncPolicy);
  const labels = obj(obj(sync.managedNamespaceMetadata).labels);
  const creates = applicationSync(app).createNamespace;
  const path = `spec.syncPolicy.managedNamespaceMetadata.labels.${PSA_ENFORCE_LABEL}`;
  const level = str(labels[PSA_ENFORCE_LABEL]);
  if (Object.keys(labels).length > 0 && !creates) {
    add(
      "spec.syncPolicy.managedNamespaceMetadata",
      `environment ${envName}: managedNamespaceMetadata applies only to a namespace Argo CD creates; add CreateNamespace=true to syncOptions or label the namespace elsewhere`,
      production ? "error" : "warning",
    );
    return;
  }
  if (!production) return;
  if (!creates) return; // the namespace is made elsewhere: its labels are not in this tree to check
  // restricted satisfies baseline; nothing else satisfies restricted.
  const enough = required === "baseline" ? level === "baseline" || level === "restricted" : level === "restricted";
  if (!enough) {
    add(
      path,
      `production environment ${envName}: its namespace ${level ? `enforces '${level}'` : "has no Pod Security enforce label"}; set ${PSA_ENFORCE_LABEL}: ${required}${required === "baseline" ? " (the policy profile is baseline) or restricted" : ""} in spec.syncPolicy.managedNamespaceMetadata.labels`,
    );
  }
}

/** The sync an Application asks for, as Argo CD reads it (`automated.enabled: false` is manual sync). */
export function applicationSync(app: Manifest): GitopsConfig["environments"][string]["sync"] {
  const sync = obj(obj(app.body.spec).syncPolicy);
  const automated = obj(sync.automated);
  const options = Array.isArray(sync.syncOptions) ? sync.syncOptions.map(String) : [];
  return {
    automated: sync.automated !== undefined && sync.automated !== null && automated.enabled !== false,
    prune: automated.prune === true,
    selfHeal: automated.selfHeal === true,
    createNamespace: options.includes("CreateNamespace=true"),
  };
}

function checkSync(app: Manifest, envName: string, want: GitopsConfig["environments"][string]["sync"], add: (path: string, message: string) => void): void {
  const has = applicationSync(app);
  if (has.automated !== want.automated) {
    add(
      "spec.syncPolicy.automated",
      `environment ${envName} declares ${want.automated ? "automated" : "manual"} sync, the Application has ${has.automated ? "automated" : "manual"} sync`,
    );
  }
  if (want.automated && has.automated) {
    for (const key of ["prune", "selfHeal"] as const) {
      if (has[key] !== want[key])
        add(`spec.syncPolicy.automated.${key}`, `environment ${envName} declares ${key}: ${want[key]}, the Application has ${has[key]}`);
    }
  }
  if (has.createNamespace !== want.createNamespace) {
    add(
      "spec.syncPolicy.syncOptions",
      `environment ${envName} declares CreateNamespace=${want.createNamespace}, the Application ${has.createNamespace ? "sets" : "does not set"} CreateNamespace=true`,
    );
  }
}
