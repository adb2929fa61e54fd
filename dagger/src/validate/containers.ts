/**
 * The validate stage's containers: helm, kustomize and kubeconform in their pinned images, and
 * the core's port over them (ContainerPort), with the stage's inputs (ValidateStageOptions). A leaf
 * of the shell, so the stages that render or validate a tree (validate, smoke, add-app, seal, the
 * write-back's gate) share it without importing one another.
 */
import { dag, Directory, File, ReturnType, type Container } from "@dagger.io/dagger";
import type { ToolPins } from "../core/toolchain.js";
import { schemaLocations, type OfflineSchemas } from "../core/validate/argv.js";
import { overlayRenderKey, type KubeconformScope, type ValidationPort } from "../core/validate/validation.js";
import { ranAt } from "../core/ran-at.js";
import type { ExecResult } from "../core/validate/output.js";
import { isNetworkFailure, replayed, RETRY_ENV } from "../core/validate/network.js";

/** Where the stage mounts things inside its containers. */
export const MOUNTS = {
  gitops: "/gitops",
  rendered: "/rendered",
  schemas: "/schemas",
  crdSchemas: "/crd-schemas",
  cache: "/kubeconform-cache",
} as const;

/** kubeconform's binary in its alpine image: the entrypoint, not on PATH. */
export const KUBECONFORM_BIN = "/kubeconform";

/** kustomize's binary in its image (registry.k8s.io/kustomize/kustomize): the entrypoint, `/app/kustomize`. */
export const KUSTOMIZE_BIN = "/app/kustomize";

/** What the stage reads from the pipeline's toolchain (the Toolchain object is one). */
export interface ValidateTools extends Pick<ToolPins, "helmImage" | "kubeconformImage" | "kustomizeImage" | "kubernetes"> {
  /** Offline Kubernetes schemas (air-gapped runs). */
  readonly schemas?: Directory | undefined;
  /** CRD-catalog directory with the Argo CD schemas (air-gapped runs). */
  readonly crdSchemas?: Directory | undefined;
}

/** What the stage needs from the pipeline and the caller. */
export interface ValidateStageOptions {
  tools: ValidateTools;
  gitops: Directory;
  environments?: readonly string[];
  /** App of a multi-app tree to validate; "" or none: every app. */
  app?: string;
  /** Files changed since the base (repository-root paths): only the apps they touch; none: every app. */
  changedFiles?: readonly string[];
}

/** The helm container: pinned image, the gitops tree as working directory. */
export function helmContainer(helmImage: string, gitops: Directory): Container {
  return dag.container().from(helmImage).withMountedDirectory(MOUNTS.gitops, gitops).withWorkdir(MOUNTS.gitops);
}

/**
 * Run a helm argv without failing the chain on a non-zero exit (the exit code becomes findings).
 * The image's entrypoint is helm: the argv names helm itself, the entrypoint is not used.
 */
export function helmExec(base: Container, argv: string[], redirectStdout?: string): Container {
  return base.withExec(argv, { useEntrypoint: false, expect: ReturnType.Any, ...(redirectStdout ? { redirectStdout } : {}) });
}

/** The file helm template writes the rendering with key `env` (`<app>/<env>` in a multi-app tree) to, in the helm container: one flat file. */
export function renderOutput(env: string): string {
  return `/tmp/rendered-${env.replace(/\//g, "--")}.yaml`;
}

/** Where kubeconform sees a rendering: `env` (helm) or `overlayRenderKey(env)` (kustomize, in a subdirectory). */
export function renderedFile(key: string): string {
  return `${MOUNTS.rendered}/${key}.yaml`;
}

/** The file kustomize build writes the rendering of `env`'s overlay to, in the kustomize container. */
export function overlayRenderOutput(env: string): string {
  return `/tmp/kustomize-${env.replace(/\//g, "--")}.yaml`;
}

/** The kustomize container: pinned image, the gitops tree as working directory. */
export function kustomizeContainer(kustomizeImage: string, gitops: Directory): Container {
  return dag.container().from(kustomizeImage).withMountedDirectory(MOUNTS.gitops, gitops).withWorkdir(MOUNTS.gitops);
}

/**
 * The kustomize build run of one overlay, its rendering written to `overlayRenderOutput(env)`.
 * The argv names `/app/kustomize` itself (the entrypoint is not used); a failed build is data
 * (a KUSTOMIZE-BUILD finding), not a failed pipeline step.
 */
export function overlayRenderContainer(kustomizeImage: string, gitops: Directory, env: string, argv: string[]): Container {
  return kustomizeContainer(kustomizeImage, gitops).withExec(argv, { useEntrypoint: false, expect: ReturnType.Any, redirectStdout: overlayRenderOutput(env) });
}

