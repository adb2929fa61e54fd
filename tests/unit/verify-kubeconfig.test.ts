/** The kubeconfig verify reads: current context, embedded CA and credentials; plugins and files refused naming kubeconfig. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { stringify } from "yaml";
import { InputError } from "../../dagger/src/core/errors.js";
import { parseKubeconfig } from "../../dagger/src/core/verify/kubeconfig.js";

const PEM = (what: string) => `-----BEGIN ${what}-----\nMIIBszCCAVmgAwIBAgIUfakefakefake\n-----END ${what}-----\n`;
const b64 = (s: string) => Buffer.from(s).toString("base64");

function config(o: { cluster?: Record<string, unknown>; user?: Record<string, unknown>; current?: string | null; contexts?: unknown[] } = {}): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "prod", cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": b64(PEM("CERTIFICATE")), ...o.cluster } },
      { name: "other", cluster: { server: "https://other:6443" } },
    ],
    users: [{ name: "ci", user: { token: "sa-token-abc", ...o.user } }],
    contexts: o.contexts ?? [
      { name: "prod-ci", context: { cluster: "prod", user: "ci", namespace: "default" } },
      { name: "other-ci", context: { cluster: "other", user: "ci" } },
    ],
    ...(o.current === null ? {} : { "current-context": o.current ?? "prod-ci" }),
  });
}

const refused = (text: string): InputError => {
  try {
    parseKubeconfig(text);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
};

describe("parseKubeconfig", () => {
  it("reads the current context's server, CA and token", () => {
    expect(parseKubeconfig(config())).toEqual({
      server: "https://10.0.0.1:6443",
      ca: PEM("CERTIFICATE"),
      insecure: false,
      token: "sa-token-abc",
      context: "prod-ci",
    });
  });

  it("reads a client certificate and key, insecure-skip-tls-verify and tls-server-name", () => {
    const k = parseKubeconfig(
      config({
        cluster: { "certificate-authority-data": undefined, "insecure-skip-tls-verify": true, "tls-server-name": "api.internal" },
        user: { token: undefined, "client-certificate-data": b64(PEM("CERTIFICATE")), "client-key-data": b64(PEM("PRIVATE KEY")) },
      }),
    );
    expect(k).toMatchObject({ insecure: true, serverName: "api.internal", cert: PEM("CERTIFICATE"), key: PEM("PRIVATE KEY") });
    expect(k.token).toBeUndefined();
    expect(k.ca).toBeUndefined();
  });

  it("uses the only context when there is no current-context, and refuses to guess between several", () => {
    expect(parseKubeconfig(config({ current: null, contexts: [{ name: "only", context: { cluster: "prod", user: "ci" } }] })).context).toBe("only");
    expect(refused(config({ current: null })).problem).toMatch(/no current-context/);
  });

  it.each([
    [
      "an exec plugin",
      { user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws", args: ["eks", "get-token"] } } },
      /exec plugin \(aws\)/,
    ],
    ["an auth-provider plugin", { user: { "auth-provider": { name: "gcp" } } }, /auth-provider plugin \(gcp\)/],
    ["a CA file", { cluster: { "certificate-authority": "/home/me/.minikube/ca.crt" } }, /CA file/],
    [
      "a client certificate file",
      { user: { token: undefined, "client-certificate": "/x/client.crt", "client-key": "/x/client.key" } },
      /points at a file \(client-certificate\)/,
    ],
    ["a token file", { user: { token: undefined, tokenFile: "/var/run/secrets/token" } }, /points at a file \(tokenFile\)/],
    ["basic auth", { user: { token: undefined, username: "admin", password: "pw" } }, /basic auth/],
    ["a plain http server", { cluster: { server: "http://10.0.0.1:8080" } }, /http:\/\/, so its credentials would travel in clear/],
    ["a certificate without its key", { user: { token: undefined, "client-certificate-data": b64(PEM("CERTIFICATE")) } }, /without its key/],
    ["CA data that is not PEM", { cluster: { "certificate-authority-data": b64("hello") } }, /certificate-authority-data is not base64-encoded PEM/],
    ["no credentials at all", { user: { token: undefined } }, /has no credentials/],
  ])("refuses %s, naming kubeconfig", (_what, o, problem) => {
    const e = refused(config(o as Parameters<typeof config>[0]));
    expect(e.input).toBe("kubeconfig");
    expect(e.problem).toMatch(problem);
    expect(e.message).not.toContain("sa-token-abc");
  });

  it.each([
    ["not YAML", "clusters: [\n", /not valid YAML/],
    ["another kind", "kind: Pod\n", /is a Pod, not a kubeconfig/],
    ["a current-context that does not exist", config({ current: "nope" }), /current-context names context 'nope'/],
    ["a context naming a missing user", config({ contexts: [{ name: "prod-ci", context: { cluster: "prod", user: "ghost" } }] }), /names user 'ghost'/],
  ])("refuses %s", (_what, text, problem) => {
    expect(refused(text).problem).toMatch(problem);
  });

  it("never quotes a credential in an error, whatever the token", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^tok-[A-Za-z0-9._-]{8,40}$/), (token) => {
        const e = refused(config({ user: { token, exec: { command: "kubelogin" } } }));
        expect(e.message).not.toContain(token);
      }),
    );
  });
});
