#!/usr/bin/env node
/**
 * A stand-in forge for the pull-request contract tests and engine runs: a real HTTP server in
 * its own process that implements the GitHub REST and GitLab v4 endpoints the write-back uses,
 * with their authentication, their payload rules and their error shapes, over a real bare git
 * repository (a request's branches must exist there, as on the real forge).
 *
 *   node tests/helpers/forge-server.mjs --provider github|gitlab --token T --project acme/gitops
 *        --repo /path/to/gitops.git [--host 127.0.0.1] [--port 0] [--read-only]
 *
 * Prints one JSON line {"url": "http://host:port"} when it listens. Test-only endpoints, no
 * auth: GET /_forge/log (every request: method, path, query, status, whether it authenticated,
 * the JSON body) and GET /_forge/requests (the pull/merge requests it holds). The token is
 * never stored in the log.
 */
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : "true"]);
    return acc;
  }, []),
);
const provider = args.provider ?? "github";
const token = args.token;
const project = args.project;
const repo = args.repo;
const readOnly = args["read-only"] === "true";
if (!token || !project || !repo || !["github", "gitlab"].includes(provider)) {
  console.error("usage: forge-server.mjs --provider github|gitlab --token T --project owner/repo --repo /path/bare.git");
  process.exit(2);
}

const log = [];
const requests = [];
let origin = "";

/** The commit of a branch in the bare repository, or undefined. */
function branchSha(branch) {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], {
      cwd: repo,
      env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: "/dev/null" },
    })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}
/** Commits on head that base lacks. */
function ahead(base, head) {
  return Number(
    execFileSync("git", ["rev-list", "--count", `refs/heads/${base}..refs/heads/${head}`], {
      cwd: repo,
      env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: "/dev/null" },
    })
      .toString()
      .trim(),
  );
}

const send = (res, status, body) => {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
  return status;
};
const isStr = (v) => typeof v === "string";

