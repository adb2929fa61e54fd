/**
 * Where an environment's image reference lives in a gitops tree, and the bump plan that writes a
 * new one there. The layout is read from the tree's own gitops-pipeline.yaml at every head the
 * write-back syncs to, like every other stage reads it; the call's options only override the
 * format and the kustomize image name.
 */
import { posix } from "node:path";
import { InputError } from "../errors.js";
import { DEFAULT_PIPELINE_CONFIG, GITOPS_CONFIG_FILE, parseGitopsConfig, selectApp, type GitopsConfig } from "../gitops-config.js";
import { KUSTOMIZATION_FILES, overlayDir } from "../validate/kustomize.js";
import { commitMessage } from "./git.js";
import { invalidValue, type ImageRef } from "./image-ref.js";
import { requireFile, type Reader, type WriteBackPlan } from "./loop.js";
import { editYaml, readImageEntry, readScalar, readScalars, type PathEdit, type YamlEdit } from "./yaml-edit.js";
import { guardForward } from "./cas.js";

/** Helm values (`image.repository/tag/digest`, `env.appVersion`) or a kustomize overlay (`images:`). */
export type Format = "helm" | "kustomize";

/** Where the tree is in the work tree, and what the call overrides. */
export interface LayoutSource {
  /** Directory of the gitops tree inside the work tree ("" for its root). */
  root: string;
  /** Overrides gitops-pipeline.yaml's `writeBack.format`. */
  format?: Format;
  /** Overrides gitops-pipeline.yaml's `writeBack.image`. */
  imageName?: string;
  /** The app of a multi-app tree whose environments are written ("": the tree's only app). */
  app?: string;
}

/** Where image references live, resolved for one head. */
export interface Layout {
  format: Format;
  /** Promotion order: the environments in the order gitops-pipeline.yaml declares them. */
  environments: string[];
  /** Prefix of the gitops tree inside the work tree ("" for the tree itself). */
  root: string;
  /** Values files of each environment, in the order helm applies them. */
  values: Record<string, string[]>;
  /** The tree's kustomize directory (overlays under `<kustomize>/overlays/<env>`). */
  kustomize?: string;
  /** kustomize `images[].name` to edit; default: the only entry. */
  imageName?: string;
  /** helm: the values keys of the image reference (writeBack.keys, with the defaults filled in). */
  keys?: ValueKeys;
  /** The release name: the app in commit messages. */
  release: string;
  /** The file the layout came from, for errors. */
  source: string;
}

/** The values keys a helm write-back writes. */
export interface ValueKeys {
  repository: string;
  tag: string;
  digest: string;
  appVersion: string;
}

/** The keys the write-back writes when gitops-pipeline.yaml's writeBack.keys names none. */
export const DEFAULT_KEYS: ValueKeys = { repository: "image.repository", tag: "image.tag", digest: "image.digest", appVersion: "env.appVersion" };

const keysOf = (l: { keys?: ValueKeys }): ValueKeys => l.keys ?? DEFAULT_KEYS;

/** A directory inside the repository: relative, no `..`; "" or "." for its root. */
export function checkRoot(raw: string, arg = "path"): string {
  const segs = raw.split("/").filter((x) => x !== "" && x !== ".");
  if (raw.startsWith("/") || segs.includes(".."))
    throw new InputError(arg, `"${raw}" leaves the repository`, "pass a directory inside it, e.g. gitops, or . for its root");
  return segs.join("/");
}

/** A path of the gitops tree as a path of the work tree. */
export const inTree = (l: Pick<Layout, "root">, rel: string): string => (l.root ? `${l.root}/${rel}` : rel);

/** The layout of `config` for `src`. */
export function layoutOf(config: GitopsConfig, src: LayoutSource, source = GITOPS_CONFIG_FILE): Layout {
  const root = checkRoot(src.root);
  const imageName = src.imageName || config.writeBack.image;
  return {
    format: src.format ?? config.writeBack.format,
    environments: Object.keys(config.environments),
    root,
    values: Object.fromEntries(Object.entries(config.environments).map(([name, env]) => [name, env.values])),
    ...(config.kustomize ? { kustomize: config.kustomize } : {}),
    ...(imageName ? { imageName } : {}),
    keys: { ...DEFAULT_KEYS, ...config.writeBack.keys },
    release: config.release,
    source: inTree({ root }, source),
  };
}

