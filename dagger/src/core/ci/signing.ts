/**
 * Whether and how `ci`'s publish signs and attests what it pushed, decided before any stage from
 * gitops-pipeline.settings.yaml's `signing:` and which of ci's signing secrets hold a value.
 * A misconfigured section fails every run (a pull request shows it before a release does); a
 * missing secret fails only a run that publishes, since nothing else would be signed.
 * Pure; errors are InputErrors naming the settings key or ci's flag.
 */
import { InputError } from "../errors.js";
import { fullRef } from "../signing/provenance.js";
import { REF_PLACEHOLDER, type SigningSettings } from "../settings/signing-settings.js";
import { SETTINGS_FILE } from "../settings/app-settings.js";

/** What the publish stage signs with, and what the provenance records. */
export interface CiSigning {
  /** key: the --cosign-key secret (and --cosign-password); keyless: the --identity-token secret. */
  signer: "key" | "keyless";
  /** The git ref built: refs/tags/<tag> on a tag build, else refs/heads/<branch>. */
  ref: string;
  /** The builder id, {ref} replaced. */
  builder: string;
  sourceRepository: string;
  transparencyLog: boolean;
  fulcioUrl: string;
  rekorUrl: string;
}

/** What decides the signing besides the settings: the run and which secrets hold a value. */
export interface SigningContext {
  /** The publish stage will run. */
  publishing: boolean;
  branch: string;
  /** The git tag being built ("" when none). */
  tag: string;
  hasKey: boolean;
  hasIdentityToken: boolean;
}

/** The signing of this run; undefined when nothing is signed (signing.mode: off, or nothing published). */
export function decideSigning(s: SigningSettings, c: SigningContext): CiSigning | undefined {
  if (s.mode === "off") return undefined;
  for (const key of ["sourceRepository", "builder"] as const)
    if (!s[key])
      throw new InputError(
        `${SETTINGS_FILE}: signing.${key}`,
        `is empty, and signing.mode is ${s.mode}: the provenance must name the ${key === "builder" ? "CI workflow that builds" : "repository built"}`,
        key === "builder"
          ? `set it to the workflow's URL, e.g. https://github.com/acme/shop/.github/workflows/ci.yml@${REF_PLACEHOLDER}, or set signing.mode: off`
          : "set it to the app's repository URL, e.g. https://github.com/acme/shop, or set signing.mode: off",
      );
  if (!c.publishing) return undefined;
  if (s.mode === "key" && !c.hasKey)
    throw new InputError(
      "cosignKey",
      `is missing: signing.mode: key in ${SETTINGS_FILE} signs what is published with a cosign private key`,
      "pass --cosign-key env://COSIGN_PRIVATE_KEY (and --cosign-password env://COSIGN_PASSWORD), or set signing.mode: off",
    );
  if (s.mode === "keyless" && !c.hasIdentityToken)
    throw new InputError(
      "identityToken",
      `is missing: signing.mode: keyless in ${SETTINGS_FILE} signs with the CI's OIDC identity`,
      "GitHub Actions: give the job permissions: id-token: write and pass the token request (docs/ci.md); GitLab: an id_tokens entry with aud: sigstore, passed as --identity-token env://SIGSTORE_ID_TOKEN",
    );
  const tag = c.tag.trim();
  const ref = tag ? fullRef(tag, true) : fullRef(c.branch.trim());
  return {
    signer: s.mode,
    ref,
    builder: s.builder.split(REF_PLACEHOLDER).join(ref),
    sourceRepository: s.sourceRepository,
    transparencyLog: s.transparencyLog,
    fulcioUrl: s.fulcioUrl,
    rekorUrl: s.rekorUrl,
  };
}
