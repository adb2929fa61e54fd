/**
 * Pull-request mode of the write-back: which forge (GitHub or GitLab), where its API is, which
 * project, which branch each environment is proposed on. Derived from the repository URL where
 * it can be, and checked before anything is cloned, pushed or posted.
 *
 * Plain http: the API token travels in a header, so the API URL must be https, except for a
 * loopback or private-network IP address (127/8, ::1, localhost, 10/8, 172.16/12, 192.168/16,
 * fc00::/7): a forge on the same host or network, e.g. a test forge. There the token still
 * travels unencrypted; that is the caller's choice of address.
 */
import { z } from "zod";
import { InputError } from "../../errors.js";
import { parseInputs, rule } from "../../inputs.js";
import { checkBranch, isLocalAddress } from "../git.js";

/** The forges pull-request mode talks to. */
export const PROVIDERS = ["github", "gitlab"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Where and how a write-back proposes its change. */
export interface PullRequestConfig {
  provider: Provider;
  /** API root without a trailing slash: https://api.github.com, https://gitlab.example.com/api/v4. */
  apiUrl: string;
  /** owner/repo (GitHub); group/subgroup/project or a numeric id (GitLab). */
  project: string;
  /** The proposal branch of environment e is `<branchPrefix><e>`. */
  branchPrefix: string;
}

/** Scheme, host and repository path of a remote URL; undefined for a local path or file:// URL. */
export function repoLocation(url: string): { scheme: "https" | "http" | "ssh"; host: string; hostname: string; path: string } | undefined {
  const clean = (p: string): string =>
    p
      .replace(/^\/+/, "")
      .replace(/\/+$/, "")
      .replace(/\.git$/, "");
  const web = /^(https?):\/\/([^/@]+)\/(.*)$/.exec(url);
  if (web) return { scheme: web[1] as "https" | "http", host: web[2]!, hostname: web[2]!.replace(/:\d+$/, ""), path: clean(web[3]!) };
  const ssh = /^ssh:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.*)$/.exec(url) ?? /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/\/)(.*)$/.exec(url);
  if (ssh) return { scheme: "ssh", host: ssh[1]!, hostname: ssh[1]!, path: clean(ssh[2]!) };
  return undefined;
}

const GITHUB_PROJECT = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
const GITLAB_PROJECT = /^(?:\d+|[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+)$/;

/** Check a project path for `provider`. */
export function checkProject(provider: Provider, project: string, arg = "project"): string {
  const ok = provider === "github" ? GITHUB_PROJECT.test(project) : GITLAB_PROJECT.test(project) && !project.endsWith(".git");
  if (!ok) {
    throw new InputError(
      arg,
      `"${project}" is not a ${provider === "github" ? "GitHub owner/repo" : "GitLab group/project path or project id"}`,
      provider === "github" ? "pass e.g. acme/gitops" : "pass e.g. acme/platform/gitops, or the project's numeric id",
    );
  }
  return project;
}

/** Check an API root URL: https (http only for a local address), no credentials, query or fragment; no trailing slash. */
export function checkApiUrl(raw: string, arg = "apiUrl"): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new InputError(arg, `"${raw}" is not a URL`, "pass the forge's API root, e.g. https://api.github.com or https://gitlab.example.com/api/v4");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new InputError(arg, `"${raw}" is not an https URL`, "pass the https API root of the forge");
  if (u.protocol === "http:" && !isLocalAddress(u.hostname)) {
    throw new InputError(
      arg,
      `${raw} is plain http: the token would travel unencrypted`,
      "use https (plain http is accepted only for a loopback or private-network IP address)",
    );
  }
  if (u.username || u.password) throw new InputError(arg, "contains credentials", "remove them; the token is given as a Secret");
  if (u.search || u.hash) throw new InputError(arg, "has a query or fragment", "pass the API root only, e.g. https://gitlab.example.com/api/v4");
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
}

/** The API root of the forge hosting `url`, when it can be told from the URL. */
export function defaultApiUrl(provider: Provider, url: string): string | undefined {
  const loc = repoLocation(url);
  if (!loc) return undefined;
  if (provider === "github") return /^(www\.)?github\.com$/i.test(loc.hostname) ? "https://api.github.com" : undefined;
  return loc.scheme === "ssh" ? `https://${loc.hostname}/api/v4` : `${loc.scheme}://${loc.host}/api/v4`;
}

/** Raw inputs of with-pull-request (the repository URL comes from gitops-repo). */
export const pullRequestInputs = z.object({
  provider: z.enum(PROVIDERS).describe("pass GITHUB or GITLAB"),
  apiUrl: z.string().transform(rule((s: string) => (s.trim() === "" ? "" : checkApiUrl(s, "apiUrl")))),
  project: z.string().trim(),
  branchPrefix: z
    .string()
    .trim()
    .transform(rule((s: string) => (checkBranch(`${s}env`, "branchPrefix"), s)))
    .describe("pass a branch name prefix such as gitops-pipeline/"),
});

/** Pull-request settings for the repository at `url`: given values checked, missing ones derived. */
export function resolvePullRequest(url: string, raw: z.input<typeof pullRequestInputs>): PullRequestConfig {
  if (!url) throw new InputError("url", "is empty: a pull request needs a remote repository", "pass gitops-repo --url with the repository's https or ssh URL");
  const i = parseInputs(pullRequestInputs, raw);
  const apiUrl = i.apiUrl || defaultApiUrl(i.provider, url);
  if (!apiUrl) {
    throw new InputError(
      "apiUrl",
      `cannot be told from ${url} for ${i.provider}`,
      i.provider === "github"
        ? "pass the API root: https://<host>/api/v3 for GitHub Enterprise Server"
        : "pass the API root, e.g. https://gitlab.example.com/api/v4",
    );
  }
  const path = repoLocation(url)?.path;
  const project = i.project || path;
  if (!project) throw new InputError("project", `cannot be told from ${url}`, i.provider === "github" ? "pass it as owner/repo" : "pass it as group/project");
  return {
    provider: i.provider,
    apiUrl: checkApiUrl(apiUrl, i.apiUrl ? "apiUrl" : "url"),
    project: checkProject(i.provider, project, i.project ? "project" : "url"),
    branchPrefix: i.branchPrefix,
  };
}

/** The proposal branch of `environment`; never the base branch itself. */
export function proposalBranch(c: Pick<PullRequestConfig, "branchPrefix">, environment: string, base: string): string {
  const branch = checkBranch(`${c.branchPrefix}${environment}`, "branchPrefix");
  if (branch === base)
    throw new InputError("branchPrefix", `makes the proposal branch ${branch} the base branch itself`, "pass a prefix such as gitops-pipeline/");
  return branch;
}
