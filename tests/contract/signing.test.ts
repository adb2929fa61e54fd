/**
 * Signing with the real tools: the pinned cosign signs and attests (CycloneDX SBOM, SLSA
 * provenance) images that crane pushed to a real OCI registry (distribution's registry, on
 * loopback), through the core's argv; the write-back gate then verifies them with the same
 * cosign, by key and keyless against a test certificate authority made here with openssl (no
 * transparency log, no SCT: see docs/signing.md). An unsigned image, a signature copied onto
 * another image, a wrong key, a wrong identity, missing provenance and provenance from another
 * repository (by key and keyless; keyless also another ref and another builder) are each refused with one error naming the one check that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  attestArgv,
  COSIGN_PATHS,
  signArgv,
  trustedRoot,
  verifyArgv,
  verifyAttestationArgv,
  type PredicateKind,
  type Signer,
} from "../../dagger/src/core/signing/cosign.js";
import { provenancePredicate, type BuildFacts } from "../../dagger/src/core/signing/provenance.js";
import { verifiedPlan, type Verifier } from "../../dagger/src/core/signing/gate.js";
import type { Verdict } from "../../dagger/src/core/signing/verdict.js";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { tool } from "../helpers/tools.js";

const PASSWORD = "contract-signing-password";
const ISSUER = "https://token.actions.githubusercontent.com";
const SUBJECT = "https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main";
const FACTS: BuildFacts = {
  repository: "https://github.com/acme/shop",
  ref: "refs/heads/main",
  commit: "0123456789abcdef0123456789abcdef01234567",
  builder: "https://github.com/acme/shop/.github/workflows/ci.yml@refs/heads/main",
  inputs: { dockerfile: "Dockerfile", platforms: ["linux/amd64"] },
  toolchain: { cosign: "3.1.3" },
};
const SBOM = JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", version: 1, components: [{ type: "library", name: "flask", version: "3.1.0" }] });

let dir = "";
let registry: ChildProcess | undefined;
let host = "";
let bins: { cosign: string; crane: string; registry: string } = { cosign: "", crane: "", registry: "" };
const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? "", HOME: join(dir, "home"), COSIGN_PASSWORD: PASSWORD, COSIGN_YES: "true" });

/** The container paths of the core's argv, as files of this test's directory. */
const local = (argv: readonly string[], files: Partial<Record<keyof typeof COSIGN_PATHS, string>>): string[] =>
  argv.map((a, i) => {
    if (i === 0) return bins.cosign;
    const key = (Object.keys(COSIGN_PATHS) as (keyof typeof COSIGN_PATHS)[]).find((k) => COSIGN_PATHS[k] === a);
    return key ? (files[key] ?? a) : a;
  });

