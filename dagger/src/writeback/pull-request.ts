/**
 * Pull-request mode's Dagger side: the API token stays a `Secret` until a request is sent; the
 * module runtime then reads it (`plaintext()`) into that one request's header. The git push of
 * the proposal branch uses the repository's own credentials (with-token / with-ssh-key).
 */
import type { Secret } from "@dagger.io/dagger";
import { readSecret } from "../core/secret.js";
import { httpClient } from "../core/writeback/pull-request/api.js";
import type { PullRequestConfig } from "../core/writeback/pull-request/config.js";
import type { ProposalTarget } from "../core/writeback/pull-request/propose.js";

/** with-pull-request's settings and token. */
export interface PullRequestTarget {
  config: PullRequestConfig;
  token: Secret;
}

/** Where to propose: the request's target is `base`, the branch Argo CD watches. */
export function proposalTarget(p: PullRequestTarget, base: string): ProposalTarget {
  return {
    config: p.config,
    base,
    http: httpClient(p.config.provider, () => readSecret(p.token, "token", "pass an existing secret, e.g. --token env:GITHUB_TOKEN")),
  };
}
