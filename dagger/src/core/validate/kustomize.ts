/**
 * The kustomize alternative (base + overlays): structural checks (everything a kustomization
 * lists exists in the tree, every `images:` entry pins a tag or digest the bump stage can edit),
 * which overlays the environments have, and the finding for an overlay that does not render.
 * The rendering itself (`kustomize build`, argv in validate-argv.ts) is checked like helm's.
 */
import { posix } from "node:path";
import type { GitopsTree } from "./argocd.js";
import type { Finding } from "../findings.js";
import type { ExecResult } from "./output.js";
import { asObj as obj } from "./manifests.js";

/** Kustomize check ids. */
export const KUSTOMIZE_RULES = {
  "KUSTOMIZE-REFERENCE": "resources, components and patch files of a kustomization exist",
  "KUSTOMIZE-IMAGE": "every images: entry has a name and a newTag (not latest) or a digest",
  "KUSTOMIZE-BUILD": "the overlay of every environment renders with kustomize build",
  "KUSTOMIZE-OVERLAY":
    "every environment of a kustomize-only app (no chart) has its overlay, `<kustomize>/overlays/<env>` with a kustomization: else nothing renders for it",
} as const;

/** File names kustomize accepts for a kustomization, in its lookup order. */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

/** The overlay directory of an environment: `<kustomize>/overlays/<env>`. */
export function overlayDir(kustomize: string, env: string): string {
  return posix.join(kustomize, "overlays", env);
}

/** One environment's overlay. */
export interface Overlay {
  environment: string;
  /** Tree path of the overlay directory. */
  dir: string;
}

/**
 * The overlays to render: the environments (in the given order) whose `<kustomize>/overlays/<env>`
 * holds a kustomization — or the kustomization their Application deploys (`fromApplication`), which
 * wins. An environment without an overlay is Helm-only, not an error.
 */
export function overlaysOf(
  tree: GitopsTree,
  kustomize: string | undefined,
  environments: readonly string[],
  fromApplication: (env: string) => string | undefined = () => undefined,
): Overlay[] {
  if (!kustomize) return [];
  return environments
    .map((environment) => ({ environment, dir: fromApplication(environment) ?? overlayDir(kustomize, environment) }))
    .filter((o) => KUSTOMIZATION_FILES.some((n) => tree.hasFile(`${o.dir}/${n}`)));
}

/**
 * The findings for the environments of a kustomize-only app (no chart) that have no overlay:
 * nothing would render for them, which must fail rather than pass with nothing checked.
 */
export function missingOverlays(kustomize: string, environments: readonly string[], overlays: readonly Overlay[], where: string): Finding[] {
  return environments
    .filter((env) => !overlays.some((o) => o.environment === env))
    .map((env) => ({
      source: "kustomize",
      rule: "KUSTOMIZE-OVERLAY",
      severity: "error" as const,
      file: overlayDir(kustomize, env),
      environment: env,
      message: `${env}: the app has no chart and ${overlayDir(kustomize, env)}/ holds no kustomization.yaml, so nothing renders for this environment; add the overlay, or set chart: in ${where}`,
    }));
}

/** The finding for a failed `kustomize build`: the overlay as file, kustomize's first error as message. */
export function kustomizeBuildFinding(r: ExecResult, overlay: Overlay): Finding {
  const lines = `${r.stderr}\n${r.stdout}`
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const first = (lines.find((l) => l.startsWith("Error:")) ?? lines[0] ?? `exit code ${r.exitCode}`).replace(/^Error: /, "");
  return {
    source: "kustomize",
    rule: "KUSTOMIZE-BUILD",
    severity: "error",
    file: overlay.dir,
    message: `${overlay.environment}: kustomize build failed: ${first}`,
  };
}

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
      else if (tree.hasDir(target) && !KUSTOMIZATION_FILES.some((n) => tree.hasFile(`${target}/${n}`))) {
        add("KUSTOMIZE-REFERENCE", `${field}[${i}]`, `directory '${ref}' has no kustomization.yaml`);
      }
    });
  }
  const patches = k.patches;
  if (Array.isArray(patches)) {
    patches.forEach((p, i) => {
      const path = obj(p).path;
      if (typeof path === "string" && !tree.hasFile(posix.normalize(posix.join(dir, path))))
        add("KUSTOMIZE-REFERENCE", `patches[${i}].path`, `patch file '${path}' does not exist`);
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
      else if (digest && !/^sha256:[a-f0-9]{64}$/.test(digest))
        add("KUSTOMIZE-IMAGE", `images[${i}].digest`, `image '${e.name}' digest '${digest}' is not sha256:<64 hex>`);
    });
  }
  return out;
}
