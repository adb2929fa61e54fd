/**
 * The git containers every stage that reads or writes the gitops repository shares (bump,
 * promote, rollback, history, metrics): the git image with credentials wired in, clone, fetch,
 * commit, push, and git's failures as stage failures. A leaf of the shell: it imports no other
 * shell file, so a stage using it stays one floor above it.
 *
 * Credentials: an HTTPS token is a `Secret` set with `withSecretVariable` and handed to git by
 * the GIT_ASKPASS script (core/writeback/git.ts), so it is in no argv, URL, file, layer or log; an
 * SSH key is a `Secret` mounted with `withMountedSecret` (mode 0400), checked against given known hosts.
 */
import { dag, ReturnType, type Container, type Secret } from "@dagger.io/dagger";
import { execFailure, InputError, StageError } from "../core/errors.js";
import {
  ASKPASS_PATH,
  ASKPASS_SCRIPT,
  checkRepoUrl,
  credentialHost,
  HOST_ENV,
  redirectFailure,
  GIT_ENV,
  gitArgv,
  isLocalAddress,
  TOKEN_ENV,
  USER_ENV,
  type Author,
} from "../core/writeback/git.js";
import { signingConfig } from "../core/writeback/commit-signing.js";
import { readText } from "../core/writeback/text.js";

/** Work tree of the clone inside the git container. */
export const WORKTREE = "/repo";
/** Where the SSH key and known hosts are mounted. */
export const SSH_KEY_PATH = "/run/gitops/ssh-key";
export const KNOWN_HOSTS_PATH = "/run/gitops/known_hosts";
/** Where the commit signing key is mounted, and where the allowed signers of a head check are written. */
export const SIGNING_KEY_PATH = "/run/gitops/signing-key";
export const ALLOWED_SIGNERS_PATH = "/run/gitops/allowed_signers";
/** Changed on every call so clone, fetch and push re-run instead of coming from the layer cache. */
export const CACHE_BUST_ENV = "GITOPS_WRITEBACK_RUN";

/** The remote repository and how to authenticate to it. */
export interface GitRemote {
  url: string;
  branch: string;
  token?: Secret;
  sshKey?: Secret;
  sshKnownHosts?: string;
  user: string;
  /** SSH private key the commits are signed with (with-signing-key); mounted read-only, never printed. */
  signingKey?: Secret;
}

/** Check the remote's credentials fit its URL before any container runs (errors name gitops-repo's and the with- functions' arguments). */
export function checkRemote(r: GitRemote): GitRemote {
  checkRepoUrl(r.url, "url");
  const https = /^https?:\/\//.test(r.url);
  if (r.token && r.sshKey)
    throw new InputError("token, key", "both a token and an SSH key are set", "use with-token for an https URL or with-ssh-key for an ssh URL, not both");
  // Plain http only to a loopback / private-network IP address (a test or same-network server), as for the forge API.
  if (r.token && r.url.startsWith("http://") && !isLocalAddress(new URL(r.url).hostname)) {
    throw new InputError(
      "url",
      `${r.url} is plain http: the token would travel unencrypted`,
      "use the https URL (plain http is accepted only for a loopback or private-network IP address)",
    );
  }
  if (r.token && !https)
    throw new InputError("token", `is an HTTPS token but url ${r.url} is not https`, "use the https URL of the repository, or with-ssh-key");
  if (r.sshKey && https) throw new InputError("key", `is an SSH key but url ${r.url} is https`, "use the ssh URL (git@host:org/repo.git), or with-token");
  if (r.sshKey && !r.sshKnownHosts?.trim()) {
    throw new InputError(
      "knownHosts",
      "is required with an SSH key (host keys are never accepted blindly)",
      "pass the host's known_hosts lines, e.g. from your ~/.ssh/known_hosts",
    );
  }
  return r;
}

