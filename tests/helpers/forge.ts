/**
 * Starts the stand-in forge (forge-server.mjs) in its own process on loopback and reads its
 * request log and the requests it holds over HTTP: the tests talk to it only through sockets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./tools.js";

export interface ForgeLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  authed: boolean;
  body: unknown;
}

export interface Forge {
  /** Origin, e.g. http://127.0.0.1:40123 (GitLab's API root is `${url}/api/v4`). */
  url: string;
  log(): Promise<ForgeLogEntry[]>;
  requests(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface ForgeOptions {
  provider: "github" | "gitlab";
  token: string;
  project: string;
  /** The bare repository whose branches the forge checks. */
  repo: string;
  host?: string;
  /** The token may read but not push or open requests. */
  readOnly?: boolean;
}

/** Start the forge process and wait for its address. */
export function startForge(o: ForgeOptions): Promise<Forge> {
  const argv = [
    join(ROOT, "tests/helpers/forge-server.mjs"),
    "--provider",
    o.provider,
    "--token",
    o.token,
    "--project",
    o.project,
    "--repo",
    o.repo,
    "--host",
    o.host ?? "127.0.0.1",
  ];
  if (o.readOnly) argv.push("--read-only");
  const child: ChildProcess = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => reject(new Error(`forge-server exited ${code}: ${err}`)));
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (!out.includes("\n")) return;
      const url = (JSON.parse(out.split("\n")[0]!) as { url: string }).url;
      const get = async <T>(p: string): Promise<T> => (await (await fetch(`${url}${p}`)).json()) as T;
      resolve({
        url,
        log: () => get<ForgeLogEntry[]>("/_forge/log"),
        requests: () => get<Record<string, unknown>[]>("/_forge/requests"),
        close: () =>
          new Promise<void>((r) => {
            child.removeAllListeners("exit");
            child.once("exit", () => r());
            child.kill("SIGTERM");
          }),
      });
    });
  });
}
