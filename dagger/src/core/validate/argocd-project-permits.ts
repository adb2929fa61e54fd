/**
 * The AppProject admits the Application itself: Argo CD refuses an Application whose destination
 * (server or cluster name, and namespace) no entry of its project's `destinations` allows, or
 * whose source repository no entry of `sourceRepos` allows. Entries are globs; a leading `!`
 * denies, and a denying entry wins over an allowing one. A new app put into another app's
 * project (or a project copied without its namespaces changed) fails here instead of on the
 * cluster.
 */
import type { Finding } from "../findings.js";
import type { ArgoRule } from "./argocd.js";
import { globMatches } from "./argocd-project.js";
import { asObj as obj, asText as str, objectId, type Manifest } from "./manifests.js";

export const PROJECT_DESTINATION_RULE: ArgoRule = "ARGO-PROJECT-DESTINATION";
export const PROJECT_SOURCE_RULE: ArgoRule = "ARGO-PROJECT-SOURCE";

/** Allowed when an entry without `!` matches and no entry with `!` does. */
function permitted<T>(entries: readonly T[], matches: (entry: T, negated: boolean) => boolean | undefined): boolean {
  let allowed = false;
  for (const e of entries) {
    const deny = matches(e, true);
    if (deny) return false;
    if (matches(e, false)) allowed = true;
  }
  return allowed;
}

/** A pattern and whether it is a denying (`!`) one. */
const split = (p: string): { negated: boolean; pattern: string } =>
  p.startsWith("!") ? { negated: true, pattern: p.slice(1) } : { negated: false, pattern: p };

/** Whether the project's destinations admit `server`/`name` + `namespace`. */
export function destinationAllowed(destinations: readonly unknown[], dest: { server: string; name: string; namespace: string }): boolean {
  return permitted(destinations.map(obj), (d, negated) => {
    const ns = split(str(d.namespace) || "*");
    const server = split(str(d.server));
    const name = split(str(d.name));
    if ((ns.negated || server.negated || name.negated) !== negated) return undefined;
    const serverOk =
      (server.pattern && dest.server && globMatches(server.pattern, dest.server)) || (name.pattern && dest.name && globMatches(name.pattern, dest.name));
    return Boolean(serverOk) && globMatches(ns.pattern, dest.namespace);
  });
}

/** Whether the project's sourceRepos admit `repoURL`. */
export function sourceAllowed(sourceRepos: readonly unknown[], repoURL: string): boolean {
  return permitted(sourceRepos.map(String), (p, negated) => {
    const s = split(p);
    return s.negated === negated ? globMatches(s.pattern, repoURL) : undefined;
  });
}

/** One finding per Application whose project (an AppProject of the tree) refuses its destination or a source. */
export function checkProjectPermits(objects: readonly Manifest[]): Finding[] {
  const projects = new Map(objects.filter((o) => o.kind === "AppProject").map((o) => [o.name, o]));
  const out: Finding[] = [];
  for (const app of objects.filter((o) => o.kind === "Application")) {
    const spec = obj(app.body.spec);
    const project = projects.get(str(spec.project));
    if (!project) continue; // `default` allows everything; an unknown project is ARGO-PROJECT's
    const pspec = obj(project.body.spec);
    const add = (rule: ArgoRule, path: string, message: string): void => {
      out.push({
        source: "argocd",
        rule,
        severity: "error",
        object: objectId(app),
        path,
        file: app.source,
        message: `${message}: Argo CD refuses to sync ${app.name}; fix the Application or ${project.source}`,
      });
    };
    const d = obj(spec.destination);
    const dest = { server: str(d.server), name: str(d.name), namespace: str(d.namespace) };
    const destinations = Array.isArray(pspec.destinations) ? pspec.destinations : [];
    if (!destinationAllowed(destinations, dest)) {
      add(
        "ARGO-PROJECT-DESTINATION",
        "spec.destination",
        `AppProject ${project.name} does not allow destination ${dest.server || dest.name || "(none)"} namespace '${dest.namespace}' (its destinations: ${destinations.map((x) => `${str(obj(x).server) || str(obj(x).name)} ${str(obj(x).namespace) || "*"}`).join(", ") || "none"})`,
      );
    }
    const repos = Array.isArray(pspec.sourceRepos) ? pspec.sourceRepos : [];
    const sources = Array.isArray(spec.sources)
      ? spec.sources.map((s, i) => ({ s: obj(s), path: `spec.sources[${i}].repoURL` }))
      : [{ s: obj(spec.source), path: "spec.source.repoURL" }];
    for (const { s, path } of sources) {
      const url = str(s.repoURL);
      if (url && !sourceAllowed(repos, url))
        add(
          "ARGO-PROJECT-SOURCE",
          path,
          `AppProject ${project.name} does not allow source repository ${url} (its sourceRepos: ${repos.map(String).join(", ") || "none"})`,
        );
    }
  }
  return out;
}
