/**
 * Reads what the local gitops environment needs from the gitops tree and the Argo CD manifest, and
 * hands it to the pure core: the seeded tree (initial image, Argo CD manifests rewritten for the
 * in-pipeline repository), the root Applications, the install manifest with its pull policies
 * pinned and the images it runs.
 */
import { dag, ImageLayerCompression, type Container, type Directory, type File } from "@dagger.io/dagger";
import {
  LOCAL_REPO_URL,
  normalizedImageRef,
  gitEndpointManifest,
  localArgoTree,
  manifestImages,
  pinPullPolicy,
  repositorySecret,
} from "../core/local/argocd.js";
import { seedValues } from "../core/local/seed.js";
import { LOCAL_IMAGE_REPOSITORY, type LocalSettings } from "../core/local/settings.js";
import type { GitopsConfig } from "../core/gitops-config.js";
import { IMAGE_NAME_ANNOTATION } from "../core/app/image-build.js";

/** An image as a tarball named `ref` for `kind load image-archive` (the name the pods ask for). */
export function namedTarball(image: Container, ref: string): File {
  return image.withAnnotation(IMAGE_NAME_ANNOTATION, ref).asTarball({ forcedCompression: ImageLayerCompression.Gzip });
}

/** What the client container is given besides the e2e stage's files. */
export interface LocalFiles {
  /** Argo CD's install manifest, pull policies pinned (core/local/argocd.ts pinPullPolicy). */
  install: File;
  gitEndpoint: string;
  repository: string;
  roots: string;
  /** Every image to load into the node, named as the manifests ask for them. */
  tarballs: readonly { name: string; file: File }[];
}

/** A file name for a tarball: the image reference with anything but [A-Za-z0-9._-] replaced. */
export function tarballName(i: number, ref: string): string {
  return `${String(i).padStart(2, "0")}-${ref.replace(/[^A-Za-z0-9._-]+/g, "_")}.tar`;
}

/** The tree the git server starts with, and the root Applications to apply. */
export interface SeededTree {
  tree: Directory;
  roots: string;
  /** Paths (in the tree) the seed changed or excluded from the roots' sync, for the run's log. */
  changed: string[];
}

/** Every YAML file under the tree's Argo CD directory. */
async function argoFiles(gitops: Directory, argocd: string): Promise<{ path: string; text: string }[]> {
  const paths = [...(await gitops.glob(`${argocd}/**/*.yaml`)), ...(await gitops.glob(`${argocd}/**/*.yml`))].sort();
  return Promise.all(paths.map(async (path) => ({ path, text: await gitops.file(path).contents() })));
}

/** The gitops tree as the in-pipeline repository serves it (the environment at the initial image). */
export async function seedTree(gitops: Directory, config: GitopsConfig, s: LocalSettings): Promise<SeededTree> {
  const argo = localArgoTree(await argoFiles(gitops, config.argocd), {
    repoUrl: LOCAL_REPO_URL,
    revision: s.branch,
    repoPath: s.repoPath,
    environmentApplications: s.environmentApplications,
    keep: s.application,
  });
  const values = await Promise.all(s.e2e.valuesPaths.map(async (path) => ({ path, text: await gitops.file(path).contents() })));
  const seeded = seedValues(values, { repository: LOCAL_IMAGE_REPOSITORY, tag: s.tag, version: s.version });
  let tree = gitops.withNewFile(seeded.path, seeded.text);
  for (const f of argo.changed) tree = tree.withNewFile(f.path, f.text);
  return { tree, roots: argo.roots, changed: [seeded.path, ...argo.changed.map((f) => f.path), ...argo.excluded.map((p) => `${p} (not synced)`)] };
}

/** What a failure to read the install manifest means, and what to do. */
export const ARGOCD_MANIFEST_HINT =
  "read the Argo CD install manifest (the engine downloads the pinned release's manifests/install.yaml from raw.githubusercontent.com; offline, pass --argocd-manifest to local-gitops)";

/**
 * The client's files: Argo CD's manifest with pull policies pinned, its images and the app's
 * images as tarballs (the engine pulls Argo CD's images, through its registry mirrors), the git
 * endpoint, the repository Secret and the roots.
 */
export async function localFiles(install: File, roots: string, apps: readonly { tag: string; image: Container }[]): Promise<LocalFiles> {
  let text: string;
  try {
    text = await install.contents();
  } catch (err) {
    throw new Error(`${ARGOCD_MANIFEST_HINT}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
  const argoImages = manifestImages(text);
  const pinned = dag.directory().withNewFile("install.yaml", pinPullPolicy(text)).file("install.yaml");
  return {
    install: pinned,
    gitEndpoint: gitEndpointManifest(),
    repository: repositorySecret(LOCAL_REPO_URL),
    roots,
    tarballs: [
      ...argoImages.map((ref) => ({ name: normalizedImageRef(ref), file: namedTarball(dag.container().from(ref), normalizedImageRef(ref)) })),
      ...apps.map((a) => ({ name: `${LOCAL_IMAGE_REPOSITORY}:${a.tag}`, file: namedTarball(a.image, `${LOCAL_IMAGE_REPOSITORY}:${a.tag}`) })),
    ],
  };
}
