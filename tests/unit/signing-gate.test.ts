import { describe, expect, it } from "vitest";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { promotePlan } from "../../dagger/src/core/writeback/promote.js";
import { verifiedPlan, type Verifier, type VerifyRequest } from "../../dagger/src/core/signing/gate.js";
import type { Verdict } from "../../dagger/src/core/signing/verdict.js";
import { InputError } from "../../dagger/src/core/errors.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const PEM = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";
const config = (verification: string): string => `chart: charts/app
release: shop
environments:
  dev: { values: [base.yaml, dev.yaml] }
  prod: { values: [base.yaml, prod.yaml] }
verification:
${verification}`;
const tree = (verification: string, extra: Record<string, string> = {}): Record<string, string> => ({
  "gitops-pipeline.yaml": config(verification),
  "base.yaml": "image:\n  repository: registry.example.com/acme/shop\n",
  "dev.yaml": `image:\n  tag: "1.1.0"\n  digest: "${D2}"\n`,
  "prod.yaml": `image:\n  tag: "1.0.0"\n  digest: "${D1}"\n`,
  "keys/cosign.pub": PEM,
  ...extra,
});
const reader = (files: Record<string, string>) => async (p: string) => files[p];

/** A verifier that records its requests and answers as told. */
function fakeVerifier(signed: boolean) {
  const calls: VerifyRequest[] = [];
  const verifier: Verifier = async (r) => {
    calls.push(r);
    return { signature: signed ? { exitCode: 0, stdout: "", stderr: "" } : { exitCode: 1, stdout: "", stderr: "Error: no signatures found" } };
  };
  return { calls, verifier };
}

const bump = (digest = D2) => bumpPlan({ env: "prod", ref: { tag: "1.1.0", digest }, source: { root: "" } });

describe("verification gate of the write-back", () => {
  it("refuses an unsigned image where the policy requires a signature: one error, no edit returned", async () => {
    const { calls, verifier } = fakeVerifier(false);
    const plan = verifiedPlan(bump(), { root: "" }, verifier);
    const err = await plan.edits(reader(tree("  key: keys/cosign.pub\n  environments: { prod: { mode: require } }\n"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe("gitops-pipeline.yaml: verification.environments.prod");
    expect((err as Error).message).toMatch(/registry.example.com\/acme\/shop@sha256:2+ is not signed/);
    // The repository comes from the base values file; the key's text from the tree.
    expect(calls).toEqual([expect.objectContaining({ image: `registry.example.com/acme/shop@${D2}`, digest: D2, environment: "prod", publicKey: PEM })]);
  });

  it("lets a signed image through, once per image whatever the retries, with a trailer in the commit message", async () => {
    const { calls, verifier } = fakeVerifier(true);
    const verdicts: Verdict[] = [];
    const plan = verifiedPlan(bump(), { root: "" }, verifier, verdicts);
    const read = reader(tree("  mode: require\n  key: keys/cosign.pub\n"));
    const edits = await plan.edits(read);
    await plan.edits(read);
    expect(edits[0]!.after).toContain(D2);
    expect(calls).toHaveLength(1);
    expect(verdicts).toHaveLength(1);
    expect(plan.message(edits)).toMatch(/\nSource-Commit: unknown\nImage-Verification: verified \(signature ok\)\n$/);
  });

  it("warns and goes on in a warn environment", async () => {
    const { verifier } = fakeVerifier(false);
    const verdicts: Verdict[] = [];
    const plan = verifiedPlan(bump(), { root: "" }, verifier, verdicts);
    const edits = await plan.edits(reader(tree("  mode: warn\n  key: keys/cosign.pub\n")));
    expect(edits[0]!.changed).toBe(true);
    expect(verdicts[0]!.summary).toMatch(/NOT verified \(warning\) for prod/);
    expect(plan.message(edits)).toMatch(/Image-Verification: not verified \(warn\) \(signature FAILED\)/);
  });

  it("calls no verifier where the policy is off (dev here), and adds no trailer", async () => {
    const { calls, verifier } = fakeVerifier(false);
    const plan = verifiedPlan(bumpPlan({ env: "dev", ref: { tag: "1.2.0", digest: D1 }, source: { root: "" } }), { root: "" }, verifier);
    const edits = await plan.edits(reader(tree("  key: keys/cosign.pub\n  environments: { prod: { mode: require } }\n")));
    expect(calls).toHaveLength(0);
    expect(plan.message(edits)).not.toMatch(/Image-Verification/);
  });

  it("verifies what a promotion copies into the target", async () => {
    const { calls, verifier } = fakeVerifier(true);
    const plan = verifiedPlan(promotePlan({ from: "dev", source: { root: "" } }), { root: "" }, verifier);
    await plan.edits(reader(tree("  mode: require\n  key: keys/cosign.pub\n")));
    expect(calls[0]!.image).toBe(`registry.example.com/acme/shop@${D2}`);
    expect(calls[0]!.environment).toBe("prod");
  });

  it("refuses a bump without a digest where verification is required, before any cosign call", async () => {
    const { calls, verifier } = fakeVerifier(true);
    const plan = verifiedPlan(bumpPlan({ env: "prod", ref: { tag: "1.1.0" }, source: { root: "" } }), { root: "" }, verifier);
    await expect(plan.edits(reader(tree("  mode: require\n  key: keys/cosign.pub\n")))).rejects.toThrow(/not pinned by digest/);
    expect(calls).toHaveLength(0);
  });

  it("names a key file missing from the tree", async () => {
    const { verifier } = fakeVerifier(true);
    const files = tree("  mode: require\n  key: keys/other.pub\n");
    await expect(verifiedPlan(bump(), { root: "" }, verifier).edits(reader(files))).rejects.toThrow(
      /gitops-pipeline.yaml: verification.key: names keys\/other.pub, which is not in the gitops tree/,
    );
  });

  it("reads the policy of the tree inside the repository (root gitops/)", async () => {
    const { calls, verifier } = fakeVerifier(true);
    const files = Object.fromEntries(Object.entries(tree("  mode: require\n  key: keys/cosign.pub\n")).map(([k, v]) => [`gitops/${k}`, v]));
    const plan = verifiedPlan(bumpPlan({ env: "prod", ref: { tag: "1.1.0", digest: D2 }, source: { root: "gitops" } }), { root: "gitops" }, verifier);
    await plan.edits(reader(files));
    expect(calls[0]!.policy.source).toBe("gitops/gitops-pipeline.yaml: verification");
  });
});

describe("verification gate over a kustomize overlay", () => {
  it("verifies the image named by the entry when the overlay sets no newName", async () => {
    const { calls, verifier } = fakeVerifier(true);
    const files = {
      "gitops-pipeline.yaml": `kustomize: kustomize\nwriteBack: { format: kustomize }\nenvironments:\n  prod: {}\nverification:\n  mode: require\n  key: keys/cosign.pub\n`,
      "kustomize/overlays/prod/kustomization.yaml": `resources: [../../base]\nimages:\n  - name: registry.example.com/acme/shop\n    newTag: "1.0.0"\n`,
      "keys/cosign.pub": PEM,
    };
    const plan = verifiedPlan(bumpPlan({ env: "prod", ref: { tag: "1.1.0", digest: D2 }, source: { root: "" } }), { root: "" }, verifier);
    await plan.edits(reader(files));
    expect(calls[0]!.image).toBe(`registry.example.com/acme/shop@${D2}`);
  });
});
