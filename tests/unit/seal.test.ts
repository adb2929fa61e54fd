/**
 * The seal core: kubeseal's argv per scope, where the ciphertext goes for each layout, and the
 * files it writes (comment-preserving, checked by the secret rules).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { InputError } from "../../dagger/src/core/errors.js";
import { DEFAULT_GITOPS_CONFIG, type GitopsConfig } from "../../dagger/src/core/gitops-config.js";
import { parseInputs } from "../../dagger/src/core/inputs.js";
import {
  kubesealArgv,
  parseCiphertext,
  SEAL_PATHS,
  sealedSecretManifest,
  sealInputs,
  sealIntoManifest,
  sealIntoValues,
  sealTarget,
  sealWrites,
  withResource,
  type SealedValue,
} from "../../dagger/src/core/secrets/seal.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";
import { evaluatePolicy } from "../../dagger/src/core/validate/policy/index.js";
import { ROOT } from "../helpers/tools.js";

const CT = "AgBy3i4OJSWK+PiTySYZZA/9Aq1x==";
const value = (o: Partial<SealedValue> = {}): SealedValue => ({
  name: "gitops-demo-credentials",
  key: "api-token",
  namespace: "gitops-demo-prod",
  scope: "strict",
  type: "Opaque",
  ciphertext: CT,
  ...o,
});

describe("seal inputs and kubeseal's argv", () => {
  it("the value is read from the secret mount; strict binds name and namespace, namespace-wide the namespace, cluster-wide nothing", () => {
    const base = ["kubeseal", "--raw", "--scope"];
    const tail = ["--cert", SEAL_PATHS.cert, "--from-file", SEAL_PATHS.value];
    expect(kubesealArgv({ name: "n", namespace: "ns", scope: "strict" })).toEqual([...base, "strict", ...tail, "--namespace", "ns", "--name", "n"]);
    expect(kubesealArgv({ name: "n", namespace: "ns", scope: "namespace-wide" })).toEqual([...base, "namespace-wide", ...tail, "--namespace", "ns"]);
    expect(kubesealArgv({ name: "n", namespace: "ns", scope: "cluster-wide" })).toEqual([...base, "cluster-wide", ...tail]);
  });

  it("names, keys, scopes and types are checked before anything runs, naming the argument", () => {
    const ok = { name: "gitops-demo-credentials", key: "tls.crt", environment: "prod", scope: "strict", type: "kubernetes.io/tls" };
    expect(parseInputs(sealInputs, ok)).toEqual(ok);
    const bad = (o: Partial<typeof ok>) => {
      try {
        parseInputs(sealInputs, { ...ok, ...o });
      } catch (e) {
        return e instanceof InputError ? e.input : "other";
      }
      return "accepted";
    };
    expect(bad({ name: "Bad_Name" })).toBe("name");
    expect(bad({ name: "a; rm -rf /" })).toBe("name");
    expect(bad({ key: "a/b" })).toBe("key");
    expect(bad({ scope: "wide" })).toBe("scope");
    expect(bad({ environment: "Prod" })).toBe("environment");
    expect(bad({ type: "--cert=/etc/passwd" })).toBe("type");
  });

  it("kubeseal's output must be one base64 ciphertext; an error quotes none of the output", () => {
    expect(parseCiphertext(`${CT}\n`)).toBe(CT);
    expect(() => parseCiphertext("error: cannot fetch certificate: the-output")).toThrow(/did not return a ciphertext \(\d+ characters of output\)/);
    expect(() => parseCiphertext("error: the-output")).not.toThrow(/the-output/);
  });
});

describe("where the sealed value goes", () => {
  it("helm layout: the environment's last values file; the namespace is the environment's", () => {
    expect(sealTarget(DEFAULT_GITOPS_CONFIG, "prod", "x")).toEqual({ format: "helm", file: "environments/prod/values.yaml", namespace: "gitops-demo-prod" });
    const layered: GitopsConfig = {
      ...DEFAULT_GITOPS_CONFIG,
      environments: {
        ...DEFAULT_GITOPS_CONFIG.environments,
        dev: { ...DEFAULT_GITOPS_CONFIG.environments.dev!, values: ["common.yaml", "environments/dev/values.yaml"] },
      },
    };
    expect(sealTarget(layered, "dev", "x").file).toBe("environments/dev/values.yaml");
  });

  it("kustomize layout: a SealedSecret file in the overlay", () => {
    const k: GitopsConfig = { ...DEFAULT_GITOPS_CONFIG, writeBack: { format: "kustomize" } };
    expect(sealTarget(k, "staging", "db")).toEqual({
      format: "kustomize",
      file: "kustomize/overlays/staging/sealedsecret-db.yaml",
      overlay: "kustomize/overlays/staging",
      namespace: "gitops-demo-staging",
    });
    expect(() => sealTarget(k, "qa", "db")).toThrow(/unknown environment 'qa'/);
  });
});

describe("the files seal writes", () => {
  const prodValues = readFileSync(join(ROOT, "gitops", "environments", "prod", "values.yaml"), "utf8");
  const devValues = readFileSync(join(ROOT, "gitops", "environments", "dev", "values.yaml"), "utf8");

  it("a new entry in a values file: every other line and comment kept, the entry as the chart reads it", () => {
    const after = sealIntoValues(devValues, "environments/dev/values.yaml", value({ namespace: "gitops-demo-dev" }));
    const lines = after.split("\n");
    for (const line of devValues.split("\n")) expect(lines).toContain(line);
    expect((parse(after) as { sealedSecrets: unknown }).sealedSecrets).toEqual({
      "gitops-demo-credentials": { namespace: "gitops-demo-dev", scope: "strict", type: "Opaque", encryptedData: { "api-token": CT } },
    });
  });

  it("another key of an entry sealed for the same namespace is added; one sealed elsewhere is refused", () => {
    const after = sealIntoValues(prodValues, "environments/prod/values.yaml", value({ key: "db-password" }));
    const entry = (parse(after) as { sealedSecrets: Record<string, { encryptedData: Record<string, string> }> }).sealedSecrets["gitops-demo-credentials"]!;
    expect(Object.keys(entry.encryptedData)).toEqual(["api-token", "db-password"]);
    expect(() => sealIntoValues(prodValues, "environments/prod/values.yaml", value({ namespace: "gitops-demo-staging" }))).toThrow(
      /sealed for gitops-demo-prod \(strict\), not gitops-demo-staging/,
    );
  });

  it("a SealedSecret as kubeseal writes it, which the secret rules accept where it deploys and reject elsewhere", () => {
    const text = sealedSecretManifest(value());
    const { objects } = parseManifests(text, "sealedsecret.yaml");
    expect(objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`)).toEqual(["SealedSecret/gitops-demo-prod/gitops-demo-credentials"]);
    expect(evaluatePolicy(objects, { production: true })).toEqual([]);
    const moved = parseManifests(text.replace("  namespace: gitops-demo-prod\nspec", "  namespace: gitops-demo-staging\nspec"), "x").objects;
    expect(evaluatePolicy(moved, { production: true }).map((f) => f.rule)).toEqual(["POL-SEALED-SECRET-SCOPE"]);
    const wide = parseManifests(sealedSecretManifest(value({ scope: "namespace-wide" })), "x").objects[0]!;
    expect((wide.body.metadata as Record<string, unknown>).annotations).toEqual({ "sealedsecrets.bitnami.com/namespace-wide": "true" });
  });

  it("kustomize: the file made or extended, and listed once in the overlay's resources", async () => {
    const files: Record<string, string> = {
      "kustomize/overlays/prod/kustomization.yaml": readFileSync(join(ROOT, "gitops", "kustomize", "overlays", "prod", "kustomization.yaml"), "utf8"),
    };
    const target = sealTarget({ ...DEFAULT_GITOPS_CONFIG, writeBack: { format: "kustomize" } }, "prod", "gitops-demo-credentials");
    const read = async (p: string) => files[p];
    for (const w of await sealWrites(target, value(), read)) files[w.path] = w.text;
    for (const w of await sealWrites(target, value({ key: "db-password" }), read)) files[w.path] = w.text;
    const k = parse(files["kustomize/overlays/prod/kustomization.yaml"]!) as { resources: string[] };
    expect(k.resources.filter((r) => r === "sealedsecret-gitops-demo-credentials.yaml")).toHaveLength(1);
    expect(files["kustomize/overlays/prod/kustomization.yaml"]).toContain("# prod overlay");
    const ss = parse(files[target.file]!) as { spec: { encryptedData: Record<string, string> } };
    expect(Object.keys(ss.spec.encryptedData)).toEqual(["api-token", "db-password"]);
    expect(() => sealIntoManifest(files[target.file], target.file, value({ namespace: "gitops-demo-dev" }))).toThrow(/sealed for namespace gitops-demo-prod/);
    expect(withResource("resources: [a.yaml]\n", "k", "a.yaml")).toBe("resources: [a.yaml]\n");
    expect(parse(withResource("namespace: x\n", "k", "b.yaml"))).toEqual({ namespace: "x", resources: ["b.yaml"] });
  });

  it("for any key and ciphertext: the values file round-trips them exactly (no folding of long ciphertexts)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/), fc.stringMatching(/^[A-Za-z0-9+/]{16,900}$/), (key, ciphertext) => {
        const after = sealIntoValues(devValues, "v.yaml", value({ namespace: "gitops-demo-dev", key, ciphertext }));
        const parsed = parse(after) as { sealedSecrets: Record<string, { encryptedData: Record<string, string> }> };
        expect(parsed.sealedSecrets["gitops-demo-credentials"]!.encryptedData[key]).toBe(ciphertext);
      }),
      { numRuns: 100 },
    );
  });
});
