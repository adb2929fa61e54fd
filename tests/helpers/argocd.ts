/**
 * Contract-test helpers for verify: a throwaway PKI made with openssl (a CA, a server
 * certificate for loopback, a client certificate) and the stand-in Argo CD / Kubernetes API
 * server (argocd-server.mjs) run as a separate process on a real socket.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpGet, type IncomingMessage } from "node:http";
import { request as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./tools.js";

export const FIXTURES = join(ROOT, "tests", "fixtures", "argocd-applications");
const SERVER = join(ROOT, "tests", "helpers", "argocd-server.mjs");

/** The revisions the fixtures deploy: before and after the bump. */
export const OLD_REVISION = "8e1f3c0a5b7d9e2f4a6c8b0d1e3f5a7c9b2d4e6f";
export const NEW_REVISION = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing the server uses. */
  otherCa: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.error) throw new Error(`openssl is needed for verify's contract tests (apt-get install openssl): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

/** A CA, a server certificate for `ips` (and localhost) and a client certificate, in a new temp dir. */
export function makePki(ips: string[] = ["127.0.0.1"]): Pki {
  const dir = mkdtempSync(join(tmpdir(), "verify-pki-"));
  const ca = (name: string) =>
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`], dir);
  ca("ca");
  ca("other-ca");
  const san = ["DNS:localhost", ...ips.map((ip) => `IP:${ip}`)].join(",");
  writeFileSync(join(dir, "server.ext"), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, subj, ext] of [
    ["server", "/CN=argocd-stand-in", "server.ext"],
    ["client", "/CN=verify/O=ci", "client.ext"],
  ] as const) {
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj], dir);
    openssl(
      ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", ext],
      dir,
    );
  }
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p("ca.crt"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    otherCa: p("other-ca.crt"),
  };
}

export interface Scenario {
  api: "argocd" | "kubernetes";
  host?: string;
  tls?: { key: string; cert: string; ca?: string };
  tokens: Record<string, "allow" | "forbid">;
  /** Steps are fixture file names in FIXTURES (or absolute paths). */
  apps: Record<string, { namespace?: string; steps: string[] }>;
}

export interface ArgoServer {
  url: string;
  port: number;
  process: ChildProcess;
  requests(): Promise<{ method: string; path: string; query: Record<string, string>; bearer: boolean; clientCert: boolean }[]>;
  close(): Promise<void>;
}

/** Start argocd-server.mjs with `scenario`; resolves once it listens. */
export async function startArgoServer(scenario: Scenario): Promise<ArgoServer> {
  const dir = mkdtempSync(join(tmpdir(), "verify-scenario-"));
  const file = join(dir, "scenario.json");
  const apps = Object.fromEntries(
    Object.entries(scenario.apps).map(([k, v]) => [k, { ...v, steps: v.steps.map((s) => (s.startsWith("/") ? s : join(FIXTURES, s))) }]),
  );
  writeFileSync(file, JSON.stringify({ ...scenario, apps, host: scenario.host ?? "127.0.0.1", port: 0 }));
  const child = spawn(process.execPath, [SERVER, file], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`argocd-server.mjs exited with ${code}`)));
  });
  const url = `${scenario.tls ? "https" : "http"}://${scenario.host ?? "127.0.0.1"}:${port}`;
  return {
    url,
    port,
    process: child,
    async requests() {
      const request = scenario.tls ? httpsGet : httpGet;
      return new Promise((resolve, reject) => {
        const req = request(`${url}/_test/requests`, { rejectUnauthorized: false }, (res: IncomingMessage) => {
          let b = "";
          res.on("data", (d: Buffer) => (b += d.toString()));
          res.on("end", () => resolve(JSON.parse(b)));
        });
        req.on("error", reject);
        req.end();
      });
    },
    close: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** A kubeconfig for `server` with the given cluster and user entries (the -data fields base64). */
export function kubeconfigText(server: string, o: { ca?: string; insecure?: boolean; token?: string; cert?: string; key?: string }): string {
  const b64 = (f: string) => readFileSync(f).toString("base64");
  const cluster = [
    `    server: ${server}`,
    ...(o.ca ? [`    certificate-authority-data: ${b64(o.ca)}`] : []),
    ...(o.insecure ? ["    insecure-skip-tls-verify: true"] : []),
  ];
  const user = [
    ...(o.token ? [`    token: ${o.token}`] : []),
    ...(o.cert ? [`    client-certificate-data: ${b64(o.cert)}`] : []),
    ...(o.key ? [`    client-key-data: ${b64(o.key)}`] : []),
  ];
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: stand-in",
    "  cluster:",
    ...cluster,
    "users:",
    "- name: verify",
    "  user:",
    ...(user.length ? user : ["    {}"]),
    "contexts:",
    "- name: ci",
    "  context:",
    "    cluster: stand-in",
    "    user: verify",
    "current-context: ci",
    "",
  ].join("\n");
}
