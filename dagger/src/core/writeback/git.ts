/**
 * The git command lines of the write-back, shared by the Dagger containers (stages/bump.ts) and
 * the contract tests' real-git port, so the tests run exactly what the pipeline runs.
 *
 * Credentials never appear here: HTTPS tokens reach git through GIT_ASKPASS (a script that prints
 * an environment variable the engine fills from a Secret), SSH keys through a mounted secret file.
 */
import { InputError } from "../errors.js";
import { isLocalAddress } from "../address.js";
import { urlCredential } from "../redact.js";

export { isLocalAddress };

/** Who the write-back commits as (author and committer). */
export interface Author {
  name: string;
  email: string;
}

/** What a push did: landed, lost a race (retry), or failed for another reason (stop). */
export type PushStatus = "pushed" | "rejected" | "failed";

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/-]+(?<![./])$/;

/**
 * A name git's check-ref-format accepts (any branch a CI may build, Unicode included): no control
 * characters, spaces or ~^:?*[\, no `..`, `@{`, `//`, no component starting with `.` or ending in
 * `.lock`, not starting with `-` or ending in `/` or `.`.
 */
export const GIT_REF_NAME = /^(?!-)(?!.*\.\.)(?!.*@\{)(?!.*\/\/)(?!.*(?:^|\/)\.)(?!.*\.lock(?:\/|$))[^\u0000-\u0020\u007f~^:?*[\\]+(?<![./])$/u;

/** Longest branch name accepted (git's refs live in files: most file systems allow 255 bytes a name). */
export const BRANCH_MAX = 200;

/**
 * Check a branch name before it goes into a refspec: git's ref-format rules (no `..`, `@{`,
 * control characters, component starting with `.` or ending in `.lock`), not `HEAD`, at most
 * BRANCH_MAX characters.
 */
export function checkBranch(branch: string, arg = "branch"): string {
  const shown = JSON.stringify(branch.length > 80 ? `${branch.slice(0, 77)}...` : branch);
  if (branch.length > BRANCH_MAX)
    throw new InputError(arg, `${shown} is ${branch.length} characters long, more than ${BRANCH_MAX}`, "pass a branch such as main");
  if (branch === "HEAD" || branch.startsWith("refs/")) throw new InputError(arg, `${shown} is not a branch name but a ref`, "pass a branch such as main");
  if (!BRANCH.test(branch) || branch.split("/").some((c) => c.startsWith(".") || c.endsWith(".lock"))) {
    throw new InputError(arg, `${shown} is not a valid branch name`, "pass a branch such as main");
  }
  return branch;
}

/**
 * Check a remote URL: https, ssh (`ssh://` or `git@host:path`) or a local path / file:// URL.
 * A URL that carries credentials is refused: they would end up in .git/config and in logs.
 */
export function checkRepoUrl(url: string, arg = "url"): string {
  const ok = /^(https:\/\/|http:\/\/|ssh:\/\/|file:\/\/|\/)/.test(url) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/.test(url);
  if (!ok || /\s/.test(url)) {
    throw new InputError(arg, `"${url}" is not an https, ssh or file URL`, "pass e.g. https://github.com/org/gitops.git");
  }
  // User information (https://token@, ssh://user:password@) and query credentials (?access_token=) would
  // end up in .git/config, in logs and in reports. A plain ssh user name (git@host) is no credential.
  const what = urlCredential(url);
  if (what && !/^ssh:\/\/[A-Za-z0-9._-]+@[^/:@]+(?::\d+)?\//.test(url)) {
    throw new InputError(
      arg,
      `contains credentials: ${what}`,
      "remove them from the URL and pass the token with with-token (a Secret), or the key with with-ssh-key",
    );
  }
  return url;
}

/** A commit author's name: one line of printable text, not blank, no angle brackets (it goes raw into the commit header). */
export const AUTHOR_NAME = /^(?=.*\S)[^<>\u0000-\u001f\u007f]{1,100}$/;
/** A commit author's email address. */
export const AUTHOR_EMAIL = /^[^<>\s@\u0000-\u001f\u007f]{1,64}@[^<>\s@\u0000-\u001f\u007f]{1,190}$/;

/** Check an author identity (it goes into commit metadata, so no newlines or angle brackets). */
export function checkAuthor(author: Author): Author {
  if (!AUTHOR_NAME.test(author.name))
    throw new InputError("name", `${JSON.stringify(author.name)} is not a usable name`, "pass a one-line, non-blank name without < > or control characters");
  if (!AUTHOR_EMAIL.test(author.email)) throw new InputError("email", `"${author.email}" is not an email address`, "pass e.g. bot@example.com");
  return author;
}

/** Environment variable that carries the HTTPS token (filled from a Secret; never printed). */
export const TOKEN_ENV = "GITOPS_GIT_TOKEN";
/** Environment variable that carries the HTTPS user name (not secret). */
export const USER_ENV = "GITOPS_GIT_USER";
/** Environment variable that carries the host (host[:port]) the token was given for (not secret). */
export const HOST_ENV = "GITOPS_GIT_HOST";
/** Where the askpass script lives in the git container. */
export const ASKPASS_PATH = "/usr/local/bin/gitops-askpass";

/**
 * GIT_ASKPASS program: git runs it to ask for the user name and password and reads its stdout.
 * It prints the environment variables, so the token is in no argv, no file and no URL.
 *
 * It answers only for the host the token was given for: git names the URL it asks about
 * ("Password for 'https://user@host:port': "), and a redirect or a submodule could make git ask
 * about another host. Anything else gets no answer (git then fails with "could not read").
 */
export const ASKPASS_SCRIPT = `#!/bin/sh
target=$(printf '%s' "$1" | sed -e "s/^[^']*'//" -e "s/'.*$//" -e 's|^[A-Za-z0-9+.-]*://||' -e 's|^[^@/]*@||' -e 's|/.*$||')
case "$1" in
  *"'https://"*) target=\${target%:443} ;;
  *"'http://"*) target=\${target%:80} ;;
esac
if [ -z "\${${HOST_ENV}}" ] || [ "$target" != "\${${HOST_ENV}}" ]; then
  echo "gitops-askpass: git asked for the credentials of $target; the token is only for \${${HOST_ENV}:-no host}" >&2
  exit 1
fi
case "$1" in
  Username*) printf '%s\\n' "\${${USER_ENV}:-x-access-token}" ;;
  *) printf '%s\\n' "\${${TOKEN_ENV}}" ;;
esac
`;

/** The host[:port] git names when it asks for the credentials of `url` (default port left out), for HOST_ENV. */
export function credentialHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/**
 * Environment of every git command: never prompt on a terminal, never use a stored helper, and
 * never follow an HTTP redirect (git follows the first request's redirect by default, and would
 * then send the credential to the host it was redirected to): a redirect is a failure that
 * names it (see redirectFailure).
 */
export const GIT_ENV = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_ASKPASS: ASKPASS_PATH,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_COUNT: "1",
  GIT_CONFIG_KEY_0: "http.followRedirects",
  GIT_CONFIG_VALUE_0: "false",
} as const;

/**
 * git's output when the remote answered with a redirect it did not follow, as one sentence
 * naming it; undefined for any other output.
 */
export function redirectFailure(output: string): string | undefined {
  const m = /unable to access '([^']*)': The requested URL returned error: (30[1-8])/.exec(output);
  if (!m) return undefined;
  return `the remote ${m[1]} answered a redirect (HTTP ${m[2]}), which is not followed: credentials go only to the host they were given for; pass the repository's final URL as --url`;
}

