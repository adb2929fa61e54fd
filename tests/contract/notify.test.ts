/**
 * Notifications against a real HTTP server in another process on loopback: the message's shape
 * as an incoming webhook checks it, the skip when `on` does not match, and refusals (4xx, 5xx, a
 * relay echoing the URL, no answer, nobody listening) reported without the URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyReport } from "../../dagger/src/core/notify/notify.js";
import type { SlackPayload } from "../../dagger/src/core/notify/payload.js";
import type { RunReport } from "../../dagger/src/core/run.js";
import { freePort } from "../helpers/app-server.js";
import { startWebhookServer, type WebhookServer } from "../helpers/webhook.js";

const failed: RunReport = {
  stage: "ci",
  passed: false,
  summary: "ci failed: 5 passed, 1 failed, 2 blocked in 3 min 02 s <!channel> & co",
  details: "lint failed: 2 issues",
  findings: [{ source: "ruff", rule: "F401", severity: "error", message: "`os` imported but unused", file: "webapp/app.py", line: 3 }],
  data: {
    stages: [
      { name: "lint", status: "failed", summary: "lint failed: 2 issues (ruff <b>)" },
      { name: "test", status: "passed", summary: "20 passed" },
    ],
  },
};
const passed: RunReport = { stage: "lint", passed: true, summary: "lint passed: ruff, ruff-format: no findings", details: "", findings: [] };

let hook: WebhookServer;
beforeAll(async () => {
  hook = await startWebhookServer();
});
afterAll(async () => {
  await hook?.stop();
});

/** The posts to paths starting with `prefix` (each test uses its own path). */
async function postsTo(prefix: string) {
  return (await hook.posts()).filter((p) => p.path.startsWith(prefix));
}

/** The error a call throws, as text. */
async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String(e);
  }
  throw new Error("expected an error");
}

describe("notify against a real webhook server", () => {
  it("posts a failed run's message: JSON content type, text, valid blocks, escaped summary, the run link", async () => {
    const url = `${hook.base}/services/T000/B000/secret-one`;
    const out = await notifyReport(failed, async () => url, "failure", "https://github.com/acme/shop/actions/runs/42");
    expect(out).toEqual({ posted: true, status: 200 });
    const [post, ...more] = await postsTo("/services/T000/B000/secret-one");
    expect(more).toEqual([]);
    expect(post!.problems).toEqual([]);
    expect(post!.contentType).toMatch(/^application\/json/);
    const msg = JSON.parse(post!.body) as SlackPayload;
    expect(msg.text).toContain("ci failed");
    expect(msg.text).toContain("&lt;!channel&gt; &amp; co");
    expect(msg.text).not.toContain("<!channel>");
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain("Failing stages");
    expect(all).toContain("lint failed: 2 issues (ruff &lt;b&gt;)");
    expect(all).toContain("<https://github.com/acme/shop/actions/runs/42|View the run>");
  });

  it("posts a passed run with --on always and --on success, and skips it with --on failure (no request at all)", async () => {
    const url = `${hook.base}/services/pass`;
    expect(await notifyReport(passed, async () => url, "failure", "")).toEqual({ posted: false, reason: "the run passed and --on is failure" });
    expect(await postsTo("/services/pass")).toEqual([]);
    expect(await notifyReport(passed, async () => url, "success", "")).toEqual({ posted: true, status: 200 });
    expect(await notifyReport(passed, async () => url, "ALWAYS", "")).toEqual({ posted: true, status: 200 });
    const posts = await postsTo("/services/pass");
    expect(posts.map((p) => p.problems)).toEqual([[], []]);
    expect((JSON.parse(posts[0]!.body) as SlackPayload).text).toBe("✅ lint passed: ruff, ruff-format: no findings");
  });

  it("a 4xx answer fails naming webhook, with the status and the first line of the body, never the URL", async () => {
    const url = `${hook.base}/status/404/T0/B0/secret-404`;
    const msg = await errorOf(notifyReport(failed, async () => url, "failure", ""));
    expect(msg).toMatch(/^InputError: --webhook: answered HTTP 404 Not Found: refused_by_test\. check that the webhook URL is current/);
    expect(msg).not.toContain("secret-404");
    expect(msg).not.toContain(hook.base);
    expect(msg).not.toContain("second line");
    expect(await postsTo("/status/404")).toHaveLength(1);
  });

  it("a 5xx answer fails the same way", async () => {
    const msg = await errorOf(notifyReport(failed, async () => `${hook.base}/status/503/x`, "always", ""));
    expect(msg).toMatch(/^InputError: --webhook: answered HTTP 503 Service Unavailable: refused_by_test\./);
  });

  it("a body that echoes the URL is quoted with the URL blanked out", async () => {
    const msg = await errorOf(notifyReport(failed, async () => `${hook.base}/echo/403/T9/secret-echo`, "failure", ""));
    expect(msg).toMatch(/webhook: answered HTTP 403 Forbidden: no hook at <webhook URL>/);
    expect(msg).not.toContain("secret-echo");
  });

  it("no answer within the time budget fails naming webhook", async () => {
    const t0 = Date.now();
    const msg = await errorOf(notifyReport(failed, async () => `${hook.base}/hang/secret-hang`, "failure", "", 500));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(msg).toMatch(/^InputError: --webhook: did not answer within 0.5 s \(the URL is not shown: it is a secret\)/);
    expect(msg).not.toContain("secret-hang");
  });

  it("nobody listening fails naming webhook, without the host or port", async () => {
    const port = await freePort();
    const msg = await errorOf(notifyReport(failed, async () => `http://127.0.0.1:${port}/secret-refused`, "failure", ""));
    expect(msg).toMatch(/^InputError: --webhook: could not be reached \(ECONNREFUSED\)/);
    expect(msg).not.toContain(String(port));
    expect(msg).not.toContain("secret-refused");
  });

  it("a plain-http URL to another host is refused before any request, even when the run would not post", async () => {
    const before = (await hook.posts()).length;
    for (const on of ["failure", "success"]) {
      const msg = await errorOf(notifyReport(failed, async () => "http://hooks.example.com/services/secret-plain", on, ""));
      expect(msg).toMatch(/^InputError: --webhook: uses plain http to a host that is not a loopback or private IP address/);
      expect(msg).not.toContain("secret-plain");
    }
    expect((await hook.posts()).length).toBe(before);
  });
});
