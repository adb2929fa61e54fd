/**
 * The OIDC identity of keyless signing, as one secret: either an ID token (a JWT: GitLab's
 * `id_tokens`, any CI that mints one for the job), or GitHub Actions' token request, the job's
 * ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN separated by a space. GitHub's
 * ID tokens expire minutes after they are issued, sooner than a build and its tests finish, so
 * for GitHub cosign requests the token itself when it signs (its github-actions provider).
 * Pure; the value is never part of an error.
 */
import { InputError } from "../errors.js";

/** Where cosign gets the identity token. */
export type IdentitySource = { kind: "token" } | { kind: "github-actions"; requestUrl: string; requestToken: string };

/** The environment variables cosign's github-actions provider reads. */
export const GITHUB_REQUEST_ENV = { url: "ACTIONS_ID_TOKEN_REQUEST_URL", token: "ACTIONS_ID_TOKEN_REQUEST_TOKEN" } as const;

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const REQUEST = /^(https:\/\/\S+)\s+(\S+)$/;

/** Which identity the secret's value holds; `arg` is the flag named in the error. */
export function identitySource(value: string, arg = "identityToken"): IdentitySource {
  const v = value.trim();
  if (JWT.test(v)) return { kind: "token" };
  const m = REQUEST.exec(v);
  if (m) return { kind: "github-actions", requestUrl: m[1]!, requestToken: m[2]! };
  throw new InputError(
    arg,
    "holds neither an OIDC ID token (a JWT) nor a GitHub Actions token request (the request URL and token, separated by a space)",
    'pass the CI\'s ID token (GitLab: id_tokens with aud: sigstore), or in GitHub Actions "$ACTIONS_ID_TOKEN_REQUEST_URL $ACTIONS_ID_TOKEN_REQUEST_TOKEN" (the job needs permissions: id-token: write)',
  );
}
