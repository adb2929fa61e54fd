/**
 * Signed gitops commits, as Flux and Kargo sign theirs: the write-back signs its commits with an
 * SSH key (git's gpg.format=ssh; the key is a Secret mounted as a file), and a gitops tree can
 * require that the branch Argo CD deploys only grows on commits signed by known keys: the
 * `commitSigning` section of gitops-pipeline.yaml, with git's allowed-signers list.
 *
 * The check reads git's own verdict (`%G?` with gpg.ssh.allowedSignersFile), never its prose.
 */
import { z } from "zod";
import { InputError, StageError } from "../errors.js";
import { checkRev } from "./git.js";

/** Public key types ssh-keygen signs and verifies with. */
const KEY_TYPE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

/** One allowed signer: who (an email or name, as git's allowed-signers file takes it) and the public key line. */
const signerSchema = z
  .object({
    principal: z
      .string()
      .regex(/^[A-Za-z0-9._@+-]{1,200}$/, "must be one principal such as gitops-bot@example.com (letters, digits, . _ @ + -; no spaces, commas or quotes)"),
    key: z
      .string()
      .trim()
      .refine((s) => {
        const [type = "", blob = "", ...rest] = s.split(/\s+/);
        return KEY_TYPE.test(type) && /^[A-Za-z0-9+/]{16,}={0,3}$/.test(blob) && !/[\n\r]/.test(rest.join(" "));
      }, "must be an SSH public key line: <type> <base64> [comment], e.g. the contents of id_ed25519.pub")
      .describe("paste the signing key's .pub line, e.g. ssh-ed25519 AAAAC3Nza… gitops-bot"),
  })
  .strict();

/** `commitSigning:` of gitops-pipeline.yaml. */
export const commitSigningSchema = z
  .object({
    /** Write-backs refuse to build on a branch head not signed by an allowed signer, and to write without a signing key. */
    require: z.boolean().default(false),
    allowedSigners: z.array(signerSchema).default([]),
  })
  .strict()
  .refine((c) => !c.require || c.allowedSigners.length > 0, { message: "require is true but allowedSigners lists no key", path: ["allowedSigners"] });

export type CommitSigning = z.infer<typeof commitSigningSchema>;

/** git's allowed-signers file for `signers` (the key's comment left out; namespace git only). */
export function allowedSignersText(signers: CommitSigning["allowedSigners"]): string {
  return signers.map((s) => `${s.principal} namespaces="git" ${s.key.split(/\s+/).slice(0, 2).join(" ")}`).join("\n") + "\n";
}

/** The `git -c …` options that make `git commit` sign with the SSH key file at `keyPath`. */
export function signingConfig(keyPath: string): string[] {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(keyPath)) throw new InputError("signing key path", `"${keyPath}" is not an absolute path`, "mount the key at a plain path");
  return ["-c", "gpg.format=ssh", "-c", `user.signingkey=${keyPath}`, "-c", "commit.gpgsign=true"];
}

/** `git log` of one commit's signature status with the allowed-signers file at `allowedFile`: `%G?`, signer, key. */
export function signatureArgv(allowedFile: string, rev: string): string[] {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(allowedFile))
    throw new InputError("allowed signers path", `"${allowedFile}" is not an absolute path`, "write it at a plain path");
  return ["git", "-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${allowedFile}`, "log", "-1", "--format=%G?%x1f%GS%x1f%GK", checkRev(rev), "--"];
}

/** git's verdict on a commit's signature. */
export interface SignatureVerdict {
  ok: boolean;
  /** %G?: G good, U signed by a key not allowed, N unsigned, B bad, E cannot be checked, X/Y/R expired/revoked. */
  status: string;
  principal: string;
  key: string;
  /** One sentence naming the commit and what is wrong (or who signed it). */
  message: string;
}

/** Read `signatureArgv`'s output for commit `rev`. */
export function signatureVerdict(out: string, rev: string): SignatureVerdict {
  const [status = "", principal = "", key = ""] = out.trim().split("\x1f");
  const c = rev.slice(0, 12);
  const base = { status, principal, key };
  switch (status) {
    case "G":
      return { ...base, ok: true, message: `${c} is signed by ${principal} (${key})` };
    case "N":
      return { ...base, ok: false, message: `${c} is not signed` };
    case "U":
      return { ...base, ok: false, message: `${c} is signed by key ${key || "?"}, which is not in commitSigning.allowedSigners` };
    case "B":
      return { ...base, ok: false, message: `${c} has a bad signature (the commit does not match what was signed)` };
    case "X":
    case "Y":
    case "R":
      return { ...base, ok: false, message: `${c} is signed by an expired or revoked key ${key}` };
    default:
      return { ...base, ok: false, message: `${c}'s signature cannot be checked (git says ${JSON.stringify(status || out.trim().slice(0, 80))})` };
  }
}

/**
 * The check a write-back runs on the head it builds on, when gitops-pipeline.yaml requires signed
 * commits: it refuses without a signing key (its own commit would be unsigned) and refuses a head
 * that git does not verify with the allowed signers. `signature` runs signatureArgv on the clone.
 */
export async function checkHeadSigned(a: {
  stage: string;
  head: string;
  policy: CommitSigning | undefined;
  signing: boolean;
  signature: (allowedSigners: string, rev: string) => Promise<string>;
}): Promise<SignatureVerdict | undefined> {
  if (!a.policy?.require) return undefined;
  if (!a.signing) {
    throw new InputError(
      "with-signing-key",
      "is not set, but gitops-pipeline.yaml's commitSigning.require is true: the write-back's commit would be unsigned",
      "call with-signing-key with an SSH private key whose public key is in commitSigning.allowedSigners",
    );
  }
  const v = signatureVerdict(await a.signature(allowedSignersText(a.policy.allowedSigners), a.head), a.head);
  if (!v.ok) {
    throw new StageError(
      a.stage,
      `the branch head ${v.message}; gitops-pipeline.yaml's commitSigning.require allows only commits signed by its allowedSigners, so nothing was written on top of it. Sign the head (git commit -S with gpg.format=ssh and an allowed key, or revert it with a signed commit), or add its key to commitSigning.allowedSigners`,
    );
  }
  return v;
}
