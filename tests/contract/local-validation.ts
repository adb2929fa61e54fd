/**
 * The validate stage's port implemented with the real, pinned helm, kustomize and kubeconform on
 * the local disk (the Dagger stage implements the same port with containers), plus the offline schema
 * setup: Kubernetes schemas from the kubernetes-validate wheel in .tools/venv (with kubeconform's
 * cache seeded for their `$ref`), Argo CD CRD schemas from GITOPS_CRD_SCHEMAS.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { offlineSchemas, schemaLocations } from "../../dagger/src/core/validate/argv.js";
import { overlayRenderKey, runValidation, type ValidationPort, type ValidationResult } from "../../dagger/src/core/validate/validation.js";
import { ROOT, runArgv, tool } from "../helpers/tools.js";

/** Argo CD CRD schemas (CRD-catalog layout), outside the repo: `<repo>/../shared/schemas/crds` unless GITOPS_CRD_SCHEMAS says otherwise. */
export function crdSchemaDir(): string {
  const dir = process.env.GITOPS_CRD_SCHEMAS ?? join(ROOT, "..", "shared", "schemas", "crds");
  if (!existsSync(join(dir, "argoproj.io", "application_v1alpha1.json"))) {
    throw new Error(`Argo CD CRD schemas not found in ${dir}: set GITOPS_CRD_SCHEMAS to a directory with argoproj.io/application_v1alpha1.json`);
  }
  return dir;
}

/**
 * The Argo CD CRD schemas with the repository's test CRD schemas (tests/fixtures/crd-schemas:
 * the ServiceMonitor subset the chart renders) laid over them, in a fresh temporary directory.
 */
export function crdSchemaDirWithFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), "crd-schemas-"));
  cpSync(crdSchemaDir(), dir, { recursive: true });
  cpSync(join(ROOT, "tests", "fixtures", "crd-schemas"), dir, { recursive: true });
  return dir;
}

/** The kubernetes-json-schema directory of the kubernetes-validate package in .tools/venv. */
export function wheelSchemaDir(): string {
  const py = tool("python");
  const r = spawnSync(py, ["-c", "import kubernetes_validate,os;print(os.path.join(os.path.dirname(kubernetes_validate.__file__),'kubernetes-json-schema'))"], {
    encoding: "utf8",
  });
  const dir = r.stdout.trim();
  if (r.status !== 0 || !existsSync(dir)) throw new Error(`kubernetes-validate is not installed in .tools/venv: run npm run setup:contract (${r.stderr})`);
  return dir;
}

/** kubeconform options for fully offline runs, exactly as the stage builds them, with the cache seeded. */
export function offlineKubeconform(kubeVersion = VERSIONS.kubernetes, crdDir = crdSchemaDir()): { locations: string[]; cacheDir?: string } {
  const dir = wheelSchemaDir();
  const offline = offlineSchemas(readdirSync(dir), dir, kubeVersion);
  let cacheDir: string | undefined;
  if (offline.cacheSeed) {
    cacheDir = mkdtempSync(join(tmpdir(), "kc-cache-"));
    copyFileSync(join(dir, offline.cacheSeed.from), join(cacheDir, offline.cacheSeed.name));
  }
  return { locations: schemaLocations({ offline, crdDir }), ...(cacheDir ? { cacheDir } : {}) };
}

function walk(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), root) : [relative(root, join(dir, e.name)).split(sep).join("/")],
  );
}

/** The port over a local gitops directory; renderings go to a fresh temporary directory. */
export function localPort(gitops: string): ValidationPort & { argvs: string[][]; renderedDir: string } {
  const out = mkdtempSync(join(tmpdir(), "rendered-"));
  mkdirSync(out, { recursive: true });
  const argvs: string[][] = [];
  // With files laid over the tree, the tools run in a copy of it: the caller's tree is never written.
  // The tree helm works in: the caller's, or a copy once dependencies were fetched into it.
  let root = gitops;
  // With inputs, the run gets a copy holding those paths alone (as the Dagger stage hands them), so a
  // rendering that reads anything else fails here with the real tool.
  const treeWith = (files?: Readonly<Record<string, string>>, inputs?: readonly string[]): string => {
    if ((!files || Object.keys(files).length === 0) && !inputs) return root;
    const copy = mkdtempSync(join(tmpdir(), "gitops-overlaid-"));
    if (!inputs) cpSync(root, copy, { recursive: true });
    for (const p of inputs ?? []) {
      if (!existsSync(join(root, p))) continue;
      mkdirSync(dirname(join(copy, p)), { recursive: true });
      cpSync(join(root, p), join(copy, p), { recursive: true });
    }
    for (const [p, text] of Object.entries(files ?? {})) {
      mkdirSync(dirname(join(copy, p)), { recursive: true });
      writeFileSync(join(copy, p), text);
    }
    return copy;
  };
  const exec = (argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]) => {
    argvs.push(argv);
    const r = runArgv(argv, treeWith(files, inputs));
    if (r.error) throw r.error;
    return { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    argvs,
    renderedDir: out,
    files: async () => walk(gitops),
    read: async (p) => readFileSync(join(gitops, p), "utf8"),
    helm: async (argv, files, inputs) => exec(argv, files, inputs),
    prepareChart: async (steps) => {
      const work = mkdtempSync(join(tmpdir(), "gitops-deps-"));
      cpSync(root, work, { recursive: true });
      let last = { exitCode: 0, stdout: "", stderr: "" };
      for (const argv of steps) {
        argvs.push(argv);
        const r = runArgv(argv, work);
        last = { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
      }
      if (last.exitCode === 0) root = work;
      return last;
    },
    render: async (env, argv, files, inputs) => {
      const r = exec(argv, files, inputs);
      const file = join(out, `${env}.yaml`); // `<app>/<env>` in a multi-app tree
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, r.stdout);
      return r;
    },
    renderOverlay: async (env, argv, files, inputs) => {
      const r = exec(argv, files, inputs);
      const file = join(out, `${overlayRenderKey(env)}.yaml`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, r.stdout);
      return r;
    },
    keep: async (key, yaml) => writeFileSync(join(out, `${key}.yaml`), yaml),
    kubeconform: async (argv) => exec(argv),
    renderedPath: (key) => join(out, `${key}.yaml`),
    treePath: (rel) => join(gitops, rel),
  };
}

/** Validate a local gitops directory with the real tools, offline. */
export async function validateLocally(
  gitops: string,
  environments?: string[],
  app?: string,
  changedFiles?: string[],
): Promise<ValidationResult & { argvs: string[][]; renderedDir: string }> {
  const port = localPort(gitops);
  const result = await runValidation(port, {
    ...(environments ? { environments } : {}),
    ...(app ? { app } : {}),
    ...(changedFiles ? { changedFiles } : {}),
    kubernetesVersion: VERSIONS.kubernetes,
    kubeconform: offlineKubeconform(),
  });
  return { ...result, argvs: port.argvs, renderedDir: port.renderedDir };
}
