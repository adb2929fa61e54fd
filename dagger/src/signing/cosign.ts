/**
 * cosign in containers: the verifier the write-back gate calls before bump, promote and rollback,
 * and the signing and attesting of a published image. Secrets (private key, its password, an
 * OIDC token, registry credentials) reach cosign as mounted secret files or secret variables only.
 * Signing checks every input before cosign runs and fails naming the step that failed.
 */
import { dag, ReturnType, type Container, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { GITHUB_REQUEST_ENV, identitySource } from "../core/signing/oidc.js";
import { attestArgv, signArgv, type PredicateKind, type Signer } from "../core/signing/cosign.js";
import { cosignMessage } from "../core/signing/verdict.js";
import { InputError } from "../core/errors.js";
import type { RunReport } from "../core/run.js";
import {
  COSIGN_BIN,
  COSIGN_PATHS,
  DOCKER_CONFIG_DIR,
  dockerConfig,
  trustedRoot,
  verifyArgv,
  verifyAttestationArgv,
  withBinary,
} from "../core/signing/cosign.js";
import type { Verifier } from "../core/signing/gate.js";
import type { CosignResult } from "../core/signing/verdict.js";
import { parseRepository } from "../core/app/registry.js";
import { readSecret } from "../core/secret.js";

/** Registry credentials for cosign (the registry of the image; sent nowhere else). */
export interface RegistryAuth {
  registry: string;
  username: string;
  password: Secret;
}

/** Changed on every call: a signature can appear (or vanish) between two calls, so no verification comes from the cache. */
export const COSIGN_RUN_ENV = "GITOPS_COSIGN_RUN";

/** The cosign image with the credentials file for the image's registry, when given. */
export async function cosignContainer(image: string, auth?: RegistryAuth): Promise<Container> {
  let c = dag.container().from(image).withEnvVariable(COSIGN_RUN_ENV, `${Date.now()}-${Math.random()}`);
  if (auth) {
    const password = await readSecret(auth.password, "registryPassword", "pass a readable secret, e.g. --registry-password env://REGISTRY_PASSWORD");
    // A file only cosign reads, for this one registry: the password is in no argv and no layer.
    const config = dag.setSecret(`cosign-docker-config-${auth.registry}`, dockerConfig(auth.registry, auth.username, password));
    c = c.withMountedSecret(`${DOCKER_CONFIG_DIR}/config.json`, config, { mode: 0o444 }).withEnvVariable("DOCKER_CONFIG", DOCKER_CONFIG_DIR);
  }
  return c;
}

/** Run one cosign argv (any exit code) and read what it said. */
export async function runCosign(c: Container, argv: string[]): Promise<CosignResult> {
  const done = c.withExec(withBinary(argv, COSIGN_BIN), { expect: ReturnType.Any });
  const [exitCode, stdout, stderr] = await Promise.all([done.exitCode(), done.stdout(), done.stderr()]);
  return { exitCode, stdout, stderr };
}

/** The verifier of the write-back gate: cosign verify, then (when the policy asks) verify-attestation of the provenance. */
export function cosignVerifier(cosignImage: string, auth?: RegistryAuth): Verifier {
  return async (r) => {
    const registry = parseRepository(r.image.replace(/[@:][^/]*$/, ""), "image").registry;
    let c = await cosignContainer(cosignImage, auth && auth.registry === registry ? auth : undefined);
    if (r.publicKey) c = c.withNewFile(COSIGN_PATHS.publicKey, r.publicKey);
    if (r.roots) c = c.withNewFile(COSIGN_PATHS.trustedRoot, trustedRoot(r.roots));
    const signature = await runCosign(c, verifyArgv(r.image, r.policy));
    if (!r.policy.provenance || signature.exitCode !== 0) return { signature };
    return { signature, provenance: await runCosign(c, verifyAttestationArgv(r.image, "provenance", r.policy)) };
  };
}

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

/** What signing produced: the run's report, and its files (provenance.json when it passed). */
export interface SignResult {
  /** The sign run's report. */
  report: RunReport;
  /** The run's files. */
  artifacts?: Directory;
}

/**
 * Sign, then attest every SBOM and the provenance; a report whose summary names what was attached
 * or what failed (PublishedImage.sign makes it a Run, so this file imports no other shell file).
 */
export async function signAndAttest(o: SignOptions): Promise<SignResult> {
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
      return { report: { stage: "sign", passed: false, status: "failed", summary, details: "", findings: [], data: { image: o.image, attached: done } } };
    }
    done.push(s.name);
  }
  return {
    report: {
      stage: "sign",
      passed: true,
      status: "passed",
      summary: `signed ${o.image}; attested ${done.slice(1).join(", ")}`,
      details: "",
      findings: [],
      data: { image: o.image, attached: done },
    },
    artifacts: dag.directory().withNewFile("provenance.json", o.provenance),
  };
}
