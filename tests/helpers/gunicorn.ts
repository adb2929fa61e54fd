/**
 * Serve the sample app with the pinned gunicorn on a free loopback port, the way the image does
 * (same config file and WSGI entry), for contract tests that need a live app.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, tool, toolEnv } from "./tools.js";

/** A free TCP port on 127.0.0.1 (released before returning). */
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

/** A running app: its base URL, its output so far, and a stop function that waits for the exit. */
export interface ServedApp {
  base: string;
  logs: () => string;
  stop: () => Promise<void>;
}

/** Start gunicorn in app/ with `env` and wait (up to 15 s) until /healthz answers. */
export async function serveApp(env: Record<string, string>): Promise<ServedApp> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let logs = "";
  const proc: ChildProcess = spawn(tool("gunicorn"), ["--config", "gunicorn.conf.py", "--bind", `127.0.0.1:${port}`, "webapp.wsgi:app"], {
    cwd: join(ROOT, "app"),
    env: toolEnv({ GUNICORN_WORKERS: "1", PROMETHEUS_MULTIPROC_DIR: mkdtempSync(join(tmpdir(), "prom-")), ...env }),
  });
  proc.stdout?.on("data", (d) => (logs += d));
  proc.stderr?.on("data", (d) => (logs += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`gunicorn did not answer /healthz within 15 s:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    logs: () => logs,
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}