/** The git argv of each write-back step. `dir` is the work tree (e.g. /repo in the container). */
export const gitArgv = {
  clone: (url: string, branch: string, dir: string): string[] => [
    "git",
    "clone",
    "--quiet",
    "--no-tags",
    "--single-branch",
    "--branch",
    checkBranch(branch),
    "--",
    checkRepoUrl(url),
    dir,
  ],
  fetch: (branch: string): string[] => ["git", "fetch", "--quiet", "--no-tags", "origin", `+refs/heads/${checkBranch(branch)}:refs/remotes/origin/${branch}`],
  reset: (branch: string): string[] => ["git", "reset", "--quiet", "--hard", `refs/remotes/origin/${checkBranch(branch)}`],
  clean: (): string[] => ["git", "clean", "-fdq"],
  head: (): string[] => ["git", "rev-parse", "HEAD"],
  add: (paths: string[]): string[] => ["git", "add", "--", ...paths],
  /** `signing`: the `-c` options that sign with an SSH key (commit-signing.ts); without them the commit is unsigned whatever the image's config says. */
  commit: (message: string, author: Author, signing: string[] = ["-c", "commit.gpgsign=false"]): string[] => {
    const a = checkAuthor(author);
    return ["git", "-c", `user.name=${a.name}`, "-c", `user.email=${a.email}`, ...signing, "commit", "--quiet", "--no-verify", "-m", message];
  },
  push: (branch: string): string[] => ["git", "push", "--porcelain", "origin", `HEAD:refs/heads/${checkBranch(branch)}`],
  /** The fetched head of another branch (its remote-tracking ref). */
  trackingHead: (branch: string): string[] => ["git", "rev-parse", "--verify", `refs/remotes/origin/${checkBranch(branch)}^{commit}`],
  /** The remote's head of `branch` (no output when it does not exist). */
  lsRemote: (branch: string): string[] => ["git", "ls-remote", "--heads", "origin", `refs/heads/${checkBranch(branch)}`],
  /** Commits reachable from `to` and not from `from`, one line each (see parseLog). */
  log: (from: string, to: string): string[] => ["git", "log", `--format=${LOG_FORMAT}`, `${checkRev(from)}..${checkRev(to)}`, "--"],
  /**
   * Push HEAD to `branch`, replacing it only if the remote's branch is still `expect` (the head
   * this run read; "" = it must not exist): a concurrent writer makes the push fail, not vanish.
   */
  pushLease: (branch: string, expect: string): string[] => [
    "git",
    "push",
    "--porcelain",
    `--force-with-lease=refs/heads/${checkBranch(branch)}:${expect === "" ? "" : checkRev(expect)}`,
    "origin",
    `HEAD:refs/heads/${branch}`,
  ],
};

