#!/usr/bin/env node
/**
 * A stand-in for an Argo CD API server or a Kubernetes API server, serving Application objects
 * from fixture files, for verify's contract tests and engine runs. A separate process with a
 * real socket (HTTP or HTTPS, optionally asking for client certificates).
 *
 * usage: node argocd-server.mjs <scenario.json>
 * scenario: {
 *   api: "argocd" | "kubernetes",
 *   host: "127.0.0.1", port: 0,
 *   tls?: { key, cert, ca? }            file paths; with ca, client certificates signed by it authenticate
 *   tokens: { "<token>": "allow" | "forbid" },
 *   apps: { "<name>": { namespace: "argocd", steps: ["fixture.json", ...] } }
 * }
 * Each GET of an app answers its next step (the last one repeats). Without a valid credential:
 * 401; a "forbid" token: 403; an unknown app or namespace: 404. Prints `listening <port>` once
 * ready. GET /_test/requests (no auth) lists the requests seen, for assertions.
 */
import { readFileSync } from "node:fs";
import { createServer as createHttp } from "node:http";
import { createServer as createHttps } from "node:https";
import { dirname, isAbsolute, join } from "node:path";

const file = process.argv[2];
if (!file) {
  console.error("usage: argocd-server.mjs <scenario.json>");
  process.exit(2);
}
const scenario = JSON.parse(readFileSync(file, "utf8"));
const base = dirname(file);
const read = (p) => readFileSync(isAbsolute(p) ? p : join(base, p), "utf8");
const apps = Object.fromEntries(
  Object.entries(scenario.apps ?? {}).map(([name, a]) => [
    name,
    { namespace: a.namespace ?? "argocd", steps: a.steps.map((s) => JSON.parse(read(s))), served: 0 },
  ]),
);
const requests = [];

/** The body of an error in the API's own shape. */
function error(res, status, message) {
  const body =
    scenario.api === "kubernetes"
      ? {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message,
          reason: { 401: "Unauthorized", 403: "Forbidden", 404: "NotFound" }[status] ?? "InternalError",
          code: status,
        }
      : { error: message, code: { 401: 16, 403: 7, 404: 5 }[status] ?? 2, message };
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function handle(req, res) {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/_test/requests") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(requests));
    return;
  }
  const auth = req.headers.authorization ?? "";
  const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
  const clientCert = Boolean(req.socket.authorized && req.socket.getPeerCertificate?.()?.subject);
  requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), bearer: token !== "", clientCert });

  let name;
  let namespace;
  if (scenario.api === "kubernetes") {
    const m = /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/applications\/([^/]+)$/.exec(url.pathname);
    if (!m) return error(res, 404, "the server could not find the requested resource");
    namespace = decodeURIComponent(m[1]);
    name = decodeURIComponent(m[2]);
  } else {
    const m = /^\/api\/v1\/applications\/([^/]+)$/.exec(url.pathname);
    if (!m) return error(res, 404, "Not Found");
    name = decodeURIComponent(m[1]);
    namespace = url.searchParams.get("appNamespace") ?? "argocd";
  }
  const grant = token ? scenario.tokens?.[token] : clientCert ? "allow" : undefined;
  if (!grant) {
    return error(res, 401, scenario.api === "kubernetes" ? "Unauthorized" : "invalid session: token signature is invalid");
  }
  if (grant === "forbid") {
    return error(
      res,
      403,
      scenario.api === "kubernetes"
        ? `applications.argoproj.io "${name}" is forbidden: User "system:serviceaccount:ci:verify" cannot get resource "applications" in API group "argoproj.io" in the namespace "${namespace}"`
        : "permission denied",
    );
  }
  const app = apps[name];
  if (!app || app.namespace !== namespace) {
    return error(res, 404, `applications.argoproj.io "${name}" not found`);
  }
  const step = app.steps[Math.min(app.served, app.steps.length - 1)];
  app.served += 1;
  // The Argo CD API answers the object without its type meta; the Kubernetes API with it.
  const { apiVersion, kind, ...rest } = step;
  const body = scenario.api === "kubernetes" ? { apiVersion, kind, ...rest } : rest;
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

const server = scenario.tls
  ? createHttps(
      {
        key: read(scenario.tls.key),
        cert: read(scenario.tls.cert),
        ...(scenario.tls.ca ? { ca: read(scenario.tls.ca), requestCert: true, rejectUnauthorized: false } : {}),
      },
      handle,
    )
  : createHttp(handle);
server.listen(scenario.port ?? 0, scenario.host ?? "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