function run(argv: string[], input?: string): { exitCode: number; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { env: env(), encoding: "utf8", cwd: dir, ...(input ? { input } : {}), timeout: 120_000 });
  return { exitCode: r.status ?? -1, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

function ok(argv: string[]): string {
  const r = run(argv);
  if (r.exitCode !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.error) throw new Error("openssl is required for the signing contract tests: apt-get install -y openssl");
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

let counter = 0;
/** Push a fresh one-layer image; its digest-pinned reference. */
function pushImage(): string {
  const layer = join(dir, `layer-${++counter}`);
  mkdirSync(layer, { recursive: true });
  writeFileSync(join(layer, "app.txt"), `image ${counter} ${Date.now()}\n`);
  const tar = join(dir, `layer-${counter}.tar`);
  ok(["tar", "-C", layer, "-cf", tar, "."]);
  return ok([bins.crane, "append", "--insecure", "-f", tar, "-t", `${host}/acme/shop:${counter}.0.0`]).trim();
}

const digestOf = (image: string): string => image.slice(image.indexOf("@") + 1);

const keySigner: Signer = { kind: "key", transparencyLog: false };
const certSigner: Signer = { kind: "key", certificate: true, transparencyLog: false };
const keyFiles = () => ({ privateKey: join(dir, "cosign.key"), sbom: join(dir, "sbom.json"), provenance: join(dir, "provenance.json") });
const certFiles = () => ({ ...keyFiles(), privateKey: join(dir, "leafc.key"), certificate: join(dir, "leaf.pem"), certificateChain: join(dir, "ca.pem") });

function sign(image: string, signer: Signer, files: Record<string, string>): void {
  ok(local(signArgv(image, signer), files));
}
function attest(image: string, kind: PredicateKind, signer: Signer, files: Record<string, string>, facts: BuildFacts = FACTS): void {
  writeFileSync(join(dir, "provenance.json"), JSON.stringify(provenancePredicate(facts)));
  writeFileSync(join(dir, "sbom.json"), SBOM);
  ok(local(attestArgv(image, kind, signer), files));
}

/** The gate's verifier with the real cosign: the key and trusted root written from what the tree holds. */
const realVerifier: Verifier = async (r) => {
  const files = { publicKey: join(dir, "verify.pub"), trustedRoot: join(dir, "trusted-root.json") };
  if (r.publicKey) writeFileSync(files.publicKey, r.publicKey);
  if (r.roots) writeFileSync(files.trustedRoot, trustedRoot(r.roots));
  const signature = run(local(verifyArgv(r.image, r.policy), files));
  if (!r.policy.provenance || signature.exitCode !== 0) return { signature };
  return { signature, provenance: run(local(verifyAttestationArgv(r.image, "provenance", r.policy), files)) };
};

/** A gitops tree whose prod environment deploys `image` after the bump, with `verification` as its policy. */
function gate(image: string, verification: string, trust: Record<string, string> = {}) {
  const [repository, digest] = image.split("@") as [string, string];
  const files: Record<string, string> = {
    "gitops-pipeline.yaml": `chart: charts/app\nrelease: shop\nenvironments:\n  prod: { values: [prod.yaml] }\nverification:\n${verification}`,
    "prod.yaml": `image:\n  repository: ${repository}\n  tag: "0.9.0"\n  digest: ""\n`,
    ...trust,
  };
  const verdicts: Verdict[] = [];
  const plan = verifiedPlan(bumpPlan({ env: "prod", ref: { tag: "1.0.0", digest }, source: { root: "" } }), { root: "" }, realVerifier, verdicts);
  return { plan, verdicts, read: async (p: string) => files[p] };
}

async function refusal(image: string, verification: string, trust: Record<string, string> = {}): Promise<InputError> {
  const g = gate(image, verification, trust);
  const e = await g.plan.edits(g.read).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof InputError)) throw new Error(`expected a refusal, got ${e === undefined ? "the edit" : String(e)}`);
  expect(e.message).toMatch(/nothing was pushed/);
  return e;
}

const KEY_POLICY = "  mode: require\n  key: cosign.pub\n  transparencyLog: false\n";
const PROVENANCE = "  provenance: { repository: github.com/acme/shop, refs: [refs/heads/main], builder: '^https://github\\.com/acme/shop/' }\n";
const IDENTITY_POLICY = (subject: string) =>
  `  mode: require\n  identity: { issuer: ${ISSUER}, subject: '${subject}' }\n  roots: ca.pem\n  transparencyLog: false\n`;

beforeAll(async () => {
  bins = { cosign: tool("cosign"), crane: tool("crane"), registry: tool("registry") };
  dir = mkdtempSync(join(tmpdir(), "signing-contract-"));
  mkdirSync(join(dir, "home"));
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  writeFileSync(
    join(dir, "registry.yml"),
    `version: 0.1\nlog: { level: error }\nstorage: { filesystem: { rootdirectory: ${join(dir, "data")} } }\nhttp: { addr: ${host} }\n`,
  );
  registry = spawn(bins.registry, ["serve", join(dir, "registry.yml")], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://${host}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i === 99) throw new Error(`the registry did not start on ${host}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Key pair (encrypted with PASSWORD), another key pair, and a test CA with a leaf certificate
  // carrying a GitHub Actions-like identity (SAN URI + Fulcio's OIDC issuer extensions).
  ok([bins.cosign, "generate-key-pair"]);
  ok([bins.cosign, "generate-key-pair", "--output-key-prefix", "other"]);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
  openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-sha256",
    "-days",
    "2",
    "-subj",
    "/CN=test-fulcio-root",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    "ca.pem",
  ]);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key"]);
  openssl(["req", "-new", "-key", "leaf.key", "-subj", "/", "-out", "leaf.csr"]);
  const issuerHex = Buffer.from(ISSUER).toString("hex");
  writeFileSync(
    join(dir, "leaf.ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=codeSigning",
      `subjectAltName=critical,URI:${SUBJECT}`,
      // Fulcio's issuer extensions: v1 holds the raw string, v2 a DER UTF8String.
      `1.3.6.1.4.1.57264.1.1=DER:${issuerHex}`,
      `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${ISSUER}`,
    ].join("\n"),
  );
  openssl([
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-sha256",
    "-extfile",
    "leaf.ext",
    "-out",
    "leaf.pem",
  ]);
  ok([bins.cosign, "import-key-pair", "--key", "leaf.key", "--output-key-prefix", "leafc"]);
}, 120_000);

