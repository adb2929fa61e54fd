/**
 * The AppProject admits what the chart renders: Argo CD refuses to sync an object whose group and
 * kind the Application's project does not allow (namespaceResourceWhitelist / Blacklist for
 * namespaced kinds, clusterResourceWhitelist / Blacklist for cluster-scoped ones). A chart that
 * starts rendering an Ingress or a ServiceMonitor must have its project say so, or the sync fails
 * on the cluster after validate passed.
 */
import type { Finding } from "../findings.js";
import type { GitopsConfig } from "../gitops-config.js";
import type { ArgoRule } from "./argocd.js";
import { asObj as obj, objectId, type Manifest } from "./manifests.js";

/** Rule id of the check. */
export const PROJECT_RESOURCES_RULE: ArgoRule = "ARGO-PROJECT-RESOURCES";

/** Built-in kinds that are cluster-scoped (anything else, custom resources included, is taken as namespaced). */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "IngressClass",
  "PriorityClass",
  "RuntimeClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "CertificateSigningRequest",
  "FlowSchema",
  "PriorityLevelConfiguration",
]);

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** Whether `value` matches an AppProject glob: `*` is any run of characters, everything else literal. */
export function globMatches(pattern: string, value: string): boolean {
  return new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(value);
}

/** Whether a `{group, kind}` entry of a project list matches; Argo CD allows `*` globs in both. */
function entryMatches(entry: unknown, group: string, kind: string): boolean {
  const e = obj(entry);
  const glob = (pattern: unknown, value: string): boolean => globMatches(typeof pattern === "string" ? pattern : "", value);
  return glob(e.group, group) && glob(e.kind, kind);
}

/**
 * Whether `project` lets an Application sync an object of `group`/`kind`. Without a namespaced
 * whitelist every namespaced kind is allowed; without a cluster whitelist no cluster-scoped kind is.
 */
export function projectAllows(project: Manifest, group: string, kind: string): { allowed: boolean; field: string } {
  const spec = obj(project.body.spec);
  const cluster = CLUSTER_SCOPED.has(kind);
  const white = cluster ? "clusterResourceWhitelist" : "namespaceResourceWhitelist";
  const black = cluster ? "clusterResourceBlacklist" : "namespaceResourceBlacklist";
  const list = (k: string): unknown[] | undefined => (Array.isArray(spec[k]) ? (spec[k] as unknown[]) : undefined);
  if ((list(black) ?? []).some((e) => entryMatches(e, group, kind))) return { allowed: false, field: `spec.${black}` };
  const whitelist = list(white);
  if (whitelist === undefined) return { allowed: !cluster, field: `spec.${white}` };
  return { allowed: whitelist.some((e) => entryMatches(e, group, kind)), field: `spec.${white}` };
}

/** What the check needs: the Argo CD objects, the layout, and each environment's rendered objects. */
export interface ProjectResourcesInput {
  argo: readonly Manifest[];
  config: GitopsConfig;
  rendered: ReadonlyMap<string, readonly Manifest[]>;
}

/** One finding per environment and kind its project refuses, naming the AppProject, the list and an object of that kind. */
export function checkProjectResources(input: ProjectResourcesInput): Finding[] {
  const out: Finding[] = [];
  const projects = new Map(input.argo.filter((o) => o.kind === "AppProject").map((o) => [o.name, o]));
  for (const [envName, objects] of input.rendered) {
    const env = input.config.environments[envName];
    const app = input.argo.find((o) => o.kind === "Application" && o.name === env?.application);
    if (!env || !app) continue; // ARGO-ENVIRONMENT reports a missing Application
    const projectName = String(obj(app.body.spec).project ?? "");
    const project = projects.get(projectName);
    if (!project) continue; // `default` (allows everything) or ARGO-PROJECT's finding
    const seen = new Set<string>();
    for (const m of objects) {
      const group = apiGroup(m.apiVersion);
      const key = `${group}/${m.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const { allowed, field } = projectAllows(project, group, m.kind);
      if (allowed) continue;
      out.push({
        source: "argocd",
        rule: PROJECT_RESOURCES_RULE,
        severity: "error",
        object: objectId(project),
        path: field,
        file: project.source,
        environment: envName,
        message: `environment ${envName} renders ${m.kind} (group '${group || "core"}', e.g. ${objectId(m)} from ${m.source}), which AppProject ${projectName} does not allow: Argo CD would refuse to sync ${app.name}; add {group: '${group}', kind: ${m.kind}} to ${field}`,
      });
    }
  }
  return out;
}
