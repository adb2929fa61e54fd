import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { E2E_API_PORT, assertPinnedNodeImage, kindConfig } from "../../dagger/src/core/e2e/kind-config.js";
import { E2E_SERVER, kubeconfigCredentials, rewriteKubeconfig } from "../../dagger/src/core/e2e/kubeconfig.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { ROOT } from "../helpers/tools.js";

const FIXTURE = readFileSync(join(ROOT, "tests", "fixtures", "kind-kubeconfig.yaml"), "utf8");

describe("kind config", () => {
  it("one control-plane node on the pinned image, API server on 0.0.0.0:6443", () => {
    const cfg = parse(kindConfig({ nodeImage: VERSIONS.kindNodeImage }));
    expect(cfg).toEqual({
      kind: "Cluster",
      apiVersion: "kind.x-k8s.io/v1alpha4",
      networking: { apiServerAddress: "0.0.0.0", apiServerPort: 6443 },
      nodes: [{ role: "control-plane", image: VERSIONS.kindNodeImage }],
    });
    expect(E2E_API_PORT).toBe(6443);
  });

  it("the project's node image is pinned by digest and matches the kubectl pin", () => {
    expect(() => assertPinnedNodeImage(VERSIONS.kindNodeImage)).not.toThrow();
    expect(VERSIONS.kindNodeImage).toMatch(new RegExp(`^kindest/node:v${VERSIONS.kubectl.replace(/\./g, "\\.")}@sha256:`));
  });

  it("refuses a node image without a digest, naming the input", () => {
    for (const image of ["kindest/node:v1.36.4", "kindest/node:latest", "kindest/node@sha256:abc"]) {
      const err = (() => {
        try {
          kindConfig({ nodeImage: image });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).input).toBe("kindNodeImage");
      expect((err as Error).message).toContain(image);
    }
  });

  it("any valid port round-trips; invalid ports are refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), (port) => {
        expect(parse(kindConfig({ nodeImage: VERSIONS.kindNodeImage, apiServerPort: port })).networking.apiServerPort).toBe(port);
      }),
    );
    for (const port of [0, 65536, 1.5]) expect(() => kindConfig({ nodeImage: VERSIONS.kindNodeImage, apiServerPort: port })).toThrow(InputError);
  });
});

describe("kubeconfig rewrite (kind's kubeconfig → reachable through the service binding)", () => {
  it("rewrites the server to https://docker:6443 and sets tls-server-name: localhost, nothing else", () => {
    const before = parse(FIXTURE);
    const after = parse(rewriteKubeconfig(FIXTURE));
    expect(before.clusters[0].cluster.server).toBe("https://0.0.0.0:6443");
    expect(after.clusters[0].cluster.server).toBe(E2E_SERVER);
    expect(E2E_SERVER).toBe("https://docker:6443");
    expect(after.clusters[0].cluster["tls-server-name"]).toBe("localhost");
    // Everything else is untouched.
    delete after.clusters[0].cluster.server;
    delete after.clusters[0].cluster["tls-server-name"];
    delete before.clusters[0].cluster.server;
    expect(after).toEqual(before);
  });

  it("keeps comments and other clusters", () => {
    const two = `# written by kind\n${FIXTURE.replace("clusters:\n", "clusters:\n- cluster:\n    server: https://other:443\n  name: other\n")}`;
    const out = rewriteKubeconfig(two);
    expect(out.startsWith("# written by kind")).toBe(true);
    const doc = parse(out);
    expect(doc.clusters[0]).toEqual({ cluster: { server: "https://other:443" }, name: "other" });
    expect(doc.clusters[1].cluster.server).toBe(E2E_SERVER);
  });

  it("any server and TLS name round-trip", () => {
    fc.assert(
      fc.property(fc.domain(), fc.integer({ min: 1, max: 65535 }), fc.domain(), (host, port, tls) => {
        const doc = parse(rewriteKubeconfig(FIXTURE, { server: `https://${host}:${port}`, tlsServerName: tls }));
        expect(doc.clusters[0].cluster.server).toBe(`https://${host}:${port}`);
        expect(doc.clusters[0].cluster["tls-server-name"]).toBe(tls);
      }),
      { numRuns: 50 },
    );
  });

  it("names what is missing when the cluster entry is not there or the text is not a kubeconfig", () => {
    expect(() => rewriteKubeconfig(FIXTURE, { cluster: "kind-other" })).toThrow(/no cluster named 'kind-other' \(found: kind-e2e\)/);
    expect(() => rewriteKubeconfig("ERROR: failed to create cluster\n")).toThrow(/no `kind: Config`/);
    expect(() => rewriteKubeconfig("a: [")).toThrow(/not valid YAML/);
  });

  it("extracts the PEM credentials of the current context for curl", () => {
    const creds = kubeconfigCredentials(rewriteKubeconfig(FIXTURE));
    expect(creds.server).toBe("https://docker:6443");
    expect(creds.tlsServerName).toBe("localhost");
    expect(creds.ca).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(creds.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(creds.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(creds.ca).not.toBe(creds.cert);
    expect(() => kubeconfigCredentials(FIXTURE.replace(/client-key-data: .*/, 'client-key-data: ""'))).toThrow(/no client-key-data for user 'kind-e2e'/);
  });
});
