/**
 * The verdict on an image before it reaches an environment: what cosign said about its signature
 * and its provenance, judged against the environment's policy, and the ONE error a refusal
 * raises (what failed, why, how to fix it).
 */
import { InputError } from "../errors.js";
import { redact } from "../redact.js";
import { decodeEnvelopes, provenanceProblems, readStatement } from "./provenance.js";
import { PREDICATE_TYPE } from "./cosign.js";
import type { VerifyPolicy } from "./policy.js";

/** What one cosign command returned. */
export interface CosignResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One check of the verification. */
export interface Check {
  name: "signature" | "provenance" | "reference";
  ok: boolean;
  /** Why it failed. */
  problem?: string;
  /** What to do about it. */
  fix?: string;
}

/** The verdict on one image for one environment. */
export interface Verdict {
  image: string;
  environment: string;
  mode: VerifyPolicy["mode"];
  /** True when every check passed (or nothing was checked: mode off). */
  verified: boolean;
  /** False only when the mode is require and a check failed: the write is refused. */
  allowed: boolean;
  checks: Check[];
  /** One line for reports and commit messages. */
  summary: string;
}

/** The last meaningful line of cosign's stderr (its `Error: ...`), redacted and shortened. */
export function cosignMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^(WARNING|Warning:|main\.go:\d+: error during command execution)/.test(l));
  const err = [...lines].reverse().find((l) => l.startsWith("Error:")) ?? lines.at(-1) ?? "no output";
  const msg = err.replace(/^Error:\s*/, "");
  return redact(msg.length > 300 ? `${msg.slice(0, 300)}…` : msg);
}

/** Why cosign refused the image, in the user's terms, with the fix. */
export function classifySignature(r: CosignResult, p: VerifyPolicy, image: string): Check {
  if (r.exitCode === 0) return { name: "signature", ok: true };
  const msg = cosignMessage(r.stderr);
  const how = p.key ? `the key ${p.key}` : `the identity ${p.identity!.subject} of ${p.identity!.issuer}`;
  const sign = p.key
    ? `sign it with the private key of ${p.key} (cosign sign --key ...)`
    : `sign it keyless in the CI whose identity matches ${p.identity!.subject}`;
  if (/no signatures found|no matching signatures found|signature not found/i.test(msg) && !/invalid|identit|issuer|certificate/i.test(msg))
    return { name: "signature", ok: false, problem: `${image} is not signed (${msg})`, fix: `${sign}, then run again` };
  if (/MANIFEST_UNKNOWN|manifest unknown|NAME_UNKNOWN|not found/i.test(msg))
    return {
      name: "signature",
      ok: false,
      problem: `${image} is not in the registry (${msg})`,
      fix: "publish the image first, and write the digest the publish returned",
    };
  if (/UNAUTHORIZED|DENIED|authentication required|forbidden/i.test(msg))
    return {
      name: "signature",
      ok: false,
      problem: `the registry refused to show ${image}'s signature (${msg})`,
      fix: "give the verification read access to the registry",
    };
  if (/connection refused|no such host|i\/o timeout|dial tcp|TLS handshake/i.test(msg))
    return {
      name: "signature",
      ok: false,
      problem: `the registry of ${image} could not be reached (${msg})`,
      fix: "check the registry address and the network, then run again",
    };
  if (/identit|issuer|certificate|x509|SAN|email/i.test(msg))
    return { name: "signature", ok: false, problem: `${image} is signed, but not by ${how} (${msg})`, fix: `${sign}, or correct the identity in ${p.source}` };
  return {
    name: "signature",
    ok: false,
    problem: `${image}'s signature does not verify with ${how} (${msg})`,
    fix: `${sign}, or correct ${p.source} if the key changed`,
  };
}

