/**
 * ci's publish stage signs and attests what it pushed when the settings file asks for it: with
 * the secret of the chosen mode only, the scan's SBOMs attested, the provenance naming the ref
 * built; a failed signature fails the stage (so nothing unsigned is bumped). And ci keeps to a
 * screen: at most 12 arguments besides its secrets.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetSecrets } from "../../dagger/src/core/redact.js";
import { dag } from "@dagger.io/dagger";
import { ciStageRuns, runCi } from "../../dagger/src/ci/ci.js";
import { decideCi } from "../../dagger/src/core/ci/plan.js";
import { decideSigning } from "../../dagger/src/core/ci/signing.js";
import { parseAppSettings } from "../../dagger/src/core/settings/app-settings.js";
import { Run } from "../../dagger/src/run.js";
import { moduleApi } from "../helpers/module-api.js";
import { ciCall } from "../helpers/ci-call.js";

// The secrets runCi reads are remembered by the redaction, which other test files of the worker share (isolate: false).
afterEach(() => forgetSecrets());

const DIGEST = `sha256:${"ab".repeat(32)}`;
const secret = (value: string) => ({ plaintext: async () => value }) as never;
const signing = parseAppSettings(
  "signing:\n  mode: key\n  sourceRepository: https://github.com/acme/shop\n  builder: https://github.com/acme/shop/.github/workflows/ci.yml@{ref}\n",
).signing;
const call = {
  ...ciCall(),
  gitopsRepo: "",
  signing,
  cosignKey: secret("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"),
  cosignPassword: secret("k3y-pa55"),
  identityToken: secret("https://token.example/req?x=1 r3q"),
};
const d = decideCi({ ...call, hasRegistryPassword: true, hasGitopsCredentials: false });

/** The app's publish, returning an image whose sign is a spy answering `passed`. */
function publishing(passed: boolean) {
  const sign = vi.fn(async () => ({
    result: Run.of({
      stage: "sign",
      passed,
      summary: passed ? "signed it; attested SBOM 1, provenance" : "sign failed at the signature of it: denied",
      details: "",
      findings: [],
    }).result,
  }));
  const image = { repository: "ghcr.io/acme/app", digest: DIGEST, tags: ["8855235-29"], ref: () => `ghcr.io/acme/app@${DIGEST}`, sign };
  return { app: { publish: vi.fn(async () => image) } as never, sign };
}

describe("ci: publish signs and attests when the settings file asks for it", () => {
  it("signs with the key secret only, attests the scan's SBOMs, and records the ref and builder of the run", async () => {
    const { app, sign } = publishing(true);
    const s = decideSigning(signing, { publishing: true, branch: "main", tag: "", hasKey: true, hasIdentityToken: true })!;
    const sbom = dag.directory().withNewFile("sbom.cdx.json", "{}").file("sbom.cdx.json");
    const runs = ciStageRuns({ app, manifests: {} as never, repo: async () => ({}) as never }, call, d, Date.now(), s);
    const out = await runs.publish({ scan: { sboms: [sbom] } });
    expect(out).toMatchObject({ ok: true, summary: expect.stringMatching(/^pushed 8855235-29 → .*; signed it; attested SBOM 1, provenance$/) });
    const args = sign.mock.calls[0] as unknown[];
    expect(args.slice(0, 3)).toEqual([
      "refs/heads/main",
      "https://github.com/acme/shop/.github/workflows/ci.yml@refs/heads/main",
      "https://github.com/acme/shop",
    ]);
    expect(args[3]).toBe(call.cosignKey);
    expect(args[4]).toBe(call.cosignPassword);
    expect(args[5]).toBeUndefined(); // the identity is not sent along with a key
    expect(args[6]).toEqual([sbom]);
    expect([args[7], args[8]]).toEqual(["bot", call.registryPassword]);
  });

  it("keyless hands the identity secret only; a failed signature fails the stage, so the bump is blocked", async () => {
    const { app, sign } = publishing(false);
    const keyless = { ...signing, mode: "keyless" as const };
    const s = decideSigning(keyless, { publishing: true, branch: "main", tag: "v1.2.3", hasKey: false, hasIdentityToken: true })!;
    const runs = ciStageRuns({ app, manifests: {} as never, repo: async () => ({}) as never }, call, d, Date.now(), s);
    const out = await runs.publish({ scan: {} });
    expect(out.ok).toBe(false);
    expect(out.summary).toMatch(/^pushed .*, but sign failed at the signature/);
    const args = sign.mock.calls[0] as unknown[];
    expect(args[0]).toBe("refs/tags/v1.2.3");
    expect([args[3], args[4], args[5]]).toEqual([undefined, undefined, call.identityToken]);
  });

  it("without signing: publish pushes only, and sign is never called", async () => {
    const { app, sign } = publishing(true);
    const out = await ciStageRuns({ app, manifests: {} as never, repo: async () => ({}) as never }, call, d, Date.now()).publish({ scan: {} });
    expect(out).toMatchObject({ ok: true, summary: `pushed 8855235-29 → ghcr.io/acme/app@${DIGEST}` });
    expect(sign).not.toHaveBeenCalled();
  });

  it("a publishing run with signing.mode: key and an empty --cosign-key (unset CI variable) is refused before any stage", async () => {
    const app = vi.fn();
    const e = await runCi({ app, manifests: () => ({}) as never, repo: async () => ({}) as never }, { ...call, cosignKey: secret("") }).then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(e?.message).toMatch(/^--cosign-key: is missing/);
    expect(app).not.toHaveBeenCalled();
  });

  it("a run that publishes nothing (e2e switched off: publish never runs) needs no signing secret", async () => {
    const stop = new Error("stop: the run would start its stages");
    const parts = { app: () => ({}) as never, manifests: () => ({}) as never, repo: async () => ({}) as never, checkGitops: async () => Promise.reject(stop) };
    await expect(runCi(parts, { ...call, endToEnd: false, cosignKey: secret("") })).rejects.toBe(stop);
    await expect(runCi(parts, { ...call, cosignKey: secret("") })).rejects.toThrow(/^--cosign-key: is missing/);
  });
});

describe("ci's arguments", () => {
  it("stay at most 12 besides the secrets, and the signing ones are Secrets", async () => {
    const ci = (await moduleApi()).objects.GitopsPipeline!.methods.ci!;
    const args = Object.entries(ci.arguments);
    const plain = args.filter(([, a]) => !(a.type.kind === "OBJECT_KIND" && a.type.name === "Secret"));
    expect(plain.length, plain.map(([n]) => n).join(", ")).toBeLessThanOrEqual(12);
    for (const s of ["cosignKey", "cosignPassword", "identityToken"]) expect(ci.arguments[s]!.type).toMatchObject({ kind: "OBJECT_KIND", name: "Secret" });
  });
});
