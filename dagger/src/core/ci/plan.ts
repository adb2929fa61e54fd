/**
 * What one `ci` run will do, decided from its inputs before anything runs: the stage graph, which
 * optional stages are wanted (publish, scan, e2e, bump) and why not, and the app version. A tag
 * build (`tag`) takes its version from the tag and publishes whatever the branch, with the
 * release tags of core/app/release.ts.
 * Pure; invalid inputs are InputErrors naming the argument, thrown before any stage starts.
 */
import { z } from "zod";
import { buildVersionOf } from "../app/image-build.js";
import { parsePlatforms } from "../app/platforms.js";
import { parseRepository } from "../app/registry.js";
import { releaseTemplates, versionOfTag } from "../app/release.js";
import { runNumber as checkRunNumber, shortSha } from "../app/tags.js";
import { InputError } from "../errors.js";
import { SETTINGS_FILE } from "../settings/app-settings.js";
import { environmentField } from "../gitops-config.js";
import { COMMIT_ID, commaList, optionalVersionField, parseInputs, rule } from "../inputs.js";
import { BRANCH_MAX, checkBranch, checkRepoUrl, GIT_REF_NAME } from "../writeback/git.js";
import type { StageOutcome, StageSpec } from "./orchestrate.js";

/** The stages of `ci`, in report order. */
export const CI_STAGES = ["lint", "test", "validate", "build", "secrets", "smoke", "e2e", "scan", "publish", "bump", "verify", "rollback"] as const;
export type CiStageName = (typeof CI_STAGES)[number];

/**
 * Who needs whom. lint, test, validate, build and the source's secret scan start together; e2e
 * and scan (every platform image) need only the build; publish needs every check (nothing
 * unchecked is ever pushed); bump needs the published digest; verify waits for Argo CD to deploy
 * the bumped commit; rollback runs only when verify failed. The smoke check (the image run with
 * the environment's runtime settings, seconds) goes ahead of e2e (kind, minutes): see CI_AFTER.
 * Critical path: 7 sequential groups with smoke on, 6 with it off (5 and 4 up to the bump).
 */
export const CI_NEEDS: Record<CiStageName, readonly CiStageName[]> = {
  lint: [],
  test: [],
  validate: [],
  build: [],
  secrets: [],
  smoke: ["build"],
  e2e: ["build"],
  scan: ["build"],
  publish: ["lint", "test", "validate", "secrets", "e2e", "scan"],
  bump: ["publish"],
  verify: ["bump"],
  rollback: ["verify"],
};

/**
 * Order only: e2e waits for the smoke check when it runs (a failed smoke check blocks e2e and
 * spares its minutes); when the smoke check is switched off, e2e needs the build alone.
 */
export const CI_AFTER: Partial<Record<CiStageName, readonly CiStageName[]>> = { e2e: ["smoke"] };

/** Stages that run only when one of their needs failed (remedies). */
export const CI_REMEDIES: readonly CiStageName[] = ["rollback"];

/** The inputs CI systems provide, as `ci` receives them (secrets reduced to whether they were given). */
export interface CiInputs {
  commit: string;
  runNumber: string;
  branch: string;
  version: string;
  /** Git tag being built ("" when the build is not a tag build). */
  tag?: string;
  /** The repository's version tags, for the floating tags of a tag build ("" when not known). */
  releasedTags?: string;
  imageRepository: string;
  hasRegistryPassword: boolean;
  releaseBranches: string;
  gitopsRepo: string;
  gitopsBranch: string;
  /** A token or an SSH key for the gitops repository was given. */
  hasGitopsCredentials: boolean;
  environment: string;
  platforms: readonly string[];
  endToEnd: boolean;
  /** Run the smoke check ahead of e2e (gitops-pipeline.settings.yaml: smoke.enabled); default true. */
  smoke?: boolean;
  scan: boolean;
  /** Scan the app source for secrets (the secrets stage). */
  scanSecrets: boolean;
  /** An Argo CD server + token, or a kubeconfig, was given: verify can run. */
  hasDeployCheck?: boolean;
  /** Roll the environment back when verify fails. */
  rollbackOnFailure?: boolean;
  /** The bump opens a pull request instead of pushing. */
  pullRequest?: boolean;
}