/** A revision the argv accepts: a full commit id or HEAD. */
export function checkRev(rev: string): string {
  if (rev !== "HEAD" && !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev))
    throw new InputError("revision", `"${rev}" is not a full commit id`, "pass the 40-character commit id");
  return rev;
}

/** `git log` format: commit, tree, parents, committer name and email, subject, separated by US (0x1f). */
export const LOG_FORMAT = "%H%x1f%T%x1f%P%x1f%cn%x1f%ce%x1f%s";

/** One commit as `git log --format=LOG_FORMAT` prints it. */
export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  committer: Author;
  subject: string;
}

/** Parse `git log --format=LOG_FORMAT` output (newest first). */
export function parseLog(out: string): CommitInfo[] {
  return out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [sha = "", tree = "", parents = "", name = "", email = "", ...subject] = l.split("\x1f");
      return { sha, tree, parents: parents.split(" ").filter(Boolean), committer: { name, email }, subject: subject.join("\x1f") };
    });
}

/** The commit of `git ls-remote` output for one ref; undefined when the ref does not exist. */
export function parseLsRemote(out: string, branch: string): string | undefined {
  const line = out.split("\n").find((l) => l.endsWith(`\trefs/heads/${branch}`));
  return line?.split("\t")[0] || undefined;
}

/**
 * Classify `git push --porcelain`. Losing a race shows as a rejected non-fast-forward
 * ("fetch first"), or, when two pushes hit the same ref at once, as a ref-lock failure or a
 * remote "failed to update ref": all mean "someone else pushed first: fetch, re-apply, retry".
 */
export function classifyPush(exitCode: number, output: string): PushStatus {
  if (exitCode === 0) return "pushed";
  if (/\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|incorrect old value|stale info/i.test(output)) {
    return "rejected";
  }
  return "failed";
}

/**
 * The commit message: `chore(deploy): <app> <env> → <tag>`, then trailers the delivery metrics
 * read (core/metrics): the image, the source commit and its time, the environment promoted from,
 * and for a fix the image it replaces.
 */
export function commitMessage(m: {
  app: string;
  env: string;
  tag: string;
  image?: string;
  sourceCommit?: string;
  sourceCommitTime?: string;
  promotedFrom?: string;
  fixes?: string;
}): string {
  for (const [k, v] of Object.entries(m)) {
    if (v !== undefined && /[\n\r]/.test(v)) throw new InputError(k, "contains a newline", "pass a one-line value");
  }
  const lines = [`chore(deploy): ${m.app} ${m.env} → ${m.tag}`, ""];
  if (m.image) lines.push(`Image: ${m.image}`);
  if (m.promotedFrom) lines.push(`Promoted-From: ${m.promotedFrom}`);
  lines.push(`Source-Commit: ${m.sourceCommit || "unknown"}`);
  if (m.sourceCommitTime) lines.push(`Source-Commit-Time: ${m.sourceCommitTime}`);
  if (m.fixes) lines.push(`Fixes: ${m.fixes}`);
  return lines.join("\n") + "\n";
}
