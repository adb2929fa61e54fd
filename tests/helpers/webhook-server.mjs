#!/usr/bin/env node
/**
 * A stand-in chat webhook for contract tests and engine runs: a real HTTP server in its own
 * process. It checks each POST the way an incoming-webhook endpoint does (JSON content type,
 * a `text`, valid blocks within Slack's limits), records it, and answers:
 *   POST /status/<code>[/...]   that status, body "refused_by_test\nsecond line"
 *   POST /echo/<code>[/...]     that status, body quoting the request path (a relay that echoes the URL)
 *   POST /hang[/...]            no answer at all (a timeout)
 *   POST anything else          200 "ok" (400 "invalid_payload: ..." when the shape is wrong)
 *   GET  /posts                 every POST so far: [{ path, contentType, body, problems }]
 * Usage: node webhook-server.mjs [--host 127.0.0.1] [--port 0] [--cert FILE --key FILE (https)];
 * prints {"port":N} when listening, and each TLS handshake a client aborted on stderr.
 */
import { readFileSync } from "node:fs";
import { createServer as createHttp } from "node:http";
import { createServer as createHttps } from "node:https";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const host = opt("host", "127.0.0.1");
const port = Number(opt("port", "0"));

const posts = [];

const TEXT_TYPES = new Set(["mrkdwn", "plain_text"]);

/** What an incoming webhook would refuse in `body`; [] when it is a valid message. */
function problemsOf(contentType, raw) {
  const problems = [];
  if (!/^application\/json\b/i.test(contentType ?? "")) problems.push(`content-type is ${contentType ?? "missing"}`);
  let msg;
  try {
    msg = JSON.parse(raw);
  } catch {
    return [...problems, "body is not JSON"];
  }
  if (!msg || typeof msg !== "object") return [...problems, "body is not an object"];
  if (typeof msg.text !== "string" || msg.text.trim() === "") problems.push("text is missing or empty");
  if (msg.blocks !== undefined) {
    if (!Array.isArray(msg.blocks)) problems.push("blocks is not a list");
    else {
      if (msg.blocks.length > 50) problems.push("more than 50 blocks");
      msg.blocks.forEach((b, i) => {
        const textOk = (t, max) => t && TEXT_TYPES.has(t.type) && typeof t.text === "string" && t.text.length > 0 && t.text.length <= max;
        if (b?.type === "header") {
          if (!textOk(b.text, 150) || b.text.type !== "plain_text") problems.push(`blocks[${i}]: header needs plain_text of 1-150 characters`);
        } else if (b?.type === "section") {
          if (!textOk(b.text, 3000)) problems.push(`blocks[${i}]: section needs a text of 1-3000 characters`);
        } else if (b?.type === "context") {
          if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10 || !b.elements.every((e) => textOk(e, 3000)))
            problems.push(`blocks[${i}]: context needs 1-10 text elements`);
        } else problems.push(`blocks[${i}]: unknown block type ${b?.type}`);
      });
    }
  }
  return problems;
}

const cert = opt("cert", "");
const key = opt("key", "");
const handler = (req, res) => {
  if (req.method === "GET" && req.url === "/posts") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(posts));
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405).end("method_not_allowed");
    return;
  }
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (d) => (raw += d));
  req.on("end", () => {
    const contentType = req.headers["content-type"];
    const problems = problemsOf(contentType, raw);
    posts.push({ path: req.url, contentType, body: raw, problems });
    if ((req.url ?? "").startsWith("/hang")) return; // never answers
    const m = /^\/(status|echo)\/(\d{3})(?:\/|$)/.exec(req.url ?? "");
    if (m) {
      res.writeHead(Number(m[2]), { "content-type": "text/plain" });
      res.end(m[1] === "echo" ? `no hook at ${req.url}\nsecond line` : "refused_by_test\nsecond line");
    } else if (problems.length) {
      res.writeHead(400, { "content-type": "text/plain" }).end(`invalid_payload: ${problems.join("; ")}`);
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    }
  });
};

const server = cert ? createHttps({ cert: readFileSync(cert), key: readFileSync(key) }, handler) : createHttp(handler);
server.on("tlsClientError", (err) => process.stderr.write(`tls handshake failed: ${err.code ?? err.message}\n`));
server.listen(port, host, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
