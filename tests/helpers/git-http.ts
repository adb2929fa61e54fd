/**
 * A real smart-HTTP git remote on loopback for the credential tests: Node's http server in
 * front of `git http-backend` (CGI), requiring HTTP Basic auth with a given token. Requests and
 * responses are recorded so a test can search them too.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, basename } from "node:path";

export interface GitHttp {
  url: string;
  /** Requests seen: method, path and whether they authenticated. */
  requests: { method: string; path: string; authed: boolean }[];
  close(): Promise<void>;
}

/**
 * Serve the bare repo `bare` at http://127.0.0.1:<port>/<name>, requiring `user:token`; with no
 * token, anonymously (no REMOTE_USER: git http-backend then pushes only where the repository sets
 * http.receivepack, as behind the local environment's nginx).
 */
export async function serveGit(bare: string, user = "", token = ""): Promise<GitHttp> {
  const anonymous = token === "";
  const requests: GitHttp["requests"] = [];
  const expected = "Basic " + Buffer.from(`${user}:${token}`).toString("base64");
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const authed = anonymous || req.headers.authorization === expected;
    requests.push({ method: req.method ?? "", path: url.pathname, authed });
    if (!authed) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' });
      res.end();
      return;
    }
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "",
        GIT_PROJECT_ROOT: dirname(bare),
        GIT_HTTP_EXPORT_ALL: "1",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
        ...(anonymous ? {} : { REMOTE_USER: user }),
        REMOTE_ADDR: "127.0.0.1",
        GIT_CONFIG_GLOBAL: "/dev/null",
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on("data", (d: Buffer) => chunks.push(d));
    cgi.on("close", () => {
      const out = Buffer.concat(chunks);
      const sep = out.indexOf("\r\n\r\n");
      const head = out.subarray(0, sep).toString().split("\r\n");
      const headers: Record<string, string> = {};
      let status = 200;
      for (const h of head) {
        const i = h.indexOf(":");
        const k = h.slice(0, i).trim();
        const v = h.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.end(out.subarray(sep + 4));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${basename(bare)}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
