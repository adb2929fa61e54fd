/**
 * What `ci` runs with: the settings file's values, a one-off override given on the command line
 * over them (flag > file > default), and the CI context. Pure; the values arrive parsed (the file
 * by its schema, an override by the same field rule), so `ci` passes them on as they are.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import { environmentField } from "../gitops/schema.js";
import { parseInputs } from "../inputs.js";
import { SETTINGS_FILE, type AppSettings } from "./app-settings.js";

/** The one-off overrides `ci` takes; absent = the file's value. */
export interface CiOverrides {
  environment?: string | undefined;
  endToEnd?: boolean | undefined;
  scan?: boolean | undefined;
  registryUsername?: string | undefined;
}

const overrideInputs = z.object({ environment: environmentField });

/** The settings `ci` runs with, overrides applied. The environment: --environment, else the branch's (deploy.branches), else deploy.environment. */
export function applyOverrides(s: AppSettings, o: CiOverrides, branch: string): AppSettings {
  const environment =
    o.environment !== undefined && o.environment !== ""
      ? parseInputs(overrideInputs, { environment: o.environment }).environment
      : (s.deploy.branches[branch] ?? s.deploy.environment);
  return {
    ...s,
    image: { ...s.image, registryUsername: o.registryUsername || s.image.registryUsername },
    e2e: { ...s.e2e, enabled: o.endToEnd ?? s.e2e.enabled },
    scan: { ...s.scan, enabled: o.scan ?? s.scan.enabled },
    deploy: { ...s.deploy, environment },
  };
}

/**
 * The Argo CD connection verify uses: the file's server with the --argocd-token secret, or the
 * --argocd-kubeconfig secret; exactly one. Errors name what ci's user controls: the file's key or
 * the secret's flag.
 */
export function argoConnection(server: string, hasToken: boolean, hasKubeconfig: boolean): "none" | "argocd" | "kubernetes" {
  if (hasKubeconfig && (server || hasToken))
    throw new InputError(
      "argocdKubeconfig",
      `given together with ${server ? `verify.argocdServer in ${SETTINGS_FILE}` : "--argocd-token"}`,
      `verify through either the Argo CD API (verify.argocdServer and --argocd-token) or the Kubernetes API (--argocd-kubeconfig), not both`,
    );
  if (hasKubeconfig) return "kubernetes";
  if (server && !hasToken)
    throw new InputError(
      "argocdToken",
      `is missing: verify.argocdServer in ${SETTINGS_FILE} needs an Argo CD API token`,
      'pass --argocd-token env://ARGOCD_TOKEN (a token that may get applications), or set verify.argocdServer to ""',
    );
  if (hasToken && !server)
    throw new InputError(
      "argocdToken",
      `is given but ${SETTINGS_FILE} names no verify.argocdServer`,
      "set verify.argocdServer to the Argo CD server's https:// address, or leave --argocd-token out",
    );
  return server ? "argocd" : "none";
}