/** True when the tree at `root` is this repository's sample layout (its chart, or a values file of its environments). */
async function isSampleTree(read: Reader, root: string): Promise<boolean> {
  const sample = DEFAULT_PIPELINE_CONFIG.apps[0]!;
  const marks = [`${sample.chart}/Chart.yaml`, ...Object.values(sample.environments).flatMap((e) => e.values)];
  for (const mark of marks) if ((await read(inTree({ root }, mark))) !== undefined) return true;
  return false;
}

/**
 * Read the layout at the head `read` sees: the tree's gitops-pipeline.yaml, or this repository's
 * layout when the tree is it. Another tree without the file is refused: which file of which
 * environment to write must be committed, not guessed (validate prints the discovered one).
 */
export async function readLayout(read: Reader, src: LayoutSource): Promise<Layout> {
  const file = inTree({ root: checkRoot(src.root) }, GITOPS_CONFIG_FILE);
  const text = await read(file);
  if (text === undefined && !(await isSampleTree(read, checkRoot(src.root))))
    throw new InputError(
      file,
      "is missing: bump, promote and rollback write only where the tree's gitops-pipeline.yaml says (which values file or overlay of which environment)",
      "run manifests validate on the tree: without the file it discovers the layout from your Argo CD Applications and its GITOPS-DISCOVERED finding holds the gitops-pipeline.yaml to commit; see docs/gitops-repositories.md",
    );
  return layoutOf(text === undefined ? selectApp(DEFAULT_PIPELINE_CONFIG, src.app ?? "") : parseGitopsConfig(text, file, src.app ?? ""), src);
}

/** Fail unless `env` is an environment of the layout. */
export function checkEnvironment(l: Layout, env: string, arg = "environment"): string {
  if (!l.environments.includes(env)) {
    throw new InputError(arg, `"${env}" is not an environment of ${l.source} (${l.environments.join(", ")})`, `pass one of ${l.environments.join(", ")}`);
  }
  return env;
}

/**
 * The file holding `env`'s image reference, relative to the work tree. Helm: of the environment's
 * layered values files, the last one that sets image.tag (later files win in helm), else the
 * first. Kustomize: the overlay's kustomization.
 */
export async function envFile(l: Layout, env: string, read: Reader, arg = "environment"): Promise<string> {
  checkEnvironment(l, env, arg);
  if (l.format === "kustomize") {
    if (!l.kustomize)
      throw new InputError(
        l.source,
        "declares no kustomize directory, but the write-back format is kustomize",
        "set `kustomize:` in gitops-pipeline.yaml, or write helm values",
      );
    const dir = overlayDir(l.kustomize, env);
    for (const name of KUSTOMIZATION_FILES) {
      const path = inTree(l, posix.join(dir, name));
      if ((await read(path)) !== undefined) return path;
    }
    return inTree(l, posix.join(dir, KUSTOMIZATION_FILES[0]));
  }
  const files = l.values[env]!.map((f) => inTree(l, f));
  // An environment may render from the chart's values.yaml and its Application's values alone: nothing of its own to edit.
  if (files.length === 0)
    throw new InputError(
      `${l.source}: environments.${env}.values`,
      `is empty: environment ${env} renders with the chart's values.yaml and its Application's values only, so the write-back has no values file of the environment to write the image to`,
      `create a values file for ${env}, list it under environments.${env}.values and in its Application's helm.valueFiles`,
    );
  for (const file of [...files].reverse()) {
    const text = await read(file);
    if (text !== undefined && readScalar(file, text, keysOf(l).tag) !== undefined) return file;
  }
  return files[0]!;
}

/** The image reference an environment currently deploys, or undefined when it has no tag. */
export function readImageRef(l: Pick<Layout, "format" | "imageName" | "keys">, file: string, text: string): ImageRef | undefined {
  if (l.format === "kustomize") {
    const e = readImageEntry(file, text, l.imageName);
    return e?.newTag ? { repository: e.newName, tag: e.newTag, digest: e.digest ?? "" } : undefined;
  }
  const k = keysOf(l);
  const [tag, repository, digest, appVersion] = readScalars(
    file,
    text,
    [k.tag, k.repository, k.digest, k.appVersion].map((path) => ({ path, doc: 0 })),
  );
  if (!tag) return undefined;
  return { repository, tag, digest: digest ?? "", appVersion };
}

