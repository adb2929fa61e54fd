/**
 * Contract: every HTTP exchange the module sends with a credential (forge API, Argo CD / the
 * Kubernetes API for verify, the webhook) against hostile servers on loopback:
 *
 *   - a redirect to another host is refused, naming it, and that host receives nothing;
 *   - one overall deadline: a server sending one byte every 500 ms does not keep a 2 s budget
 *     pending (before: verify's idle timeout let it run past 15 s; the forge client threw a raw
 *     TimeoutError from outside its try);
 *   - a 300 MB answer is not read whole (before: +795 MB RSS in the forge client);
 *   - a server echoing the credential is quoted redacted.
 *
 * Time bounds here are the point of the test (a deadline) and are generous (5x the budget).
 */
import { afterAll, describe, expect, it } from "vitest";
import { httpClient } from "../../dagger/src/core/writeback/pull-request/api.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { postWebhook } from "../../dagger/src/core/notify/post.js";
import { fetchApplication } from "../../dagger/src/verify/http.js";
import { waitForDeployment } from "../../dagger/src/core/verify/wait.js";
import { dripper, echoer, flooder, mover, recorder, redirector, type Hostile } from "../helpers/hostile-server.js";

const TOKEN = "ghp_LIMITStoken0123456789abcdef";
const servers: Hostile[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));
const up = async (p: Promise<Hostile>): Promise<Hostile> => {
  const s = await p;
  servers.push(s);
  return s;
};

