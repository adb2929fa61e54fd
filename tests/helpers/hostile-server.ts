/**
 * Hostile HTTP servers on loopback for the credential and limit tests: a server that redirects
 * every request to another host, one that sends its body one byte every 500 ms, one that sends
 * 300 MB, and a recorder (the redirect's target) that logs every request with its credential
 * headers. Real sockets, in this process; everything listens on 127.0.0.x only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  /** Authorization, PRIVATE-TOKEN (any credential header), "" when none. */
  credential: string;
}

export interface Hostile {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  base: string;
  /** Requests seen (the recorder's log; the others log too). */
  seen: Recorded[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(host: string, handler: Handler): Promise<Hostile> {
  const seen: Recorded[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", credential: String(req.headers.authorization ?? req.headers["private-token"] ?? "") });
    req.resume();
    handler(req, res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    base: `http://${host}:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Answers every request 200 `{}` and records it: the host a redirect points at. */
export const recorder = (host = "127.0.0.1"): Promise<Hostile> =>
  listen(host, (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });

/** Redirects every request (same path and query) to `target` with `status`. */
export const redirector = (target: string, status = 302, host = "127.0.0.2"): Promise<Hostile> =>
  listen(host, (req, res) => {
    res.writeHead(status, { location: `${target}${req.url ?? "/"}` });
    res.end();
  });

/** Answers 200 at once, then sends its body one byte every `everyMs` for ever (an idle timeout never fires). */
export const dripper = (everyMs = 500, status = 200, host = "127.0.0.1"): Promise<Hostile> =>
  listen(host, (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.write(" ");
    const t = setInterval(() => res.write(" "), everyMs);
    res.on("close", () => clearInterval(t));
  });

/** Sends `bytes` of body (default 300 MB) as fast as the client reads, with or without a Content-Length. */
export const flooder = (bytes = 300 * 1024 * 1024, declare = false, status = 200, host = "127.0.0.1"): Promise<Hostile> =>
  listen(host, (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...(declare ? { "content-length": String(bytes) } : {}) });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => (sent = bytes));
    pump();
  });

/** Answers `status` with a body that echoes the request's credential header (a misconfigured proxy). */
export const echoer = (status = 500, host = "127.0.0.1"): Promise<Hostile> =>
  listen(host, (req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        message: `rejected request with Authorization: ${req.headers.authorization ?? ""} PRIVATE-TOKEN: ${req.headers["private-token"] ?? ""}`,
      }),
    );
  });

/** Answers 301 to the same path with `-moved` appended, on its own host (GitHub's answer for a renamed repository). */
export const mover = (host = "127.0.0.1"): Promise<Hostile> =>
  listen(host, (req, res) => {
    res.writeHead(301, { location: `${(req.url ?? "/").split("?")[0]}-moved` });
    res.end();
  });
