/**
 * The gitops repository Argo CD deploys from, as the write-back sees it: where it is, how to
 * authenticate, who commits, whether to push or to propose a pull request. Configured with
 * chainable `with-` functions, then `bump` or `promote`. Without a URL it edits the pipeline's
 * own gitops directory and returns it.
 */
import { func, object, type Directory, type Secret } from "@dagger.io/dagger";
import { DEFAULTS } from "../core/defaults.js";
import { parseInputs } from "../core/inputs.js";
import type { Toolchain } from "../toolchain.js";
import { InputError } from "../core/errors.js";
import { attemptsInputs, authorInputs, bumpInputs, promoteInputs, repoInputs, rollbackInputs, sshInputs, tokenInputs } from "../core/writeback/inputs.js";
import { bumpPlan, type Format } from "../core/writeback/layout.js";
import { promotePlan } from "../core/writeback/promote.js";
import { findRollbackTarget, rollbackPlan, type RollbackTarget } from "../core/writeback/rollback.js";
import { resolvePullRequest, type Provider, type PullRequestConfig } from "../core/writeback/pull-request/config.js";
import type { Run } from "../run.js";
import { DaggerHistory } from "./history.js";
import { metricsInputs, metricsWindow } from "../core/metrics/inputs.js";
import { metricsRun } from "../metrics/metrics.js";
import { failedWriteBack, runWriteBack, type WriteBackTarget } from "./writeback.js";
import { checkRemote } from "./git.js";
import { validateStage } from "../validate/validate.js";
import { verifiedPlan } from "../core/signing/gate.js";
import type { Verdict } from "../core/signing/verdict.js";
import type { WriteBackPlan } from "../core/writeback/loop.js";
import { parseRepository } from "../core/app/registry.js";
import { cosignVerifier } from "../signing/cosign.js";

/** Where the write-back writes the image reference (overrides gitops-pipeline.yaml's writeBack.format). */
export enum WriteBackFormat {
  /** image.repository, image.tag, image.digest and env.appVersion in the environment's values files. */
  HELM = "helm",
  /** newName, newTag and digest of an images: entry in the environment's kustomize overlay. */
  KUSTOMIZE = "kustomize",
}

/** The forge whose API opens the pull request (GitHub) or merge request (GitLab). */
export enum PullRequestProvider {
  /** GitHub or GitHub Enterprise Server (REST API). */
  GITHUB = "github",
  /** GitLab, gitlab.com or self-managed (REST API v4). */
  GITLAB = "gitlab",
}

/** A gitops repository to write image references to: with-token / with-ssh-key / with-author / with-pull-request, then bump or promote. */
@object()
export class GitopsRepo {
  /** Remote repository URL ("" edits the local gitops directory). */
  url: string;
  /** Branch Argo CD watches. */
  branch: string;
  /** Directory of the gitops tree inside the repository ("" for its root). */
  path: string;
  /** App of a multi-app tree whose environments are written ("" for the tree's only app). */
  app: string;
  /** The pipeline's gitops directory: edited when there is no URL. */
  gitops: Directory;
  /** HTTPS token, when set with with-token. */
  token?: Secret;
  /** User name sent with the token. */
  user: string;
  /** SSH private key, when set with with-ssh-key. */
  sshKey?: Secret;
  /** known_hosts lines of the SSH host. */
  knownHosts: string;
  /** SSH private key the write-back signs its commits with, when set with with-signing-key. */
  signingKey?: Secret;
  /** Commit author and committer name. */
  authorName: string;
  /** Commit author and committer email. */
  authorEmail: string;
  /** Format override ("" follows gitops-pipeline.yaml). */
  format: string;
  /** kustomize images[].name override ("" follows gitops-pipeline.yaml). */
  imageName: string;
  /** Push attempts before giving up. */
  maxAttempts: number;
  /** The pipeline's toolchain: the git image, and the validation before push (images, offline schemas). */
  toolchain: Toolchain;
  /** Forge API token, when set with with-pull-request (pull-request mode). */
  pullRequestToken?: Secret;
  /** Pull-request settings (provider, API URL, project, branch prefix) as JSON; "" pushes directly. */
  pullRequest: string;
  /** Registry whose credentials the image verification uses ("" for none). */
  registry: string;
  /** Registry user for the image verification. */
  registryUsername: string;
  /** Registry password for the image verification, when set with with-registry-auth. */
  registryPassword?: Secret;

