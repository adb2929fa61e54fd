/**
 * What one `ci` run will do, decided from its inputs before anything runs: the stage graph, which
 * optional stages are wanted (publish, scan, e2e, bump) and why not, and the app version.
 * Pure; invalid inputs are InputErrors naming the argument.
 */
import { InputError } from "../errors.js";
import type { StageOutcome, StageSpec } from "./orchestrate.js";
import { parsePlatforms } from "../app/platforms.js";

/** The stages of `ci`, in report order. */
export const CI_STAGES = ["lint", "test", "validate", "build", "e2e", "scan", "publish", "bump"] as const;
export type CiStageName = (typeof CI_STAGES)[number];

/**
 * Who needs whom. lint, test, validate and build start together; e2e and scan need only the
 * image; publish needs every check (nothing unchecked is ever pushed); bump needs the published
 * digest. Critical path: 4 sequential groups.
 */
export const CI_NEEDS: Record<CiStageName, readonly CiStageName[]> = {
  lint: [],
  test: [],
  validate: [],
  build: [],
  e2e: ["build"],
  scan: ["build"],
  publish: ["lint", "test", "validate", "e2e", "scan"],
  bump: ["publish"],
};

/** The inputs CI systems provide, as `ci` receives them. */
export interface CiInputs {
  commit: string;
  runNumber: string;
  branch: string;
  version: string;
  imageRepository: string;
  hasRegistryPassword: boolean;
  releaseBranches: string;
  gitopsRepo: string;
  hasGitopsToken: boolean;
  environment: string;
  platforms: readonly string[];
  e2e: boolean;
  scan: boolean;
}

/** The run, decided. */
export interface CiDecisions {
  /** App version: VERSION build arg, image label, APP_VERSION, what e2e expects on `/`. */
  appVersion: string;
  platforms: string[];
  releaseBranches: string[];
  /** Why a stage does not run in this configuration; absent = it runs. */
  skip: Partial<Record<CiStageName, string>>;
}

/** First 7 characters of a hex commit, or the value sanitised (`local`). */
export function shortCommit(commit: string): string {
  return /^[0-9a-f]{7,40}$/i.test(commit) ? commit.slice(0, 7).toLowerCase() : commit.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "local";
}

/** Decide the run. Throws an InputError for an input no stage could use. */
export function decideCi(i: CiInputs): CiDecisions {
  const platforms = parsePlatforms([...i.platforms], "platforms");
  const releaseBranches = i.releaseBranches
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  if (releaseBranches.length === 0) {
    throw new InputError("releaseBranches", "is empty", "pass at least one branch that publishes, e.g. --release-branches=main");
  }
  if (!/^[0-9A-Za-z._-]+$/.test(i.runNumber)) {
    throw new InputError("runNumber", `"${i.runNumber}" is not a run number`, "pass the CI's run number, e.g. --run-number=$GITHUB_RUN_NUMBER");
  }
  if (i.version && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(i.version)) {
    throw new InputError("version", `"${i.version}" is not a semantic version`, "pass e.g. --version=1.4.0, or leave it empty");
  }
  const appVersion = i.version || `0.0.0-${shortCommit(i.commit)}`;

  const skip: CiDecisions["skip"] = {};
  if (!i.e2e) skip.e2e = "disabled (--e2e=false); nothing is published without it";
  if (!i.scan) skip.scan = "disabled (--scan=false); nothing is published without it";
  if (!i.imageRepository) skip.publish = "publishing not requested (no --image-repository)";
  else if (!i.hasRegistryPassword) skip.publish = "publishing not requested (no --registry-password)";
  else if (!releaseBranches.includes(i.branch)) {
    skip.publish = `branch "${i.branch}" is not a release branch (${releaseBranches.join(", ")})`;
  }
  if (!i.gitopsRepo) skip.bump = "no --gitops-repo: the deployment is not bumped";
  else if (!i.hasGitopsToken) skip.bump = "no --gitops-token for the gitops repository";
  return { appVersion, platforms, releaseBranches, skip };
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
