/**
 * The write-back's head check for signed commits: read gitops-pipeline.yaml at the head (at the
 * tree's root inside the repository) and apply its commitSigning rule (commit-signing.ts).
 */
import { GITOPS_CONFIG_FILE, parsePipelineConfig } from "../gitops-config.js";
import { checkHeadSigned, type SignatureVerdict } from "./commit-signing.js";
import type { Reader } from "./loop.js";

/** A loop `checkHead` for the tree at `root` of the work tree `read` reads. */
export function signedHeadCheck(a: {
  stage: string;
  root: string;
  read: Reader;
  signing: boolean;
  signature: (allowedSigners: string, rev: string) => Promise<string>;
}): (head: string) => Promise<SignatureVerdict | undefined> {
  return async (head) => {
    const file = a.root ? `${a.root}/${GITOPS_CONFIG_FILE}` : GITOPS_CONFIG_FILE;
    const text = await a.read(file);
    // No file: the default layout, which has no commitSigning rule (the plan reports a broken layout itself).
    const policy = text === undefined ? undefined : parsePipelineConfig(text, file).commitSigning;
    return checkHeadSigned({ stage: a.stage, head, policy, signing: a.signing, signature: a.signature });
  };
}
