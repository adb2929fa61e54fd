import type { CiInputs } from "../../dagger/src/core/ci/plan.js";

/** The ci call the plan tests start from: a main-branch run with every stage on; each test overrides what it needs. */
const secret = (value: string) => ({ plaintext: async () => value }) as never;

const CI_COMMIT = "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901";

export const ciCall = () => ({
  commit: CI_COMMIT,
  runNumber: "29",
  branch: "main",
  version: "",
  imageRepository: "ghcr.io/acme/app",
  registryUsername: "bot",
  registryPassword: secret("pw"),
  releaseBranches: "main",
  gitopsRepo: "https://git.example.com/acme/deploy.git",
  gitopsBranch: "main",
  environment: "dev",
  platforms: ["linux/amd64"],
  endToEnd: true,
  scan: true,
  scanSecrets: true,
  ignoreUnfixed: false,
  severity: "CRITICAL",
  linters: ["ruff" as const],
  minCoverage: 90,
});

/** What decideCi reads of a run that publishes nothing and writes nothing back: a main-branch run of two platforms, every stage on. */
export const ciInputs = (): CiInputs => ({
  commit: CI_COMMIT,
  runNumber: "29",
  branch: "main",
  version: "",
  imageRepository: "",
  hasRegistryPassword: false,
  releaseBranches: "main",
  gitopsRepo: "",
  gitopsBranch: "main",
  hasGitopsCredentials: false,
  environment: "dev",
  platforms: ["linux/amd64", "linux/arm64"],
  endToEnd: true,
  scan: true,
  scanSecrets: true,
});