  /**
   * @param url Remote repository URL, or "".
   * @param branch Branch Argo CD watches.
   * @param path Directory of the gitops tree inside the repository.
   * @param app App of a multi-app tree ("" for the tree's only app).
   * @param gitops The pipeline's gitops directory.
   * @param toolchain The pipeline's toolchain.
   */
  constructor(url: string, branch: string, path: string, app: string, gitops: Directory, toolchain: Toolchain) {
    const i = parseInputs(repoInputs, { url, branch, path, app });
    this.url = i.url;
    this.branch = i.branch;
    this.path = i.path;
    this.app = i.app;
    this.gitops = gitops;
    this.toolchain = toolchain;
    this.user = DEFAULTS.gitUser;
    this.knownHosts = "";
    this.authorName = DEFAULTS.authorName;
    this.authorEmail = DEFAULTS.authorEmail;
    this.format = "";
    this.imageName = "";
    this.maxAttempts = DEFAULTS.maxAttempts;
    this.pullRequest = "";
    this.registry = "";
    this.registryUsername = "";
  }

  /**
   * Authenticate over HTTPS with a token (given to git through GIT_ASKPASS only: in no argv, URL,
   * file or log). Plain http is refused, except to a loopback or private-network IP address.
   *
   * @param token Token with push rights on the repository.
   * @param user User name sent with the token.
   */
  @func()
  withToken(token: Secret, user: string = DEFAULTS.gitUser): GitopsRepo {
    this.user = parseInputs(tokenInputs, { user }).user;
    this.token = token;
    return this;
  }

  /**
   * Authenticate over SSH with a deploy key (mounted read-only; the host key is checked against knownHosts).
   *
   * @param key SSH private key with push rights on the repository.
   * @param knownHosts known_hosts lines of the SSH host.
   */
  @func()
  withSshKey(key: Secret, knownHosts: string): GitopsRepo {
    this.knownHosts = parseInputs(sshInputs, { knownHosts }).knownHosts;
    this.sshKey = key;
    return this;
  }

  /**
   * Read the image's signatures and attestations with these registry credentials (a private
   * registry), when gitops-pipeline.yaml's verification: asks for them. They go to that registry only.
   *
   * @param address Registry host (and port) of the images, e.g. ghcr.io or registry.local:5000.
   * @param username Registry user.
   * @param password Registry password or token (read access is enough).
   */
  @func()
  withRegistryAuth(address: string, username: string, password: Secret): GitopsRepo {
    this.registry = parseRepository(`${address.trim()}/x`, "address").registry;
    this.registryUsername = username;
    this.registryPassword = password;
    return this;
  }

  /**
   * Sign every commit the write-back makes with this SSH key (git's gpg.format=ssh, as Flux and
   * Kargo sign theirs). The key is mounted read-only for git and ssh-keygen only, and its value is
   * remembered by the redaction. When gitops-pipeline.yaml's commitSigning.require is true, bump,
   * promote and rollback refuse to run without it, and refuse a branch head that its
   * allowedSigners do not verify. A key with a passphrase is not supported.
   *
   * @param key SSH private key (OpenSSH format, no passphrase) whose public key is in commitSigning.allowedSigners.
   */
  @func()
  withSigningKey(key: Secret): GitopsRepo {
    this.signingKey = key;
    return this;
  }

  /**
   * Commit as this author (and committer).
   *
   * @param name Author name.
   * @param email Author email.
   */
  @func()
  withAuthor(name: string, email: string): GitopsRepo {
    const i = parseInputs(authorInputs, { name, email });
    this.authorName = i.name;
    this.authorEmail = i.email;
    return this;
  }

  /**
   * Write the image reference in this format instead of the one gitops-pipeline.yaml names.
   *
   * @param format HELM values files or KUSTOMIZE overlays.
   * @param imageName kustomize images[].name to edit; "" for the overlay's only entry.
   */
  @func()
  withFormat(format: WriteBackFormat, imageName: string = ""): GitopsRepo {
    this.format = format;
    this.imageName = imageName.trim();
    return this;
  }

