/**
 * The secret rules: no readable Secret in the rendering, SealedSecrets deployed where they were
 * sealed for, every key a workload reads carried by what produces its Secret, ExternalSecrets
 * with a store. Values never appear in a message.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { evaluatePolicy } from "../../dagger/src/core/validate/policy/index.js";
import { scopeOf } from "../../dagger/src/core/validate/policy/sealed-secrets.js";
import { secretProducers, secretRefs } from "../../dagger/src/core/validate/policy/secret-refs.js";
import type { Manifest } from "../../dagger/src/core/validate/manifests.js";
import { deployment, deploymentReading, externalSecret, pdb, plainSecret, sealedSecret, secretStore, WARNING_BREAKS, type Obj } from "./policy-fixtures.js";

const run = (objects: Manifest[]) => evaluatePolicy(objects, { production: true });
const at = (objects: Manifest[]) => run(objects).map((f) => `${f.severity} ${f.rule} ${f.object} ${f.path}`);

describe("POL-SECRET-PLAINTEXT", () => {
  it("a Secret with data: one finding naming the keys and how to seal it, never the value", () => {
    const [f, ...rest] = run([plainSecret({ data: { password: "aHVudGVyMg==", user: "YWRtaW4=" } })]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      rule: "POL-SECRET-PLAINTEXT",
      severity: "error",
      object: "Secret/demo-prod/demo-db",
      path: "data",
      template: "templates/secret.yaml",
    });
    expect(f!.message).toMatch(/keys password, user/);
    expect(f!.message).toMatch(/kubeseal --cert/);
    expect(f!.message).toMatch(/manifests seal/);
    expect(f!.message).not.toMatch(/aHVudGVyMg|hunter2|YWRtaW4/);
  });

  it("stringData too, and both fields make one finding", () => {
    expect(at([plainSecret({ stringData: { token: "s3cr3t" } })])).toEqual(["error POL-SECRET-PLAINTEXT Secret/demo-prod/demo-db stringData"]);
    const both = run([plainSecret({ data: { a: "eA==" }, stringData: { b: "y" } })]);
    expect(both.map((f) => f.path)).toEqual(["data"]);
    expect(both[0]!.message).toMatch(/keys a, b/);
    expect(both[0]!.message).not.toMatch(/"y"|eA==/);
  });

  it("a Secret without data (a service-account token placeholder, empty values) is not a finding", () => {
    expect(run([plainSecret({ type: "kubernetes.io/service-account-token" })])).toEqual([]);
    expect(run([plainSecret({ data: {} })])).toEqual([]);
    expect(run([plainSecret({ stringData: { password: "" }, data: { x: null } })])).toEqual([]);
  });

  it("judges only core v1 Secrets, not a SealedSecret or another group's Secret kind", () => {
    expect(run([sealedSecret()])).toEqual([]);
    const other = plainSecret();
    expect(run([{ ...other, apiVersion: "example.com/v1" }])).toEqual([]);
  });
});

describe("POL-SEALED-SECRET-SCOPE", () => {
  const moved = (scope: Obj, namespace: string, name = "demo-credentials") =>
    sealedSecret(
      ({ meta }) => {
        meta.annotations = scope;
      },
      name,
      namespace,
    );
  const sealedFor = (m: Manifest, ns: string, name = "demo-credentials") => {
    const t = (m.body.spec as Obj).template as Obj;
    t.metadata = { ...(t.metadata as Obj), namespace: ns, name };
    return m;
  };

  it("deployed to the namespace and under the name it was sealed for: no finding", () => {
    expect(run([sealedSecret()])).toEqual([]);
  });

  it("strict scope, another namespace: one finding naming both namespaces and how to re-seal", () => {
    const [f, ...rest] = run([sealedFor(sealedSecret(), "demo-staging")]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ rule: "POL-SEALED-SECRET-SCOPE", object: "SealedSecret/demo-prod/demo-credentials", path: "spec.template.metadata.namespace" });
    expect(f!.message).toMatch(/sealed for namespace demo-staging but deploys to demo-prod/);
    expect(f!.message).toMatch(/kubeseal --namespace demo-prod/);
  });

  it("strict scope, renamed: a finding on the name; namespace-wide allows a rename but not a move; cluster-wide allows both", () => {
    expect(at([sealedFor(sealedSecret(), "demo-prod", "old-name")])).toEqual([
      "error POL-SEALED-SECRET-SCOPE SealedSecret/demo-prod/demo-credentials spec.template.metadata.name",
    ]);
    const nsWide = { "sealedsecrets.bitnami.com/namespace-wide": "true" };
    expect(run([sealedFor(moved(nsWide, "demo-prod"), "demo-prod", "old-name")])).toEqual([]);
    expect(at([sealedFor(moved(nsWide, "demo-prod"), "demo-staging")])).toEqual([
      "error POL-SEALED-SECRET-SCOPE SealedSecret/demo-prod/demo-credentials spec.template.metadata.namespace",
    ]);
    const clusterWide = { "sealedsecrets.bitnami.com/cluster-wide": "true" };
    expect(run([sealedFor(moved(clusterWide, "demo-prod"), "demo-staging", "old-name")])).toEqual([]);
  });

  it("the scope is read from the SealedSecret's own annotations, as the controller does: a scope claimed only in the template does not relax it", () => {
    const m = sealedFor(sealedSecret(), "demo-staging");
    ((m.body.spec as Obj).template as Obj).metadata = { namespace: "demo-staging", annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } };
    const [f] = run([m]);
    expect(f!.message).toMatch(/spec.template.metadata says cluster-wide/);
    expect(scopeOf({ "sealedsecrets.bitnami.com/namespace-wide": "true", "sealedsecrets.bitnami.com/cluster-wide": "true" })).toBe("cluster-wide");
    expect(scopeOf({ "sealedsecrets.bitnami.com/namespace-wide": "false" })).toBe("strict");
  });

  it("nothing recorded about what it was sealed for (no template metadata): no finding, nothing to compare", () => {
    expect(
      run([
        sealedSecret(({ template }) => {
          delete template.metadata;
        }),
      ]),
    ).toEqual([]);
  });
});

describe("POL-SECRET-KEY and POL-SECRET-TYPE: what workloads read against what produces it", () => {
  it("a key the SealedSecret carries (in encryptedData or its template's data) is fine; a missing one names the key, the producer and its keys", () => {
    expect(run([deploymentReading(), pdb(), sealedSecret()])).toEqual([]);
    expect(
      run([
        deploymentReading("demo-credentials", "url"),
        pdb(),
        sealedSecret(({ template }) => {
          template.data = { url: 'https://{{ index . "api-token" }}@api' };
        }),
      ]),
    ).toEqual([]);
    const [f, ...rest] = run([deploymentReading("demo-credentials", "password"), pdb(), sealedSecret()]);
    expect(rest).toEqual([]);
    expect(f!.message).toMatch(
      /container 'app' env API_TOKEN reads key 'password' of Secret demo-credentials, which its SealedSecret \(SealedSecret\/demo-prod\/demo-credentials, templates\/sealedsecret.yaml\) does not carry \(it carries api-token\)/,
    );
    expect(f!.message).toMatch(/CreateContainerConfigError/);
  });

  it("an optional reference, or a Secret produced in another namespace, is not judged", () => {
    const optional = deployment(({ container }) => {
      container.env = [{ name: "T", valueFrom: { secretKeyRef: { name: "demo-credentials", key: "nope", optional: true } } }];
    });
    expect(run([optional, pdb(), sealedSecret()])).toEqual([]);
    expect(at([deploymentReading("demo-credentials", "nope"), pdb(), sealedSecret(() => {}, "demo-credentials", "elsewhere")])).toEqual([]);
  });

  it("secret and projected volume items are keys too; a whole-secret volume or envFrom needs no key", () => {
    const vols = deployment(({ pod }) => {
      pod.volumes = [
        {
          name: "certs",
          secret: {
            secretName: "demo-credentials",
            items: [
              { key: "api-token", path: "t" },
              { key: "tls.crt", path: "c" },
            ],
          },
        },
        { name: "all", projected: { sources: [{ secret: { name: "demo-credentials", items: [{ key: "ca.crt", path: "ca" }] } }] } },
        { name: "whole", secret: { secretName: "demo-credentials" } },
      ];
    });
    expect(at([vols, pdb(), sealedSecret()])).toEqual([
      "error POL-SECRET-KEY Deployment/demo-prod/demo spec.template.spec.volumes[0].secret.items[1].key",
      "error POL-SECRET-KEY Deployment/demo-prod/demo spec.template.spec.volumes[1].projected.sources[0].secret.items[0].key",
    ]);
    const envFrom = deployment(({ container }) => {
      container.envFrom = [{ secretRef: { name: "demo-credentials" } }];
    });
    expect(run([envFrom, pdb(), sealedSecret()])).toEqual([]);
  });

  it("ExternalSecret keys: spec.data's secretKeys; a template replaces them unless mergePolicy is Merge; dataFrom makes them unknown (not judged)", () => {
    const ok = [deploymentReading(), pdb(), externalSecret(), secretStore()];
    expect(run(ok)).toEqual([]);
    const templated = externalSecret((s) => {
      s.target = { name: "demo-credentials", template: { data: { "api-url": "https://{{ .token }}@x" } } };
    });
    expect(at([deploymentReading(), pdb(), templated, secretStore()])).toEqual([
      "error POL-SECRET-KEY Deployment/demo-prod/demo spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef",
    ]);
    const merged = externalSecret((s) => {
      s.target = { name: "demo-credentials", template: { mergePolicy: "Merge", data: { "api-url": "x" } } };
    });
    expect(run([deploymentReading(), pdb(), merged, secretStore()])).toEqual([]);
    const dataFrom = externalSecret((s) => {
      s.data = [];
      s.dataFrom = [{ extract: { key: "demo/api" } }];
    });
    expect(run([deploymentReading("demo-credentials", "whatever"), pdb(), dataFrom, secretStore()])).toEqual([]);
    expect(
      secretProducers([
        externalSecret((s) => {
          s.target = { name: "other", creationPolicy: "None" };
        }),
      ]),
    ).toEqual([]);
  });

  it("for any keys sealed and any keys read: exactly the keys read and not sealed are findings", () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/);
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 5 }), fc.uniqueArray(key, { maxLength: 5 }), (sealed, read) => {
        const ss = sealedSecret(({ spec }) => {
          spec.encryptedData = Object.fromEntries(sealed.map((k) => [k, "AgB="]));
        });
        const d = deployment(({ container }) => {
          container.env = read.map((k, i) => ({ name: `V${i}`, valueFrom: { secretKeyRef: { name: "demo-credentials", key: k } } }));
        });
        const found = run([d, pdb(), ss]).filter((f) => f.rule === "POL-SECRET-KEY");
        expect(found.map((f) => f.path)).toEqual(
          read.flatMap((k, i) => (sealed.includes(k) ? [] : [`spec.template.spec.containers[0].env[${i}].valueFrom.secretKeyRef`])),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("imagePullSecrets: a docker config Secret is fine, an Opaque one is a finding, an unknown one is not judged", () => {
    const pulling = deployment(({ pod }) => {
      pod.imagePullSecrets = [{ name: "demo-credentials" }, { name: "registry-elsewhere" }];
    });
    expect(
      run([
        pulling,
        pdb(),
        sealedSecret(({ template }) => {
          template.type = "kubernetes.io/dockerconfigjson";
        }),
      ]),
    ).toEqual([]);
    const [f] = run([pulling, pdb(), sealedSecret()]);
    expect(f).toMatchObject({ rule: "POL-SECRET-TYPE", path: "spec.template.spec.imagePullSecrets[0]" });
    expect(f!.message).toMatch(/type Opaque/);
  });

  it("secretRefs reads every reference form with its path", () => {
    const d = deployment(({ container, pod }) => {
      container.envFrom = [{ secretRef: { name: "a", optional: true } }, { configMapRef: { name: "cm" } }];
      container.env = [
        { name: "X", valueFrom: { secretKeyRef: { name: "b", key: "k" } } },
        { name: "Y", value: "1" },
      ];
      pod.imagePullSecrets = [{ name: "c" }];
    });
    expect(secretRefs(d).map((r) => [r.name, r.key, r.optional, r.path])).toEqual([
      ["b", "k", false, "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef"],
      ["a", undefined, true, "spec.template.spec.containers[0].envFrom[0].secretRef"],
      ["c", undefined, true, "spec.template.spec.imagePullSecrets[0]"],
    ]);
  });
});

describe("POL-SECRET-REF (warning)", () => {
  const b = WARNING_BREAKS["POL-SECRET-REF"]!;

  it("a Secret nothing produces, in a namespace whose secrets are sealed: a warning naming what the namespace has", () => {
    const fs = run(b.objects());
    expect(fs.map((f) => [f.rule, f.severity, f.object, f.path])).toEqual([["POL-SECRET-REF", "warning", b.object, b.path]]);
    expect(fs[0]!.message).toMatch(
      /needs Secret demo-creds, which nothing in this rendering produces; the namespace's secrets come from SealedSecret\/demo-prod\/demo-credentials \(Secret demo-credentials\)/,
    );
  });

  it("silent where the namespace has no SealedSecret or ExternalSecret (the Secret is managed elsewhere), and for optional references", () => {
    expect(run([deploymentReading("made-elsewhere"), pdb()])).toEqual([]);
    expect(run([deploymentReading("made-elsewhere"), pdb(), sealedSecret(() => {}, "x", "other-ns")])).toEqual([]);
    const optional = deployment(({ container }) => {
      container.envFrom = [{ secretRef: { name: "maybe", optional: true } }];
    });
    expect(run([optional, pdb(), sealedSecret()])).toEqual([]);
  });
});

describe("POL-EXTERNAL-SECRET-STORE", () => {
  it("resolves to a SecretStore deployed to the same namespace, or to any ClusterSecretStore", () => {
    expect(run([externalSecret(), secretStore()])).toEqual([]);
    expect(
      run([
        externalSecret((s) => {
          s.secretStoreRef = { name: "platform", kind: "ClusterSecretStore" };
        }),
      ]),
    ).toEqual([]);
  });

  it("a SecretStore that is not deployed, or deployed to another namespace: one finding saying so", () => {
    const [f, ...rest] = run([externalSecret()]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      rule: "POL-EXTERNAL-SECRET-STORE",
      object: "ExternalSecret/demo-prod/demo-credentials",
      path: "spec.secretStoreRef",
      severity: "error",
    });
    expect(f!.message).toMatch(/names SecretStore vault, which this rendering does not deploy to namespace demo-prod/);
    const [g] = run([externalSecret(), secretStore("vault", "platform")]);
    expect(g!.message).toMatch(/one deploys to platform, but a SecretStore serves its own namespace only/);
  });

  it("without secretStoreRef: every entry must name its own store (sourceRef.storeRef) or a generator", () => {
    const perEntry = externalSecret((s) => {
      delete s.secretStoreRef;
      s.data = [{ secretKey: "api-token", sourceRef: { storeRef: { name: "vault" } }, remoteRef: { key: "k" } }];
    });
    expect(run([perEntry, secretStore()])).toEqual([]);
    expect(at([perEntry])).toEqual(["error POL-EXTERNAL-SECRET-STORE ExternalSecret/demo-prod/demo-credentials spec.data[0].sourceRef.storeRef"]);
    const generated = externalSecret((s) => {
      delete s.secretStoreRef;
      s.data = [];
      s.dataFrom = [{ sourceRef: { generatorRef: { apiVersion: "generators.external-secrets.io/v1alpha1", kind: "Password", name: "pw" } } }];
    });
    expect(run([generated])).toEqual([]);
    const none = externalSecret((s) => {
      delete s.secretStoreRef;
    });
    expect(at([none])).toEqual(["error POL-EXTERNAL-SECRET-STORE ExternalSecret/demo-prod/demo-credentials spec.secretStoreRef"]);
    expect(run([none])[0]!.message).toMatch(/has no secretStoreRef/);
  });
});
