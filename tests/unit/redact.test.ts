/**
 * The module's one redaction rule (core/redact.ts) and every text that leaves the module:
 * run summaries, details, findings and JSON reports, ci's Markdown, the notification payload,
 * InputError and StageError messages, the forge client's and verify's quotes of a server body,
 * the webhook's quote of a refusal. Secrets are generated (fast-check) and planted in every
 * field a report type has, given to the call (remembered, as reading a Secret argument does)
 * or carried in a credential shape (URL user information, query credential, bearer value).
 */
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { dag } from "@dagger.io/dagger";
import { forgetSecrets, redact, redactDeep, rememberSecret, urlCredential } from "../../dagger/src/core/redact.js";
import { InputError, StageError } from "../../dagger/src/core/errors.js";
import { reportJson, runReport, type RunReport } from "../../dagger/src/core/run.js";
import { verifyReport } from "../../dagger/src/core/verify/report.js";
import { writeBackReport } from "../../dagger/src/core/writeback/report.js";
import { ciRunReport, renderMarkdown } from "../../dagger/src/core/ci/report.js";
import { slackPayload } from "../../dagger/src/core/notify/payload.js";
import { firstLine } from "../../dagger/src/core/notify/post.js";
import { apiFailure, redact as forgeRedact } from "../../dagger/src/core/writeback/pull-request/api.js";
import { errorMessage } from "../../dagger/src/core/verify/api.js";
import { parseKubeconfig } from "../../dagger/src/core/verify/kubeconfig.js";
import { checkRepoUrl } from "../../dagger/src/core/writeback/git.js";
import { gitFailure } from "../../dagger/src/writeback/git.js";
import { Run } from "../../dagger/src/run.js";

afterEach(() => forgetSecrets());

describe("the rule", () => {
  it.each([
    ["https://x-access-token:ghp_abc123@github.com/acme/gitops.git", "https://***@github.com/acme/gitops.git"],
    ["ssh://deploy:hunter22@git.example.com/acme/gitops.git", "ssh://***@git.example.com/acme/gitops.git"],
    ["https://h/r.git?access_token=abc123&ref=main", "https://h/r.git?access_token=***&ref=main"],
    ["https://h/hook?token=T0K3N", "https://h/hook?token=***"],
    ["https://s3/x?X-Amz-Signature=deadbeef&X-Amz-Date=1", "https://s3/x?X-Amz-Signature=***&X-Amz-Date=1"],
    ["echoed Authorization: Bearer eyJhbGciOi.J9x", "echoed Authorization: ***"],
    ["server said: Bearer eyJhbGciOiJIUzI1NiJ9.abc", "server said: Bearer ***"],
    ["Basic eC1hY2Nlc3MtdG9rZW46dG9r", "Basic ***"],
    ["PRIVATE-TOKEN: glpat-0123456789", "PRIVATE-TOKEN: ***"],
    ['{"message":"no","access_token":"abc123"}', '{"message":"no","access_token":"***"}'],
  ])("%s", (input, want) => {
    expect(redact(input)).toBe(want);
  });

  it("leaves prose alone: the words token, bearer and basic auth, URLs without credentials", () => {
    for (const s of [
      "token: is empty. pass --token env:ARGOCD_TOKEN",
      "uses basic auth, which Kubernetes no longer accepts",
      "the API refused the token (HTTP 401)",
      "https://github.com/acme/gitops.git?ref=main",
      "git@github.com:acme/gitops.git",
    ]) {
      expect(redact(s)).toBe(s);
    }
  });

  it("cuts every remembered secret, each of its lines and its URL-encoded form", () => {
    rememberSecret("line-one-secret\nline-two-secret");
    rememberSecret("p@ss word/+");
    expect(redact("a line-two-secret b")).toBe("a *** b");
    expect(redact("u=p%40ss%20word%2F%2B")).toBe("u=***");
    expect(redact("q=p%40ss+word%2F%2B")).toBe("q=***");
  });

  it("urlCredential names what a URL carries, never the value", () => {
    expect(urlCredential("https://tok@h/x")).toBe("a user name or password (user:password@)");
    expect(urlCredential("https://h/x?access_token=zz")).toBe("the query parameter access_token");
    expect(urlCredential("https://h/x?ref=main")).toBeUndefined();
  });
});

