/**
 * The scaffold: a new app in a gitops tree, made from a template app of the same tree (its chart,
 * its environments, its Argo CD Applications and AppProject). What is the template's own is not
 * copied: its Ingress hosts and certificates, its ConfigMaps and Secrets (`envFrom`, `extraEnv`), its
 * sealed secrets (`sealedSecrets`: sealed for its namespaces, they never decrypt in the new app's),
 * its `extraObjects`, its image; its name in label selectors becomes the new app's. The result is a list of files to
 * write; the stage writes them and validates the new app before returning the tree.
 */
import { posix } from "node:path";
import { Document, isMap, isScalar, parseDocument, visit } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";
import { DNS_LABEL, selectApp, type GitopsConfig, type PipelineConfig } from "../gitops-config.js";
import { parseInputs, rule } from "../inputs.js";
import { invalidValue } from "../writeback/image-ref.js";
import type { GitopsTree } from "../validate/argocd.js";
import { asObj as obj, type Manifest } from "../validate/manifests.js";
import { withApp } from "./pipeline-edit.js";

/** Values keys that belong to the template app and are dropped from the copy. */
export const TEMPLATE_ONLY_KEYS = ["ingress", "envFrom", "extraEnv", "sealedSecrets", "extraObjects"] as const;

/** The longest app name: `<name>-<environment>` must stay a namespace name (63) with room for the environment. */
const MAX_NAME = 40;

const imageValue = (kind: "repository" | "tag", arg: string) =>
  z.string().transform(
    rule((s: string) => {
      const v = s.trim();
      const bad =
        invalidValue(kind, v) ?? (kind === "tag" && v === "latest" ? "is latest, which moves: the policy (POL-IMAGE-TAG) requires a fixed tag" : undefined);
      if (bad) throw new InputError(arg, bad, `pass a valid image ${kind}${kind === "tag" ? ", e.g. 0.1.0" : ""}`);
      return v;
    }),
  );

/** add-app's arguments. */
export const addAppInputs = z.object({
  name: z
    .string()
    .trim()
    .regex(DNS_LABEL, { error: "is not an app name (a DNS-1123 label: lower-case letters, digits and '-')" })
    .max(MAX_NAME, { error: `is longer than ${MAX_NAME} characters (namespaces are <name>-<environment>)` })
    .describe("pass the new app's name, e.g. refunds"),
  image: imageValue("repository", "image"),
  tag: imageValue("tag", "tag"),
  from: z.string().trim().describe('pass an app of gitops-pipeline.yaml to copy, or "" for the first'),
});

export type AddAppInputs = z.input<typeof addAppInputs>;

/** What the scaffold reads from the tree. */
export interface ScaffoldSource {
  pipeline: PipelineConfig;
  /** gitops-pipeline.yaml's text; undefined when the tree has none (the defaults are in use). */
  configText?: string;
  tree: GitopsTree;
  /** Text of a file of the tree (the template's values files). */
  read: (path: string) => string;
  /** The tree's Argo CD objects, with the Applications its ApplicationSets generate. */
  argo: readonly Manifest[];
}

/** The files to write (relative to the tree) and a line per file for the summary. */
export interface ScaffoldPlan {
  app: string;
  files: { path: string; text: string }[];
  summary: string;
}

type Obj = Record<string, unknown>;

/** The template's values file with the new app's image and name; the template's own keys dropped. */
export function newValues(text: string, file: string, a: { name: string; template: string[]; image: string; tag: string; env: string; from: string }): string {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new InputError(file, "is not valid YAML", "fix the template's values file");
  // No values file (or an empty one): start from an empty map.
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  for (const key of TEMPLATE_ONLY_KEYS) doc.deleteIn([key]);
  // The template's name in label selectors (topology spread, affinity) becomes the new app's.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && a.template.includes(node.value)) node.value = a.name;
    },
  });
  doc.setIn(["image", "repository"], a.image);
  doc.setIn(["image", "tag"], a.tag);
  if (doc.hasIn(["image", "digest"])) doc.setIn(["image", "digest"], "");
  if (doc.hasIn(["env", "appVersion"])) doc.setIn(["env", "appVersion"], a.tag);
  // The template's header comment describes the template: replaced.
  doc.deleteIn(["nameOverride"]);
  const items = isMap(doc.contents) ? doc.contents.items : [];
  const first = items[0];
  if (first && isScalar(first.key)) first.key.commentBefore = undefined;
  // The chart is the template's: its objects are named after the chart unless told otherwise.
  items.unshift(doc.createPair("nameOverride", a.name) as never);
  // A blank line between top-level keys, as the template files are written.
  for (const item of items.slice(1)) if (isScalar(item.key)) item.key.spaceBefore = true;
  doc.commentBefore = ` ${a.name} in ${a.env}: made by add-app from ${a.from}'s ${file} (without ${TEMPLATE_ONLY_KEYS.join(", ")}: those were ${a.from}'s own).\n The bump stage edits image.tag, image.digest and env.appVersion in this file.`;
  return doc.toString({ lineWidth: 0 });
}

/** A copy of `m`'s body with the given changes, as a YAML document with a header comment. */
function manifestText(body: Obj, header: string): string {
  const doc = new Document(body);
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}