  /**
   * Give up after this many pushes lost while no other writer landed a commit. A push lost to a
   * commit another writer landed meanwhile (contention) does not count, so the budget grows with
   * the number of concurrent writers, up to 10 × attempts pushes in all.
   *
   * @param attempts Pushes lost without contention before giving up, 1 to 50.
   */
  @func()
  withMaxAttempts(attempts: number): GitopsRepo {
    this.maxAttempts = parseInputs(attemptsInputs, { attempts }).attempts;
    return this;
  }

  /**
   * Propose every write-back as a pull request (GitHub) or merge request (GitLab) instead of
   * pushing to the branch: the change is committed on <branchPrefix><environment>, recreated
   * from the branch head on each run and force-pushed with a lease (the repository's own
   * credentials push it), and one request per environment is opened or updated with the diff
   * and the validation summary. Re-running with the same change pushes and edits nothing. A
   * proposal branch holding commits the pipeline did not make is refused, nothing pushed. The
   * token is checked against the API before anything is pushed. Plain http API URLs are
   * accepted only for loopback and private-network IP addresses.
   *
   * @param token Forge API token: GitHub token with contents and pull requests write access, or GitLab token with the api scope.
   * @param provider GITHUB or GITLAB.
   * @param apiUrl API root; "" derives it: https://api.github.com for github.com, https://<host>/api/v4 for GitLab. Required for GitHub Enterprise Server (https://<host>/api/v3).
   * @param project owner/repo (GitHub) or group/project path (GitLab); "" derives it from the repository URL.
   * @param branchPrefix Prefix of the proposal branches: <branchPrefix><environment>.
   */
  @func()
  withPullRequest(
    token: Secret,
    provider: PullRequestProvider = PullRequestProvider.GITHUB,
    apiUrl: string = "",
    project: string = "",
    branchPrefix: string = DEFAULTS.pullRequestBranchPrefix,
  ): GitopsRepo {
    const config = resolvePullRequest(this.url, { provider: provider as Provider, apiUrl, project, branchPrefix });
    this.pullRequest = JSON.stringify(config);
    this.pullRequestToken = token;
    return this;
  }

  /**
   * Write a new image reference into one environment, validate the edited tree (every
   * environment, as validate does), then commit and push it, retrying on top of concurrent
   * pushes (with with-pull-request: propose it as a pull / merge request instead); without a
   * URL, edit the pipeline's gitops directory. The run's artifacts are the
   * tree as written. Nothing is pushed or returned edited when validation fails. Compare-and-set:
   * a tag older than the deployed one is refused (unless allow-downgrade), and when another
   * writer deploys to the environment meanwhile, the bump goes on only if it still moves it forward.
   *
   * @param tag Image tag to deploy.
   * @param environment Environment of gitops-pipeline.yaml to bump.
   * @param digest Image digest (sha256:...) to pin; "" clears a pinned digest.
   * @param repository Image repository to set as well; "" leaves it as it is.
   * @param appVersion Value of env.appVersion (Helm); "" sets it to the tag where the key exists.
   * @param sourceCommit Commit of the app source the image was built from (goes in the commit message).
   * @param sourceCommitTime Committer time of the source commit, ISO 8601 (git log -1 --format=%cI): recorded in the commit message for the delivery metrics' lead time.
   * @param fix This bump repairs the deploy it replaces: the commit names the replaced image (Fixes:), and the delivery metrics count that deploy as a change failure.
   * @param dryRun Compute and validate the edit, return the diff and the rendered diff, push nothing.
   * @param allowSharedValues Proceed when the edited values file is shared with other environments, whose rendering changes too; they are named in the report and the commit message (without it such an edit is refused).
   * @param allowDowngrade Write a tag older (semver) than the one the environment deploys; without it such a bump is refused (rollback is the usual way back).
   */
  @func({ cache: "never" })
  async bump(
    tag: string,
    environment: string = DEFAULTS.environment,
    digest: string = "",
    repository: string = "",
    appVersion: string = "",
    sourceCommit: string = "",
    sourceCommitTime: string = "",
    fix: boolean = false,
    dryRun: boolean = false,
    allowSharedValues: boolean = false,
    allowDowngrade: boolean = false,
  ): Promise<Run> {
    const i = parseInputs(bumpInputs, { tag, environment, digest, repository, appVersion, sourceCommit, sourceCommitTime });
    const ref = {
      tag: i.tag,
      ...(i.digest ? { digest: i.digest } : {}),
      ...(i.repository ? { repository: i.repository } : {}),
      ...(i.appVersion ? { appVersion: i.appVersion } : {}),
    };
    const target = { ...this.target(), allowShared: allowSharedValues };
    return this.gated(
      target,
      bumpPlan({
        env: i.environment,
        ref,
        source: target,
        allowDowngrade,
        fix,
        ...(i.sourceCommit ? { sourceCommit: i.sourceCommit } : {}),
        ...(i.sourceCommitTime ? { sourceCommitTime: i.sourceCommitTime } : {}),
      }),
      dryRun,
    );
  }

