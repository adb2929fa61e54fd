/**
 * Where verify reads an Application: the Argo CD API (`/api/v1/applications/{name}`, bearer
 * token) or the Kubernetes API (the Application custom resource in its namespace). Pure: URLs
 * and the reading of error bodies; the requests themselves are made by the shell.
 */
import { redact } from "../redact.js";

/** The Argo CD API URL of an Application. `refresh` asks Argo CD to compare with git first instead of waiting for its next poll (3 minutes by default). */
export function argoCdApplicationUrl(server: string, application: string, namespace: string, refresh: boolean): string {
  const q = new URLSearchParams();
  if (refresh) q.set("refresh", "normal");
  // Applications outside Argo CD's own namespace ("apps in any namespace") are addressed by appNamespace.
  if (namespace !== "argocd") q.set("appNamespace", namespace);
  const query = q.toString();
  return `${server.replace(/\/+$/, "")}/api/v1/applications/${encodeURIComponent(application)}${query ? `?${query}` : ""}`;
}

/** The Kubernetes API URL of an Application custom resource. */
export function kubernetesApplicationUrl(server: string, application: string, namespace: string): string {
  return `${server.replace(/\/+$/, "")}/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(namespace)}/applications/${encodeURIComponent(application)}`;
}

/**
 * The message of an error body: Argo CD's `{error, message}`, Kubernetes' Status `{message}`, or
 * the first line of text; redacted (`secrets` and the module's rule: a server may echo the
 * request's credential) before it is cut to at most 200 characters.
 */
export function errorMessage(body: string, secrets: readonly string[] = []): string {
  let msg = "";
  try {
    const j = JSON.parse(body) as { message?: unknown; error?: unknown };
    msg = typeof j.message === "string" ? j.message : typeof j.error === "string" ? j.error : "";
  } catch {
    msg = /<[a-z!]/i.test(body) ? "" : (body.split("\n")[0] ?? "");
  }
  msg = redact(msg, secrets).replace(/\s+/g, " ").trim();
  return msg.length > 200 ? `${msg.slice(0, 199)}…` : msg;
}

/** True for a socket error that is about the server's certificate, not about reaching it. */
export function isTlsError(code: string): boolean {
  return /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_SSL|EPROTO/.test(code);
}