/** How kubeconform is set up: schema locations and the (optional) seeded cache. */
export interface KubeconformSetup {
  locations: string[];
  cacheDir?: string;
  /** Directory to mount at `cacheDir`. */
  cache?: Directory;
}

/** Schema locations for the stage's mounts; seeds the cache for the kubernetes-validate layout. */
export function kubeconformSetup(opts: { offline?: OfflineSchemas | undefined; schemas?: Directory | undefined; crdSchemas?: boolean }): KubeconformSetup {
  const locations = schemaLocations({ ...(opts.offline ? { offline: opts.offline } : {}), ...(opts.crdSchemas ? { crdDir: MOUNTS.crdSchemas } : {}) });
  const seed = opts.offline?.cacheSeed;
  if (seed && opts.schemas) {
    return { locations, cacheDir: MOUNTS.cache, cache: dag.directory().withFile(seed.name, opts.schemas.file(seed.from)) };
  }
  return { locations };
}

/** The kubeconform container: pinned image, renderings, the tree, and the schema directories when given. */
export function kubeconformContainer(o: {
  image: string;
  gitops: Directory;
  rendered: Directory;
  schemas?: Directory | undefined;
  crdSchemas?: Directory | undefined;
  cache?: Directory | undefined;
}): Container {
  let c = dag.container().from(o.image).withMountedDirectory(MOUNTS.gitops, o.gitops).withMountedDirectory(MOUNTS.rendered, o.rendered);
  if (o.schemas) c = c.withMountedDirectory(MOUNTS.schemas, o.schemas);
  if (o.crdSchemas) c = c.withMountedDirectory(MOUNTS.crdSchemas, o.crdSchemas);
  if (o.cache) c = c.withMountedDirectory(MOUNTS.cache, o.cache);
  return c;
}

/** Run a kubeconform argv (its first element is the binary path) without failing on invalid resources. */
export function kubeconformExec(base: Container, argv: string[]): Container {
  return base.withExec(argv, { useEntrypoint: false, expect: ReturnType.Any });
}

/** The helm template run of one environment, its rendering written to `renderOutput(env)`. */
export function renderContainer(helmImage: string, gitops: Directory, env: string, argv: string[]): Container {
  return helmExec(helmContainer(helmImage, gitops), argv, renderOutput(env));
}

/** `gitops` with planned writes laid over it, in the plan's order (add-app's new files, seal's sealed secret). */
export function withWrites(gitops: Directory, files: readonly { path: string; text: string }[]): Directory {
  return files.reduce((d, f) => d.withNewFile(f.path, f.text), gitops);
}

/**
 * The part of the tree a run reads: `inputs` (tree paths, files or directories) alone, or the
 * whole tree when none are known. Filtering a directory uploaded from the caller keeps it keyed on
 * its contents, so the run's cache key is the contents of its own inputs.
 */
export function inputsOf(tree: Directory, inputs?: readonly string[]): Directory {
  return inputs ? tree.filter({ include: [...inputs] }) : tree;
}

/** The tree with `files` (tree path → text) laid over it, in path order (the same files give the same directory, and the same cache key). */
export function withFiles(gitops: Directory, files?: Readonly<Record<string, string>>): Directory {
  let d = gitops;
  for (const path of Object.keys(files ?? {}).sort()) d = d.withNewFile(path, files![path]!);
  return d;
}

async function result(c: Container): Promise<ExecResult> {
  const [exitCode, stdout, stderr] = await Promise.all([c.exitCode(), c.stdout(), c.stderr()]);
  return { exitCode, stdout, stderr };
}

/**
 * Run a container built by `make`; when its output shows a network failure (a schema download, a
 * chart repository) that the engine replayed from its cache, build it once more under a new cache
 * key (`RETRY_ENV`) and run that: a passing network problem never keeps failing validate.
 */
export async function resultRetryingNetwork(make: (retry?: string) => Container, startedAt: number): Promise<{ c: Container; r: ExecResult }> {
  const c = make();
  const r = await result(c);
  if (r.exitCode === 0 || !isNetworkFailure(r) || !replayed(await ranAt(c), startedAt)) return { c, r };
  const again = make(String(startedAt));
  return { c: again, r: await result(again) };
}

/** `c` with the retry variable set, when retrying. */
const retrying = (c: Container, retry?: string): Container => (retry ? c.withEnvVariable(RETRY_ENV, retry) : c);

/** The core's port, implemented with the stage's containers. */
export class ContainerPort implements ValidationPort {
  /** Rendered files, by rendering key (environment, or `kustomize/<environment>`), for the kubeconform container. */
  readonly renderedFiles = new Map<string, File>();

  constructor(
    private readonly opts: ValidateStageOptions,
    private readonly kc: KubeconformSetup,
    /** When the stage started (ms): a network failure read from work done before it was replayed from the cache. */
    private readonly startedAt: number,
  ) {}

