/**
 * The parts of a kubeconfig verify uses to read an Application through the Kubernetes API: the
 * current context's cluster (server, CA, TLS verification) and user (bearer token or client
 * certificate). Everything must be inside the file (the `-data` fields): verify runs in a
 * container that has neither the files a kubeconfig may point at nor the binaries of exec and
 * auth-provider plugins, so those are refused with what to do instead. Errors name the
 * `kubeconfig` argument and never quote a credential.
 */
import { parse } from "yaml";
import { InputError } from "../errors.js";
import { urlCredential } from "../redact.js";

/** How to reach and authenticate to one Kubernetes API server. */
export interface KubeTarget {
  server: string;
  /** PEM CA bundle from certificate-authority-data; the system CAs when absent. */
  ca?: string;
  /** insecure-skip-tls-verify. */
  insecure: boolean;
  /** tls-server-name: the name the server certificate is checked against, when not the URL's host. */
  serverName?: string;
  token?: string;
  /** PEM client certificate and key (client-certificate-data, client-key-data). */
  cert?: string;
  key?: string;
  /** The context used, for reports. */
  context: string;
}

const ARG = "kubeconfig";
const FLATTEN = "embed the files with `kubectl config view --raw --flatten --minify > kubeconfig` and pass that";

type Named = { name?: unknown; [k: string]: unknown };
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const named = (list: unknown, name: string, what: string, known: string): Record<string, unknown> => {
  const hit = (Array.isArray(list) ? (list as Named[]) : []).find((e) => rec(e).name === name);
  if (!hit)
    throw new InputError(
      ARG,
      `${known} names ${what} '${name}', which the file does not define`,
      "fix the kubeconfig or pass one from `kubectl config view --raw --flatten --minify`",
    );
  return rec(hit[what]);
};
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/** Base64 `-data` field → PEM text; an InputError naming the field when it is not base64 PEM. */
function pem(b64: unknown, field: string): string | undefined {
  const s = text(b64);
  if (!s) return undefined;
  const decoded = /^[A-Za-z0-9+/=\s]+$/.test(s) ? Buffer.from(s, "base64").toString("utf8") : "";
  if (!decoded.includes("-----BEGIN "))
    throw new InputError(ARG, `${field} is not base64-encoded PEM`, "put the base64 of the PEM file there, as kubectl does");
  return decoded;
}

/** Read the current context (or `contextName`) of a kubeconfig's text. */
export function parseKubeconfig(raw: string, contextName = ""): KubeTarget {
  let doc: unknown;
  try {
    doc = parse(raw);
  } catch {
    throw new InputError(ARG, "is not valid YAML", "pass a kubeconfig file, e.g. --kubeconfig file:./kubeconfig");
  }
  const cfg = rec(doc);
  if (cfg.kind !== undefined && cfg.kind !== "Config")
    throw new InputError(ARG, `is a ${String(cfg.kind)}, not a kubeconfig (kind: Config)`, "pass a kubeconfig file");
  const ctxName = contextName || text(cfg["current-context"]) || "";
  const contexts = Array.isArray(cfg.contexts) ? cfg.contexts : [];
  if (!ctxName) {
    if (contexts.length !== 1) throw new InputError(ARG, "has no current-context", "set one with `kubectl config use-context NAME` before exporting it");
  }
  const chosen = ctxName || String(rec(contexts[0]).name ?? "");
  const context = named(contexts, chosen, "context", ctxName ? "current-context" : "the file");
  const clusterName = text(context.cluster);
  const userName = text(context.user);
  if (!clusterName) throw new InputError(ARG, `context '${chosen}' names no cluster`, "fix the kubeconfig's context");
  const cluster = named(cfg.clusters, clusterName, "cluster", `context '${chosen}'`);
  const user = userName ? named(cfg.users, userName, "user", `context '${chosen}'`) : {};

  const server = text(cluster.server);
  if (!server) throw new InputError(ARG, `cluster '${clusterName}' has no server`, "fix the kubeconfig's cluster entry");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new InputError(ARG, `cluster '${clusterName}' server is not a URL`, "use https://host:port");
  }
  // The server URL lands in verify's report: a credential inside it would too (and basic auth is refused anyway).
  const inUrl = urlCredential(server);
  if (inUrl)
    throw new InputError(
      ARG,
      `cluster '${clusterName}' server carries ${inUrl}`,
      "remove it from the server URL; use a ServiceAccount token (token:) or a client certificate",
    );
  if (url.protocol !== "https:")
    throw new InputError(
      ARG,
      `cluster '${clusterName}' server is ${url.protocol}//, so its credentials would travel in clear`,
      "use the API server's https:// address",
    );
  if (text(cluster["certificate-authority"]))
    throw new InputError(ARG, `cluster '${clusterName}' points at a CA file (certificate-authority), which is not inside the secret`, FLATTEN);

  for (const plugin of ["exec", "auth-provider"] as const) {
    if (user[plugin] !== undefined) {
      const cmd = plugin === "exec" ? ` (${String(rec(user.exec).command ?? "a command")})` : ` (${String(rec(user["auth-provider"]).name ?? "a provider")})`;
      throw new InputError(
        ARG,
        `user '${userName}' authenticates through an ${plugin} plugin${cmd}, which needs a binary verify does not run`,
        "use a kubeconfig with a ServiceAccount token (token:) or a client certificate (client-certificate-data, client-key-data)",
      );
    }
  }
  for (const file of ["tokenFile", "client-certificate", "client-key"] as const) {
    if (text(user[file])) throw new InputError(ARG, `user '${userName}' points at a file (${file}), which is not inside the secret`, FLATTEN);
  }
  if (text(user.username) || text(user.password))
    throw new InputError(ARG, `user '${userName}' uses basic auth, which Kubernetes no longer accepts`, "use a ServiceAccount token or a client certificate");

  const token = text(user.token);
  const cert = pem(user["client-certificate-data"], "client-certificate-data");
  const key = pem(user["client-key-data"], "client-key-data");
  if (Boolean(cert) !== Boolean(key))
    throw new InputError(
      ARG,
      `user '${userName}' has ${cert ? "a client certificate without its key" : "a client key without its certificate"}`,
      "give both client-certificate-data and client-key-data",
    );
  if (!token && !cert)
    throw new InputError(
      ARG,
      `user '${userName ?? "(none)"}' of context '${chosen}' has no credentials`,
      "use a kubeconfig with a token or a client certificate that may get applications.argoproj.io",
    );
  const ca = pem(cluster["certificate-authority-data"], "certificate-authority-data");
  const serverName = text(cluster["tls-server-name"]);
  return {
    server: server.replace(/\/+$/, ""),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    context: chosen,
    ...(ca ? { ca } : {}),
    ...(serverName ? { serverName } : {}),
    ...(token ? { token } : {}),
    ...(cert && key ? { cert, key } : {}),
  };
}
