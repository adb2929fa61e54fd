/**
 * Serves the sample app with the pinned gunicorn on a free loopback port, as the image does
 * (same gunicorn.conf.py and entrypoint module), for contract tests and benchmarks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, tool, toolEnv } from "./tools.js";

export interface AppServer {
  base: string;
  /** Everything gunicorn and the app wrote so far (stdout and stderr). */
  logs: () => string;
  stop: () => Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Start gunicorn on app/ and wait (at most `readyMs`) until /healthz answers. */
export async function startApp(env: Record<string, string> = {}, readyMs = 15_000): Promise<AppServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const prom = mkdtempSync(join(tmpdir(), "prom-"));
  let out = "";
  const proc: ChildProcess = spawn(tool("gunicorn"), ["--config", "gunicorn.conf.py", "--bind", `127.0.0.1:${port}`, "webapp.wsgi:app"], {
    cwd: join(ROOT, "app"),
    env: toolEnv({ PROMETHEUS_MULTIPROC_DIR: prom, ...env }),
  });
  proc.stdout?.on("data", (d) => (out += d));
  proc.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const stop = async () => {
    if (proc.exitCode === null) proc.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + readyMs;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`gunicorn did not answer ${base}/healthz within ${readyMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, logs: () => out, stop };
}
