/**
 * The endpoints pull-request mode uses on each forge, as requests and parsers:
 *
 *   GitHub (REST, version 2022-11-28)                     GitLab (REST v4)
 *   GET   /repos/{owner}/{repo}                            GET  /projects/{id}
 *   GET   /repos/{owner}/{repo}/pulls?head=&state=open     GET  /projects/{id}/merge_requests?source_branch=&state=opened
 *   POST  /repos/{owner}/{repo}/pulls                      POST /projects/{id}/merge_requests
 *   PATCH /repos/{owner}/{repo}/pulls/{number}             PUT  /projects/{id}/merge_requests/{iid}
 */
import { StageError } from "../../errors.js";
import type { ApiRequest } from "./api.js";
import type { Provider, PullRequestConfig } from "./config.js";

/** An open pull request (GitHub) or merge request (GitLab), as far as the write-back reads it. */
export interface PullRequest {
  /** GitHub's number, GitLab's iid. */
  number: number;
  /** Its web page. */
  url: string;
  title: string;
  body: string;
  /** Source branch. */
  head: string;
  /** Target branch. */
  base: string;
}

/** What the write-back wants open: head → base with this title and body. */
export interface Proposal {
  head: string;
  base: string;
  title: string;
  body: string;
}

/** One forge's requests and parsers. */
export interface Forge {
  provider: Provider;
  /** "pull request" or "merge request", for messages. */
  noun: string;
  /** Reads the project: proves the token and the project before anything is pushed. */
  project(): ApiRequest;
  /** From the project's answer: may the token push? undefined when the answer does not say. */
  canPush(body: unknown): boolean | undefined;
  /** The open requests from `head`. */
  find(head: string): ApiRequest;
  create(p: Proposal): ApiRequest;
  /** Title, body and (when it changed) the target branch of request `number`. */
  update(number: number, p: Proposal, current: PullRequest): ApiRequest;
  parse(body: unknown): PullRequest;
  /** The status a create answers when one is open already (a concurrent run opened it). */
  conflictStatus: number;
}

const obj = (body: unknown, what: string): Record<string, unknown> => {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new StageError("pull request", `${what}: the API answered ${JSON.stringify(body)?.slice(0, 120)}, not an object`);
  return body as Record<string, unknown>;
};
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The forge of `c`. */
export function forgeOf(c: PullRequestConfig): Forge {
  return c.provider === "github" ? github(c) : gitlab(c);
}

function github(c: PullRequestConfig): Forge {
  const [owner, repo] = c.project.split("/") as [string, string];
  const base = `${c.apiUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  const headers = { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "gitops-pipeline" };
  return {
    provider: "github",
    noun: "pull request",
    project: () => ({ method: "GET", url: base, endpoint: "GET /repos/{owner}/{repo}", headers }),
    canPush: (body) => {
      const p = obj(body, "GET /repos/{owner}/{repo}").permissions as { push?: boolean } | undefined;
      return typeof p?.push === "boolean" ? p.push : undefined;
    },
    find: (head) => ({
      method: "GET",
      url: `${base}/pulls?${new URLSearchParams({ head: `${owner}:${head}`, state: "open" })}`,
      endpoint: "GET /repos/{owner}/{repo}/pulls",
      headers,
    }),
    create: (p) => ({
      method: "POST",
      url: `${base}/pulls`,
      endpoint: "POST /repos/{owner}/{repo}/pulls",
      headers,
      body: { title: p.title, head: p.head, base: p.base, body: p.body },
    }),
    update: (n, p, cur) => ({
      method: "PATCH",
      url: `${base}/pulls/${n}`,
      endpoint: "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
      headers,
      body: { title: p.title, body: p.body, ...(cur.base !== p.base ? { base: p.base } : {}) },
    }),
    parse: (body) => {
      const o = obj(body, "pull request");
      const ref = (x: unknown): string => str((x as { ref?: unknown } | undefined)?.ref);
      return { number: Number(o.number), url: str(o.html_url), title: str(o.title), body: str(o.body), head: ref(o.head), base: ref(o.base) };
    },
    conflictStatus: 422,
  };
}

function gitlab(c: PullRequestConfig): Forge {
  const base = `${c.apiUrl}/projects/${encodeURIComponent(c.project)}`;
  const headers = { Accept: "application/json", "User-Agent": "gitops-pipeline" };
  return {
    provider: "gitlab",
    noun: "merge request",
    project: () => ({ method: "GET", url: base, endpoint: "GET /projects/:id", headers }),
    canPush: (body) => {
      const p = obj(body, "GET /projects/:id").permissions as Record<string, { access_level?: number } | null> | undefined;
      if (!p) return undefined;
      const levels = [p.project_access?.access_level, p.group_access?.access_level].filter((x): x is number => typeof x === "number");
      // Developer (30) and up may push branches and open merge requests.
      return levels.length ? Math.max(...levels) >= 30 : undefined;
    },
    find: (head) => ({
      method: "GET",
      url: `${base}/merge_requests?${new URLSearchParams({ source_branch: head, state: "opened" })}`,
      endpoint: "GET /projects/:id/merge_requests",
      headers,
    }),
    create: (p) => ({
      method: "POST",
      url: `${base}/merge_requests`,
      endpoint: "POST /projects/:id/merge_requests",
      headers,
      body: { source_branch: p.head, target_branch: p.base, title: p.title, description: p.body, remove_source_branch: true },
    }),
    update: (n, p, cur) => ({
      method: "PUT",
      url: `${base}/merge_requests/${n}`,
      endpoint: "PUT /projects/:id/merge_requests/:merge_request_iid",
      headers,
      body: { title: p.title, description: p.body, ...(cur.base !== p.base ? { target_branch: p.base } : {}) },
    }),
    parse: (body) => {
      const o = obj(body, "merge request");
      return {
        number: Number(o.iid),
        url: str(o.web_url),
        title: str(o.title),
        body: str(o.description),
        head: str(o.source_branch),
        base: str(o.target_branch),
      };
    },
    conflictStatus: 409,
  };
}

/** What to do about the open requests from the proposal's head. */
export type Decision = { action: "create" } | { action: "update"; pr: PullRequest } | { action: "unchanged"; pr: PullRequest };

/** Create when none is open from the head; update when title, body or target differ; else leave it. */
export function decide(open: PullRequest[], want: Proposal): Decision {
  // Filtered again here: a forge that ignores the query filter must not make us edit someone else's request.
  const pr = open.filter((p) => p.head === want.head).sort((a, b) => a.number - b.number)[0];
  if (!pr) return { action: "create" };
  return pr.title === want.title && pr.body === want.body && pr.base === want.base ? { action: "unchanged", pr } : { action: "update", pr };
}
