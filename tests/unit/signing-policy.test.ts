import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parsePipelineConfig } from "../../dagger/src/core/gitops-config.js";
import { normaliseRepository, policyFor, refAllowed, verificationSchema } from "../../dagger/src/core/signing/policy.js";
import { InputError } from "../../dagger/src/core/errors.js";

const layout = `chart: charts/app
environments:
  dev: { values: [dev.yaml] }
  prod: { values: [prod.yaml], production: true }
`;

const withVerification = (section: string): string => `${layout}verification:\n${section}`;

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("no InputError");
}

describe("verification: section of gitops-pipeline.yaml", () => {
  it("is optional: without it every environment is off", () => {
    const p = parsePipelineConfig(layout);
    expect(p.verification).toBeUndefined();
    expect(policyFor(p.verification, "prod").mode).toBe("off");
  });

  it("layers the section, the app and the environment, field by field", () => {
    const p = parsePipelineConfig(
      withVerification(`  mode: warn
  key: keys/cosign.pub
  provenance: { repository: https://github.com/acme/shop.git, refs: [refs/heads/main] }
  apps:
    app: { transparencyLog: false }
  environments:
    prod: { mode: require, provenance: { repository: github.com/acme/shop, refs: [refs/tags/v*], builder: '^https://github\\.com/acme/' } }
`),
    );
    const dev = policyFor(p.verification, "dev", "app");
    expect(dev).toMatchObject({
      mode: "warn",
      key: "keys/cosign.pub",
      transparencyLog: false,
      provenance: { repository: "github.com/acme/shop", refs: ["refs/heads/main"] },
    });
    expect(dev.source).toBe("gitops-pipeline.yaml: verification.apps.app");
    const prod = policyFor(p.verification, "prod", "app");
    expect(prod).toMatchObject({
      mode: "require",
      key: "keys/cosign.pub",
      transparencyLog: false,
      provenance: { refs: ["refs/tags/v*"], builder: "^https://github\\.com/acme/" },
    });
    expect(prod.source).toBe("gitops-pipeline.yaml: verification.environments.prod");
  });

  it("reads a keyless identity in the multi-app form too", () => {
    const p = parsePipelineConfig(`verification:
  mode: require
  identity: { issuer: https://token.actions.githubusercontent.com, subject: '^https://github\\.com/acme/shop/\\.github/workflows/release\\.yml@refs/heads/main$' }
apps:
  - name: shop
    chart: charts/shop
    environments: { prod: { values: [prod.yaml] } }
`);
    const pol = policyFor(p.verification, "prod", "shop");
    expect(pol.identity?.issuer).toBe("https://token.actions.githubusercontent.com");
    expect(pol.transparencyLog).toBe(true);
  });

  it("refuses a mode without a key or identity, naming the layer", () => {
    const p = parsePipelineConfig(withVerification("  environments:\n    prod: { mode: require }\n"));
    expect(policyFor(p.verification, "dev").mode).toBe("off");
    const e = inputError(() => policyFor(p.verification, "prod"));
    expect(e.input).toBe("gitops-pipeline.yaml: verification.environments.prod");
    expect(e.message).toMatch(/neither a key nor an identity/);
    expect(e.fix).toMatch(/key: .*identity:/);
  });

  it.each([
    ["  mode: always\n  key: k.pub\n", /verification.mode: is not a mode/],
    ["  key: /etc/cosign.pub\n", /verification.key: must be a relative path/],
    ["  identity: { issuer: http://issuer, subject: x }\n", /identity.issuer: must be the issuer's https URL/],
    ["  identity: { issuer: https://i, subject: '(?=x)' }\n", /identity.subject: uses a lookaround/],
    ["  identity: { issuer: https://i, subject: '([' }\n", /identity.subject: is not a valid regular expression/],
    ["  provenance: { repository: github.com/a/b, refs: [main] }\n", /provenance.refs.0: must be a full git ref/],
    ["  provenance: { repository: 'not a repo' }\n", /provenance.repository: must be a source repository/],
    ["  keys: k.pub\n", /verification.keys: is not a known key/],
  ])("refuses %j naming the field", (section, message) => {
    expect(() => parsePipelineConfig(withVerification(section))).toThrow(message);
  });
});

describe("source repositories and refs", () => {
  it.each([
    ["https://github.com/acme/shop.git", "github.com/acme/shop"],
    ["git+https://github.com/acme/shop@refs/heads/main", "github.com/acme/shop"],
    ["git@github.com:acme/shop.git", "github.com/acme/shop"],
    ["ssh://git@gitlab.example.com:2222/team/shop", "gitlab.example.com:2222/team/shop"],
    ["github.com/acme/shop/", "github.com/acme/shop"],
  ])("%s is %s", (input, out) => expect(normaliseRepository(input)).toBe(out));

  it("normalising is idempotent and the URL forms of one repository agree", () => {
    const seg = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/);
    fc.assert(
      fc.property(seg, seg, seg, (host, owner, name) => {
        const canonical = `${host}.com/${owner}/${name}`;
        for (const form of [`https://${canonical}.git`, `git+https://${canonical}@refs/tags/v1`, `git@${host}.com:${owner}/${name}.git`, canonical]) {
          expect(normaliseRepository(form)).toBe(canonical);
          expect(normaliseRepository(normaliseRepository(form))).toBe(canonical);
        }
      }),
    );
  });

  it("matches refs with * inside one segment only", () => {
    expect(refAllowed("refs/heads/main", [])).toBe(true);
    expect(refAllowed("refs/tags/v1.2.0", ["refs/heads/main", "refs/tags/v*"])).toBe(true);
    expect(refAllowed("refs/heads/main-x", ["refs/heads/main"])).toBe(false);
    expect(refAllowed("refs/heads/feature/x", ["refs/heads/*"])).toBe(false);
    expect(refAllowed("refs/heads/mainXfoo", ["refs/heads/main.foo"])).toBe(false);
  });

  it("the schema defaults refs to any", () => {
    const s = verificationSchema.parse({ provenance: { repository: "github.com/a/b" } });
    expect(s.provenance?.refs).toEqual([]);
  });
});
