/**
 * seal's stage: encrypt one value with kubeseal in its pinned image (offline, with the cluster's
 * public certificate), write the ciphertext where the environment deploys it from (core/secrets),
 * and validate the app's environment on the new tree before returning it. The value reaches
 * kubeseal only as a secret mount: it is in no argv, environment variable, layer or output.
 */
import { randomUUID } from "node:crypto";
import { dag, type Container, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { kubesealArgv, parseCiphertext, SEAL_PATHS, sealTarget, sealWrites, type SealScope } from "../core/secrets/seal.js";
import { readGitopsLayout } from "../gitops-layout.js";
import { withWrites, type ValidateStageOptions, type ValidateTools } from "../validate/containers.js";
import type { Run } from "../run.js";

/** What to seal, for which app and environment. */
export interface SealRequest {
  name: string;
  key: string;
  environment: string;
  scope: SealScope;
  type: string;
  /** App of a multi-app tree ("" for the only one). */
  app: string;
}

/** The kubeseal image runs as uid 1001 (distroless): the mounted value must be readable by it, by no one else. */
const KUBESEAL_USER = "1001";

/** The kubeseal container that prints the ciphertext of `value` for `name` in `namespace` (lazy: nothing runs yet). */
export function kubesealContainer(image: string, cert: File, value: Secret, o: { name: string; namespace: string; scope: SealScope }): Container {
  return (
    dag
      .container()
      .from(image)
      .withMountedFile(SEAL_PATHS.cert, cert)
      .withMountedSecret(SEAL_PATHS.value, value, { owner: KUBESEAL_USER, mode: 0o400 })
      // kubeseal encrypts with fresh randomness each time; a nonce keeps a cached ciphertext of an
      // older value from being reused.
      .withEnvVariable("SEAL_RUN", randomUUID())
      .withExec(kubesealArgv(o))
  );
}

/** The ciphertext of `value` for `name` in `namespace`. */
export async function sealValue(image: string, cert: File, value: Secret, o: { name: string; namespace: string; scope: SealScope }): Promise<string> {
  return parseCiphertext(await kubesealContainer(image, cert, value, o).stdout());
}

/**
 * The tree with the sealed value written, validated for the app's environment by `validateStage`
 * (handed in by the caller, so this stage imports no other stage); fails with the findings otherwise.
 */
export async function sealStage(
  gitops: Directory,
  req: SealRequest,
  value: Secret,
  cert: File,
  image: string,
  tools: ValidateTools,
  validateStage: (o: ValidateStageOptions) => Promise<Run>,
): Promise<Directory> {
  const config = await readGitopsLayout(gitops, req.app);
  const target = sealTarget(config, req.environment, req.name);
  const ciphertext = await sealValue(image, cert, value, { name: req.name, namespace: target.namespace, scope: req.scope });
  const present = new Set((await gitops.glob("**/*")).filter((p) => !p.endsWith("/")));
  const writes = await sealWrites(
    target,
    { name: req.name, key: req.key, namespace: target.namespace, scope: req.scope, type: req.type, ciphertext },
    async (p) => (present.has(p) ? gitops.file(p).contents() : undefined),
  );
  const tree = withWrites(gitops, writes);
  const run = await validateStage({ tools, gitops: tree, environments: [req.environment], app: req.app });
  const r = run.result;
  if (!r.passed)
    throw new Error(
      `seal: ${writes.map((w) => w.path).join(", ")} written, but ${req.environment} does not validate, so no tree is returned: ${r.summary}\n${r.details}`,
    );
  return tree;
}
