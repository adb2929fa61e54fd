/**
 * The `signing:` section of gitops-pipeline.settings.yaml: whether `ci`'s publish signs and
 * attests what it pushes, and what the provenance says about the build. The secrets (cosign key,
 * its password, the CI's OIDC identity) are `ci` arguments, never keys of this file.
 */
import { z } from "zod";
import { rule } from "../inputs.js";
import { InputError } from "../errors.js";

/** How ci signs: not at all, with a cosign key (--cosign-key), or keyless with the CI's OIDC identity (--identity-token). */
export const SIGNING_MODES = ["off", "key", "keyless"] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];

/** Where the git ref being built goes in `builder`: the keyless identity of a GitHub workflow ends in `@<ref>`. */
export const REF_PLACEHOLDER = "{ref}";

const uri = (key: string, example: string) =>
  z.string().transform(
    rule((s: string) => {
      const v = s.trim();
      if (v !== "" && !/^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i.test(v)) throw new InputError(key, `"${v}" is not a URI`, `write it as ${example}`);
      return v;
    }),
  );

const httpsOrEmpty = (key: string) =>
  z.string().transform(
    rule((s: string) => {
      const v = s.trim();
      if (v !== "" && !/^https:\/\/[^\s]+$/.test(v))
        throw new InputError(key, `"${v}" is not an https URL`, 'write the https URL of the service, or "" for the public Sigstore');
      return v;
    }),
  );

/** The section; every key optional, `mode: off` (the default) signs nothing. */
export const signingSettings = z
  .object({
    mode: z
      .enum(SIGNING_MODES, { error: `is not a signing mode: use ${SIGNING_MODES.join(", ")}` })
      .default("off")
      .describe("sign and attest what ci publishes: off, key (the --cosign-key secret) or keyless (the CI's OIDC identity, --identity-token)"),
    sourceRepository: uri("sourceRepository", "https://github.com/acme/shop")
      .default("")
      .describe("the source repository the provenance records, e.g. https://github.com/acme/shop (needed when mode is not off)"),
    builder: uri("builder", "https://github.com/acme/shop/.github/workflows/ci.yml@{ref}")
      .default("")
      .describe(
        "the provenance's builder id, the CI workflow URL; {ref} is replaced by the ref built, e.g. https://github.com/acme/shop/.github/workflows/ci.yml@{ref}",
      ),
    transparencyLog: z
      .boolean()
      .default(true)
      .describe("record the signatures in the transparency log (false: a private key or CA without a log): true or false"),
    fulcioUrl: httpsOrEmpty("fulcioUrl").default("").describe('Fulcio of keyless signing; "" for the public Sigstore'),
    rekorUrl: httpsOrEmpty("rekorUrl").default("").describe('Rekor transparency log; "" for the public Sigstore'),
  })
  .strict();

export type SigningSettings = z.output<typeof signingSettings>;
