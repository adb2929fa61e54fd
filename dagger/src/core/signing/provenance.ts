/**
 * SLSA provenance (v1) of a published image: the predicate this module attests, and the reading
 * of any provenance statement a verification finds, ours or GitHub's
 * (actions/attest-build-provenance records the workflow's repository and ref in
 * externalParameters.workflow), to check it against the policy's source repository, refs and builder.
 */
import { normaliseRepository, refAllowed, type VerifyPolicy } from "./policy.js";

/** Our build type: what externalParameters and internalParameters mean. */
export const BUILD_TYPE = "https://github.com/gitops-pipeline/gitops-pipeline/build/v1";

/** What a build knows about itself, for its provenance. */
export interface BuildFacts {
  /** The source repository (any URL form; recorded as host/owner/name). */
  repository: string;
  /** Git ref built: refs/heads/<branch> or refs/tags/<tag>. */
  ref: string;
  /** Commit built (full sha). */
  commit: string;
  /** Builder id: the CI workflow or job URL that ran the build. */
  builder: string;
  /** The build's inputs: Dockerfile, platforms, version, base image ... (strings only). */
  inputs: Record<string, string | string[]>;
  /** The pinned toolchain (tool → version or image). */
  toolchain: Record<string, string>;
  /** CI run id, when there is one. */
  invocation?: string;
  startedOn?: string;
  finishedOn?: string;
}

/** A branch or tag name as a full ref (`main` → refs/heads/main, `v1.2.0` with isTag → refs/tags/v1.2.0). */
export function fullRef(name: string, isTag = false): string {
  if (name.startsWith("refs/")) return name;
  return isTag ? `refs/tags/${name}` : `refs/heads/${name}`;
}

/** The SLSA v1 predicate of a build (cosign wraps it in an in-toto statement whose subject is the image digest). */
export function provenancePredicate(b: BuildFacts): Record<string, unknown> {
  const repository = normaliseRepository(b.repository);
  return {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters: { source: { repository, ref: b.ref, commit: b.commit }, inputs: b.inputs },
      internalParameters: { toolchain: b.toolchain },
      resolvedDependencies: [{ uri: `git+https://${repository}@${b.ref}`, digest: { gitCommit: b.commit } }],
    },
    runDetails: {
      builder: { id: b.builder },
      metadata: {
        ...(b.invocation ? { invocationId: b.invocation } : {}),
        ...(b.startedOn ? { startedOn: b.startedOn } : {}),
        ...(b.finishedOn ? { finishedOn: b.finishedOn } : {}),
      },
    },
  };
}

/** What a provenance statement says about where an image comes from. */
export interface ProvenanceClaims {
  predicateType: string;
  /** host/owner/name, "" when it names none. */
  repository: string;
  ref: string;
  commit: string;
  builder: string;
  /** Digests (sha256:...) of the statement's subjects. */
  subjects: string[];
}

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The claims of one in-toto statement (already decoded from its DSSE envelope); undefined when it is not a statement. */
export function readStatement(statement: unknown): ProvenanceClaims | undefined {
  if (!statement || typeof statement !== "object") return undefined;
  const predicateType = str(get(statement, "predicateType"));
  const pred = get(statement, "predicate");
  const ext = get(pred, "buildDefinition", "externalParameters");
  // Ours (source), GitHub's attest-build-provenance (workflow), else the first git dependency.
  const src = get(ext, "source") ?? get(ext, "workflow");
  const dep = (get(pred, "buildDefinition", "resolvedDependencies") as unknown[] | undefined)?.find((d) => str(get(d, "uri")).startsWith("git+"));
  const depUri = str(get(dep, "uri"));
  const depRef = /@(refs\/.+)$/.exec(depUri)?.[1] ?? "";
  const repository = str(get(src, "repository")) || depUri.replace(/@refs\/.*$/, "");
  const subjects = ((get(statement, "subject") as unknown[] | undefined) ?? []).map((s) => {
    const sha = str(get(s, "digest", "sha256"));
    return sha ? `sha256:${sha}` : "";
  });
  return {
    predicateType,
    repository: repository ? normaliseRepository(repository) : "",
    ref: str(get(src, "ref")) || depRef,
    commit: str(get(src, "commit")) || str(get(dep, "digest", "gitCommit")) || str(get(dep, "digest", "sha1")),
    builder: str(get(pred, "runDetails", "builder", "id")),
    subjects: subjects.filter(Boolean),
  };
}

/** Decode the DSSE envelopes cosign verify-attestation prints (one JSON per line) into statements; bad lines are skipped. */
export function decodeEnvelopes(stdout: string): unknown[] {
  const out: unknown[] = [];
  for (const line of stdout.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const env = JSON.parse(t) as { payload?: unknown };
      if (typeof env.payload !== "string") continue;
      out.push(JSON.parse(Buffer.from(env.payload, "base64").toString("utf8")));
    } catch {
      // Not an envelope: cosign prints nothing else on stdout, but a bad line must not hide the others.
    }
  }
  return out;
}

/** Why `claims` do not satisfy the policy's provenance rule for an image of `digest`; [] when they do. */
export function provenanceProblems(c: ProvenanceClaims, rule: NonNullable<VerifyPolicy["provenance"]>, digest: string): string[] {
  const problems: string[] = [];
  if (digest && c.subjects.length && !c.subjects.includes(digest)) problems.push(`its subject is ${c.subjects.join(", ")}, not ${digest}`);
  if (c.repository !== rule.repository) problems.push(`it was built from ${c.repository || "an unnamed repository"}, not ${rule.repository}`);
  if (!refAllowed(c.ref, rule.refs)) problems.push(`it was built from ${c.ref || "an unnamed ref"}, not ${rule.refs.join(" or ")}`);
  if (rule.builder && !new RegExp(rule.builder).test(c.builder)) problems.push(`its builder ${c.builder || "(none)"} does not match ${rule.builder}`);
  return problems;
}
