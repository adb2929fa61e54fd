/**
 * The layout of a gitops tree: its apps, where each app's chart (or kustomize base) and
 * per-environment values files are, where the Argo CD manifests are, and what each environment
 * promises (namespace, Application, sync policy, production rules). Read from
 * `gitops-pipeline.yaml` at the root of the tree when it exists, otherwise the defaults below
 * (this repository's own `gitops/` layout). Two forms: one app with its fields at the top level,
 * or `apps:`, a list of apps (a list, so a repeated name can be reported rather than lost).
 */
import { z } from "zod";
import { parseDocument } from "yaml";
import { InputError } from "./errors.js";
import { policySchema, type PolicySettings } from "./validate/policy/settings.js";
import { verificationSchema, type VerificationSettings } from "./signing/policy.js";

/** File name of the optional layout file at the root of the gitops tree. */
export const GITOPS_CONFIG_FILE = "gitops-pipeline.yaml";

/**
 * A DNS-1123 label as Kubernetes checks it: namespaces, releases, app and environment names
 * (lower-case letters, digits and '-', starting and ending alphanumeric, at most 63).
 */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An environment name as gitops-pipeline.yaml declares it: a DNS-1123 label (it becomes part of namespaces and Application names). */
export const ENVIRONMENT_NAME = DNS_LABEL;

/** Longest app (release) name: Helm's limit for a release name. */
export const APP_NAME_MAX = 53;

/** Longest Kubernetes name derived as `<release>-<environment>` (a namespace, an Application tracked by label): a DNS label. */
export const DERIVED_NAME_MAX = 63;

/** An Argo CD Application name: a Kubernetes object name Argo CD also puts in a label value, so at most 63. */
export const APPLICATION_NAME = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A function argument naming one environment of gitops-pipeline.yaml. */
export const environmentField = z
  .string()
  .regex(ENVIRONMENT_NAME, { error: "is not an environment name (a DNS-1123 label: lower-case letters, digits and '-', at most 63, not ending in '-')" })
  .describe("pass an environment of gitops-pipeline.yaml, e.g. dev");

/** A function argument naming one app of a multi-app gitops-pipeline.yaml; "" for the tree's only app. */
export const appField = z
  .string()
  .trim()
  .refine((s) => s === "" || (DNS_LABEL.test(s) && s.length <= APP_NAME_MAX), {
    error: `is not an app name (a DNS-1123 label of at most ${APP_NAME_MAX} characters, e.g. payments)`,
  })
  .describe('pass an app of gitops-pipeline.yaml\'s apps:, or "" for a single-app tree');

/** Relative, forward-slash path inside the tree: no leading `/`, no `..` segment. */
const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the gitops tree, without '..'")
  .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), "must not contain a line break or control character");

/** Where the tree sits in the repository: "" or a plain relative path (it reaches git and the local git server's script). */
const repoPathField = z
  .string()
  .regex(/^[A-Za-z0-9._/-]*$/, "must be a plain relative path (letters, digits, '.', '_', '-', '/'), or \"\" for the repository's root")
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the repository, without '..'")
  .default("gitops");

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
    /** Values files passed to helm with `-f`, in order, relative to the tree; none: the chart's own values.yaml and what the Application sets (valuesObject, parameters). */
    values: z.array(relPath).default([]),
    /** Namespace the environment deploys to; default `<release>-<environment>`. */
    namespace: z.string().regex(DNS_LABEL, "must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)").optional(),
    /** Name of the Argo CD Application that deploys this environment; default `<release>-<environment>`. */
    application: z
      .string()
      .regex(APPLICATION_NAME, "must be an Application name (lower-case letters, digits, '-' and '.', at most 63: Argo CD tracks it in a label)")
      .optional(),
    /** Production rules (replicas >= 2, a PodDisruptionBudget, Ingress TLS, Pod Security restricted on the namespace) apply. */
    production: z.boolean().default(false),
    sync: syncSchema.default({ automated: true, prune: true, selfHeal: true, createNamespace: true }),
  })
  .strict();