afterAll(() => {
  registry?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const trustKey = () => ({ "cosign.pub": readFileSync(join(dir, "cosign.pub"), "utf8") });
const trustCa = () => ({ "ca.pem": readFileSync(join(dir, "ca.pem"), "utf8") });

describe("sign and attest with the real cosign, verified by key", () => {
  it("a signed image with its SBOM and provenance passes the gate, and cosign verify-attestation accepts both attestations", async () => {
    const image = pushImage();
    sign(image, keySigner, keyFiles());
    attest(image, "sbom", keySigner, keyFiles());
    attest(image, "provenance", keySigner, keyFiles());
    const g = gate(image, KEY_POLICY + PROVENANCE, trustKey());
    const edits = await g.plan.edits(g.read);
    expect(edits[0]!.after).toContain(digestOf(image));
    expect(g.verdicts[0]).toMatchObject({ verified: true, allowed: true });
    expect(g.plan.message(edits)).toMatch(/Image-Verification: verified \(signature ok, provenance ok\)/);
    const policy = { key: "cosign.pub", transparencyLog: false };
    writeFileSync(join(dir, "verify.pub"), readFileSync(join(dir, "cosign.pub")));
    const sbom = run(local(verifyAttestationArgv(image, "sbom", policy), { publicKey: join(dir, "verify.pub") }));
    expect(sbom.exitCode, sbom.stderr).toBe(0);
    expect(Buffer.from(JSON.parse(sbom.stdout.trim().split("\n")[0]!).payload, "base64").toString()).toMatch(/"predicateType":"https:\/\/cyclonedx.org\/bom"/);
    // No output of cosign carries the key's password.
    expect(`${sbom.stdout}${sbom.stderr}`).not.toContain(PASSWORD);
  });

  it("refuses an unsigned image", async () => {
    const e = await refusal(pushImage(), KEY_POLICY, trustKey());
    expect(e.message).toMatch(/signature failed: .*@sha256:[0-9a-f]{64} is not signed \(no signatures found\)/);
  });

  it("refuses a tampered image: another image's signature copied onto it", async () => {
    const signed = pushImage();
    sign(signed, keySigner, keyFiles());
    const tampered = pushImage();
    const tag = (img: string) => `${host}/acme/shop:${digestOf(img).replace(":", "-")}.sig`;
    ok([bins.crane, "copy", "--insecure", tag(signed), tag(tampered)]);
    const e = await refusal(tampered, KEY_POLICY, trustKey());
    expect(e.message).toMatch(/signature failed: /);
    expect(e.message).toContain(digestOf(tampered));
  });

  it("refuses an image signed with another key", async () => {
    const image = pushImage();
    sign(image, keySigner, { ...keyFiles(), privateKey: join(dir, "other.key") });
    const e = await refusal(image, KEY_POLICY, trustKey());
    expect(e.message).toMatch(/does not verify with the key cosign.pub/);
  });

  it("refuses a signed image without provenance, and one built from another repository", async () => {
    const bare = pushImage();
    sign(bare, keySigner, keyFiles());
    expect((await refusal(bare, KEY_POLICY + PROVENANCE, trustKey())).message).toMatch(/provenance failed: .* has no provenance attestation that verifies/);
    const foreign = pushImage();
    sign(foreign, keySigner, keyFiles());
    attest(foreign, "provenance", keySigner, keyFiles(), { ...FACTS, repository: "https://github.com/evil/shop" });
    expect((await refusal(foreign, KEY_POLICY + PROVENANCE, trustKey())).message).toMatch(/built from github.com\/evil\/shop, not github.com\/acme\/shop/);
  });
});

describe("keyless verification against a test certificate authority (no transparency log, no SCT)", () => {
  it("an image signed with the CA's certificate passes for its identity and issuer, provenance included", async () => {
    const image = pushImage();
    sign(image, certSigner, certFiles());
    attest(image, "provenance", certSigner, certFiles());
    const g = gate(image, IDENTITY_POLICY("^https://github\\.com/acme/shop/") + PROVENANCE, trustCa());
    await g.plan.edits(g.read);
    expect(g.verdicts[0]).toMatchObject({ verified: true });
  });

  it("refuses another identity, naming the one expected", async () => {
    const image = pushImage();
    sign(image, certSigner, certFiles());
    const e = await refusal(image, IDENTITY_POLICY("^https://github\\.com/evil/"), trustCa());
    expect(e.message).toMatch(/is signed, but not by the identity \^https:\/\/github\\.com\/evil\/ of https:\/\/token.actions.githubusercontent.com/);
  });

  it("refuses a certificate of another CA", async () => {
    const image = pushImage();
    sign(image, certSigner, certFiles());
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca2.key"]);
    openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      "ca2.key",
      "-sha256",
      "-days",
      "2",
      "-subj",
      "/CN=other-root",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
      "-out",
      "ca2.pem",
    ]);
    const e = await refusal(image, IDENTITY_POLICY("^https://github\\.com/acme/shop/"), { "ca.pem": readFileSync(join(dir, "ca2.pem"), "utf8") });
    expect(e.message).toMatch(/signature failed: /);
  });
});

