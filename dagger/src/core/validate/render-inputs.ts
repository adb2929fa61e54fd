/**
 * What each rendering reads from the gitops tree, so a port can hand it only those paths: a
 * rendering whose inputs did not change is then the same work (the engine keeps it cached), and a
 * values change of one environment re-renders that environment only.
 *
 * An input is a tree path, a file or a directory (with everything under it). `undefined` means
 * "the whole tree": used where the inputs cannot be told (a chart at the tree's root, a
 * kustomization that does not parse), never a guess that could leave out a file the tool reads.
 */
import { posix } from "node:path";
import { parseDocument } from "yaml";
import type { GitopsTree } from "./argocd.js";
import { KUSTOMIZATION_FILES } from "./kustomize.js";
import { asObj } from "./manifests.js";

/** The paths a helm lint / template run reads: the chart directory, its values files and `--set-file` files. */
export function helmInputs(r: {
  chart: string;
  values: readonly string[];
  setFile: readonly string[];
  files: Readonly<Record<string, string>>;
}): string[] | undefined {
  const chart = posix.normalize(r.chart || ".");
  if (chart === "." || chart.startsWith("..")) return undefined;
  const setFiles = r.setFile.map((s) => s.slice(s.indexOf("=") + 1)).filter(Boolean);
  // Files laid over the tree (inline values) travel with the run itself, not as tree inputs.
  const fromTree = [...r.values, ...setFiles].map((p) => posix.normalize(p)).filter((p) => !(p in r.files));
  if (fromTree.some((p) => p.startsWith("..") || p.startsWith("/"))) return undefined;
  return [...new Set([chart, ...fromTree])].sort();
}

/** The local directories a kustomization lists (resources, components, bases), relative to the tree; remote ones left out. */
export function kustomizationDirs(text: string, dir: string, tree: GitopsTree): string[] | undefined {
  let body: Record<string, unknown>;
  try {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) return undefined;
    body = asObj(doc.toJS());
  } catch {
    return undefined;
  }
  const out: string[] = [];
  for (const field of ["resources", "components", "bases"] as const) {
    const list = body[field];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const ref = String(entry);
      if (/^[a-z]+:\/\//.test(ref) || ref.includes("?ref=") || ref.startsWith("github.com/")) continue; // remote: not in the tree
      const target = posix.normalize(posix.join(dir, ref));
      if (target.startsWith("..")) return undefined;
      if (tree.hasDir(target)) out.push(target);
    }
  }
  return out;
}

/**
 * The paths `kustomize build <overlay>` reads: the overlay's directory and every local
 * kustomization directory it reaches (resources, components, bases), each whole. kustomize's
 * default load restrictor keeps every other file a kustomization names (patches, generators,
 * resource files) inside its own directory, so the directories are enough.
 */
export async function overlayInputs(overlay: string, tree: GitopsTree, read: (path: string) => Promise<string>): Promise<string[] | undefined> {
  const seen = new Set<string>();
  const queue = [posix.normalize(overlay)];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    if (dir === "." || dir === "") return undefined;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const file = KUSTOMIZATION_FILES.map((n) => `${dir}/${n}`).find((f) => tree.hasFile(f));
    if (!file) continue; // a plain directory of resources, taken whole
    const dirs = kustomizationDirs(await read(file), dir, tree);
    if (!dirs) return undefined;
    queue.push(...dirs);
  }
  // A directory inside another one already listed adds nothing.
  const all = [...seen].sort();
  return all.filter((d) => !all.some((o) => o !== d && d.startsWith(`${o}/`)));
}

/** Whether `path` (a tree file) is one of `inputs` or under one of them; every path is when `inputs` is undefined. */
export function isInput(path: string, inputs: readonly string[] | undefined): boolean {
  return inputs === undefined || inputs.some((i) => path === i || path.startsWith(`${i}/`));
}
