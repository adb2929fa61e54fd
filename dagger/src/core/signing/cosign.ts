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
  /** Trusted root (Sigstore's trusted_root.json) built from the CA certificates the policy names (private Fulcio, test CA). */
  trustedRoot: "/cosign/trusted-root.json",
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

/**
 * How an image is signed: with a private key (optionally with a certificate of a private CA), or
 * keyless with an OIDC token: a mounted token file, or (`github-actions`) requested by cosign
 * itself when it signs, from the job's token request variables.
 */
export type Signer =
  | { kind: "key"; certificate?: boolean; transparencyLog: boolean }
  | { kind: "keyless"; transparencyLog: boolean; fulcioUrl?: string; rekorUrl?: string; tokenFrom?: "file" | "github-actions" };

/**
 * Without a transparency log cosign 3 must not fetch the public signing config (it names Rekor),
 * and writes the classic signature format: its newer bundles without a log entry or timestamp
 * do not verify (cosign 3.1.3, seen in the contract tests).
 */
export const NO_TLOG_FLAGS = ["--use-signing-config=false", "--tlog-upload=false", "--new-bundle-format=false"] as const;

function signerFlags(s: Signer): string[] {
  const tlog = s.transparencyLog ? [] : [...NO_TLOG_FLAGS];
  if (s.kind === "key")
    return [
      "--key",
      COSIGN_PATHS.privateKey,
      ...(s.certificate ? ["--certificate", COSIGN_PATHS.certificate, "--certificate-chain", COSIGN_PATHS.certificateChain] : []),
      ...tlog,
    ];
  return [
    ...(s.tokenFrom === "github-actions" ? ["--oidc-provider", "github-actions"] : ["--identity-token", COSIGN_PATHS.identityToken]),
    ...(s.fulcioUrl ? ["--fulcio-url", s.fulcioUrl] : []),
    ...(s.rekorUrl ? ["--rekor-url", s.rekorUrl] : []),
    ...tlog,
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
    if (p.roots) out.push("--trusted-root", COSIGN_PATHS.trustedRoot);
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

/** The cosign binary in the official image (ko-built, distroless: no shell, not on PATH by that name everywhere). */
export const COSIGN_BIN = "/ko-app/cosign";

/** An argv of this file with the binary at `bin` (the image's path, or the contract tests' .tools/bin/cosign). */
export const withBinary = (argv: readonly string[], bin: string): string[] => [bin, ...argv.slice(1)];

/** Where the registry credentials file is mounted (DOCKER_CONFIG names its directory). */
export const DOCKER_CONFIG_DIR = "/run/cosign/docker";

/** A docker config.json that gives `user`/`password` for `registry` only (cosign reads it to push signatures and to verify). */
export function dockerConfig(registry: string, user: string, password: string): string {
  return JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } } });
}

/** The base64 DER bodies of the PEM certificates in `pem`, in order. */
export function pemCertificates(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => m[1]!.replace(/\s+/g, ""));
}

/**
 * Sigstore's trusted root (what cosign 3 takes with --trusted-root) naming one certificate
 * authority: the PEM bundle as its chain (intermediates first, the root last), no logs.
 * cosign 3 no longer takes CA roots as PEM when verifying (--ca-roots is refused for its bundles).
 */
export function trustedRoot(pem: string, uri = "https://private-ca.invalid"): string {
  const certificates = pemCertificates(pem).map((rawBytes) => ({ rawBytes }));
  return JSON.stringify({
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    certificateAuthorities: [{ uri, certChain: { certificates }, validFor: { start: "1970-01-01T00:00:00Z" } }],
  });
}
