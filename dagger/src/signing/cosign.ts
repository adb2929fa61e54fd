/**
 * cosign in containers: the verifier the write-back gate calls before bump, promote and rollback,
 * and the signing and attesting of a published image. Secrets (private key, its password, an
 * OIDC token, registry credentials) reach cosign as mounted secret files or secret variables only.
 */
import { dag, ReturnType, type Container, type Secret } from "@dagger.io/dagger";
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
