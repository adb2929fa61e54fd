import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { attestArgv, pemCertificates, signArgv, trustedRoot, verifyArgv, verifyAttestationArgv, COSIGN_PATHS } from "../../dagger/src/core/signing/cosign.js";
import { decodeEnvelopes, fullRef, provenancePredicate, provenanceProblems, readStatement, type BuildFacts } from "../../dagger/src/core/signing/provenance.js";
import { cosignMessage, judge, refusal, type CosignResult } from "../../dagger/src/core/signing/verdict.js";
import type { VerifyPolicy } from "../../dagger/src/core/signing/policy.js";
import { forgetSecrets, rememberSecret } from "../../dagger/src/core/redact.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const IMAGE = `registry.example.com/acme/shop@${DIGEST}`;
const KEY: VerifyPolicy = { mode: "require", key: "keys/cosign.pub", transparencyLog: false, source: "gitops-pipeline.yaml: verification.environments.prod" };
const KEYLESS: VerifyPolicy = {
  mode: "require",
  identity: { issuer: "https://token.actions.githubusercontent.com", subject: "^https://github\\.com/acme/shop/" },
  roots: "ca.pem",
  transparencyLog: false,
  provenance: { repository: "github.com/acme/shop", refs: ["refs/heads/main", "refs/tags/v*"], builder: "^https://github\\.com/acme/shop/" },
  source: "gitops-pipeline.yaml: verification",
};
const FACTS: BuildFacts = {
  repository: "https://github.com/acme/shop.git",
  ref: "refs/heads/main",
  commit: "0123456789abcdef0123456789abcdef01234567",
  builder: "https://github.com/acme/shop/.github/workflows/ci.yml@refs/heads/main",
  inputs: { dockerfile: "Dockerfile", platforms: ["linux/amd64", "linux/arm64"] },
  toolchain: { cosign: "3.1.4" },
};
const ok: CosignResult = { exitCode: 0, stdout: "", stderr: "" };
const fail = (stderr: string): CosignResult => ({ exitCode: 1, stdout: "", stderr });

/** What cosign verify-attestation prints: one DSSE envelope per line, the statement base64 in payload. */
function envelope(predicate: unknown, digest = DIGEST, predicateType = "https://slsa.dev/provenance/v1"): string {
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "registry.example.com/acme/shop", digest: { sha256: digest.slice(7) } }],
    predicateType,
    predicate,
  };
  return JSON.stringify({
    payloadType: "application/vnd.in-toto+json",
    payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
    signatures: [{ sig: "x" }],
  });
}

describe("cosign argv", () => {
  it("signs and attests a digest with the mounted key, no secret in the argv", () => {
    expect(signArgv(IMAGE, { kind: "key", transparencyLog: false })).toEqual([
      "cosign",
      "sign",
      "--yes",
      "--key",
      COSIGN_PATHS.privateKey,
      "--use-signing-config=false",
      "--tlog-upload=false",
      "--new-bundle-format=false",
      IMAGE,
    ]);
    expect(attestArgv(IMAGE, "provenance", { kind: "key", transparencyLog: true })).toEqual([
      "cosign",
      "attest",
      "--yes",
      "--key",
      COSIGN_PATHS.privateKey,
      "--type",
      "slsaprovenance1",
      "--predicate",
      COSIGN_PATHS.provenance,
      IMAGE,
    ]);
    expect(signArgv(IMAGE, { kind: "keyless", transparencyLog: true })).toEqual([
      "cosign",
      "sign",
      "--yes",
      "--identity-token",
      COSIGN_PATHS.identityToken,
      IMAGE,
    ]);
  });

  it("verifies by key or by identity with the policy's CA, skipping the log only when the policy says so", () => {
    expect(verifyArgv(IMAGE, KEY)).toEqual(["cosign", "verify", "--key", COSIGN_PATHS.publicKey, "--insecure-ignore-tlog=true", "--output", "json", IMAGE]);
    expect(verifyAttestationArgv(IMAGE, "provenance", KEYLESS)).toEqual([
      "cosign",
      "verify-attestation",
      "--certificate-oidc-issuer",
      "https://token.actions.githubusercontent.com",
      "--certificate-identity-regexp",
      "^https://github\\.com/acme/shop/",
      "--trusted-root",
      COSIGN_PATHS.trustedRoot,
      "--insecure-ignore-tlog=true",
      "--insecure-ignore-sct=true",
      "--type",
      "slsaprovenance1",
      IMAGE,
    ]);
    expect(verifyArgv(IMAGE, { ...KEY, transparencyLog: true })).not.toContain("--insecure-ignore-tlog=true");
  });
});