/** Secrets as forges, Argo CD and chat services issue them: printable, no spaces, 8 to 60 characters. */
const secretArb = fc.stringMatching(/^[A-Za-z0-9_\-.~+/=:@!$%^*]{8,60}$/).filter((s) => /[A-Za-z0-9]{3}/.test(s));
/** Some text around a secret, long enough that a summary's cut falls on the secret. */
const padArb = fc.string({ maxLength: 260 });

/** Every text of a report (summary, details, findings, JSON) and what the Dagger Run shows. */
function texts(r: RunReport): string {
  const run = Run.of(r, dag.directory());
  return [reportJson(r), run.summary(), run.details(), run.reportText, JSON.stringify(run.findings())].join("\n");
}

/** Every report type of the module, each with `s` planted in every text field it has. */
function reportsWith(s: string, pad: string): { name: string; out: string }[] {
  const at = `${pad}${s}${pad}`;
  const finding = { source: "x", rule: "R", severity: "error" as const, message: at, file: at, object: at, environment: "dev" };
  const generic: RunReport = runReport({
    stage: "lint",
    passed: false,
    summary: at,
    details: at,
    findings: [finding],
    data: { anything: at, nested: [{ deep: at }] },
  });
  const verify = verifyReport(
    { application: "webapp", environment: "dev", revision: "", api: "argocd", server: at },
    { outcome: "unreachable", why: at, polls: 1, waitedMs: 10, timeline: [at], probe: { url: at, error: at } },
  );
  const writeback = writeBackReport({
    stage: "bump",
    status: "failed",
    summary: at,
    commit: "",
    attempts: 1,
    diff: at,
    validation: at,
    findings: [finding],
    data: { repository: at },
  });
  const ci = {
    ok: false,
    durationMs: 1,
    stages: [{ name: "bump", status: "failed" as const, needs: [], durationMs: 1, summary: at, details: at, findings: [finding] }],
  };
  const ciReport = ciRunReport(ci, { images: at });
  return [
    { name: "run", out: texts(generic) },
    { name: "verify", out: texts(verify) },
    { name: "write-back", out: texts(writeback) },
    { name: "ci", out: texts(ciReport) },
    { name: "ci markdown", out: renderMarkdown(ci, { images: at, "gitops commit": at }) },
    { name: "notification", out: JSON.stringify(slackPayload(generic, "https://ci.example.com/run/1")) + JSON.stringify(slackPayload(ciReport)) },
    {
      name: "input error",
      out: (() => {
        const e = new InputError(at, at, at);
        return [e.message, e.problem, e.fix, e.input].join("\n");
      })(),
    },
    {
      name: "stage error",
      out: (() => {
        const e = new StageError("bump", at);
        return [e.message, e.summary].join("\n");
      })(),
    },
    { name: "redactDeep", out: JSON.stringify(redactDeep({ a: [at, { b: at }] })) },
  ];
}

describe("property: no secret value the call was given reaches any output", () => {
  it("a remembered secret (read from a Secret argument) is in no report, Markdown, notification or error", () => {
    fc.assert(
      fc.property(secretArb, padArb, (s, pad) => {
        forgetSecrets();
        rememberSecret(s);
        for (const r of reportsWith(s, pad)) expect(r.out, r.name).not.toContain(s);
      }),
      { numRuns: 150 },
    );
  });

  it("a secret in a credential shape is cut even when nobody remembered it: URL user information, query credentials, bearer values", () => {
    const tokenArb = fc.stringMatching(/^[A-Za-z0-9_-]{12,50}$/).filter((s) => /[0-9A-Z]/.test(s));
    const shapeArb = fc.constantFrom(
      (t: string) => `fatal: unable to access 'https://x-access-token:${t}@git.example.com/a/b.git/'`,
      (t: string) => `fatal: unable to access 'https://${t}@git.example.com/a/b.git/'`,
      (t: string) => `clone of https://git.example.com/a/b.git?access_token=${t} failed`,
      (t: string) => `posted to https://hooks.example.com/x?token=${t}&a=1`,
      (t: string) => `the proxy echoed Authorization: Bearer ${t}`,
      (t: string) => `{"error":"bad","headers":{"authorization":"Bearer ${t}"}}`,
      (t: string) => `ssh://deploy:${t}@git.example.com/a.git`,
    );
    fc.assert(
      fc.property(tokenArb, shapeArb, padArb, (t, shape, pad) => {
        forgetSecrets();
        for (const r of reportsWith(shape(t), pad)) expect(r.out, r.name).not.toContain(t);
      }),
      { numRuns: 150 },
    );
  });
});

