/**
 * The tree the in-pipeline git server starts with: the gitops tree with the environment's image set
 * to the image the pipeline loaded into kind (no registry), and its Argo CD manifests rewritten to
 * read the in-pipeline repository (argocd.ts). The helm write-back's keys, edited with the
 * write-back's own comment-keeping YAML edit.
 */
import { InputError } from "../errors.js";
import { editYaml, readScalar } from "../writeback/yaml-edit.js";

/** One values file of the environment. */
export interface ValuesFile {
  path: string;
  text: string;
}

/** The image the environment starts with. */
export interface SeedImage {
  repository: string;
  tag: string;
  version: string;
}

/**
 * Set image.repository, image.tag, image.digest (cleared: the loaded image has no registry digest)
 * and env.appVersion where present, in the values file that decides the tag: the last one that
 * sets image.tag (later files win in helm), else the last file. Returns that file's new text.
 */
export function seedValues(files: readonly ValuesFile[], image: SeedImage): ValuesFile {
  if (files.length === 0) throw new InputError("environment", "has no values file", "list at least one values file for it in gitops-pipeline.yaml");
  const withTag = files.filter((f) => readScalar(f.path, f.text, "image.tag") !== undefined);
  const target = withTag.at(-1) ?? files.at(-1)!;
  const edit = editYaml(target.path, target.text, [
    { path: "image.repository", value: image.repository, kind: "repository", create: true },
    { path: "image.tag", value: image.tag, kind: "tag", create: true },
    { path: "image.digest", value: "", kind: "digest", ifPresent: true },
    { path: "env.appVersion", value: image.version, kind: "version", ifPresent: true },
  ]);
  return { path: target.path, text: edit.after };
}