describe("trusted root of a private CA", () => {
  it("carries each PEM certificate's DER, in order, as one CA's chain", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nQUJD\nREVG\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nR0hJ\n-----END CERTIFICATE-----\n";
    expect(pemCertificates(pem)).toEqual(["QUJDREVG", "R0hJ"]);
    const root = JSON.parse(trustedRoot(pem));
    expect(root.mediaType).toBe("application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    expect(root.certificateAuthorities[0].certChain.certificates).toEqual([{ rawBytes: "QUJDREVG" }, { rawBytes: "R0hJ" }]);
  });
});

describe("SLSA provenance", () => {
  it("our predicate reads back as the facts it was built from", () => {
    const c = readStatement(JSON.parse(Buffer.from(JSON.parse(envelope(provenancePredicate(FACTS))).payload, "base64").toString()));
    expect(c).toEqual({
      predicateType: "https://slsa.dev/provenance/v1",
      repository: "github.com/acme/shop",
      ref: "refs/heads/main",
      commit: FACTS.commit,
      builder: FACTS.builder,
      subjects: [DIGEST],
    });
    expect(provenanceProblems(c!, KEYLESS.provenance!, DIGEST)).toEqual([]);
  });

  it("reads GitHub's attest-build-provenance shape (externalParameters.workflow)", () => {
    const github = {
      buildDefinition: {
        buildType: "https://actions.github.io/buildtypes/workflow/v1",
        externalParameters: { workflow: { ref: "refs/tags/v1.4.0", repository: "https://github.com/acme/shop", path: ".github/workflows/release.yml" } },
        resolvedDependencies: [{ uri: "git+https://github.com/acme/shop@refs/tags/v1.4.0", digest: { gitCommit: "abc" } }],
      },
      runDetails: { builder: { id: "https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0" } },
    };
    const [s] = decodeEnvelopes(`${envelope(github)}\n`);
    const c = readStatement(s)!;
    expect(c).toMatchObject({ repository: "github.com/acme/shop", ref: "refs/tags/v1.4.0", commit: "abc" });
    expect(provenanceProblems(c, KEYLESS.provenance!, DIGEST)).toEqual([]);
  });

  it("names every mismatch: repository, ref, builder, subject", () => {
    const c = readStatement({
      subject: [{ digest: { sha256: "b".repeat(64) } }],
      predicateType: "https://slsa.dev/provenance/v1",
      predicate: provenancePredicate({ ...FACTS, repository: "github.com/evil/shop", ref: "refs/heads/dev", builder: "https://ci.example.com/job/1" }),
    })!;
    const p = provenanceProblems(c, KEYLESS.provenance!, DIGEST);
    expect(p).toHaveLength(4);
    expect(p.join("\n")).toMatch(/subject is sha256:b+, not sha256:a+/);
    expect(p.join("\n")).toMatch(/built from github.com\/evil\/shop, not github.com\/acme\/shop/);
    expect(p.join("\n")).toMatch(/built from refs\/heads\/dev, not refs\/heads\/main or refs\/tags\/v\*/);
    expect(p.join("\n")).toMatch(/builder https:\/\/ci.example.com\/job\/1 does not match/);
  });

  it("full refs from branch and tag names", () => {
    expect(fullRef("main")).toBe("refs/heads/main");
    expect(fullRef("v1.2.0", true)).toBe("refs/tags/v1.2.0");
    expect(fullRef("refs/pull/1/merge")).toBe("refs/pull/1/merge");
  });

  it("decodes only envelopes; garbage lines are skipped, not fatal", () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (junk) => {
        const out = decodeEnvelopes([...junk, envelope(provenancePredicate(FACTS))].join("\n"));
        expect(out.length).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});

describe("verdict", () => {
  it("passes a signed image with matching provenance", () => {
    const v = judge({
      image: IMAGE,
      digest: DIGEST,
      environment: "prod",
      policy: KEYLESS,
      signature: ok,
      provenance: { exitCode: 0, stdout: envelope(provenancePredicate(FACTS)), stderr: "" },
    });
    expect(v).toMatchObject({ verified: true, allowed: true });
    expect(v.summary).toMatch(/image verified for prod: signature and provenance/);
  });

  it.each([
    ["Error: no signatures found", /is not signed/, /sign it with the private key of keys\/cosign.pub/],
    [
      "Error: no matching signatures: invalid signature when validating ASN.1 encoded signature",
      /does not verify with the key keys\/cosign.pub/,
      /correct .* if the key changed/,
    ],
    ["Error: GET https://r/v2/acme/shop/manifests/sha256:aa: MANIFEST_UNKNOWN: manifest unknown", /is not in the registry/, /publish the image first/],
    ['Error: Get "https://r/v2/": dial tcp 10.0.0.1:443: connect: connection refused', /could not be reached/, /check the registry address/],
  ])("signature failure %j is explained", (stderr, problem, fix) => {
    const v = judge({ image: IMAGE, digest: DIGEST, environment: "prod", policy: KEY, signature: fail(stderr) });
    expect(v).toMatchObject({ verified: false, allowed: false });
    expect(v.checks[0]!.problem).toMatch(problem);
    expect(v.checks[0]!.fix).toMatch(fix);
  });

  it("a wrong keyless identity names the expected identity", () => {
    const v = judge({
      image: IMAGE,
      digest: DIGEST,
      environment: "prod",
      policy: KEYLESS,
      signature: fail(
        "Error: no matching signatures: none of the expected identities matched what was in the certificate, got subjects [https://github.com/evil/x] with issuer https://token.actions.githubusercontent.com",
      ),
      provenance: ok,
    });
    expect(v.checks[0]!.problem).toMatch(
      /is signed, but not by the identity \^https:\/\/github\\.com\/acme\/shop\/ of https:\/\/token.actions.githubusercontent.com/,
    );
  });

  it("missing and foreign provenance are refused, each saying why", () => {
    const missing = judge({
      image: IMAGE,
      digest: DIGEST,
      environment: "prod",
      policy: KEYLESS,
      signature: ok,
      provenance: fail("Error: no matching attestations: "),
    });
    expect(missing.checks[1]!.problem).toMatch(/has no provenance attestation that verifies/);
    const foreign = judge({
      image: IMAGE,
      digest: DIGEST,
      environment: "prod",
      policy: KEYLESS,
      signature: ok,
      provenance: { exitCode: 0, stdout: envelope(provenancePredicate({ ...FACTS, repository: "github.com/evil/shop" })), stderr: "" },
    });
    expect(foreign.checks[1]!.problem).toMatch(/built from github.com\/evil\/shop, not github.com\/acme\/shop/);
    const sbomOnly = judge({
      image: IMAGE,
      digest: DIGEST,
      environment: "prod",
      policy: KEYLESS,
      signature: ok,
      provenance: { exitCode: 0, stdout: envelope({}, DIGEST, "https://cyclonedx.org/bom"), stderr: "" },
    });
    expect(sbomOnly.checks[1]!.problem).toMatch(/no SLSA v1 provenance statement/);
  });

  it("an image without a digest is not verified (what is checked must be what is deployed)", () => {
    const v = judge({ image: "r/acme/shop:1.0.0", digest: "", environment: "prod", policy: KEY });
    expect(v.checks).toEqual([expect.objectContaining({ name: "reference", ok: false })]);
    expect(v.allowed).toBe(false);
  });

  it("warn lets a failure through and says so; off checks nothing", () => {
    const warn = judge({ image: IMAGE, digest: DIGEST, environment: "dev", policy: { ...KEY, mode: "warn" }, signature: fail("Error: no signatures found") });
    expect(warn).toMatchObject({ verified: false, allowed: true });
    expect(warn.summary).toMatch(/NOT verified \(warning\) for dev: signature: /);
    const off = judge({ image: IMAGE, digest: DIGEST, environment: "dev", policy: { ...KEY, mode: "off" } });
    expect(off).toMatchObject({ verified: true, allowed: true, checks: [] });
  });

  it("the refusal is ONE error naming the rule, the failed check, its fix, and that nothing was pushed", () => {
    const v = judge({
      image: IMAGE,
      digest: DIGEST,
      environment: "prod",
      policy: KEYLESS,
      signature: fail("Error: no signatures found"),
      provenance: fail("Error: no matching attestations"),
    });
    const e = refusal(v, KEYLESS);
    expect(e.input).toBe("gitops-pipeline.yaml: verification");
    expect(e.message).toMatch(/requires a verified image for prod, and signature failed: .* is not signed \(no signatures found\); nothing was pushed/);
    // After a failed signature the provenance says nothing: it is not listed as a second failure.
    expect(e.message).not.toMatch(/provenance/);
    expect(e.fix).toMatch(/sign it keyless .*; or set verification.environments.prod.mode to warn/);
    const both = refusal(
      judge({ image: IMAGE, digest: DIGEST, environment: "prod", policy: KEYLESS, signature: ok, provenance: fail("Error: no matching attestations") }),
      KEYLESS,
    );
    expect(both.message).toMatch(/and provenance failed: .* has no provenance attestation that verifies .*; nothing was pushed/);
    expect(both.fix).toMatch(/attest the SLSA provenance .*; or set verification.environments.prod.mode to warn/);
  });

  it("cosign's output is redacted before it is quoted", () => {
    rememberSecret("s3cr3t-password");
    try {
      expect(cosignMessage("WARNING: x\nError: login with s3cr3t-password failed: UNAUTHORIZED\nmain.go:74: error during command execution: x")).toBe(
        "login with *** failed: UNAUTHORIZED",
      );
    } finally {
      forgetSecrets();
    }
  });
});
