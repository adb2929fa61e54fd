/**
 * Argo CD for the local gitops environment: where its pinned install manifest is, which images it
 * runs (so the pipeline loads them into kind instead of the node pulling them), and the tree's
 * Argo CD manifests rewritten to read the in-pipeline git server.
 *
 * The tree's Applications name the real repository (e.g. https://github.com/org/gitops.git); in
 * the local cluster they must read the git server the pipeline runs. The cluster reaches it under
 * a stable in-cluster name (a selector-less Service in the argocd namespace whose EndpointSlice
 * holds the git service's address, known only at run time), so the rewritten tree can be
 * committed before anything starts. Install: https://argo-cd.readthedocs.io/en/stable/getting_started/;
 * repositories: https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#repositories.
 */
import semver from "semver";
import { isMap, isSeq, parseAllDocuments, stringify, type Document } from "yaml";
import { InputError } from "../errors.js";
import { GIT_PORT, GIT_REPO } from "./git-server.js";

/** Namespace Argo CD is installed in (its install manifest assumes it). */
export const ARGOCD_NAMESPACE = "argocd";
/** Name of the in-cluster Service that fronts the in-pipeline git server. */
export const GIT_SERVICE_NAME = "gitops-git";
/** The URL every rewritten Application reads: stable, resolved by the cluster's DNS. */
export const LOCAL_REPO_URL = `http://${GIT_SERVICE_NAME}.${ARGOCD_NAMESPACE}.svc.cluster.local/${GIT_REPO}`;
/** What the run-time script replaces with the git service's IPv4 address. */
export const GIT_ADDRESS_PLACEHOLDER = "__GITOPS_GIT_ADDRESS__";

/** The install manifest of Argo CD `version` (non-HA, with the UI), as published in its repository at the release tag. */
export function argocdInstallUrl(version: string): string {
  const v = semver.valid(version.replace(/^v/, ""));
  if (!v) throw new InputError("argocdVersion", `"${version}" is not an Argo CD release version`, "pass a release such as 3.3.9");
  return `https://raw.githubusercontent.com/argoproj/argo-cd/v${v}/manifests/install.yaml`;
}

/** Kinds whose pod template is at spec.template.spec. */
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

function docs(text: string, file: string): Document[] {
  const all = parseAllDocuments(text);
  if (!Array.isArray(all)) return [];
  for (const d of all) {
    if (d.errors.length > 0) throw new InputError(file, `is not valid YAML (${d.errors[0]!.message.split("\n")[0]})`, "fix the YAML syntax");
  }
  return all.filter((d) => d.contents !== null);
}

/** Documents back to one YAML stream: each document once, separated by `---`. */
function joinDocs(all: readonly Document[]): string {
  return all.map((d) => d.toString().replace(/^---[ \t]*\n/, "")).join("---\n");
}

/** Every container list of a workload document, as paths. */
function containerPaths(d: Document): (string | number)[][] {
  if (!WORKLOADS.has(String(d.get("kind")))) return [];
  const out: (string | number)[][] = [];
  for (const list of ["initContainers", "containers"]) {
    const seq = d.getIn(["spec", "template", "spec", list]);
    if (isSeq(seq)) seq.items.forEach((_, i) => out.push(["spec", "template", "spec", list, i]));
  }
  return out;
}

/** The images of every container and init container of the manifest's workloads, sorted, once each. */
export function manifestImages(text: string, file = "install.yaml"): string[] {
  const images = new Set<string>();
  for (const d of docs(text, file)) {
    for (const p of containerPaths(d)) {
      const image = d.getIn([...p, "image"]);
      if (typeof image === "string" && image !== "") images.add(image);
    }
  }
  return [...images].sort();
}

/**
 * The name the kubelet looks an image up under: a reference without a registry is Docker Hub's
 * (`redis:8` → `docker.io/library/redis:8`, `org/x:1` → `docker.io/org/x:1`), without a tag or
 * digest `:latest`. A tarball loaded into kind must carry this name, or the pod pulls.
 */
export function normalizedImageRef(ref: string): string {
  const slash = ref.indexOf("/");
  const first = slash < 0 ? "" : ref.slice(0, slash);
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  const path = hasRegistry ? ref : `docker.io/${slash < 0 ? `library/${ref}` : ref}`;
  const name = path.split("@")[0]!;
  const tagged = name.lastIndexOf(":") > name.lastIndexOf("/");
  return tagged || path.includes("@") ? path : `${path}:latest`;
}