/** The run, decided. */
export interface CiDecisions {
  /** App version: VERSION build arg, image label, APP_VERSION, what e2e expects on `/`. */
  appVersion: string;
  /** The version given or the tag's (tags `v{version}-...`), "" when none. */
  version: string;
  /** A tag build: published as a release whatever the branch. */
  release: boolean;
  /** Tag templates of the publish stage; [] for the publish defaults. */
  tagTemplates: string[];
  platforms: string[];
  releaseBranches: string[];
  /** Why a stage does not run in this configuration; absent = it runs. */
  skip: Partial<Record<CiStageName, string>>;
}

/** The inputs ci takes from gitops-pipeline.settings.yaml: an error names the file's key, which is what its user sets. */
const SETTINGS_KEYS = {
  imageRepository: `${SETTINGS_FILE}: image.repository`,
  releaseBranches: `${SETTINGS_FILE}: release.branches`,
  gitopsRepo: `${SETTINGS_FILE}: gitops.repository`,
  gitopsBranch: `${SETTINGS_FILE}: gitops.branch`,
  platforms: `${SETTINGS_FILE}: image.platforms`,
} as const;

const ciSchema = z.object({
  // The same rule as app's revision, which receives it: an error names commit, not revision.
  commit: z.string().trim().regex(COMMIT_ID, { error: "is not a commit id" }).describe("pass the commit being built, e.g. $GITHUB_SHA"),
  runNumber: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z._-]+$/, { error: "is not a run number" })
    .describe("pass the CI's run number, e.g. --run-number=$GITHUB_RUN_NUMBER"),
  branch: z
    .string()
    .trim()
    .min(1, { error: "is empty" })
    .max(BRANCH_MAX, { error: `is longer than ${BRANCH_MAX} characters` })
    .refine((s) => GIT_REF_NAME.test(s), { error: "is not a git branch name (git check-ref-format: no spaces, control characters, ~^:?*[\\, '..' or '@{')" })
    .describe("pass the branch being built, e.g. $GITHUB_REF_NAME"),
  version: optionalVersionField,
  imageRepository: z.string().transform(rule((s: string) => (s.trim() === "" ? "" : parseRepository(s, "imageRepository").address))),
  releaseBranches: z.string().transform(
    rule((s: string) => {
      const list = commaList(s);
      if (list.length === 0)
        throw new InputError(SETTINGS_KEYS.releaseBranches, "is empty", "list at least one branch that publishes, e.g. release.branches: [main]");
      return list.map((b) => checkBranch(b, "releaseBranches"));
    }),
  ),
  gitopsRepo: z.string().transform(rule((s: string) => (s.trim() === "" ? "" : checkRepoUrl(s.trim(), "gitopsRepo")))),
  gitopsBranch: z.string().transform(rule((s: string) => checkBranch(s.trim(), "gitopsBranch"))),
  environment: environmentField,
  platforms: z.array(z.string()).transform(rule((xs: string[]) => parsePlatforms(xs))),
});