  /**
   * Promote: copy the image reference (repository, tag, digest, appVersion) of one environment to
   * the next in gitops-pipeline.yaml's order (dev → staging → prod), through the same validate /
   * commit / push-with-retry (or pull-request) path as bump. Refuses when the source has no image tag, when the
   * step skips an environment, or when it would move the target to an older tag (unless allow-downgrade).
   *
   * @param from Environment to promote from.
   * @param to Environment to promote to; "" for the next one after from.
   * @param sourceCommit Commit of the app source, for the commit message.
   * @param sourceCommitTime Committer time of the source commit, ISO 8601; "" lets the delivery metrics take it from the deploy of the same image in the environment promoted from.
   * @param dryRun Compute and validate the edit, return the diff and the rendered diff, push nothing.
   * @param allowSharedValues Proceed when the edited values file is shared with other environments (named in the report and the commit message).
   * @param allowDowngrade Promote even when the target deploys a newer tag (semver) than the source; without it that is refused.
   */
  @func({ cache: "never" })
  async promote(
    from: string = DEFAULTS.environment,
    to: string = "",
    sourceCommit: string = "",
    sourceCommitTime: string = "",
    dryRun: boolean = false,
    allowSharedValues: boolean = false,
    allowDowngrade: boolean = false,
  ): Promise<Run> {
    const i = parseInputs(promoteInputs, { from, to, sourceCommit, sourceCommitTime });
    const target = { ...this.target(), allowShared: allowSharedValues };
    return this.gated(
      target,
      promotePlan({
        from: i.from,
        ...(i.to ? { to: i.to } : {}),
        source: target,
        allowDowngrade,
        ...(i.sourceCommit ? { sourceCommit: i.sourceCommit } : {}),
        ...(i.sourceCommitTime ? { sourceCommitTime: i.sourceCommitTime } : {}),
      }),
      dryRun,
    );
  }

  /**
   * Roll back: set one environment back to an earlier image reference (repository, tag, digest,
   * appVersion as they were), through the same validate / commit / push-with-retry path as bump.
   * Without to, the image deployed before the current one, found in the git history of the file
   * that holds it (rolling back twice returns to where the first rollback started). It writes only
   * over the reference it chose its target against: a deploy that lands meanwhile (a fix bump) is
   * never reverted; the run fails naming both. Needs the repository (a URL): a local gitops
   * directory has no history.
   *
   * @param environment Environment of gitops-pipeline.yaml to roll back.
   * @param to Gitops revision (commit sha, tag, branch, HEAD~1...) whose image reference to restore; "" for the one before the current.
   * @param dryRun Find the target, compute and validate the edit, return the diff and the rendered diff, push nothing.
   * @param allowSharedValues Proceed when the edited values file is shared with other environments (named in the report and the commit message).
   */
  @func({ cache: "never" })
  async rollback(environment: string = DEFAULTS.environment, to: string = "", dryRun: boolean = false, allowSharedValues: boolean = false): Promise<Run> {
    const i = parseInputs(rollbackInputs, { environment, to });
    const target = { ...this.target(), allowShared: allowSharedValues };
    if (!target.remote)
      throw new InputError(
        "url",
        "is empty: a rollback reads the environment's history from the gitops repository",
        "call gitops-repo with --url (and with-token or with-ssh-key)",
      );
    const history = new DaggerHistory(target.gitImage, target.remote);
    let found: RollbackTarget;
    try {
      found = await findRollbackTarget({ env: i.environment, source: target, read: (p) => history.read(p), history, ...(i.to ? { to: i.to } : {}) });
    } catch (e) {
      return failedWriteBack("rollback", e, this.gitops); // the clone failed: a failed run saying why
    }
    return this.gated(target, rollbackPlan(found, target), dryRun, { rollback: found });
  }

