/**
 * The verification gate of the write-back: bump, promote and rollback plans are wrapped so that,
 * at every head the write-back loop edits, the image reference the edit leaves in the target
 * environment is verified against that environment's policy (read from the same head's
 * gitops-pipeline.yaml) before anything is committed. A refusal throws the one error; nothing is
 * pushed. The verdict goes into the commit message as an `Image-Verification:` trailer.
 */
import { InputError } from "../errors.js";
import { GITOPS_CONFIG_FILE, parsePipelineConfig } from "../gitops-config.js";
import type { Reader, WriteBackPlan } from "../writeback/loop.js";
import { DEFAULT_KEYS, envFile, inTree, readImageRef, readLayout, type LayoutSource } from "../writeback/layout.js";
import { readImageEntry, readScalar } from "../writeback/yaml-edit.js";
import { policyFor, type VerifyPolicy } from "./policy.js";
import { judge, refusal, type CosignResult, type Verdict } from "./verdict.js";

/** What the verifier is asked to check: one image, with the policy and the trust material it names. */
export interface VerifyRequest {
  /** repository@digest (or repository:tag when not pinned). */
  image: string;
  digest: string;
  environment: string;
  policy: VerifyPolicy;
  /** The public key's PEM text (policy.key read from the tree). */
  publicKey?: string;
  /** The CA roots' PEM text (policy.roots read from the tree). */
  roots?: string;
}

/** Runs cosign (a container in the module, the real binary in the contract tests). */
export type Verifier = (r: VerifyRequest) => Promise<{ signature: CosignResult; provenance?: CosignResult }>;

/** The reference string cosign verifies. */
export function imageOf(ref: { repository?: string; tag: string; digest: string }): string {
  return ref.digest ? `${ref.repository}@${ref.digest}` : `${ref.repository}:${ref.tag}`;
}

/**
 * `plan` with the verification gate: after its edits, the target environment's image is verified
 * (once per distinct image and policy, whatever the retries); a refused image throws.
 * `verdicts` collects every verdict, for the run's report.
 */
export function verifiedPlan(plan: WriteBackPlan, src: LayoutSource, verifier: Verifier, verdicts: Verdict[] = []): WriteBackPlan {
  const seen = new Map<string, Verdict>();
  let last: Verdict | undefined;
  return {
    stage: plan.stage,
    get environment(): string {
      return plan.environment;
    },
    edits: async (read: Reader) => {
      const edits = await plan.edits(read);
      const env = plan.environment;
      const l = await readLayout(read, src);
      const configPath = inTree(l, GITOPS_CONFIG_FILE);
      const configText = await read(configPath);
      const settings = configText === undefined ? undefined : parsePipelineConfig(configText, configPath).verification;
      const policy = policyFor(settings, env, src.app ?? "", configPath);
      const after: Reader = async (p) => edits.find((e) => e.file === p)?.after ?? (await read(p));
      const file = await envFile(l, env, after);
      const ref = readImageRef(l, file, (await after(file)) ?? "");
      if (!ref) return edits; // no image tag: the plan itself refuses such an edit
      // Layered helm values: the repository may be set by an earlier values file than the tag.
      let repository = ref.repository;
      // kustomize: an images: entry without newName keeps the image's own name as its repository.
      if (!repository && l.format === "kustomize") repository = readImageEntry(file, (await after(file)) ?? "", l.imageName)?.name;
      for (const f of l.format === "helm" ? [...(l.values[env] ?? [])].reverse() : []) {
        if (repository) break;
        const text = await after(inTree(l, f));
        if (text !== undefined) repository = readScalar(inTree(l, f), text, (l.keys ?? DEFAULT_KEYS).repository) || undefined;
      }
      if (policy.mode === "off") {
        last = judge({ image: imageOf({ ...ref, repository: repository ?? "?" }), digest: ref.digest, environment: env, policy });
        return edits;
      }
      if (!repository)
        throw new InputError(
          file,
          `names no image repository for ${env}, so the image cannot be verified (${policy.source} asks for it)`,
          "write the repository too (bump --repository), or set it in the environment's values",
        );
      const image = imageOf({ ...ref, repository });
      const key = JSON.stringify([image, policy]);
      let v = seen.get(key);
      if (!v) {
        const trust = {
          ...(policy.key ? { publicKey: await material(read, inTree(l, policy.key), policy, "key") } : {}),
          ...(policy.roots ? { roots: await material(read, inTree(l, policy.roots), policy, "roots") } : {}),
        };
        const results = ref.digest ? await verifier({ image, digest: ref.digest, environment: env, policy, ...trust }) : {};
        v = judge({ image, digest: ref.digest, environment: env, policy, ...results });
        seen.set(key, v);
        verdicts.push(v);
      }
      last = v;
      if (!v.allowed) throw refusal(v, policy);
      return edits;
    },
    message: (edits) => {
      const m = plan.message(edits);
      if (!last || last.mode === "off") return m;
      const checks = last.checks.map((c) => `${c.name} ${c.ok ? "ok" : "FAILED"}`).join(", ");
      return `${m.replace(/\n*$/, "\n")}Image-Verification: ${last.verified ? "verified" : "not verified (warn)"} (${checks})\n`;
    },
  };
}

/** A trust file the policy names (public key, CA roots), read at the same head; missing is an error naming the field. */
async function material(read: Reader, path: string, policy: VerifyPolicy, field: "key" | "roots"): Promise<string> {
  const text = await read(path);
  if (text === undefined || !text.includes("-----BEGIN"))
    throw new InputError(
      `${policy.source}.${field}`,
      `names ${path}, which ${text === undefined ? "is not in the gitops tree" : "holds no PEM block"}`,
      field === "key" ? "commit the cosign public key (cosign.pub) at that path" : "commit the CA certificates (PEM) at that path",
    );
  return text;
}
