/**
 * What one `ci` run will do, decided from its inputs before anything runs: the stage graph, which
 * optional stages are wanted (publish, scan, e2e, bump) and why not, and the app version.
 * Pure; invalid inputs are InputErrors naming the argument, thrown before any stage starts.
 */
import { z } from "zod";
import { buildVersionOf } from "../app/image-build.js";
import { parsePlatforms } from "../app/platforms.js";
import { parseRepository } from "../app/registry.js";
import { runNumber as checkRunNumber, shortSha } from "../app/tags.js";
import { InputError } from "../errors.js";
import { environmentField } from "../gitops-config.js";
import { commaList, optionalVersionField, parseInputs, rule } from "../inputs.js";
import { checkBranch, checkRepoUrl } from "../writeback/git.js";
import type { StageOutcome, StageSpec } from "./orchestrate.js";

/** The stages of `ci`, in report order. */
export const CI_STAGES = ["lint", "test", "validate", "build", "secrets", "e2e", "scan", "publish", "bump"] as const;
export type CiStageName = (typeof CI_STAGES)[number];

/**
 * Who needs whom. lint, test, validate, build and the source's secret scan start together; e2e
 * and scan (every platform image) need only the build; publish needs every check (nothing
 * unchecked is ever pushed); bump needs the published digest. Critical path: 4 sequential groups.
 */
export const CI_NEEDS: Record<CiStageName, readonly CiStageName[]> = {
  lint: [],
  test: [],
  validate: [],
  build: [],
  secrets: [],
  e2e: ["build"],
  scan: ["build"],
  publish: ["lint", "test", "validate", "secrets", "e2e", "scan"],
  bump: ["publish"],
};

/** The inputs CI systems provide, as `ci` receives them (secrets reduced to whether they were given). */
export interface CiInputs {
  commit: string;
  runNumber: string;
  branch: string;
  version: string;
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
  scan: boolean;
  /** Scan the app source for secrets (the secrets stage). */
  scanSecrets: boolean;
}

/** The run, decided. */
export interface CiDecisions {
  /** App version: VERSION build arg, image label, APP_VERSION, what e2e expects on `/`. */
  appVersion: string;
  /** The version given (tags `v{version}-...`), "" when none. */
  version: string;
  platforms: string[];
  releaseBranches: string[];
  /** Why a stage does not run in this configuration; absent = it runs. */
  skip: Partial<Record<CiStageName, string>>;
}

const ciSchema = z.object({
  commit: z.string().trim().regex(/^[A-Za-z0-9._\/-]{1,64}$/, { error: "is not a commit id" }).describe("pass the commit being built, e.g. $GITHUB_SHA"),
  runNumber: z.string().trim().regex(/^[0-9A-Za-z._-]+$/, { error: "is not a run number" }).describe("pass the CI's run number, e.g. --run-number=$GITHUB_RUN_NUMBER"),
  branch: z.string().trim().min(1, { error: "is empty" }).describe("pass the branch being built, e.g. $GITHUB_REF_NAME"),
  version: optionalVersionField,
  imageRepository: z.string().transform(rule((s: string) => (s.trim() === "" ? "" : parseRepository(s, "imageRepository").address))),
  releaseBranches: z.string().transform(
    rule((s: string) => {
      const list = commaList(s);
      if (list.length === 0) throw new InputError("releaseBranches", "is empty", "pass at least one branch that publishes, e.g. --release-branches=main");
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
  const i = parseInputs(ciSchema, { ...raw, platforms: [...raw.platforms] });
  const skip: CiDecisions["skip"] = {};
  if (!raw.endToEnd) skip.e2e = "disabled (--end-to-end=false); nothing is published without it";
  if (!raw.scan) skip.scan = "disabled (--scan=false); nothing is published without it";
  if (!raw.scanSecrets) skip.secrets = "disabled (--scan-secrets=false); nothing is published without it";
  if (!i.imageRepository) skip.publish = "publishing not requested (no --image-repository)";
  else if (!raw.hasRegistryPassword) skip.publish = "publishing not requested (no --registry-password)";
  else if (!i.releaseBranches.includes(i.branch)) skip.publish = `branch "${i.branch}" is not a release branch (${i.releaseBranches.join(", ")})`;
  // Publishing tags the image {shortSha}-{run}: a real commit and run number are needed then.
  if (!skip.publish) {
    checkRunNumber(i.runNumber, "runNumber");
    shortSha(i.commit, "commit");
  }
  if (!i.gitopsRepo) skip.bump = "no --gitops-repo: the deployment is not bumped";
  else if (!raw.hasGitopsCredentials) skip.bump = "no --gitops-token or --gitops-ssh-key for the gitops repository";
  return { appVersion: buildVersionOf(i.version, i.commit), version: i.version, platforms: i.platforms, releaseBranches: i.releaseBranches, skip };
}

/** One stage's work, as the Dagger shell (or a test) supplies it. */
export type CiStageRun<A> = (inputs: Partial<Record<CiStageName, A>>) => Promise<StageOutcome<A>>;

/** The stage graph of `ci` for `runs`, with the decisions' skips applied. */
export function ciGraph<A>(runs: Record<CiStageName, CiStageRun<A>>, d: Pick<CiDecisions, "skip">): StageSpec<A>[] {
  return CI_STAGES.map((name) => ({
    name,
    needs: CI_NEEDS[name],
    ...(d.skip[name] !== undefined ? { skip: d.skip[name] } : {}),
    run: runs[name] as StageSpec<A>["run"],
  }));
}
