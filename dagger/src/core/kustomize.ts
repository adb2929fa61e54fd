/**
 * Structural checks of the kustomize alternative (base + overlays): everything a kustomization
 * lists exists in the tree, and every `images:` entry pins a tag or digest the bump stage can
 * edit. (Rendering needs kustomize itself, which the pipeline does not pin.)
 */
import { posix } from "node:path";
import type { GitopsTree } from "./argocd.js";
import type { Finding } from "./findings.js";

/** Kustomize check ids. */
export const KUSTOMIZE_RULES = {
  "KUSTOMIZE-REFERENCE": "resources, components and patch files of a kustomization exist",
  "KUSTOMIZE-IMAGE": "every images: entry has a name and a newTag (not latest) or a digest",
} as const;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** Check one parsed kustomization file (`file` is its tree path). */
export function checkKustomization(body: unknown, file: string, tree: GitopsTree): Finding[] {
  const k = obj(body);
  const dir = posix.dirname(file);
  const out: Finding[] = [];
  const add = (rule: keyof typeof KUSTOMIZE_RULES, path: string, message: string): void => {
    out.push({ source: "kustomize", rule, severity: "error", file, path, message });
  };
  for (const field of ["resources", "components"] as const) {
    const list = k[field];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      const ref = String(entry);
      if (/^[a-z]+:\/\//.test(ref) || ref.includes("?ref=")) return; // remote base: not in this tree
      const target = posix.normalize(posix.join(dir, ref));
      if (!tree.hasFile(target) && !tree.hasDir(target)) add("KUSTOMIZE-REFERENCE", `${field}[${i}]`, `'${ref}' does not exist (${target})`);
      else if (tree.hasDir(target) && !["kustomization.yaml", "kustomization.yml", "Kustomization"].some((n) => tree.hasFile(`${target}/${n}`))) {
        add("KUSTOMIZE-REFERENCE", `${field}[${i}]`, `directory '${ref}' has no kustomization.yaml`);
      }
    });
  }
  const patches = k.patches;
  if (Array.isArray(patches)) {
    patches.forEach((p, i) => {
      const path = obj(p).path;
      if (typeof path === "string" && !tree.hasFile(posix.normalize(posix.join(dir, path)))) add("KUSTOMIZE-REFERENCE", `patches[${i}].path`, `patch file '${path}' does not exist`);
    });
  }
  const images = k.images;
  if (Array.isArray(images)) {
    images.forEach((img, i) => {
      const e = obj(img);
      const tag = typeof e.newTag === "string" ? e.newTag.trim() : typeof e.newTag === "number" ? String(e.newTag) : "";
      const digest = typeof e.digest === "string" ? e.digest.trim() : "";
      if (typeof e.name !== "string" || !e.name) add("KUSTOMIZE-IMAGE", `images[${i}].name`, "image entry has no name");
      else if (!digest && !tag) add("KUSTOMIZE-IMAGE", `images[${i}]`, `image '${e.name}' sets neither newTag nor digest`);
      else if (!digest && tag === "latest") add("KUSTOMIZE-IMAGE", `images[${i}].newTag`, `image '${e.name}' uses the mutable tag latest`);
      else if (digest && !/^sha256:[a-f0-9]{64}$/.test(digest)) add("KUSTOMIZE-IMAGE", `images[${i}].digest`, `image '${e.name}' digest '${digest}' is not sha256:<64 hex>`);
    });
  }
  return out;
}