/** The Application of `env` for the new app, from the template's. */
function newApplication(
  t: Manifest,
  a: { name: string; env: string; namespace: string; application: string; project: string; values: string[]; chartPath: string; from: string },
): Obj {
  const body = structuredClone(t.body) as Obj;
  const meta = obj(body.metadata);
  const labels = { ...obj(meta.labels), "app.kubernetes.io/part-of": a.name, "gitops-pipeline.dev/environment": a.env };
  body.metadata = { ...meta, name: a.application, labels };
  const spec = obj(body.spec);
  const source = obj(spec.source);
  const helm = obj(source.helm);
  // valueFiles are relative to the chart's path, as Argo CD reads them.
  body.spec = {
    ...spec,
    project: a.project,
    source: { ...source, path: a.chartPath, helm: { ...helm, releaseName: a.name, valueFiles: a.values.map((v) => posix.relative(a.chartPath, v)) } },
    destination: { ...obj(spec.destination), namespace: a.namespace },
  };
  return body;
}

/** The AppProject for the new app, from the template's: the same sources and kinds, the new app's namespaces. */
function newProject(t: Manifest, name: string): Obj {
  const body = structuredClone(t.body) as Obj;
  body.metadata = { ...obj(body.metadata), name };
  const spec = obj(body.spec);
  const destinations = Array.isArray(spec.destinations)
    ? spec.destinations.map((d) => ({ ...obj(d), namespace: `${name}-*` }))
    : [{ server: "https://kubernetes.default.svc", namespace: `${name}-*` }];
  body.spec = { ...spec, description: `${name}, deployed by gitops-pipeline`, destinations };
  return body;
}

/** Plan the new app: InputErrors name the argument (name taken, unknown template...); nothing is written here. */
export function planAddApp(src: ScaffoldSource, raw: AddAppInputs): ScaffoldPlan {
  const i = parseInputs(addAppInputs, raw);
  const { pipeline, tree } = src;
  const names = [...pipeline.apps.map((a) => a.name), ...pipeline.duplicates.map((d) => d.name)];
  if (names.includes(i.name)) throw new InputError("name", `app '${i.name}' already exists in ${pipeline.file}`, "pass a new name");
  const template: GitopsConfig = i.from ? selectApp(pipeline, i.from, "from") : pipeline.apps[0]!;
  if (!template.chart)
    throw new InputError("from", `app ${template.name} has no chart (a kustomize base): add-app copies a Helm app`, "pass an app with a chart");
  const dir = `apps/${i.name}`;
  if (tree.hasDir(dir)) throw new InputError("name", `${dir} already exists in the gitops tree`, "pass a new name, or remove the directory");
  const templateNames = [...new Set([template.name, template.release])];
  const apps = src.argo.filter((o) => o.kind === "Application");
  const files: { path: string; text: string }[] = [];
  const environments: Record<string, { values: string[]; production?: true }> = {};
  let projectTemplate: Manifest | undefined;
  let argoDir = posix.join(pipeline.argocd, "apps");

  for (const [env, e] of Object.entries(template.environments)) {
    // Without a values file of its own, the template's environment is the chart's values.yaml: the new app starts from an empty file.
    const last = e.values.at(-1);
    const values = [...e.values.slice(0, -1), `${dir}/${env}/values.yaml`];
    files.push({
      path: `${dir}/${env}/values.yaml`,
      text: newValues(last ? src.read(last) : "", last ?? "(no values file of its own)", {
        name: i.name,
        template: templateNames,
        image: i.image,
        tag: i.tag,
        env,
        from: template.name,
      }),
    });
    environments[env] = { values, ...(e.production ? { production: true as const } : {}) };
    const t = apps.find((a) => a.name === e.application);
    if (!t)
      throw new InputError(
        "from",
        `app ${template.name} has no Application '${e.application}' for ${env} under ${pipeline.argocd}/`,
        "fix the template app first (validate names what is missing)",
      );
    argoDir = posix.dirname(t.source);
    const project = String(obj(t.body.spec).project ?? "default");
    projectTemplate ??= src.argo.find((o) => o.kind === "AppProject" && o.name === project);
    const chartPath = posix.join(pipeline.repoPath, template.chart);
    const body = newApplication(t, {
      name: i.name,
      env,
      namespace: `${i.name}-${env}`,
      application: `${i.name}-${env}`,
      project: projectTemplate ? i.name : project,
      values: values.map((v) => posix.join(pipeline.repoPath, v)),
      chartPath,
      from: template.name,
    });
    files.push({
      path: posix.join(argoDir, `${i.name}-${env}.yaml`),
      text: manifestText(body, ` ${i.name} in ${env}: made by add-app from ${e.application}.`),
    });
  }
  if (projectTemplate)
    files.push({
      path: posix.join(argoDir, `${i.name}-project.yaml`),
      text: manifestText(
        newProject(projectTemplate, i.name),
        ` The project of the ${i.name} Applications: made by add-app from AppProject ${projectTemplate.name}.`,
      ),
    });
  for (const f of files) if (tree.hasFile(f.path)) throw new InputError("name", `${f.path} already exists in the gitops tree`, "pass a new name");
  files.push({ path: "gitops-pipeline.yaml", text: withApp(src.configText, { name: i.name, chart: template.chart, environments }, pipeline.apps[0]!) });
  return { app: i.name, files, summary: `add-app ${i.name} (from ${template.name}): ${files.map((f) => f.path).join(", ")}` };
}
