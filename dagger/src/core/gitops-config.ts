/**
 * The layout of a gitops tree: where the chart, the per-environment values files and the Argo CD
 * manifests are, and what each environment promises (namespace, Application, sync policy,
 * production rules). Read from `gitops-pipeline.yaml` at the root of the tree when it exists,
 * otherwise the defaults below (this repository's own `gitops/` layout).
 */
import { z } from "zod";
import { parseDocument } from "yaml";
import { InputError } from "./errors.js";

/** File name of the optional layout file at the root of the gitops tree. */
export const GITOPS_CONFIG_FILE = "gitops-pipeline.yaml";

/** An environment name as gitops-pipeline.yaml declares it: lower-case letters, digits and '-'. */
export const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** A function argument naming one environment of gitops-pipeline.yaml. */
export const environmentField = z.string().regex(ENVIRONMENT_NAME, { error: "is not an environment name" }).describe("pass an environment of gitops-pipeline.yaml, e.g. dev");

/** Relative, forward-slash path inside the tree: no leading `/`, no `..` segment. */
const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the gitops tree, without '..'");

const syncSchema = z
  .object({
    automated: z.boolean().default(true),
    prune: z.boolean().default(true),
    selfHeal: z.boolean().default(true),
    createNamespace: z.boolean().default(true),
  })
  .strict();

const environmentSchema = z
  .object({
    /** Values files passed to helm with `-f`, in order, relative to the tree. */
    values: z.array(relPath).min(1),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label"),
    /** Name of the Argo CD Application that deploys this environment. */
    application: z.string().min(1),
    /** Production rules (replicas >= 2, a PodDisruptionBudget, Ingress TLS, Pod Security restricted on the namespace) apply. */
    production: z.boolean().default(false),
    sync: syncSchema.default({ automated: true, prune: true, selfHeal: true, createNamespace: true }),
  })
  .strict();

/** Where the write-back (bump, promote) writes the image reference. */
const writeBackSchema = z
  .object({
    /** helm: image.* in the environment's values files; kustomize: the overlay's images: entry. */
    format: z.enum(["helm", "kustomize"]).default("helm"),
    /** kustomize images[].name to edit; default: the overlay's only entry. */
    image: z.string().min(1).optional(),
  })
  .strict();

const configSchema = z
  .object({
    /** Where this tree sits in the Git repository Argo CD reads (Application paths start with it); "" for the root. */
    repoPath: z.string().default("gitops"),
    chart: relPath.default("charts/gitops-demo"),
    release: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label").default("gitops-demo"),
    argocd: relPath.default("argocd"),
    kustomize: relPath.optional(),
    writeBack: writeBackSchema.default({ format: "helm" }),
    environments: z.record(z.string().regex(ENVIRONMENT_NAME, "environment names are lower-case words"), environmentSchema),
  })
  .strict();

export type SyncExpectation = z.infer<typeof syncSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type GitopsConfig = z.infer<typeof configSchema>;
export type WriteBackConfig = z.infer<typeof writeBackSchema>;

function env(name: string, production: boolean): EnvironmentConfig {
  return {
    values: [`environments/${name}/values.yaml`],
    namespace: `gitops-demo-${name}`,
    application: `gitops-demo-${name}`,
    production,
    sync: { automated: true, prune: true, selfHeal: true, createNamespace: true },
  };
}

/** The layout of this repository's `gitops/` (used when the tree has no gitops-pipeline.yaml). */
export const DEFAULT_GITOPS_CONFIG: GitopsConfig = {
  repoPath: "gitops",
  chart: "charts/gitops-demo",
  release: "gitops-demo",
  argocd: "argocd",
  kustomize: "kustomize",
  writeBack: { format: "helm" },
  environments: { dev: env("dev", false), staging: env("staging", false), prod: env("prod", true) },
};

/** Parse and check a gitops-pipeline.yaml text; any problem is an InputError naming the file and field. */
export function parseGitopsConfig(text: string, file = GITOPS_CONFIG_FILE): GitopsConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(file, `is not valid YAML (${doc.errors[0]!.message.split("\n")[0]})`, "fix the YAML syntax");
  }
  const parsed = configSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${file}: ${issue.path.join(".")}` : file;
    throw new InputError(where, issue.message, "see the 'GitOps layout and validate' section of the README for the fields");
  }
  if (Object.keys(parsed.data.environments).length === 0) {
    throw new InputError(`${file}: environments`, "declares no environment", "declare at least one environment");
  }
  return parsed.data;
}

/**
 * The environments to validate: all declared ones when `requested` is empty, else exactly those,
 * in the order given. An unknown name is an InputError listing the known ones.
 */
export function selectEnvironments(config: GitopsConfig, requested: readonly string[] = [], source = GITOPS_CONFIG_FILE): string[] {
  const known = Object.keys(config.environments);
  if (requested.length === 0) return known;
  const unknown = requested.filter((e) => !known.includes(e));
  if (unknown.length > 0) {
    throw new InputError("environments", `unknown environment '${unknown.join("', '")}' (${source} declares ${known.join(", ")})`, `pass one of: ${known.join(", ")}`);
  }
  return [...new Set(requested)];
}

/** Join the tree's repoPath and a relative path the way Argo CD sees it in the repository. */
export function repoPathOf(config: GitopsConfig, rel: string): string {
  return config.repoPath ? `${config.repoPath.replace(/\/+$/, "")}/${rel}` : rel;
}

/** Chart, values files and release of one environment, as e2e reads them. */
export interface EnvironmentLayout {
  chartPath: string;
  /** Every values file of the environment, in the order helm and Argo CD apply them (later wins). */
  valuesPaths: string[];
  release: string;
}

/** Chart, values files and release of `environment`; an unknown one is an InputError naming `arg`. */
export function environmentLayout(config: GitopsConfig, environment: string, arg = "environment"): EnvironmentLayout {
  const known = Object.keys(config.environments);
  if (!known.includes(environment)) {
    throw new InputError(arg, `unknown environment '${environment}' (${GITOPS_CONFIG_FILE} declares ${known.join(", ")})`, `pass one of: ${known.join(", ")}`);
  }
  return { chartPath: config.chart, valuesPaths: [...config.environments[environment]!.values], release: config.release };
}
