/**
 * The layout of a gitops tree: its apps, where each app's chart (or kustomize base) and
 * per-environment values files are, where the Argo CD manifests are, and what each environment
 * promises (namespace, Application, sync policy, production rules). Read from
 * `gitops-pipeline.yaml` at the root of the tree when it exists, otherwise the defaults below
 * (this repository's own `gitops/` layout). The file's shape is gitops/schema.ts; it is read
 * through the one loader of the pipeline's files (settings/load.ts).
 */
import type { z } from "zod";
import { InputError } from "./errors.js";
import type { PolicySettings } from "./validate/policy/settings.js";
import type { VerificationSettings } from "./signing/policy.js";
import type { CommitSigning } from "./writeback/commit-signing.js";
import { fileError, readYaml } from "./settings/load.js";
import { DERIVED_NAME_MAX, GITOPS_CONFIG_FILE, multiSchema, singleSchema, type appSchema, type syncSchema, type writeBackSchema } from "./gitops/schema.js";

export {
  APP_NAME_MAX,
  APPLICATION_NAME,
  DERIVED_NAME_MAX,
  DNS_LABEL,
  ENVIRONMENT_NAME,
  GITOPS_CONFIG_FILE,
  appField,
  environmentField,
} from "./gitops/schema.js";

/** Where the file's keys are documented. */
const GITOPS_DOCS = { hint: "see docs/gitops-layout.md for the keys of gitops-pipeline.yaml" };

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
  /** The `commitSigning:` section (allowed signers of the branch's commits), when the file has one. */
  commitSigning?: CommitSigning;
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

/** The keys that speak for the whole tree, as either form parsed them (an absent section stays absent). */
function treeSettings(data: z.infer<typeof singleSchema> | z.infer<typeof multiSchema>) {
  return {
    repoPath: data.repoPath,
    argocd: data.argocd,
    ...(data.policy ? { policy: data.policy } : {}),
    ...(data.verification ? { verification: data.verification } : {}),
    ...(data.commitSigning ? { commitSigning: data.commitSigning } : {}),
  };
}

/** Parse and check a gitops-pipeline.yaml text, either form; any problem is an InputError naming the file and field. */
export function parsePipelineConfig(text: string, file = GITOPS_CONFIG_FILE): PipelineConfig {
  const raw = readYaml(text, file);
  const multi = typeof raw === "object" && raw !== null && "apps" in raw;
  const schema = multi ? multiSchema : singleSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw fileError(parsed.error, schema, file, GITOPS_DOCS);
  if (!("apps" in parsed.data)) {
    const data = parsed.data;
    if (Object.keys(data.environments).length === 0)
      throw new InputError(`${file}: environments`, "declares no environment", "declare at least one environment");
    // A single-app file naming only a kustomize base is kustomize-only: the default chart is for files that name neither.
    const raw1 = raw as Record<string, unknown>;
    const single = raw1.chart === undefined && raw1.kustomize !== undefined ? { ...data, chart: undefined } : data;
    const app = resolveApp(single, data, file);
    return { ...treeSettings(data), apps: [app], multiApp: false, duplicates: [], file };
  }
  const data = parsed.data;
  const apps: GitopsConfig[] = [];
  const duplicates: DuplicateApp[] = [];
  data.apps.forEach((a, i) => {
    if (apps.some((x) => x.name === a.name)) duplicates.push({ name: a.name, index: i, environments: Object.keys(a.environments) });
    else apps.push(resolveApp(a, data, `${file}: apps.${i}`));
  });
  return { ...treeSettings(data), apps, multiApp: true, duplicates, file };
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
