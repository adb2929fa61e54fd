/**
 * The one table of defaults. The module's function signatures, `ci`, the function reference
 * (docs/reference.md, generated from the introspected signatures) and the tests all read these values;
 * a unit test compares every default the engine sees with this table. Tool versions and images
 * live in versions.ts.
 *
 * Scalars are read by the TypeScript introspector through their literal types (`as const`).
 * Lists are separate `export const` arrays without `as const`: the introspector resolves an
 * identifier only when it points at a plain array literal.
 */
export const DEFAULTS = {
  /** Coverage gate of the test stage, in percent (lines and branches). */
  minCoverage: 90,
  /** Dependency source of the app stages: detect it (uv.lock, poetry.lock, requirements*.txt, pyproject.toml). */
  dependencies: "auto",
  /** Push attempts of a write-back before it gives up when others keep pushing first. */
  maxAttempts: 6,
  /** Commit identity of the write-back. */
  authorName: "gitops-pipeline",
  authorEmail: "gitops-pipeline@users.noreply.github.com",
  /** User name sent with an HTTPS token (GitHub's convention for tokens). */
  gitUser: "x-access-token",
  /** Prefix of the branch a pull-request write-back proposes each environment on (`<prefix><environment>`). */
  pullRequestBranchPrefix: "gitops-pipeline/",
  /** Days of history the delivery metrics cover, up to their end. */
  metricsDays: 90,
  /** Hours after a deploy within which a rollback or fix makes it a change failure. */
  failureWindowHours: 72,
  /** Branch of the gitops repository Argo CD watches. */
  gitopsBranch: "main",
  /** Branches whose builds publish and bump, comma-separated. */
  releaseBranches: "main",
  /** Environment e2e deploys and the bump writes. */
  environment: "dev",
  /** Trivy severities that fail the scan. */
  severity: "CRITICAL,HIGH",
  /** Time budget of one e2e run, in seconds. */
  e2eTimeout: 300,
  /** Namespace of the e2e release. */
  e2eNamespace: "e2e",
  /** Version an e2e build carries and must answer on `/`. */
  e2eVersion: "0.0.0-e2e",
  /** Image tag a new app (add-app) starts with in every environment. */
  scaffoldTag: "0.1.0",
  /** Revision label of a build without a commit. */
  revision: "unknown",
  /** Dockerfile of the app, relative to the app directory. */
  dockerfile: "Dockerfile",
  /** The one platform of a tarball or a scan. */
  platform: "linux/amd64",
  /** Name the e2e tarball loads under. */
  tarballName: "gitops-demo:e2e",
  /** What `ci` reports when the CI system gives no commit, run or branch (a laptop run). */
  commit: "local",
  runNumber: "0",
  branch: "local",
  /** Which runs notify posts about: failure, success or always. */
  notifyOn: "failure",
  /** Instance id of the kind debugging service. */
  kindRunId: "debug",
  /** API server the debugging kubeconfig points at (the service bound as `docker`). */
  kindServer: "https://docker:6443",
  /** Namespace of the Argo CD Application objects verify reads. */
  argocdNamespace: "argocd",
  /** Seconds verify waits for the pushed revision to be Synced and Healthy (and the probe). */
  verifyTimeout: 300,
  /** Version of the app image the local gitops environment deploys first (local-gitops). */
  localVersion: "0.1.0-local.1",
  /** Version the local gitops e2e's bump deploys. */
  localNextVersion: "0.1.0-local.2",
  /** Seconds the local gitops environment's bring-up (and each wait for a sync) may take. */
  localTimeout: 900,
  /** Sealing scope of `seal`: bound to the Secret's name and namespace (kubeseal's default). */
  sealScope: "strict",
  /** Type of the Secret a sealed value lands in. */
  secretType: "Opaque",
  /** Port the app's image listens on (the sample Dockerfile's EXPOSE), tunnelled by `dagger up`. */
  appPort: 8080,
} as const;

/** Platforms the build and publish stages produce. */
export const DEFAULT_PLATFORMS: string[] = ["linux/amd64", "linux/arm64"];

/** Linters the lint stage and `ci` run: ruff check and ruff's format check. */
export const DEFAULT_LINTERS: string[] = ["ruff", "ruff-format"];

export type Defaults = typeof DEFAULTS;