// ---- GitHub -------------------------------------------------------------------------------
function github(req, res, url, body) {
  if (req.headers.authorization !== `Bearer ${token}`)
    return send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
  if (req.headers.accept !== "application/vnd.github+json") return send(res, 415, { message: `Unsupported Accept header: ${req.headers.accept}` });
  if (req.headers["x-github-api-version"] !== "2022-11-28") return send(res, 400, { message: `Invalid API version: ${req.headers["x-github-api-version"]}` });
  const [owner, name] = project.split("/");
  const m = /^\/repos\/([^/]+)\/([^/]+)(\/pulls(?:\/(\d+))?)?$/.exec(url.pathname);
  if (!m || decodeURIComponent(m[1]) !== owner || decodeURIComponent(m[2]) !== name)
    return send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  const view = (p) => ({
    number: p.number,
    html_url: `${origin}/${project}/pull/${p.number}`,
    state: p.state,
    title: p.title,
    body: p.body,
    head: { ref: p.head, sha: branchSha(p.head), label: `${owner}:${p.head}` },
    base: { ref: p.base },
  });
  const invalid = (errors) => send(res, 422, { message: "Validation Failed", errors, documentation_url: "https://docs.github.com/rest/pulls/pulls" });
  if (!m[3]) {
    if (req.method !== "GET") return send(res, 404, { message: "Not Found" });
    return send(res, 200, { full_name: project, default_branch: "main", permissions: { admin: false, push: !readOnly, pull: true } });
  }
  if (!m[4] && req.method === "GET") {
    const head = url.searchParams.get("head");
    const state = url.searchParams.get("state") ?? "open";
    return send(res, 200, requests.filter((p) => (state === "all" || p.state === state) && (!head || `${owner}:${p.head}` === head)).map(view));
  }
  if (!m[4] && req.method === "POST") {
    if (readOnly) return send(res, 403, { message: "Resource not accessible by personal access token" });
    if (!body || typeof body !== "object") return send(res, 400, { message: "Problems parsing JSON" });
    const missing = ["title", "head", "base"].filter((f) => !isStr(body[f]) || body[f] === "");
    if (missing.length) return invalid(missing.map((field) => ({ resource: "PullRequest", field, code: "missing_field" })));
    if (body.body !== undefined && !isStr(body.body)) return invalid([{ resource: "PullRequest", field: "body", code: "invalid" }]);
    if ((body.body ?? "").length > 65536)
      return invalid([{ resource: "Issue", field: "body", code: "custom", message: "body is too long (maximum is 65536 characters)" }]);
    if (!branchSha(body.head)) return invalid([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    if (!branchSha(body.base)) return invalid([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    if (requests.some((p) => p.state === "open" && p.head === body.head))
      return invalid([{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner}:${body.head}.` }]);
    if (ahead(body.base, body.head) === 0)
      return invalid([{ resource: "PullRequest", code: "custom", message: `No commits between ${body.base} and ${body.head}` }]);
    const p = { number: requests.length + 1, state: "open", title: body.title, body: body.body ?? "", head: body.head, base: body.base };
    requests.push(p);
    return send(res, 201, view(p));
  }
  if (m[4] && req.method === "PATCH") {
    const p = requests.find((x) => x.number === Number(m[4]));
    if (!p) return send(res, 404, { message: "Not Found" });
    if (readOnly) return send(res, 403, { message: "Resource not accessible by personal access token" });
    if (!body || typeof body !== "object") return send(res, 400, { message: "Problems parsing JSON" });
    for (const f of ["title", "body", "base"])
      if (body[f] !== undefined && !isStr(body[f])) return invalid([{ resource: "PullRequest", field: f, code: "invalid" }]);
    if (body.title === "") return invalid([{ resource: "PullRequest", field: "title", code: "missing_field" }]);
    if (body.base !== undefined && !branchSha(body.base)) return invalid([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    Object.assign(p, Object.fromEntries(["title", "body", "base"].filter((f) => body[f] !== undefined).map((f) => [f, body[f]])));
    return send(res, 200, view(p));
  }
  return send(res, 404, { message: "Not Found" });
}

// ---- GitLab -------------------------------------------------------------------------------
function gitlab(req, res, url, body) {
  if (req.headers["private-token"] !== token) return send(res, 401, { message: "401 Unauthorized" });
  const m = /^\/api\/v4\/projects\/([^/]+)(\/merge_requests(?:\/(\d+))?)?$/.exec(url.pathname);
  // The id is the URL-encoded path: a raw slash would have split it into more segments.
  if (!m || (decodeURIComponent(m[1]) !== project && m[1] !== "42")) return send(res, 404, { message: "404 Project Not Found" });
  const view = (p) => ({
    id: 1000 + p.iid,
    iid: p.iid,
    project_id: 42,
    title: p.title,
    description: p.description,
    state: p.state,
    source_branch: p.source_branch,
    target_branch: p.target_branch,
    sha: branchSha(p.source_branch),
    web_url: `${origin}/${project}/-/merge_requests/${p.iid}`,
  });
  if (!m[2]) {
    if (req.method !== "GET") return send(res, 404, { message: "404 Not Found" });
    return send(res, 200, {
      id: 42,
      path_with_namespace: project,
      default_branch: "main",
      web_url: `${origin}/${project}`,
      permissions: { project_access: { access_level: readOnly ? 20 : 30 }, group_access: null },
    });
  }
  if (!m[3] && req.method === "GET") {
    const source = url.searchParams.get("source_branch");
    const state = url.searchParams.get("state") ?? "all";
    return send(res, 200, requests.filter((p) => (state === "all" || p.state === state) && (!source || p.source_branch === source)).map(view));
  }
  if (!m[3] && req.method === "POST") {
    if (readOnly) return send(res, 403, { message: "403 Forbidden" });
    if (!body || typeof body !== "object") return send(res, 400, { error: "The provided content-type '' is not supported." });
    for (const f of ["source_branch", "target_branch", "title"]) if (!isStr(body[f]) || body[f] === "") return send(res, 400, { error: `${f} is missing` });
    if (body.description !== undefined && !isStr(body.description)) return send(res, 400, { error: "description is invalid" });
    if ((body.description ?? "").length > 1_048_576) return send(res, 400, { message: { description: ["is too long (maximum is 1048576 characters)"] } });
    if (!branchSha(body.source_branch)) return send(res, 422, { message: ["Source branch does not exist"] });
    if (!branchSha(body.target_branch)) return send(res, 422, { message: ["Target branch does not exist"] });
    const open = requests.find((p) => p.state === "opened" && p.source_branch === body.source_branch);
    if (open) return send(res, 409, { message: [`Another open merge request already exists for this source branch: !${open.iid}`] });
    const p = {
      iid: requests.length + 1,
      state: "opened",
      title: body.title,
      description: body.description ?? "",
      source_branch: body.source_branch,
      target_branch: body.target_branch,
    };
    requests.push(p);
    return send(res, 201, view(p));
  }
  if (m[3] && req.method === "PUT") {
    const p = requests.find((x) => x.iid === Number(m[3]));
    if (!p) return send(res, 404, { message: "404 Not found" });
    if (readOnly) return send(res, 403, { message: "403 Forbidden" });
    if (!body || typeof body !== "object") return send(res, 400, { error: "The provided content-type '' is not supported." });
    for (const f of ["title", "description", "target_branch"])
      if (body[f] !== undefined && !isStr(body[f])) return send(res, 400, { error: `${f} is invalid` });
    if (!["title", "description", "target_branch", "state_event"].some((f) => body[f] !== undefined))
      return send(res, 400, { error: "title, description, target_branch, state_event are missing, at least one parameter must be provided" });
    if (body.title === "") return send(res, 400, { message: { title: ["can't be blank"] } });
    Object.assign(p, Object.fromEntries(["title", "description", "target_branch"].filter((f) => body[f] !== undefined).map((f) => [f, body[f]])));
    return send(res, 200, view(p));
  }
  return send(res, 404, { message: "404 Not Found" });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url ?? "/", "http://forge");
    if (url.pathname === "/_forge/log") return send(res, 200, log);
    if (url.pathname === "/_forge/requests") return send(res, 200, requests);
    const raw = Buffer.concat(chunks).toString();
    let body;
    if (raw) {
      if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) body = "not-json";
      else {
        try {
          body = JSON.parse(raw);
        } catch {
          body = "not-json";
        }
      }
    }
    const authed = provider === "github" ? req.headers.authorization === `Bearer ${token}` : req.headers["private-token"] === token;
    const status = (provider === "github" ? github : gitlab)(req, res, url, body === "not-json" ? undefined : body);
    log.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), status, authed, body: body ?? null });
  });
});

server.listen(Number(args.port ?? 0), args.host ?? "127.0.0.1", () => {
  const a = server.address();
  const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
  origin = `http://${host}:${a.port}`;
  process.stdout.write(JSON.stringify({ url: origin }) + "\n");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