/** The provenance check: an attestation that verifies, whose statement names the expected source, ref and builder. */
export function classifyProvenance(r: CosignResult, p: VerifyPolicy, image: string, digest: string): Check {
  const rule = p.provenance!;
  const attest = "attest the SLSA provenance when publishing (publish ... sign attests it)";
  if (r.exitCode !== 0) {
    const msg = cosignMessage(r.stderr);
    if (/no matching attestations|none of the attestations matched|no attestations|not found/i.test(msg))
      return {
        name: "provenance",
        ok: false,
        problem: `${image} has no provenance attestation that verifies (${msg})`,
        fix: `${attest}, signed like the image`,
      };
    return { name: "provenance", ok: false, problem: `${image}'s provenance attestation does not verify (${msg})`, fix: `${attest}, signed like the image` };
  }
  const claims = decodeEnvelopes(r.stdout)
    .map(readStatement)
    .filter((c) => c && c.predicateType === PREDICATE_TYPE.provenance);
  if (claims.length === 0)
    return {
      name: "provenance",
      ok: false,
      problem: `${image} has no SLSA v1 provenance statement`,
      fix: `${attest}, with predicate type ${PREDICATE_TYPE.provenance}`,
    };
  const judged = claims.map((c) => provenanceProblems(c!, rule, digest));
  if (judged.some((probs) => probs.length === 0)) return { name: "provenance", ok: true };
  return {
    name: "provenance",
    ok: false,
    problem: `${image}'s provenance does not match ${p.source}: ${judged[0]!.join("; ")}`,
    fix: `deploy an image built by ${rule.builder ?? "the expected builder"} from ${rule.repository}${rule.refs.length ? ` (${rule.refs.join(", ")})` : ""}, or correct verification.provenance in ${p.source.split(":")[0]}`,
  };
}

/** Judge an image: the signature first (its result decides whether provenance is read at all). */
export function judge(a: {
  image: string;
  digest: string;
  environment: string;
  policy: VerifyPolicy;
  signature?: CosignResult;
  provenance?: CosignResult;
}): Verdict {
  const { image, environment, policy: p } = a;
  const checks: Check[] = [];
  if (p.mode !== "off") {
    if (!a.digest)
      checks.push({
        name: "reference",
        ok: false,
        problem: `${image} is not pinned by digest, so what is verified may not be what is deployed`,
        fix: "write the digest too (bump --digest sha256:..., as publish returns it)",
      });
    else {
      const sig: Check = a.signature
        ? classifySignature(a.signature, p, image)
        : { name: "signature", ok: false, problem: "was not checked", fix: "run the verification" };
      checks.push(sig);
      // Provenance is read only once the signature verified: after a failed signature it would say nothing more.
      if (p.provenance && sig.ok)
        checks.push(
          a.provenance
            ? classifyProvenance(a.provenance, p, image, a.digest)
            : { name: "provenance", ok: false, problem: "was not checked", fix: "run the verification" },
        );
    }
  }
  const verified = checks.every((c) => c.ok);
  const allowed = verified || p.mode !== "require";
  const failed = checks.filter((c) => !c.ok);
  const summary =
    p.mode === "off"
      ? `image verification: off for ${environment}`
      : verified
        ? `image verified for ${environment}: ${checks.map((c) => c.name).join(" and ")} (${p.key ? `key ${p.key}` : `identity ${p.identity!.subject}`})`
        : `image ${allowed ? "NOT verified (warning)" : "refused"} for ${environment}: ${failed.map((c) => `${c.name}: ${c.problem}`).join("; ")}`;
  return { image, environment, mode: p.mode, verified, allowed, checks, summary: redact(summary) };
}

/** The one error of a refused image: every failed check, what to do, and where the rule is. */
export function refusal(v: Verdict, policy: VerifyPolicy): InputError {
  const failed = v.checks.filter((c) => !c.ok);
  return new InputError(
    policy.source,
    `requires a verified image for ${v.environment}, and ${failed.map((c) => `${c.name} failed: ${c.problem}`).join("; ")}; nothing was pushed`,
    `${failed.map((c) => c.fix).join("; ")}${failed.length ? "; " : ""}or set verification.environments.${v.environment}.mode to warn while you set signing up`,
  );
}
