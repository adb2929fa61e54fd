/**
 * kind's kubeconfig, made usable from the e2e client container.
 *
 * kind writes the server as the published address (`https://0.0.0.0:6443` with our config), which
 * the client cannot reach, and the API server certificate has no SAN for the service binding's
 * host name (`docker`). So the server becomes `https://docker:6443` and `tls-server-name` is set
 * to `localhost`, a SAN kind always puts in the certificate. This is the client-side equivalent of
 * `kubectl config set-cluster NAME --server=... --tls-server-name=...`
 * (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_config/kubectl_config_set-cluster/).
 */
import { isMap, isSeq, parseDocument, type Document } from "yaml";
import { E2E_API_PORT, E2E_CLUSTER } from "./kind-config.js";

/** How the client reaches the API server. */
export interface KubeconfigRewrite {
  /** Cluster entry to rewrite; kind names it `kind-<cluster name>`. */
  cluster?: string;
  /** New server URL, e.g. `https://docker:6443`. */
  server?: string;
  /** Name the server certificate is verified against (a SAN of the API server certificate). */
  tlsServerName?: string;
}

/** The PEM credentials of one kubeconfig context, for clients that do not read kubeconfigs (curl). */
export interface KubeCredentials {
  /** API server URL of the context's cluster. */
  server: string;
  /** `tls-server-name` of the cluster, if set. */
  tlsServerName?: string;
  /** CA certificate (PEM). */
  ca: string;
  /** Client certificate (PEM). */
  cert: string;
  /** Client key (PEM). */
  key: string;
}

/** Server URL the e2e client uses: the dind service binding's host name and the kind API port. */
export const E2E_SERVER = `https://docker:${E2E_API_PORT}`;

function load(text: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`kubeconfig is not valid YAML: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents) || doc.get("kind") !== "Config") {
    throw new Error("kubeconfig has no `kind: Config` document; did `kind get kubeconfig` print an error instead?");
  }
  return doc;
}

/** Index of the entry called `name` in one of the kubeconfig's named lists. */
function indexOf(doc: Document, list: "clusters" | "users" | "contexts", name: string): number {
  const seq = doc.get(list);
  const items = isSeq(seq) ? seq.items : [];
  const names = items.map((it) => (isMap(it) ? String(it.get("name")) : "?"));
  const idx = names.indexOf(name);
  if (idx < 0) throw new Error(`kubeconfig has no ${list.slice(0, -1)} named '${name}' (found: ${names.join(", ") || "none"})`);
  return idx;
}

/** Rewrite the server and tls-server-name of one cluster entry; every other line (and comment) is kept. */
export function rewriteKubeconfig(text: string, opts: KubeconfigRewrite = {}): string {
  const doc = load(text);
  const cluster = opts.cluster ?? `kind-${E2E_CLUSTER}`;
  const index = indexOf(doc, "clusters", cluster);
  const path = ["clusters", index, "cluster"];
  doc.setIn([...path, "server"], opts.server ?? E2E_SERVER);
  doc.setIn([...path, "tls-server-name"], opts.tlsServerName ?? "localhost");
  return doc.toString();
}

function decode(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") throw new Error(`kubeconfig has no ${what}`);
  return Buffer.from(value, "base64").toString("utf8");
}

/** The credentials of the current (or given) context, decoded from the embedded `*-data` fields kind writes. */
export function kubeconfigCredentials(text: string, context?: string): KubeCredentials {
  const doc = load(text);
  const ctxName = context ?? String(doc.get("current-context") ?? "");
  const ci = indexOf(doc, "contexts", ctxName);
  const clusterName = String(doc.getIn(["contexts", ci, "context", "cluster"]));
  const userName = String(doc.getIn(["contexts", ci, "context", "user"]));
  const cl = indexOf(doc, "clusters", clusterName);
  const us = indexOf(doc, "users", userName);
  const tls = doc.getIn(["clusters", cl, "cluster", "tls-server-name"]);
  return {
    server: String(doc.getIn(["clusters", cl, "cluster", "server"])),
    ...(typeof tls === "string" ? { tlsServerName: tls } : {}),
    ca: decode(doc.getIn(["clusters", cl, "cluster", "certificate-authority-data"]), `certificate-authority-data for cluster '${clusterName}'`),
    cert: decode(doc.getIn(["users", us, "user", "client-certificate-data"]), `client-certificate-data for user '${userName}'`),
    key: decode(doc.getIn(["users", us, "user", "client-key-data"]), `client-key-data for user '${userName}'`),
  };
}