  async files(): Promise<string[]> {
    return (await this.opts.gitops.glob("**/*")).filter((p) => !p.endsWith("/"));
  }

  read(path: string): Promise<string> {
    return this.opts.gitops.file(path).contents();
  }

  /** The tree helm sees: the gitops tree, with the dependencies prepareChart fetched. */
  private helmTree: Directory | undefined;

  /** A helm run's container (helm lint): its own inputs of the tree, `files` laid over them. */
  helmRun(argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Container {
    return helmExec(helmContainer(this.opts.tools.helmImage, withFiles(inputsOf(this.helmTree ?? this.opts.gitops, inputs), files)), argv);
  }

  helm(argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Promise<ExecResult> {
    return result(this.helmRun(argv, files, inputs));
  }

  async prepareChart(argvs: string[][]): Promise<ExecResult> {
    const tree = this.helmTree ?? this.opts.gitops;
    const { c, r } = await resultRetryingNetwork(
      (retry) => argvs.reduce((c, argv) => helmExec(c, argv), retrying(helmContainer(this.opts.tools.helmImage, tree), retry)),
      this.startedAt,
    );
    if (r.exitCode === 0) this.helmTree = c.directory(MOUNTS.gitops);
    return r;
  }

  /** The helm template container of one rendering: its own inputs of the tree, `files` laid over them. */
  renderRun(env: string, argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Container {
    return renderContainer(this.opts.tools.helmImage, withFiles(inputsOf(this.helmTree ?? this.opts.gitops, inputs), files), env, argv);
  }

  async render(env: string, argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Promise<ExecResult> {
    const c = this.renderRun(env, argv, files, inputs);
    const [exitCode, stderr] = await Promise.all([c.exitCode(), c.stderr()]);
    if (exitCode !== 0) return { exitCode, stdout: "", stderr };
    const file = c.file(renderOutput(env));
    this.renderedFiles.set(env, file);
    return { exitCode, stdout: await file.contents(), stderr };
  }

  /** The kustomize build container of one overlay: its own inputs of the tree, `files` laid over them. */
  overlayRun(env: string, argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Container {
    return overlayRenderContainer(this.opts.tools.kustomizeImage, withFiles(inputsOf(this.opts.gitops, inputs), files), env, argv);
  }

  async renderOverlay(env: string, argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]): Promise<ExecResult> {
    const c = this.overlayRun(env, argv, files, inputs);
    const [exitCode, stderr] = await Promise.all([c.exitCode(), c.stderr()]);
    if (exitCode !== 0) return { exitCode, stdout: "", stderr };
    const file = c.file(overlayRenderOutput(env));
    this.renderedFiles.set(overlayRenderKey(env), file);
    return { exitCode, stdout: await file.contents(), stderr };
  }

  async keep(key: string, yaml: string): Promise<void> {
    this.renderedFiles.set(key, dag.directory().withNewFile("rendering.yaml", yaml).file("rendering.yaml"));
  }

  /** The kubeconform containers, to tell whether their runs came from the cache. */
  readonly kubeconforms: Container[] = [];

  /** One kubeconform run's container, before its exec: only its renderings and tree files, so an environment whose rendering is unchanged gives the same run. */
  kubeconformBase(scope?: KubeconformScope): Container {
    const gitops = scope ? (scope.treeFiles.length ? inputsOf(this.opts.gitops, scope.treeFiles) : dag.directory()) : this.opts.gitops;
    return kubeconformContainer({ image: this.opts.tools.kubeconformImage, gitops, rendered: this.rendered(scope?.renderings), ...this.mounts() });
  }

  async kubeconform(argv: string[], scope?: KubeconformScope): Promise<ExecResult> {
    const base = this.kubeconformBase(scope);
    const { c, r } = await resultRetryingNetwork((retry) => kubeconformExec(retrying(base, retry), argv), this.startedAt);
    this.kubeconforms.push(c);
    return r;
  }

  /** The renderings (those of `keys`, else all) as one directory, `<key>.yaml` each. */
  rendered(keys?: readonly string[]): Directory {
    // In key order, not in the order the renders finished: the same tree must give the same
    // directory, or kubeconform's run (which mounts it) misses the engine's cache.
    let d = dag.directory();
    for (const key of [...this.renderedFiles.keys()].sort()) if (!keys || keys.includes(key)) d = d.withFile(`${key}.yaml`, this.renderedFiles.get(key)!);
    return d;
  }

  private mounts(): { schemas?: Directory | undefined; crdSchemas?: Directory | undefined; cache?: Directory | undefined } {
    return { schemas: this.opts.tools.schemas, crdSchemas: this.opts.tools.crdSchemas, cache: this.kc.cache };
  }

  renderedPath(key: string): string {
    return renderedFile(key);
  }

  treePath(rel: string): string {
    return `${MOUNTS.gitops}/${rel}`;
  }
}
