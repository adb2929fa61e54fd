/**
 * Starts tests/helpers/webhook-server.mjs in its own Node process (a real socket, never a mock of
 * fetch) and reads back what it received.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./tools.js";

export interface RecordedPost {
  path: string;
  contentType?: string;
  body: string;
  /** What the server found wrong with the message's shape ([] when valid). */
  problems: string[];
}

export interface WebhookServer {
  /** http://host:port */
  base: string;
  posts: () => Promise<RecordedPost[]>;
  stop: () => Promise<void>;
}

/** Start the server on `host` (a free port) and wait until it listens. */
export async function startWebhookServer(host = "127.0.0.1", readyMs = 10_000): Promise<WebhookServer> {
  const proc = spawn(process.execPath, [join(ROOT, "tests", "helpers", "webhook-server.mjs"), "--host", host, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`webhook server did not start within ${readyMs} ms: ${err}`)), readyMs);
    proc.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    proc.once("exit", (code) => reject(new Error(`webhook server exited (${code}): ${err}`)));
  });
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    base,
    posts: async () => (await (await fetch(`${base}/posts`)).json()) as RecordedPost[],
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}
