/**
 * ci's signing, decided before any stage: the settings file's signing: section, which secrets
 * hold a value, and the ref being built; the OIDC identity secret read as an ID token or as
 * GitHub Actions' token request.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decideSigning, type SigningContext } from "../../dagger/src/core/ci/signing.js";
import { parseAppSettings } from "../../dagger/src/core/settings/app-settings.js";
import { identitySource } from "../../dagger/src/core/signing/oidc.js";
import { attestArgv, signArgv } from "../../dagger/src/core/signing/cosign.js";
import { InputError } from "../../dagger/src/core/errors.js";

const settings = (yaml: string) => parseAppSettings(`signing:\n${yaml}`).signing;
const KEY = settings(
  "  mode: key\n  sourceRepository: https://github.com/acme/shop\n  builder: https://github.com/acme/shop/.github/workflows/ci.yml@{ref}\n  transparencyLog: false\n",
);
const RUN: SigningContext = { publishing: true, branch: "main", tag: "", hasKey: true, hasIdentityToken: false };
const errorOf = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
};

describe("signing: in gitops-pipeline.settings.yaml", () => {
  it("defaults to off: nothing is signed, whatever secrets are given", () => {
    const off = parseAppSettings("").signing;
    expect(off).toMatchObject({ mode: "off", transparencyLog: true, fulcioUrl: "", rekorUrl: "" });
    expect(decideSigning(off, { ...RUN, hasIdentityToken: true })).toBeUndefined();
  });

  it("refuses an unknown mode, a builder that is not a URI and a Fulcio that is not https, naming the key", () => {
    expect(() => settings("  mode: sometimes\n")).toThrow(/gitops-pipeline.settings.yaml: signing.mode: is not a signing mode: use off, key, keyless/);
    expect(() => settings("  builder: ci.yml\n")).toThrow(/signing.builder: "ci.yml" is not a URI/);
    expect(() => settings("  fulcioUrl: http://fulcio.local\n")).toThrow(/signing.fulcioUrl: "http:\/\/fulcio.local" is not an https URL/);
  });

  it("a mode without sourceRepository or builder fails every run (a pull request shows it), naming the key", () => {
    const noBuilder = settings("  mode: keyless\n  sourceRepository: https://github.com/acme/shop\n");
    for (const publishing of [true, false]) {
      const e = errorOf(() => decideSigning(noBuilder, { ...RUN, publishing }));
      expect(e.input).toBe("gitops-pipeline.settings.yaml: signing.builder");
    }
    expect(errorOf(() => decideSigning(settings("  mode: key\n"), RUN)).input).toBe("gitops-pipeline.settings.yaml: signing.sourceRepository");
  });
});

describe("ci decides the signing before any stage", () => {
  it("a run that does not publish signs nothing and needs no secret", () => {
    expect(decideSigning(KEY, { ...RUN, publishing: false, hasKey: false })).toBeUndefined();
  });

  it("a publishing run without its secret is refused naming ci's flag: --cosign-key for key, --identity-token for keyless", () => {
    expect(errorOf(() => decideSigning(KEY, { ...RUN, hasKey: false })).message).toMatch(/^--cosign-key: is missing: signing.mode: key/);
    const keyless = settings(
      "  mode: keyless\n  sourceRepository: https://github.com/acme/shop\n  builder: https://github.com/acme/shop/.github/workflows/ci.yml\n",
    );
    const e = errorOf(() => decideSigning(keyless, { ...RUN, hasKey: true }));
    expect(e.message).toMatch(/^--identity-token: is missing: signing.mode: keyless/);
    expect(e.message).toMatch(/id-token: write/);
    expect(decideSigning(keyless, { ...RUN, hasKey: false, hasIdentityToken: true })).toMatchObject({ signer: "keyless", transparencyLog: true });
  });

  it("the ref is the tag's on a tag build, else the branch's, and {ref} in the builder becomes it", () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(name, fc.option(name, { nil: "" }), (branch, tag) => {
        const s = decideSigning(KEY, { ...RUN, branch, tag })!;
        const ref = tag ? `refs/tags/${tag}` : `refs/heads/${branch}`;
        expect(s.ref).toBe(ref);
        expect(s.builder).toBe(`https://github.com/acme/shop/.github/workflows/ci.yml@${ref}`);
        expect(s).toMatchObject({ signer: "key", sourceRepository: "https://github.com/acme/shop", transparencyLog: false });
      }),
    );
  });
});

describe("the keyless identity secret", () => {
  const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2dpdGxhYi5jb20ifQ.c2lnbmF0dXJl";

  it("an ID token (a JWT) is mounted for cosign; GitHub's token request lets cosign ask for a fresh token at each step", () => {
    expect(identitySource(`${JWT}\n`)).toEqual({ kind: "token" });
    expect(identitySource("https://pipelines.actions.example/idtoken?api-version=2.0 r3qu3st")).toEqual({
      kind: "github-actions",
      requestUrl: "https://pipelines.actions.example/idtoken?api-version=2.0",
      requestToken: "r3qu3st",
    });
    const image = `ghcr.io/acme/shop@sha256:${"a".repeat(64)}`;
    const viaGithub = { kind: "keyless" as const, transparencyLog: true, tokenFrom: "github-actions" as const };
    expect(signArgv(image, viaGithub)).toEqual(["cosign", "sign", "--yes", "--oidc-provider", "github-actions", image]);
    expect(attestArgv(image, "provenance", viaGithub)).not.toContain("--identity-token");
    expect(signArgv(image, { kind: "keyless", transparencyLog: true })).toContain("--identity-token");
  });

  it("anything else is refused naming the flag, and the value is not in the error", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8 }).filter((s) => !/^\S+\.\S+\.\S*$/.test(s.trim()) && !/^https:\/\//.test(s.trim())),
        (value) => {
          const e = errorOf(() => identitySource(value));
          expect(e.message).toMatch(/^--identity-token: holds neither an OIDC ID token/);
          expect(e.message).not.toContain(value);
        },
      ),
    );
  });
});