/** The refusal names exactly one failed check, `check`, and says what failed about it. */
function onlyFailed(e: InputError, check: "signature" | "provenance", what: RegExp): void {
  expect([...e.message.matchAll(/(\w+) failed: /g)].map((m) => m[1])).toEqual([check]);
  expect(e.message).toMatch(what);
}

describe("keyless (test CA): each refusal is one error naming the check that failed", () => {
  const policy = () => IDENTITY_POLICY("^https://github\\.com/acme/shop/") + PROVENANCE;

  it("a signed image without provenance: provenance failed, the signature passed", async () => {
    const image = pushImage();
    sign(image, certSigner, certFiles());
    onlyFailed(await refusal(image, policy(), trustCa()), "provenance", /has no provenance attestation that verifies/);
  });

  it("provenance from another source repository, another ref, another builder: each names what it found and what was expected", async () => {
    const cases: [Partial<BuildFacts>, RegExp][] = [
      [{ repository: "https://github.com/evil/shop" }, /built from github.com\/evil\/shop, not github.com\/acme\/shop/],
      [{ ref: "refs/heads/feature" }, /built from refs\/heads\/feature, not refs\/heads\/main/],
      [{ builder: "https://ci.evil.example/job/1" }, /its builder https:\/\/ci.evil.example\/job\/1 does not match/],
    ];
    for (const [facts, what] of cases) {
      const image = pushImage();
      sign(image, certSigner, certFiles());
      attest(image, "provenance", certSigner, certFiles(), { ...FACTS, ...facts });
      onlyFailed(await refusal(image, policy(), trustCa()), "provenance", what);
    }
  });

  it("a signature copied from another image: signature failed, naming the tampered digest", async () => {
    const signed = pushImage();
    sign(signed, certSigner, certFiles());
    attest(signed, "provenance", certSigner, certFiles());
    const tampered = pushImage();
    const tag = (img: string) => `${host}/acme/shop:${digestOf(img).replace(":", "-")}.sig`;
    ok([bins.crane, "copy", "--insecure", tag(signed), tag(tampered)]);
    const e = await refusal(tampered, policy(), trustCa());
    onlyFailed(e, "signature", new RegExp(digestOf(tampered)));
  });
});