/** Where the write-back (bump, promote) writes the image reference. */
/** A dotted values key, e.g. image.tag or app.image.sha. */
const valueKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/, "is a dotted values key, e.g. image.digest");

const writeBackSchema = z
  .object({
    /** helm: image.* in the environment's values files; kustomize: the overlay's images: entry. */
    format: z.enum(["helm", "kustomize"]).default("helm"),
    /** kustomize images[].name to edit; default: the overlay's only entry. */
    image: z.string().min(1).optional(),
    /** helm: the values keys the chart's image line reads (dotted paths); each defaults to image.repository, image.tag, image.digest, env.appVersion. */
    keys: z
      .object({
        repository: valueKey.optional(),
        tag: valueKey.optional(),
        digest: valueKey.optional(),
        appVersion: valueKey.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const environmentsSchema = z.record(
  z.string().regex(ENVIRONMENT_NAME, "environment names are DNS-1123 labels (lower-case letters, digits and '-', at most 63, not ending in '-')"),
  environmentSchema,
);

/** One app's fields, shared by the single-app form (at the top level) and each entry of `apps:`. */
const appFields = {
  /** The app's Helm chart; an app of the `apps:` list may have a kustomize base instead. */
  chart: relPath.optional(),
  release: z
    .string()
    .regex(DNS_LABEL, "must be a DNS-1123 label")
    .max(APP_NAME_MAX, `must be at most ${APP_NAME_MAX} characters (Helm's limit for a release)`)
    .optional(),
  kustomize: relPath.optional(),
  writeBack: writeBackSchema.default({ format: "helm" }),
  environments: environmentsSchema,
};

/** The single-app form: the app's fields at the top level (this repository's own layout). */
const singleSchema = z
  .object({
    /** Where this tree sits in the Git repository Argo CD reads (Application paths start with it); "" for the root. */
    repoPath: repoPathField,
    argocd: relPath.default("argocd"),
    /** Policy levels, profile and the waivers file (docs/policy.md). */
    policy: policySchema.optional(),
    /** What an image must prove before it reaches each environment (docs/signing.md). */
    verification: verificationSchema.optional(),
    ...appFields,
    chart: relPath.default("charts/gitops-demo"),
    release: appFields.release.default("gitops-demo"),
  })
  .strict();

const appSchema = z
  .object({
    name: z
      .string()
      .regex(DNS_LABEL, "app names are DNS-1123 labels, e.g. orders")
      .max(APP_NAME_MAX, `app names are at most ${APP_NAME_MAX} characters (Helm's limit for a release)`),
    ...appFields,
  })
  .strict();

/** The multi-app form: `apps:` lists the apps, each with its chart or kustomize base and environments. */
const multiSchema = z
  .object({
    repoPath: repoPathField,
    argocd: relPath.default("argocd"),
    policy: policySchema.optional(),
    verification: verificationSchema.optional(),
    apps: z.array(appSchema).min(1, "lists no app"),
  })
  .strict();

/** One environment of one app, with its defaults filled in. */
export interface EnvironmentConfig {
  values: string[];
  namespace: string;
  application: string;
  production: boolean;
  sync: SyncExpectation;
}

export type SyncExpectation = z.infer<typeof syncSchema>;
export type WriteBackConfig = z.infer<typeof writeBackSchema>;

/** One app of a gitops tree: what every stage reads (validate, e2e, bump, promote, rollback, verify). */
export interface GitopsConfig {
  /** The app's name (`apps[].name`; the release in the single-app form). */
  name: string;
  /** Where the tree sits in the Git repository Argo CD reads; "" for the root. */
  repoPath: string;
  /** The Helm chart; absent for a kustomize-only app. */
  chart?: string;
  release: string;
  argocd: string;
  kustomize?: string;
  writeBack: WriteBackConfig;
  environments: Record<string, EnvironmentConfig>;
}

/** An `apps:` entry whose name an earlier entry already took: validate reports it, the other stages refuse it. */
export interface DuplicateApp {
  name: string;
  /** Its index in `apps:`. */
  index: number;
  environments: string[];
}

/** The whole gitops-pipeline.yaml: one app (single-app form) or several (the `apps:` list). */
export interface PipelineConfig {
  repoPath: string;
  argocd: string;
  /** The apps, in the order declared (duplicates left out: see `duplicates`). */
  apps: GitopsConfig[];
  /** True for the `apps:` form: findings and renderings then name their app. */
  multiApp: boolean;
  duplicates: DuplicateApp[];
  /** The file it was read from. */
  file: string;
  /** The `policy:` section, when the file has one. */
  policy?: PolicySettings;
  /** The `verification:` section (signature and provenance per environment), when the file has one. */
  verification?: VerificationSettings;
}

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
  name: "gitops-demo",
  repoPath: "gitops",
  chart: "charts/gitops-demo",
  release: "gitops-demo",
  argocd: "argocd",
  kustomize: "kustomize",
  writeBack: { format: "helm" },
  environments: { dev: env("dev", false), staging: env("staging", false), prod: env("prod", true) },
};

/** The default layout as a pipeline (the single-app form). */
export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = {
  repoPath: "gitops",
  argocd: "argocd",
  apps: [DEFAULT_GITOPS_CONFIG],
  multiApp: false,
  duplicates: [],
  file: GITOPS_CONFIG_FILE,
};

type AppInput = z.infer<typeof appSchema> | (Omit<z.infer<typeof singleSchema>, "chart"> & { chart?: string; name?: string });

/** One app with its defaults filled in; `where` names it in errors (`gitops-pipeline.yaml`, or `gitops-pipeline.yaml: apps.0`). */
function resolveApp(raw: AppInput, top: { repoPath: string; argocd: string }, where: string): GitopsConfig {
  const name = raw.name ?? raw.release ?? "gitops-demo";
  const release = raw.release ?? name;
  if (!raw.chart && !raw.kustomize)
    throw new InputError(
      where,
      `app ${name} has neither a chart nor a kustomize base`,
      "set chart: (a Helm chart directory) or kustomize: (a directory with overlays/<environment>)",
    );
  const environments: Record<string, EnvironmentConfig> = {};
  for (const [envName, e] of Object.entries(raw.environments)) {
    const derived = `${release}-${envName}`;
    if ((!e.namespace || !e.application) && derived.length > DERIVED_NAME_MAX) {
      throw new InputError(
        `${where}${where.includes(": ") ? "." : ": "}environments.${envName}`,
        `gives the ${e.namespace ? "Application" : "namespace"} name '${derived}' of ${derived.length} characters; Kubernetes allows ${DERIVED_NAME_MAX}`,
        "shorten the app or environment name, or set the environment's namespace: and application:",
      );
    }
    environments[envName] = {
      values: e.values,
      namespace: e.namespace ?? derived,
      application: e.application ?? derived,
      production: e.production,
      sync: e.sync,
    };
  }
  if (Object.keys(environments).length === 0)
    throw new InputError(`${where}${where.includes(": ") ? "." : ": "}environments`, "declares no environment", "declare at least one environment");
  return {
    name,
    repoPath: top.repoPath,
    ...(raw.chart ? { chart: raw.chart } : {}),
    release,
    argocd: top.argocd,
    ...(raw.kustomize ? { kustomize: raw.kustomize } : {}),
    writeBack: raw.writeBack,
    environments,
  };
}

/** Parse and check a gitops-pipeline.yaml text, either form; any problem is an InputError naming the file and field. */
export function parsePipelineConfig(text: string, file = GITOPS_CONFIG_FILE): PipelineConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(file, `is not valid YAML (${doc.errors[0]!.message.split("\n")[0]})`, "fix the YAML syntax");
  }
  let raw: unknown;
  try {
    // yaml refuses more than maxAliasCount alias expansions (a "billion laughs" file) with a ReferenceError.
    raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new InputError(
      file,
      `cannot be read (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
      "write the layout without deeply nested YAML aliases (*name)",
    );
  }
  const multi = typeof raw === "object" && raw !== null && "apps" in raw;
  const parsed = multi ? multiSchema.safeParse(raw) : singleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${file}: ${issue.path.join(".")}` : file;
    throw new InputError(where, issue.message, "see docs/gitops-layout.md for the fields");
  }
  if (!("apps" in parsed.data)) {
    const data = parsed.data;
    if (Object.keys(data.environments).length === 0)
      throw new InputError(`${file}: environments`, "declares no environment", "declare at least one environment");
    // A single-app file naming only a kustomize base is kustomize-only: the default chart is for files that name neither.
    const raw1 = raw as Record<string, unknown>;
    const single = raw1.chart === undefined && raw1.kustomize !== undefined ? { ...data, chart: undefined } : data;
    const app = resolveApp(single, data, file);
    return {
      repoPath: data.repoPath,
      argocd: data.argocd,
      apps: [app],
      multiApp: false,
      duplicates: [],
      file,
      ...(data.policy ? { policy: data.policy } : {}),
      ...(data.verification ? { verification: data.verification } : {}),
    };
  }
  const data = parsed.data;
  const apps: GitopsConfig[] = [];
  const duplicates: DuplicateApp[] = [];
  data.apps.forEach((a, i) => {
    if (apps.some((x) => x.name === a.name)) duplicates.push({ name: a.name, index: i, environments: Object.keys(a.environments) });
    else apps.push(resolveApp(a, data, `${file}: apps.${i}`));
  });
  return {
    repoPath: data.repoPath,
    argocd: data.argocd,
    apps,
    multiApp: true,
    duplicates,
    file,
    ...(data.policy ? { policy: data.policy } : {}),
    ...(data.verification ? { verification: data.verification } : {}),
  };
}

/**
 * The app a stage works on: `app` by name, or the tree's only app when `app` is "". A tree with
 * several apps needs the name; an unknown or duplicated one is an InputError naming `arg`.
 */
export function selectApp(p: PipelineConfig, app = "", arg = "app"): GitopsConfig {
  const names = p.apps.map((a) => a.name);
  if (!app) {
    if (p.apps.length === 1 && p.duplicates.length === 0) return p.apps[0]!;
    throw new InputError(
      arg,
      `is missing: ${p.file} declares ${names.length} apps (${names.join(", ")})`,
      `pass the app to work on, one of: ${names.join(", ")}`,
    );
  }
  const dup = p.duplicates.find((d) => d.name === app);
  if (dup)
    throw new InputError(arg, `app '${app}' is declared twice in ${p.file} (apps.${dup.index} repeats the name)`, "give every app of apps: its own name");
  const found = p.apps.find((a) => a.name === app);
  if (!found) throw new InputError(arg, `unknown app '${app}' (${p.file} declares ${names.join(", ")})`, `pass one of: ${names.join(", ")}`);
  return found;
}

/** Parse gitops-pipeline.yaml and pick one app (see selectApp): what a stage working on one app reads. */
export function parseGitopsConfig(text: string, file = GITOPS_CONFIG_FILE, app = "", arg = "app"): GitopsConfig {
  return selectApp(parsePipelineConfig(text, file), app, arg);
}

/**
 * The environments to validate: all declared ones when `requested` is empty, else exactly those,
 * in the order given. An unknown name is an InputError listing the known ones.
 */
export function selectEnvironments(config: Pick<GitopsConfig, "environments">, requested: readonly string[] = [], source = GITOPS_CONFIG_FILE): string[] {
  const known = Object.keys(config.environments);
  if (requested.length === 0) return known;
  const unknown = requested.filter((e) => !known.includes(e));
  if (unknown.length > 0) {
    throw new InputError(
      "environments",
      `unknown environment '${unknown.join("', '")}' (${source} declares ${known.join(", ")})`,
      `pass one of: ${known.join(", ")}`,
    );
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
  if (!config.chart)
    throw new InputError(
      "app",
      `app ${config.name} has no chart (it is a kustomize base): the end-to-end test installs a Helm chart`,
      "pass an app with a chart",
    );
  return { chartPath: config.chart, valuesPaths: [...config.environments[environment]!.values], release: config.release };
}