/** The git image with askpass, non-interactive git and the credentials wired in (no exec yet). */
export function gitContainer(image: string, r: GitRemote): Container {
  let c = dag.container().from(image).withNewFile(ASKPASS_PATH, ASKPASS_SCRIPT, { permissions: 0o755 });
  for (const [k, v] of Object.entries(GIT_ENV)) c = c.withEnvVariable(k, v);
  c = c.withEnvVariable(USER_ENV, r.user);
  // The askpass script answers only for this host (a redirect or submodule elsewhere gets nothing).
  if (r.token) c = c.withEnvVariable(HOST_ENV, credentialHost(r.url)).withSecretVariable(TOKEN_ENV, r.token);
  if (r.sshKey) {
    c = c
      .withMountedSecret(SSH_KEY_PATH, r.sshKey, { owner: "root", mode: 0o400 })
      .withNewFile(KNOWN_HOSTS_PATH, r.sshKnownHosts!.trim() + "\n", { permissions: 0o644 })
      .withEnvVariable(
        "GIT_SSH_COMMAND",
        `ssh -i ${SSH_KEY_PATH} -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${KNOWN_HOSTS_PATH}`,
      );
  }
  // ssh-keygen signs with the key file (git's gpg.format=ssh): it must be readable by its owner only.
  if (r.signingKey) c = c.withMountedSecret(SIGNING_KEY_PATH, r.signingKey, { owner: "root", mode: 0o400 });
  return c;
}

/** Clone the branch into WORKTREE. */
export const cloneContainer = (base: Container, r: GitRemote, nonce: string): Container =>
  base
    .withEnvVariable(CACHE_BUST_ENV, nonce)
    .withWorkdir("/")
    .withExec(gitArgv.clone(r.url, r.branch, WORKTREE))
    .withWorkdir(WORKTREE);

/** Fetch the branch head and reset the work tree to it. */
export const fetchContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.fetch(branch)).withExec(gitArgv.reset(branch)).withExec(gitArgv.clean());

/** Stage and commit `paths`. */
export const commitContainer = (c: Container, paths: string[], message: string, author: Author, signed = false): Container =>
  c.withExec(gitArgv.add(paths)).withExec(gitArgv.commit(message, author, ...(signed ? [signingConfig(SIGNING_KEY_PATH)] : [])));

/** Push HEAD; the exit code is read, not raised, so a lost race can be told from a failure. */
export const pushContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.push(branch), { expect: ReturnType.Any });

/** Fetch another branch of the remote (the proposal branch) into its remote-tracking ref. */
export const branchFetchContainer = (c: Container, branch: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.fetch(branch));

/** Push HEAD to `branch` with a lease on `expect`; the exit code is read, not raised. */
export const leasePushContainer = (c: Container, branch: string, expect: string, nonce: string): Container =>
  c.withEnvVariable(CACHE_BUST_ENV, nonce).withExec(gitArgv.pushLease(branch, expect), { expect: ReturnType.Any });

/** A file of the clone's work tree in `c`, or undefined when it has none. */
export async function readWorktree(c: Container, path: string): Promise<string | undefined> {
  return (await c.exists(`${WORKTREE}/${path}`)) ? readText(c.file(`${WORKTREE}/${path}`), path) : undefined;
}

/**
 * A git command that failed for a reason other than a lost race (an unreachable remote, refused
 * credentials, a missing branch) as a stage failure: its exit code and git's last lines. The
 * output holds no credential: tokens reach git only through askpass, and URLs with credentials
 * are refused before any container runs.
 */
export function gitFailure(stage: string, err: unknown): unknown {
  const x = execFailure(err);
  if (!x) return err;
  const redirect = redirectFailure(`${x.stderr}\n${x.stdout}`);
  if (redirect) return new StageError(stage, `git ${x.cmd[1] ?? ""} exited ${x.exitCode}: ${redirect}`);
  const why = (x.stderr || x.stdout).trim().split("\n").filter(Boolean).slice(-3).join(" / ") || "no output";
  return new StageError(stage, `git ${x.cmd[1] ?? ""} exited ${x.exitCode}: ${why}`);
}