/** The edits that make `file` deploy `ref`. A digest not given is cleared where one is kept. */
export function refEdits(l: Pick<Layout, "format" | "imageName" | "keys">, file: string, text: string, ref: Partial<ImageRef> & { tag: string }): YamlEdit[] {
  for (const [kind, v] of [
    ["tag", ref.tag],
    ["digest", ref.digest],
    ["repository", ref.repository],
    ["version", ref.appVersion],
  ] as const) {
    const problem = v === undefined ? undefined : invalidValue(kind, v);
    if (problem) throw new InputError(kind === "version" ? "appVersion" : kind, problem, `pass a valid ${kind}`);
  }
  if (l.format === "kustomize") {
    const entry = readImageEntry(file, text, l.imageName);
    if (!entry)
      throw new InputError(
        `${file}: images`,
        l.imageName ? `has no entry named ${l.imageName}` : "has no single entry",
        "add the image under images:, or pass with-format --image-name",
      );
    const digest = ref.digest ? ref.digest : entry.digest !== undefined ? "" : undefined;
    return [{ image: entry.name, newTag: ref.tag, digest, newName: ref.repository }];
  }
  const k = keysOf(l);
  const edits: PathEdit[] = [{ path: k.tag, value: ref.tag, kind: "tag" }];
  edits.push(ref.digest ? { path: k.digest, value: ref.digest, kind: "digest", create: true } : { path: k.digest, value: "", kind: "digest", ifPresent: true });
  if (ref.repository !== undefined) edits.push({ path: k.repository, value: ref.repository, kind: "repository" });
  edits.push(
    ref.appVersion !== undefined
      ? { path: k.appVersion, value: ref.appVersion, kind: "version" }
      : { path: k.appVersion, value: ref.tag, kind: "version", ifPresent: true },
  );
  return edits;
}

/** `repo:tag@digest` for the commit message. */
export const imageString = (ref: Partial<ImageRef> & { tag: string }): string =>
  `${ref.repository ? `${ref.repository}:` : ""}${ref.tag}${ref.digest ? `@${ref.digest}` : ""}`;

/**
 * The bump: write `ref` into `env`'s file. `app` names the app in the commit message (default: the
 * layout's release). At every head the loop syncs to, the reference it would replace is compared
 * with the one it first saw there (compare-and-set: see cas.ts); an older tag than the deployed one
 * is refused unless `allowDowngrade`.
 */
export function bumpPlan(a: {
  env: string;
  ref: Partial<ImageRef> & { tag: string };
  source: LayoutSource;
  app?: string;
  sourceCommit?: string;
  /** ISO 8601 time of the source commit (the metrics' lead time). */
  sourceCommitTime?: string;
  /** This bump repairs the deploy it replaces: the commit names it (`Fixes:`), the metrics count that deploy as failed. */
  fix?: boolean;
  allowDowngrade?: boolean;
}): WriteBackPlan {
  let app = a.app ?? "";
  let planned: { seen: ImageRef | undefined } | undefined;
  let replaced: ImageRef | undefined;
  return {
    stage: "bump",
    environment: a.env,
    edits: async (read: Reader) => {
      const l = await readLayout(read, a.source);
      app ||= l.release;
      const file = await envFile(l, a.env, read);
      const text = await requireFile(read, file);
      const current = readImageRef(l, file, text);
      planned ??= { seen: current };
      guardForward({ stage: "bump", env: a.env, planned: planned.seen, current, target: a.ref, allowDowngrade: a.allowDowngrade ?? false });
      replaced = current;
      return [editYaml(file, text, refEdits(l, file, text, a.ref))];
    },
    message: () =>
      commitMessage({
        app,
        env: a.env,
        tag: a.ref.tag,
        image: imageString(a.ref),
        sourceCommit: a.sourceCommit,
        ...(a.sourceCommitTime ? { sourceCommitTime: a.sourceCommitTime } : {}),
        ...(a.fix ? { fixes: replaced ? imageString(replaced) : "unknown" } : {}),
      }),
  };
}