/**
 * The manifest with every container's imagePullPolicy set to IfNotPresent: the images are loaded
 * into the node beforehand, and a policy of Always would make the kubelet pull them again (and
 * fail without internet).
 */
export function pinPullPolicy(text: string, file = "install.yaml"): string {
  const all = docs(text, file);
  for (const d of all) for (const p of containerPaths(d)) d.setIn([...p, "imagePullPolicy"], "IfNotPresent");
  return joinDocs(all);
}

/** One file of the tree's Argo CD directory. */
export interface TreeFile {
  path: string;
  text: string;
}

/** The tree's Argo CD manifests as the local environment needs them. */
export interface LocalArgoTree {
  /** Files that changed, with their new text (comments kept). */
  changed: TreeFile[];
  /**
   * Files (tree paths) holding only other environments' Applications: kept in the tree (the bump
   * validates every environment gitops-pipeline.yaml declares) but excluded from the roots' sync.
   */
  excluded: string[];
  /** The root Applications (app-of-apps), as one multi-document YAML, to apply with kubectl. */
  roots: string;
  /** Names of the environment Applications the cluster will run. */
  applications: string[];
}

/** Options of the rewrite. */
export interface LocalArgoOptions {
  /** URL the Applications read instead of the real repository. */
  repoUrl: string;
  /** Branch of the in-pipeline repository. */
  revision: string;
  /** Where the tree sits in the repository (gitops-pipeline.yaml's repoPath; "" for its root). */
  repoPath: string;
  /** The Application names of the environments (gitops-pipeline.yaml). */
  environmentApplications: readonly string[];
  /** The one environment Application the cluster runs (a laptop runs one environment). */
  keep: string;
}

/** A git source (not a Helm repository source, which names a `chart`): its repoURL and revision are rewritten. */
function rewriteSources(d: Document, o: LocalArgoOptions): void {
  for (const p of sourcePaths(d)) {
    if (d.getIn([...p, "chart"]) !== undefined) continue;
    d.setIn([...p, "repoURL"], o.repoUrl);
    d.setIn([...p, "targetRevision"], o.revision);
  }
}

function sourcePaths(d: Document): (string | number)[][] {
  const paths: (string | number)[][] = [];
  if (isMap(d.getIn(["spec", "source"]))) paths.push(["spec", "source"]);
  const many = d.getIn(["spec", "sources"]);
  if (isSeq(many)) many.items.forEach((_, i) => paths.push(["spec", "sources", i]));
  return paths;
}

/**
 * Exclude `files` (repository paths) from a root's plain-directory sources that hold them:
 * `directory.exclude`, a glob of paths relative to the source's path (an existing pattern kept).
 * https://argo-cd.readthedocs.io/en/stable/user-guide/directory/#including-excluding-files
 */
function excludeFromRoot(d: Document, files: readonly string[]): void {
  for (const p of sourcePaths(d)) {
    const path = d.getIn([...p, "path"]);
    if (
      typeof path !== "string" ||
      d.getIn([...p, "chart"]) !== undefined ||
      d.getIn([...p, "helm"]) !== undefined ||
      d.getIn([...p, "kustomize"]) !== undefined
    )
      continue;
    const dir = path.replace(/^\.\/|\/+$/g, "");
    const rel = files.filter((f) => dir === "." || dir === "" || f.startsWith(`${dir}/`)).map((f) => (dir === "." || dir === "" ? f : f.slice(dir.length + 1)));
    if (rel.length === 0) continue;
    const existing = d.getIn([...p, "directory", "exclude"]);
    const all = [...(typeof existing === "string" && existing !== "" ? [existing] : []), ...rel];
    d.setIn([...p, "directory", "exclude"], all.length === 1 ? all[0] : `{${all.join(",")}}`);
  }
}

/**
 * Rewrite the tree's Argo CD manifests for the local cluster: every Application's git sources read
 * `repoUrl` at `revision`; every AppProject allows `repoUrl`; the files holding only other
 * environments' Applications are excluded from the roots' sync (kept in the tree). Roots are the
 * Applications that deploy no environment (app-of-apps); when the tree has none, the kept
 * environment Application and the projects are the roots.
 */