/** The error `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

const forgeGet = (base: string, opts: { timeoutMs?: number } = {}) =>
  httpClient("github", async () => TOKEN, opts)({ method: "GET", url: `${base}/repos/acme/gitops`, endpoint: "GET /repos/{owner}/{repo}", headers: {} });
const payload = { text: "ci failed", blocks: [] };

describe("redirects: the credential goes only to the host it was given for", () => {
  it("forge: a redirect is an InputError naming apiUrl and the redirect; host B receives nothing", async () => {
    const b = await up(recorder());
    const a = await up(redirector(b.base));
    const e = await failure(forgeGet(a.base));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(
      /^--api-url: GET \/repos\/\{owner\}\/\{repo\} at http:\/\/127\.0\.0\.2:\d+: the API answered a redirect \(HTTP 302\) to http:\/\/127\.0\.0\.1:\d+, which is not followed/,
    );
    expect(a.seen).toHaveLength(1);
    expect(b.seen).toEqual([]);
  });

  it("forge: a redirect on the same host (a renamed repository) says the project moved", async () => {
    const s = await up(mover());
    const e = await failure(forgeGet(s.base));
    expect(e.message).toMatch(
      /answered a redirect \(HTTP 301\) to http:\/\/127\.0\.0\.1:\d+, which is not followed.*the project moved \(renamed or transferred\)/,
    );
    expect(s.seen).toHaveLength(1);
  });

  it("webhook: a redirect is an InputError naming webhook, without the URL; B receives nothing", async () => {
    const b = await up(recorder());
    const a = await up(redirector(b.base, 307));
    const e = await failure(postWebhook(new URL(`${a.base}/services/T0/secret-path?token=q1234567`), payload));
    expect(e.message).toMatch(/^--webhook: answered a redirect \(HTTP 307\) to http:\/\/127\.0\.0\.1:\d+, which is not followed/);
    expect(e.message).not.toMatch(/secret-path|q1234567/);
    expect(b.seen).toEqual([]);
  });

  it("verify (Argo CD API): a redirect is an InputError naming server; B receives nothing", async () => {
    const b = await up(recorder());
    const a = await up(redirector(b.base, 301));
    const fetched = await fetchApplication(`${a.base}/api/v1/applications/webapp`, { token: TOKEN, insecure: false }, 2_000);
    expect(fetched).toMatchObject({ kind: "network", redirect: true });
    const e = await failure(
      waitForDeployment(
        { application: "webapp", environment: "dev", revision: "", timeoutMs: 2_000, probeUrl: "", server: a.base, credential: "token", api: "argocd" },
        {
          fetch: () => fetchApplication(`${a.base}/api/v1/applications/webapp`, { token: TOKEN, insecure: false }, 2_000),
          probe: async () => ({}),
          now: () => performance.now(),
          sleep: async () => {},
        },
      ),
    );
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^--server: http:\/\/127\.0\.0\.2:\d+ answered a redirect \(HTTP 301\) to http:\/\/127\.0\.0\.1:\d+, which is not followed/);
    expect(b.seen).toEqual([]);
  });
});

describe("one deadline for the whole exchange", () => {
  it("verify: a server sending one byte every 500 ms does not keep a 2 s budget pending", async () => {
    const s = await up(dripper(500));
    const t0 = performance.now();
    const fetched = await fetchApplication(`${s.base}/api/v1/applications/webapp`, { token: TOKEN, insecure: false }, 2_000);
    const took = performance.now() - t0;
    expect(fetched).toMatchObject({ kind: "network", message: expect.stringMatching(/ETIMEDOUT \(no complete answer within 2 s\)/) });
    expect(took).toBeLessThan(10_000);
  });

  it("forge: a slow body is an InputError naming apiUrl within the budget, not a raw TimeoutError", async () => {
    const s = await up(dripper(500));
    const t0 = performance.now();
    const e = await failure(forgeGet(s.base, { timeoutMs: 2_000 }));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/^--api-url: GET \/repos\/\{owner\}\/\{repo\} at http:\/\/127\.0\.0\.1:\d+: the API did not send its whole answer within 2 s/);
  });

  it("webhook: a slow body fails naming webhook within the budget", async () => {
    const s = await up(dripper(500, 500));
    const t0 = performance.now();
    const e = await failure(postWebhook(new URL(`${s.base}/hook`), payload, 2_000));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(e.message).toMatch(/^--webhook: did not send its whole answer within 2 s/);
  });
});

describe("response bodies are capped, never read whole", () => {
  it.each([false, true])("forge: 300 MB (Content-Length declared: %s) fails naming apiUrl, memory stays bounded", async (declare) => {
    const s = await up(flooder(300 * 1024 * 1024, declare));
    const before = process.memoryUsage().rss;
    const e = await failure(forgeGet(s.base));
    const grew = process.memoryUsage().rss - before;
    expect(e.message).toMatch(/^--api-url: .*the API answered (more than the 8388608 bytes|314572800 bytes, more than the 8388608)/);
    expect(grew).toBeLessThan(200 * 1024 * 1024);
  });

  it("webhook: 300 MB fails naming webhook", async () => {
    const s = await up(flooder(300 * 1024 * 1024, false, 500));
    const e = await failure(postWebhook(new URL(`${s.base}/hook`), payload));
    expect(e.message).toMatch(/^--webhook: answered more than the 65536 bytes/);
  });

  it("verify: 300 MB is refused past 32 MiB", async () => {
    const s = await up(flooder(300 * 1024 * 1024, false));
    const fetched = await fetchApplication(`${s.base}/api/v1/applications/webapp`, { token: TOKEN, insecure: false }, 20_000);
    expect(fetched).toMatchObject({ kind: "network", message: expect.stringMatching(/ETOOBIG/) });
  });
});

describe("a server echoing the credential is quoted redacted", () => {
  it("forge and verify", async () => {
    const s = await up(echoer(500));
    const res = await forgeGet(s.base);
    expect(JSON.stringify(res)).not.toContain(TOKEN);
    const fetched = await fetchApplication(`${s.base}/api/v1/applications/webapp`, { token: TOKEN, insecure: false }, 2_000);
    expect(fetched.kind).toBe("http");
    expect(JSON.stringify(fetched)).not.toContain(TOKEN);
    expect(JSON.stringify(fetched)).toContain("Authorization: ***");
  });
});
