/**
 * Where an environment's image reference lives in the gitops tree, and the bump plan that
 * writes a new one there (Helm values or a kustomize overlay).
 */
import { InputError } from "../errors.js";
import { commitMessage } from "./git.js";
import { invalidValue, type ImageRef } from "./image-ref.js";
import { requireFile, type Reader, type WriteBackPlan } from "./loop.js";
import { editYaml, readImageEntry, readScalar, type PathEdit, type YamlEdit } from "./yaml-edit.js";

/** Defaults of the gitops layout; paths are relative to the gitops directory. */
export const LAYOUT_DEFAULTS = {
  valuesPath: "environments/{env}/values.yaml",
  kustomizationPath: "kustomize/overlays/{env}/kustomization.yaml",
  environments: "dev,staging,prod",
  gitopsPath: "gitops",
} as const;

/** Defaults of the commit identity. */
export const WRITEBACK_DEFAULTS = {
  authorName: "gitops-pipeline",
  authorEmail: "gitops-pipeline@users.noreply.github.com",
} as const;

/** Helm values (`image.repository/tag/digest`, `env.appVersion`) or a kustomize overlay (`images:`). */
export type Format = "helm" | "kustomize";

/** Where image references live. */
export interface Layout {
  format: Format;
  /** Path template of an environment's values file, `{env}` replaced. */
  valuesPath: string;
  /** Path template of an environment's kustomization. */
  kustomizationPath: string;
  /** kustomize `images[].name` to edit; default: the only entry. */
  imageName?: string;
  /** Promotion order. */
  environments: string[];
  /** Prefix of the gitops directory inside the work tree ("" for the tree itself). */
  root: string;
}

/** A layout from the Dagger function's arguments, checked. */
export function layout(a: { format: Format; valuesPath: string; kustomizationPath: string; imageName?: string; environments: string; root: string }): Layout {
  const environments = a.environments.split(",").map((e) => e.trim()).filter(Boolean);
  if (environments.length === 0 || environments.some((e) => !/^[a-z0-9][a-z0-9-]*$/.test(e)) || new Set(environments).size !== environments.length) {
    throw new InputError("environments", `"${a.environments}" is not a list of distinct environment names`, "pass e.g. dev,staging,prod");
  }
  for (const [name, t] of [["valuesPath", a.valuesPath], ["kustomizationPath", a.kustomizationPath]] as const) {
    if (!t.includes("{env}") || t.startsWith("/") || t.split("/").includes("..")) {
      throw new InputError(name, `"${t}" must be a relative path containing {env}`, `pass e.g. ${LAYOUT_DEFAULTS[name]}`);
    }
  }
  const segs = a.root.split("/").filter((x) => x !== "" && x !== ".");
  const root = segs.join("/");
  if (segs.includes("..") || a.root.startsWith("/")) throw new InputError("gitopsPath", `"${a.root}" leaves the repository`, "pass a path inside it, e.g. gitops");
  return { ...a, environments, root };
}

/** The file holding `env`'s image reference, relative to the work tree. */
export function envFile(l: Layout, env: string): string {
  if (!l.environments.includes(env)) {
    throw new InputError("env", `"${env}" is not one of ${l.environments.join(", ")}`, "pass a configured environment or change `environments`");
  }
  const rel = (l.format === "helm" ? l.valuesPath : l.kustomizationPath).replaceAll("{env}", env);
  return l.root ? `${l.root}/${rel}` : rel;
}

/** The image reference an environment currently deploys, or undefined when it has no tag. */
export function readImageRef(l: Layout, file: string, text: string): ImageRef | undefined {
  if (l.format === "kustomize") {
    const e = readImageEntry(file, text, l.imageName);
    return e?.newTag ? { repository: e.newName, tag: e.newTag, digest: e.digest ?? "" } : undefined;
  }
  const tag = readScalar(file, text, "image.tag");
  if (!tag) return undefined;
  return {
    repository: readScalar(file, text, "image.repository"),
    tag,
    digest: readScalar(file, text, "image.digest") ?? "",
    appVersion: readScalar(file, text, "env.appVersion"),
  };
}

/** The edits that make `file` deploy `ref`. A digest not given is cleared where one is kept. */
export function refEdits(l: Layout, file: string, text: string, ref: Partial<ImageRef> & { tag: string }): YamlEdit[] {
  for (const [kind, v] of [["tag", ref.tag], ["digest", ref.digest], ["repository", ref.repository], ["version", ref.appVersion]] as const) {
    const problem = v === undefined ? undefined : invalidValue(kind, v);
    if (problem) throw new InputError(kind === "version" ? "appVersion" : kind, problem, `pass a valid ${kind}`);
  }
  if (l.format === "kustomize") {
    const entry = readImageEntry(file, text, l.imageName);
    if (!entry) throw new InputError(`${file}: images`, l.imageName ? `has no entry named ${l.imageName}` : "has no single entry", "add the image under images:, or pass imageName");
    const digest = ref.digest ? ref.digest : entry.digest !== undefined ? "" : undefined;
    return [{ image: entry.name, newTag: ref.tag, digest, newName: ref.repository }];
  }
  const edits: PathEdit[] = [{ path: "image.tag", value: ref.tag, kind: "tag" }];
  edits.push(ref.digest ? { path: "image.digest", value: ref.digest, kind: "digest", create: true } : { path: "image.digest", value: "", kind: "digest", ifPresent: true });
  if (ref.repository !== undefined) edits.push({ path: "image.repository", value: ref.repository, kind: "repository" });
  edits.push(ref.appVersion !== undefined ? { path: "env.appVersion", value: ref.appVersion, kind: "version" } : { path: "env.appVersion", value: ref.tag, kind: "version", ifPresent: true });
  return edits;
}

/** `repo:tag@digest` for the commit message. */
export const imageString = (ref: Partial<ImageRef> & { tag: string }): string =>
  `${ref.repository ? `${ref.repository}:` : ""}${ref.tag}${ref.digest ? `@${ref.digest}` : ""}`;

/** The bump: write `ref` into `env`'s file. */
export function bumpPlan(a: { app: string; env: string; ref: Partial<ImageRef> & { tag: string }; layout: Layout; sourceCommit?: string }): WriteBackPlan {
  const file = envFile(a.layout, a.env);
  return {
    stage: "bump",
    edits: async (read: Reader) => {
      const text = await requireFile(read, file);
      return [editYaml(file, text, refEdits(a.layout, file, text, a.ref))];
    },
    message: () => commitMessage({ app: a.app, env: a.env, tag: a.ref.tag, image: imageString(a.ref), sourceCommit: a.sourceCommit }),
  };
}
