/**
 * Inputs of the local gitops environment (local-gitops up / end-to-end), validated before anything
 * runs, joined with the environment's layout from gitops-pipeline.yaml.
 */
import { z } from "zod";
import { DEFAULTS } from "../defaults.js";
import { InputError } from "../errors.js";
import { checkBranch } from "../writeback/git.js";
import { e2eSettings, E2E_MIN_TIMEOUT, type E2eSettings } from "../e2e/settings.js";
import { environmentField, environmentLayout, type GitopsConfig } from "../gitops-config.js";
import { intIn, optionalVersionField, parseInputs, rule, versionField } from "../inputs.js";
import { argocdInstallUrl } from "./argocd.js";

/** Repository the app images are loaded into kind under (no registry: `kind load`). */
export const LOCAL_IMAGE_REPOSITORY = "docker.io/library/gitops-demo-local";
/** Ports the up service exposes: the app and the Argo CD UI (plain http). */
export const LOCAL_PORTS = { app: 8080, argocd: 9080 } as const;

/** The public inputs of local-gitops and its functions. */
export const localInputs = z.object({
  argocdVersion: z.string().transform(rule((v: string) => (argocdInstallUrl(v), v.replace(/^v/, "")))),
  environment: environmentField,
  branch: z.string().transform(rule((b: string) => checkBranch(b, "branch"))),
  version: versionField,
  /** "" where nothing is bumped (git-server, manifests, up). */
  nextVersion: optionalVersionField,
  timeout: intIn(E2E_MIN_TIMEOUT, 3600, DEFAULTS.localTimeout),
});

/** Validated settings of one local environment. */
export interface LocalSettings {
  /** The e2e stage's settings for the cluster part (chart, release, namespace, budget, run id). */
  e2e: E2eSettings;
  environment: string;
  /** Argo CD Application that deploys the environment. */
  application: string;
  /** Every environment Application of the tree. */
  environmentApplications: string[];
  /** Where the tree sits in the repository. */
  repoPath: string;
  /** Branch of the in-pipeline repository Argo CD watches. */
  branch: string;
  /** Version deployed first, and the one the e2e's bump deploys ("" where nothing is bumped). */
  version: string;
  nextVersion: string;
  /** Image tags of the two versions (a version's `+build` is not a tag character). */
  tag: string;
  nextTag: string;
}

/** The image tag of a version. */
export function versionTag(version: string): string {
  return version.replace(/\+/g, "-");
}

/** Validate the public inputs alone (nothing read yet); InputError naming the argument. */
export function parseLocalInputs(raw: z.input<typeof localInputs>): z.output<typeof localInputs> {
  const i = parseInputs(localInputs, raw);
  if (i.nextVersion !== "" && i.version === i.nextVersion) {
    throw new InputError("nextVersion", `is the same as version (${i.version}): the bump would change nothing`, "pass a different version, e.g. 0.1.0-local.2");
  }
  return i;
}

/** Validate the inputs (InputError naming the argument) and join them with the environment's layout. */
export function localSettings(
  input: z.input<typeof localInputs> & { config: GitopsConfig; runId: string; otherApplications?: readonly string[] },
): LocalSettings {
  const i = parseLocalInputs({
    argocdVersion: input.argocdVersion,
    environment: input.environment,
    branch: input.branch,
    version: input.version,
    nextVersion: input.nextVersion,
    timeout: input.timeout,
  });
  const layout = environmentLayout(input.config, i.environment);
  const env = input.config.environments[i.environment]!;
  const e2e = e2eSettings({
    environment: i.environment,
    version: i.version,
    namespace: env.namespace,
    timeout: i.timeout,
    layout,
    runId: input.runId,
    imageRepository: LOCAL_IMAGE_REPOSITORY,
  });
  return {
    e2e: { ...e2e, imageTag: versionTag(i.version) },
    environment: i.environment,
    application: env.application,
    // Every app's environment Applications: in a multi-app tree the other apps' are left out of the sync too.
    environmentApplications: [...Object.values(input.config.environments).map((e) => e.application), ...(input.otherApplications ?? [])],
    repoPath: input.config.repoPath,
    branch: i.branch,
    version: i.version,
    nextVersion: i.nextVersion,
    tag: versionTag(i.version),
    nextTag: i.nextVersion === "" ? "" : versionTag(i.nextVersion),
  };
}
