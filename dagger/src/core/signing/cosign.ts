/**
 * The cosign command lines of signing, attesting and verifying, shared by the Dagger containers
 * and the contract tests (which run them with the real cosign against a real registry).
 *
 * Nothing secret is in an argv: the private key is a mounted secret file, its password the
 * COSIGN_PASSWORD secret variable, a keyless OIDC token a mounted secret file.
 */
import type { VerifyPolicy } from "./policy.js";

/** Where the containers put the inputs cosign reads. */
export const COSIGN_PATHS = {
  /** Private key (mounted secret). */
  privateKey: "/run/cosign/cosign.key",
  /** Keyless OIDC identity token (mounted secret). */
  identityToken: "/run/cosign/oidc-token",
  /** Public key the policy names (copied from the gitops tree). */
  publicKey: "/cosign/cosign.pub",
  /** CA roots the policy names (private Fulcio, test CA). */
  roots: "/cosign/roots.pem",
  /** Signing certificate and its chain, when signing with a key and a certificate of a private CA. */
  certificate: "/cosign/cert.pem",
  certificateChain: "/cosign/chain.pem",
  /** Predicates to attest. */
  sbom: "/cosign/sbom.cdx.json",
  provenance: "/cosign/provenance.json",
} as const;

/** The predicate types this module attests and checks (cosign's short names). */
export const PREDICATE = { sbom: "cyclonedx", provenance: "slsaprovenance1" } as const;
export type PredicateKind = keyof typeof PREDICATE;

/** in-toto predicate type URIs, as the statements carry them. */
export const PREDICATE_TYPE = {
  sbom: "https://cyclonedx.org/bom",
  provenance: "https://slsa.dev/provenance/v1",
} as const;

/** How an image is signed: with a private key (optionally with a certificate of a private CA), or keyless with an OIDC token. */
export type Signer =
  { kind: "key"; certificate?: boolean; transparencyLog: boolean } | { kind: "keyless"; transparencyLog: boolean; fulcioUrl?: string; rekorUrl?: string };

function signerFlags(s: Signer): string[] {
  if (s.kind === "key")
    return [
      "--key",
      COSIGN_PATHS.privateKey,
      ...(s.certificate ? ["--certificate", COSIGN_PATHS.certificate, "--certificate-chain", COSIGN_PATHS.certificateChain] : []),
      `--tlog-upload=${s.transparencyLog}`,
    ];
  return [
    "--identity-token",
    COSIGN_PATHS.identityToken,
    ...(s.fulcioUrl ? ["--fulcio-url", s.fulcioUrl] : []),
    ...(s.rekorUrl ? ["--rekor-url", s.rekorUrl] : []),
    `--tlog-upload=${s.transparencyLog}`,
  ];
}

/** `cosign sign` of one digest-pinned image (never a tag: what is signed is what is deployed). */
export function signArgv(image: string, s: Signer): string[] {
  return ["cosign", "sign", "--yes", ...signerFlags(s), image];
}

/** `cosign attest` of a predicate file (SBOM or provenance) to a digest-pinned image. */
export function attestArgv(image: string, kind: PredicateKind, s: Signer): string[] {
  return ["cosign", "attest", "--yes", ...signerFlags(s), "--type", PREDICATE[kind], "--predicate", COSIGN_PATHS[kind], image];
}

/** The flags that say whom a signature must come from: the policy's key, or its keyless identity (and CA). */
export function trustFlags(p: Pick<VerifyPolicy, "key" | "identity" | "roots" | "transparencyLog">): string[] {
  const out: string[] = [];
  if (p.key) out.push("--key", COSIGN_PATHS.publicKey);
  else if (p.identity) {
    out.push("--certificate-oidc-issuer", p.identity.issuer, "--certificate-identity-regexp", p.identity.subject);
    if (p.roots) out.push("--ca-roots", COSIGN_PATHS.roots);
  }
  // A private CA or a key without a transparency log: no Rekor entry, no SCT to check.
  if (!p.transparencyLog) out.push("--insecure-ignore-tlog=true", ...(p.key ? [] : ["--insecure-ignore-sct=true"]));
  return out;
}

/** `cosign verify` of the image's signature against the policy. */
export function verifyArgv(image: string, p: Pick<VerifyPolicy, "key" | "identity" | "roots" | "transparencyLog">): string[] {
  return ["cosign", "verify", ...trustFlags(p), "--output", "json", image];
}

/** `cosign verify-attestation` of one predicate type; stdout: one DSSE envelope (JSON) per line. */
export function verifyAttestationArgv(image: string, kind: PredicateKind, p: Pick<VerifyPolicy, "key" | "identity" | "roots" | "transparencyLog">): string[] {
  return ["cosign", "verify-attestation", ...trustFlags(p), "--type", PREDICATE[kind], image];
}
