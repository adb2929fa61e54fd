/**
 * Input schemas of argo-cd (the connection) and its verify function. The connection is either
 * an Argo CD API server with a token, or a kubeconfig: exactly one of the two.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import { urlCredential } from "../redact.js";
import { isMetadataAddress } from "../address.js";
import { environmentField } from "../gitops-config.js";
import { intIn, problem } from "../inputs.js";
import { REVISION } from "./status.js";

/** A Kubernetes object name (an Application's metadata.name). */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A namespace: a DNS-1123 label. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** An http(s) URL without credentials in it; `https` only when `httpsOnly`. */
const url = (fix: string, httpsOnly: boolean) =>
  z
    .string()
    .trim()
    .transform((s, ctx) => {
      if (s === "") return "";
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        return problem(ctx, `"${s}" is not a URL`, fix);
      }
      const inUrl = urlCredential(s);
      if (inUrl) return problem(ctx, `carries credentials in the URL: ${inUrl}`, `${fix}; credentials go in a Secret argument`);
      if (isMetadataAddress(u.hostname)) return problem(ctx, `points at ${u.hostname}, a cloud metadata address`, fix);
      if (u.protocol !== "https:" && (httpsOnly || u.protocol !== "http:")) {
        return problem(ctx, `is ${u.protocol}//${httpsOnly ? ", so the token would travel in clear" : ""}`, fix);
      }
      return s.replace(/\/+$/, "");
    });

export const connectionInputs = z.object({
  server: url("pass the Argo CD server's https:// address, e.g. https://argocd.example.com", true),
  namespace: z
    .string()
    .trim()
    .regex(NAMESPACE, { error: "is not a namespace name" })
    .describe("pass the namespace the Application objects live in, e.g. argocd"),
});

/** A connection: exactly one of (server + token) or kubeconfig; an InputError naming the argument otherwise. */
export function checkConnection(server: string, hasToken: boolean, hasKubeconfig: boolean): "argocd" | "kubernetes" {
  const both = "pass either --server with --token (Argo CD API) or --kubeconfig (Kubernetes API), not both";
  if (hasKubeconfig && (server || hasToken)) throw new InputError("kubeconfig", `given together with --${server ? "server" : "token"}`, both);
  if (hasKubeconfig) return "kubernetes";
  if (server && !hasToken)
    throw new InputError(
      "token",
      "is missing: the Argo CD API needs a token with --server",
      "pass --token env:ARGOCD_TOKEN (an Argo CD account or project token that may get applications)",
    );
  if (hasToken && !server) throw new InputError("server", "is missing: --token needs the Argo CD server it is for", "pass --server https://argocd.example.com");
  if (!server)
    throw new InputError(
      "server",
      "no connection given: neither --server with --token nor --kubeconfig",
      "pass --server https://argocd.example.com --token env:ARGOCD_TOKEN, or --kubeconfig file:./kubeconfig",
    );
  return "argocd";
}

export const verifyInputs = z.object({
  environment: environmentField,
  revision: z
    .string()
    .trim()
    .transform((s) => s.toLowerCase())
    .refine((s) => s === "" || REVISION.test(s), { error: "is not a commit id (7 to 40 hex digits)" })
    .describe('pass the commit the write-back pushed (a full sha or at least its first 7 digits), or "" for any revision'),
  timeout: intIn(1, 3600, 300),
  probeUrl: url("pass the app's http(s) URL, e.g. https://dev.example.com/healthz", false),
  application: z
    .string()
    .trim()
    .refine((s) => s === "" || OBJECT_NAME.test(s), { error: "is not an Application name" })
    .describe('pass the Argo CD Application name, or "" for the one gitops-pipeline.yaml names for the environment'),
});
