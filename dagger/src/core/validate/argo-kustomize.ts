/**
 * An Application's kustomize settings (`namePrefix`, `nameSuffix`, `namespace`, `commonLabels`,
 * `commonAnnotations`, `images`, `replicas`), applied to the overlay's kustomization the way
 * Argo CD's repo server does before `kustomize build` (`kustomize edit set …` / `add label`):
 * the edited kustomization is laid over the tree for that rendering only.
 */
import { parseDocument } from "yaml";
import { treePath } from "./argocd.js";
import { asObj as obj, asText as str, type Manifest } from "./manifests.js";
import { sourcesOf } from "./argocd.js";

/** One `images:` entry of a kustomization. */
export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** `[old=]new[:tag|@digest]`, as `kustomize edit set image` (and Argo CD's kustomize.images) reads it. */
export function parseImageOverride(spec: string): KustomizeImage {
  const eq = spec.indexOf("=");
  const old = eq >= 0 ? spec.slice(0, eq) : undefined;
  const rest = eq >= 0 ? spec.slice(eq + 1) : spec;
  let image = rest;
  let newTag: string | undefined;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    image = rest.slice(0, at);
    digest = rest.slice(at + 1);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
      image = rest.slice(0, colon);
      newTag = rest.slice(colon + 1);
    }
  }
  const name = old ?? image;
  return {
    name,
    ...(old !== undefined && image !== old ? { newName: image } : {}),
    ...(newTag !== undefined ? { newTag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The Application's kustomize settings for the source deploying `overlayDir`, when it has any. */
export function kustomizeSettingsFor(app: Manifest, repoPath: string, overlayDir: string): Record<string, unknown> | undefined {
  const src = sourcesOf(app).find((s) => treePath(repoPath, str(s.s.path)) === overlayDir);
  const k = src ? obj(src.s.kustomize) : {};
  return Object.keys(k).length ? k : undefined;
}

/** The kustomization text with the Application's settings applied (comments and order kept). */
export function applyKustomizeSettings(text: string, k: Record<string, unknown>): string {
  const doc = parseDocument(text);
  for (const key of ["namePrefix", "nameSuffix", "namespace"] as const) if (str(k[key])) doc.set(key, str(k[key]));
  for (const key of ["commonLabels", "commonAnnotations"] as const) {
    const add = obj(k[key]);
    if (Object.keys(add).length) doc.set(key, { ...obj(doc.toJS()?.[key]), ...Object.fromEntries(Object.entries(add).map(([a, b]) => [a, String(b)])) });
  }
  const images = Array.isArray(k.images) ? k.images.map((i) => parseImageOverride(String(i))) : [];
  if (images.length) {
    const list = (Array.isArray(doc.toJS()?.images) ? (doc.toJS().images as KustomizeImage[]) : []).map((e) => ({ ...e }));
    for (const img of images) {
      const i = list.findIndex((e) => e.name === img.name);
      // `edit set image` replaces the entry's target: a new tag drops an old digest and the other way round.
      if (i >= 0)
        list[i] = {
          name: img.name,
          ...((img.newName ?? list[i]!.newName) ? { newName: img.newName ?? list[i]!.newName! } : {}),
          ...(img.newTag ? { newTag: img.newTag } : {}),
          ...(img.digest ? { digest: img.digest } : {}),
        };
      else list.push(img);
    }
    doc.set("images", list);
  }
  const replicas = Array.isArray(k.replicas) ? k.replicas.map((r) => obj(r)) : [];
  if (replicas.length) {
    const list = (Array.isArray(doc.toJS()?.replicas) ? (doc.toJS().replicas as { name: string; count: number }[]) : []).map((e) => ({ ...e }));
    for (const r of replicas) {
      const entry = { name: str(r.name), count: Number(r.count) };
      const i = list.findIndex((e) => e.name === entry.name);
      if (i >= 0) list[i] = entry;
      else list.push(entry);
    }
    doc.set("replicas", list);
  }
  return doc.toString();
}