describe("reproductions: each place a credential used to leak", () => {
  it("verify quotes a server body that echoes the bearer token: redacted", () => {
    const token = "argocd-0123456789abcdefTOKEN";
    const body = JSON.stringify({ error: "denied", message: `invalid header Authorization: Bearer ${token} for this session` });
    expect(errorMessage(body, [token])).not.toContain(token);
    // Even a body the call did not know the token of: the bearer shape is cut.
    expect(errorMessage(`denied: Bearer ${token}`)).toBe("denied: Bearer ***");
    // Cut after redaction, so a long body cannot leave half a token.
    expect(errorMessage(`${"x".repeat(190)} Bearer ${token}`, [token])).not.toMatch(/argocd-0/);
  });

  it("a kubeconfig server URL with user:password@ is refused like username/password fields, without the password", () => {
    const kc = (server: string) =>
      `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "${server}"}}]\nusers: [{name: u, user: {token: abcdefgh}}]\n`;
    expect(() => parseKubeconfig(kc("https://admin:s3cretpw@k8s.example.com:6443"))).toThrow(/kubeconfig: cluster 'k' server carries a user name or password/);
    try {
      parseKubeconfig(kc("https://admin:s3cretpw@k8s.example.com:6443"));
    } catch (e) {
      expect((e as Error).message).not.toContain("s3cretpw");
    }
    expect(() => parseKubeconfig(kc("https://k8s.example.com:6443?token=zzzzzzzz"))).toThrow(/the query parameter token/);
    expect(parseKubeconfig(kc("https://k8s.example.com:6443")).server).toBe("https://k8s.example.com:6443");
  });

  it("a webhook refusal hides the URL's query, not only its path", () => {
    const url = "https://hooks.example.com/services/T0/B0?token=querysecret123";
    expect(firstLine(`bad hook https://hooks.example.com/services/T0/B0?token=querysecret123 rejected`, url)).not.toContain("querysecret123");
    expect(firstLine(`token querysecret123 is revoked`, url)).not.toContain("querysecret123");
  });

  it("the repository URL check catches ?access_token=… and ssh://user:password@host; a plain ssh user stays accepted", () => {
    expect(() => checkRepoUrl("https://git.example.com/acme/gitops.git?access_token=abc123")).toThrow(
      /url: contains credentials: the query parameter access_token/,
    );
    expect(() => checkRepoUrl("ssh://deploy:hunter22@git.example.com/acme/gitops.git")).toThrow(/url: contains credentials: a user name or password/);
    expect(() => checkRepoUrl("https://tok@git.example.com/acme/gitops.git")).toThrow(/url: contains credentials/);
    for (const ok of [
      "ssh://git@git.example.com/acme/gitops.git",
      "ssh://git@git.example.com:2222/acme/gitops.git",
      "git@github.com:acme/gitops.git",
      "https://git.example.com/acme/gitops.git",
    ])
      expect(checkRepoUrl(ok)).toBe(ok);
    for (const bad of ["https://h/r.git?access_token=abc123", "ssh://u:pw1234@h/r.git"]) {
      try {
        checkRepoUrl(bad);
      } catch (e) {
        expect((e as Error).message).not.toMatch(/abc123|pw1234/);
      }
    }
  });

  it("a failed clone never puts a query token into the run summary", () => {
    const err = Object.assign(new Error("exit code: 128"), {
      name: "ExecError",
      cmd: ["git", "clone"],
      exitCode: 128,
      stdout: "",
      stderr: "fatal: unable to access 'https://git.example.com/a.git?access_token=qtok12345/': 403",
    });
    const e = gitFailure("bump", err) as StageError;
    expect(e.summary).not.toContain("qtok12345");
    expect(e.message).not.toContain("qtok12345");
  });

  it("the forge client's redaction is the module's rule (one rule, not two)", () => {
    expect(forgeRedact("a tok b tok", "tok")).toBe("a *** b ***");
    expect(forgeRedact("see https://u:p4ssw0rd@h/x", "")).toBe("see https://***@h/x");
    const e = apiFailure(
      "bump",
      "github",
      { method: "GET", url: "https://api.github.com/x", endpoint: "GET /x", headers: {} },
      { status: 500, body: { message: "echo Authorization: Bearer ghp_0123456789abcdef" } },
    );
    expect(e.message).not.toContain("ghp_0123456789abcdef");
  });
});
