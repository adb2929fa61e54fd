/**
 * gitops-pipeline.yaml with one more app: appended to `apps:` (comments and order of the rest
 * kept, through the yaml Document API), or, for a single-app file, the file turned into the
 * `apps:` form first (its app's fields moved under `apps[0]`, named after its release).
 */
import { Document, isMap, isSeq, parseDocument } from "yaml";
import { DEFAULT_GITOPS_CONFIG, GITOPS_CONFIG_FILE, type GitopsConfig } from "../gitops-config.js";
import { InputError } from "../errors.js";

/** Fields of the single-app form that belong to the app (the rest, repoPath and argocd, stay at the top). */
const APP_KEYS = ["chart", "release", "kustomize", "writeBack", "environments"] as const;

/** The new app's entry as plain data, in the order it is written. */
export interface AppEntry {
  name: string;
  chart: string;
  environments: Record<string, { values: string[]; production?: true }>;
}

function flowEnvironments(doc: Document, entry: AppEntry): unknown {
  const node = doc.createNode(entry) as { items: { key: { value: string }; value: { items: { value: { flow?: boolean } }[] } }[] };
  // `dev: { values: [...] }`: one line per environment, as the sample files write them.
  for (const pair of node.items) {
    if (pair.key.value !== "environments") continue;
    for (const env of pair.value.items) env.value.flow = true;
  }
  return node;
}

/** The single-app document in the `apps:` form, its app named after `single` (with its chart, which the single form may leave to the default). */
function toAppsForm(doc: Document, single: GitopsConfig): void {
  if (!isMap(doc.contents)) throw new InputError(GITOPS_CONFIG_FILE, "is not a YAML map", "fix the file");
  const app = doc.createNode({ name: single.name, ...(doc.contents.has("chart") ? {} : { chart: single.chart }) }) as unknown as { items: unknown[] };
  for (const key of APP_KEYS) {
    const pair = doc.contents.items.find((p) => (p.key as { value?: unknown })?.value === key);
    if (!pair) continue;
    app.items.push(pair);
    doc.contents.items.splice(doc.contents.items.indexOf(pair), 1);
  }
  const apps = doc.createNode([]) as unknown as { items: unknown[] };
  apps.items.push(app);
  doc.contents.set("apps", apps);
}

/** The file that declares `config`'s app, when the tree has none (the defaults were in use). */
function defaultFile(config: GitopsConfig): string {
  const envs = Object.fromEntries(
    Object.entries(config.environments).map(([n, e]) => [
      n,
      { values: e.values, namespace: e.namespace, application: e.application, ...(e.production ? { production: true } : {}) },
    ]),
  );
  const doc = new Document({
    repoPath: config.repoPath,
    argocd: config.argocd,
    chart: config.chart,
    release: config.release,
    ...(config.kustomize ? { kustomize: config.kustomize } : {}),
    environments: envs,
  });
  return doc.toString();
}

/**
 * `text` (or, when undefined, the default layout) with `entry` appended to its apps. `single` is
 * the app of a single-app file, for the conversion.
 */
export function withApp(text: string | undefined, entry: AppEntry, single: GitopsConfig = DEFAULT_GITOPS_CONFIG): string {
  const doc = parseDocument(text ?? defaultFile(DEFAULT_GITOPS_CONFIG));
  if (doc.errors.length) throw new InputError(GITOPS_CONFIG_FILE, `is not valid YAML (${doc.errors[0]!.message.split("\n")[0]})`, "fix the YAML syntax");
  if (!isMap(doc.contents)) throw new InputError(GITOPS_CONFIG_FILE, "is not a YAML map", "fix the file");
  if (!doc.contents.has("apps")) toAppsForm(doc, single);
  const apps = doc.contents.get("apps");
  if (!isSeq(apps)) throw new InputError(`${GITOPS_CONFIG_FILE}: apps`, "is not a list", "write apps: as a list of apps");
  apps.items.push(flowEnvironments(doc, entry) as never);
  return doc.toString({ lineWidth: 0 });
}