export function localArgoTree(files: readonly TreeFile[], o: LocalArgoOptions): LocalArgoTree {
  if (!o.environmentApplications.includes(o.keep)) {
    throw new InputError(
      "environment",
      `Application '${o.keep}' is not an environment Application of gitops-pipeline.yaml`,
      "pass an environment the tree declares",
    );
  }
  const parsed = files.map((f) => ({ file: f, docs: docs(f.text, f.path) }));
  const nameOf = (d: Document): string => String(d.getIn(["metadata", "name"]) ?? "");
  // ApplicationSets generate other apps' Applications (reading the real repository): left out of the local sync too.
  const isOther = (d: Document): boolean =>
    d.get("kind") === "ApplicationSet" || (d.get("kind") === "Application" && o.environmentApplications.includes(nameOf(d)) && nameOf(d) !== o.keep);
  const excluded = parsed.filter((p) => p.docs.length > 0 && p.docs.every(isOther)).map((p) => p.file.path);
  const inRepo = excluded.map((p) => (o.repoPath ? `${o.repoPath.replace(/\/+$/, "")}/${p}` : p));
  const roots: Document[] = [];
  const direct: Document[] = [];
  const applications = new Set<string>();
  for (const { docs: all } of parsed) {
    for (const d of all) {
      const kind = d.get("kind");
      if (kind === "Application") {
        rewriteSources(d, o);
        if (!o.environmentApplications.includes(nameOf(d))) {
          excludeFromRoot(d, inRepo);
          roots.push(d);
        } else if (nameOf(d) === o.keep) {
          applications.add(nameOf(d));
          direct.push(d);
        }
      } else if (kind === "AppProject") {
        const repos = d.getIn(["spec", "sourceRepos"]);
        const list = isSeq(repos) ? repos.items.map((it) => String((it as { value?: unknown }).value ?? it)) : [];
        if (!list.includes(o.repoUrl) && !list.includes("*")) d.setIn(["spec", "sourceRepos"], d.createNode([...list, o.repoUrl]));
        direct.push(d);
      }
    }
  }
  if (!applications.has(o.keep)) {
    throw new InputError(
      "environment",
      `no Application named '${o.keep}' in the tree's Argo CD directory`,
      "add it, or fix environments.<env>.application in gitops-pipeline.yaml",
    );
  }
  const changed = parsed.map(({ file, docs: all }) => ({ path: file.path, text: joinDocs(all) })).filter((f, i) => f.text !== files[i]!.text);
  const rootDocs = roots.length > 0 ? roots : direct;
  return { changed, excluded, roots: joinDocs(rootDocs), applications: [...applications] };
}

/**
 * The in-cluster name of the git server: a Service without a selector and its EndpointSlice holding
 * the git service's address (GIT_ADDRESS_PLACEHOLDER, replaced at run time), in the argocd namespace.
 * https://kubernetes.io/docs/concepts/services-networking/service/#services-without-selectors
 */
export function gitEndpointManifest(): string {
  const labels = { "app.kubernetes.io/part-of": "gitops-pipeline-local" };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: GIT_SERVICE_NAME, namespace: ARGOCD_NAMESPACE, labels },
    spec: { ports: [{ name: "http", port: GIT_PORT, targetPort: GIT_PORT, protocol: "TCP" }] },
  };
  const slice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${GIT_SERVICE_NAME}-1`, namespace: ARGOCD_NAMESPACE, labels: { ...labels, "kubernetes.io/service-name": GIT_SERVICE_NAME } },
    addressType: "IPv4",
    ports: [{ name: "http", port: GIT_PORT, protocol: "TCP" }],
    endpoints: [{ addresses: [GIT_ADDRESS_PLACEHOLDER], conditions: { ready: true } }],
  };
  return `${stringify(service)}---\n${stringify(slice)}`;
}

/**
 * The repository as Argo CD's declarative setup declares it (a Secret labelled
 * argocd.argoproj.io/secret-type: repository). No credentials: the local server takes anonymous
 * reads over plain http, inside the engine's network only.
 */
export function repositorySecret(url: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "gitops-local-repository", namespace: ARGOCD_NAMESPACE, labels: { "argocd.argoproj.io/secret-type": "repository" } },
    stringData: { type: "git", url, name: "gitops-local" },
  });
}

/**
 * Settings of the local Argo CD, as merge patches of its ConfigMaps: the API server serves plain
 * http (the user reaches it through the engine's tunnel on localhost, no self-signed certificate),
 * and an anonymous user may read everything, so the UI needs no password (none is printed or
 * stored anywhere). A local, throw-away cluster only; never for a shared one.
 */
export const ARGOCD_LOCAL_PATCHES: readonly { configMap: string; data: Record<string, string> }[] = [
  { configMap: "argocd-cmd-params-cm", data: { "server.insecure": "true" } },
  { configMap: "argocd-cm", data: { "users.anonymous.enabled": "true", "timeout.reconciliation": "15s" } },
  { configMap: "argocd-rbac-cm", data: { "policy.default": "role:readonly" } },
];