  /**
   * Run a write-back behind the verification gate: the image the edit leaves in the environment
   * is verified with cosign as gitops-pipeline.yaml's verification: asks, before anything is committed.
   */
  async gated(target: WriteBackTarget & { root: string }, plan: WriteBackPlan, dryRun: boolean, data: Record<string, unknown> = {}): Promise<Run> {
    const auth =
      this.registry && this.registryPassword ? { registry: this.registry, username: this.registryUsername, password: this.registryPassword } : undefined;
    const verdicts: Verdict[] = [];
    // The report reads the verdicts once the loop ran (the array fills while it runs).
    return runWriteBack(target, verifiedPlan(plan, target, cosignVerifier(this.toolchain.cosignImage, auth), verdicts), dryRun, {
      ...data,
      verification: verdicts,
    });
  }

  /**
   * Delivery metrics (DORA) per app and environment, read from the branch's history alone: the
   * commits bump, promote and rollback wrote and their trailers. Deployment frequency; lead time
   * (source commit time → deploy commit on the branch); change failure rate (deploys replaced by
   * a rollback or a fix bump within the failure window); time to restore (failed deploy → the
   * rollback or fix). What the history cannot tell is said in the notes, never estimated. The
   * run's details are a Markdown table for a job summary; its artifacts are metrics.json,
   * metrics.md and metrics.svg (deploys and failures over time). Needs the repository (a URL).
   *
   * @param days Days of history the figures cover, up to until.
   * @param until End of the window, ISO 8601 (e.g. 2026-12-01T00:00:00Z); "" for now.
   * @param failureWindowHours A rollback or fix later than this after a deploy does not make it a change failure.
   */
  @func({ cache: "never" })
  async metrics(days: number = DEFAULTS.metricsDays, until: string = "", failureWindowHours: number = DEFAULTS.failureWindowHours): Promise<Run> {
    const i = parseInputs(metricsInputs, { days, until, failureWindowHours });
    const target = this.target();
    if (!target.remote)
      throw new InputError("url", "is empty: the metrics read the gitops repository's history", "call gitops-repo with --url (and with-token or with-ssh-key)");
    return metricsRun({ remote: target.remote, gitImage: target.gitImage, app: this.app, window: metricsWindow(i, Date.now()) });
  }

  /** Where and how this repository is written; remote credentials are checked against the URL first. */
  target(): WriteBackTarget & { root: string } {
    const remote = this.url
      ? checkRemote({
          url: this.url,
          branch: this.branch,
          user: this.user,
          sshKnownHosts: this.knownHosts,
          ...(this.token ? { token: this.token } : {}),
          ...(this.sshKey ? { sshKey: this.sshKey } : {}),
          ...(this.signingKey ? { signingKey: this.signingKey } : {}),
        })
      : undefined;
    return {
      gitops: this.gitops,
      ...(remote ? { remote } : {}),
      // Locally the gitops directory is the tree itself; remotely the tree is at `path` in the repository.
      root: remote ? this.path : "",
      ...(this.format ? { format: this.format as Format } : {}),
      ...(this.imageName ? { imageName: this.imageName } : {}),
      ...(this.app ? { app: this.app } : {}),
      author: { name: this.authorName, email: this.authorEmail },
      maxAttempts: this.maxAttempts,
      gitImage: this.toolchain.gitImage,
      // The validation before the push checks this app only (another app's problem does not block it).
      validate: { tools: this.toolchain, app: this.app },
      validateStage,
      ...(this.pullRequest && this.pullRequestToken
        ? { pullRequest: { config: JSON.parse(this.pullRequest) as PullRequestConfig, token: this.pullRequestToken } }
        : {}),
    };
  }
}