/** Decide the run. Throws an InputError for an input no stage could use. */
export function decideCi(raw: CiInputs): CiDecisions {
  const i = parseInputs(ciSchema, { ...raw, platforms: [...raw.platforms] }, SETTINGS_KEYS);
  const tag = (raw.tag ?? "").trim();
  const tagged = tag === "" ? undefined : versionOfTag(tag, "tag");
  if (tagged && i.version && i.version !== tagged.version) {
    throw new InputError(
      "tag",
      `"${tag}" is version ${tagged.version} but --version is ${i.version}`,
      "leave --version out on tag builds (the tag sets it) or pass the same version",
    );
  }
  const version = tagged ? tagged.version : i.version;
  const skip: CiDecisions["skip"] = {};
  if (!raw.endToEnd) skip.e2e = "disabled (e2e.enabled: false in gitops-pipeline.settings.yaml, or --end-to-end=false); nothing is published without it";
  if (raw.smoke === false) skip.smoke = "disabled (gitops-pipeline.settings.yaml: smoke.enabled: false); e2e still runs";
  if (!raw.scan) skip.scan = "disabled (scan.enabled: false in gitops-pipeline.settings.yaml, or --scan=false); nothing is published without it";
  if (!raw.scanSecrets) skip.secrets = "disabled (scan.secrets: false in gitops-pipeline.settings.yaml); nothing is published without it";
  if (!i.imageRepository) skip.publish = "publishing not requested (no image.repository in gitops-pipeline.settings.yaml)";
  else if (!raw.hasRegistryPassword) skip.publish = "publishing not requested (no --registry-password)";
  else if (!tagged && !i.releaseBranches.includes(i.branch)) skip.publish = `branch "${i.branch}" is not a release branch (${i.releaseBranches.join(", ")})`;
  // Publishing tags the image {shortSha}-{run}: a real commit and run number are needed then.
  if (!skip.publish) {
    checkRunNumber(i.runNumber, "runNumber");
    shortSha(i.commit, "commit");
  }
  if (!i.gitopsRepo) skip.bump = "no gitops.repository in gitops-pipeline.settings.yaml: the deployment is not bumped";
  else if (!raw.hasGitopsCredentials) skip.bump = "no --gitops-token or --gitops-ssh-key for the gitops repository";
  if (raw.rollbackOnFailure && !raw.hasDeployCheck) {
    throw new InputError(
      "gitops-pipeline.settings.yaml: verify.rollbackOnFailure",
      "needs verify to know the deploy failed, and no Argo CD connection was given",
      "set verify.argocdServer and pass --argocd-token, or pass --argocd-kubeconfig; or set verify.rollbackOnFailure: false",
    );
  }
  if (raw.rollbackOnFailure && raw.pullRequest) {
    throw new InputError(
      "gitops-pipeline.settings.yaml: verify.rollbackOnFailure",
      "cannot follow a pull request: nothing is deployed until it is merged",
      "set verify.rollbackOnFailure: false or gitops.pullRequest: false",
    );
  }
  if (raw.pullRequest) skip.verify = "the bump opened a pull request: Argo CD deploys it once it is merged";
  else if (!raw.hasDeployCheck)
    skip.verify = "no Argo CD connection (verify.argocdServer with --argocd-token, or --argocd-kubeconfig): the deploy is not verified";
  if (!raw.rollbackOnFailure) skip.rollback = "not requested (verify.rollbackOnFailure in gitops-pipeline.settings.yaml)";
  const tagTemplates = tagged ? releaseTemplates(tagged, raw.releasedTags ?? "", i.environment !== "") : [];
  return {
    appVersion: buildVersionOf(version, i.commit),
    version,
    release: tagged !== undefined,
    tagTemplates,
    platforms: i.platforms,
    releaseBranches: i.releaseBranches,
    skip,
  };
}

/** One stage's work, as the Dagger shell (or a test) supplies it. */
export type CiStageRun<A> = (inputs: Partial<Record<CiStageName, A>>) => Promise<StageOutcome<A>>;

/** The stage graph of `ci` for `runs`, with the decisions' skips applied. */
export function ciGraph<A>(runs: Record<CiStageName, CiStageRun<A>>, d: Pick<CiDecisions, "skip">): StageSpec<A>[] {
  return CI_STAGES.map((name) => ({
    name,
    needs: [...CI_NEEDS[name], ...(CI_AFTER[name] ?? []).filter((n) => d.skip[n] === undefined)],
    ...(d.skip[name] !== undefined ? { skip: d.skip[name] } : {}),
    ...(CI_REMEDIES.includes(name) ? { when: "failed" as const } : {}),
    run: runs[name] as StageSpec<A>["run"],
  }));
}
