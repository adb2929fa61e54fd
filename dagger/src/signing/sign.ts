/**
 * Sign and attest a published image: cosign signs the image index digest (with a private key
 * from a Secret, or keyless with the CI's OIDC token), then attaches the CycloneDX SBOMs the scan
 * produced and an in-toto SLSA provenance statement as attestations. Every input is checked
 * before cosign runs; the run fails naming the step that failed.
 */
import { dag, type File, type Secret } from "@dagger.io/dagger";
import { GITHUB_REQUEST_ENV, identitySource } from "../core/signing/oidc.js";
import { readSecret } from "../core/secret.js";
import { attestArgv, COSIGN_PATHS, signArgv, type PredicateKind, type Signer } from "../core/signing/cosign.js";
import { cosignMessage } from "../core/signing/verdict.js";
import { InputError } from "../core/errors.js";
import { Run } from "../run.js";
import { cosignContainer, runCosign, type RegistryAuth } from "./cosign.js";

/** What signing needs. */
export interface SignOptions {
  cosignImage: string;
  /** repository@sha256:... of the image index. */
  image: string;
  key?: Secret;
  password?: Secret;
  /** Keyless: an OIDC ID token, or GitHub Actions' token request (core/signing/oidc.ts). */
  identityToken?: Secret;
  /** The flag that gave identityToken, for errors (default identityToken). */
  identityArg?: string;
  /** PEM certificate (and chain) of the key, issued by a private CA (keyless verification against that CA). */
  certificate?: File;
  certificateChain?: File;
  fulcioUrl?: string;
  rekorUrl?: string;
  transparencyLog: boolean;
  auth?: RegistryAuth;
  sboms: File[];
  /** The SLSA provenance predicate (JSON text). */
  provenance: string;
}

const IDENTITY_FIX = "pass a readable secret, e.g. env://SIGSTORE_ID_TOKEN with the variable set";

/** Sign, then attest every SBOM and the provenance; a Run whose summary names what was attached or what failed. */
export async function signAndAttest(o: SignOptions): Promise<Run> {
  if (!o.key === !o.identityToken)
    throw new InputError(
      "key, identityToken",
      o.key ? "are both set" : "are both missing",
      "pass --key (with --password) for key signing, or --identity-token for keyless signing",
    );
  if (!!o.certificate !== !!o.certificateChain)
    throw new InputError("certificate", "needs its chain (and the chain its certificate)", "pass both --certificate and --certificate-chain");
  const identity = o.identityToken
    ? identitySource(await readSecret(o.identityToken, o.identityArg ?? "identityToken", IDENTITY_FIX), o.identityArg)
    : undefined;
  const signer: Signer = o.key
    ? { kind: "key", certificate: !!o.certificate, transparencyLog: o.transparencyLog }
    : {
        kind: "keyless",
        transparencyLog: o.transparencyLog,
        ...(o.fulcioUrl ? { fulcioUrl: o.fulcioUrl } : {}),
        ...(o.rekorUrl ? { rekorUrl: o.rekorUrl } : {}),
        tokenFrom: identity?.kind === "github-actions" ? "github-actions" : "file",
      };
  let c = await cosignContainer(o.cosignImage, o.auth);
  if (o.key) {
    c = c.withMountedSecret(COSIGN_PATHS.privateKey, o.key, { mode: 0o444 });
    c = o.password ? c.withSecretVariable("COSIGN_PASSWORD", o.password) : c.withEnvVariable("COSIGN_PASSWORD", "");
  } else if (identity?.kind === "github-actions") {
    // cosign requests a fresh ID token for each step: GitHub's expire within minutes.
    c = c
      .withSecretVariable(GITHUB_REQUEST_ENV.url, dag.setSecret("cosign-github-oidc-request-url", identity.requestUrl))
      .withSecretVariable(GITHUB_REQUEST_ENV.token, dag.setSecret("cosign-github-oidc-request-token", identity.requestToken));
  } else if (o.identityToken) c = c.withMountedSecret(COSIGN_PATHS.identityToken, o.identityToken, { mode: 0o444 });
  if (o.certificate && o.certificateChain) c = c.withFile(COSIGN_PATHS.certificate, o.certificate).withFile(COSIGN_PATHS.certificateChain, o.certificateChain);
  c = c.withNewFile(COSIGN_PATHS.provenance, o.provenance);
  const steps: { name: string; argv: string[]; file?: File }[] = [
    { name: "signature", argv: signArgv(o.image, signer) },
    ...o.sboms.map((file, i) => ({ name: `SBOM ${i + 1}`, argv: attestArgv(o.image, "sbom" as PredicateKind, signer), file })),
    { name: "provenance", argv: attestArgv(o.image, "provenance", signer) },
  ];
  const done: string[] = [];
  for (const s of steps) {
    const r = await runCosign(s.file ? c.withFile(COSIGN_PATHS.sbom, s.file) : c, s.argv);
    if (r.exitCode !== 0) {
      const summary = `sign failed at the ${s.name} of ${o.image}: ${cosignMessage(r.stderr)}${done.length ? ` (already attached: ${done.join(", ")})` : ""}`;
      return Run.of({ stage: "sign", passed: false, status: "failed", summary, details: "", findings: [], data: { image: o.image, attached: done } });
    }
    done.push(s.name);
  }
  return Run.of(
    {
      stage: "sign",
      passed: true,
      status: "passed",
      summary: `signed ${o.image}; attested ${done.slice(1).join(", ")}`,
      details: "",
      findings: [],
      data: { image: o.image, attached: done },
    },
    dag.directory().withNewFile("provenance.json", o.provenance),
  );
}
