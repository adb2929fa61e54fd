import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../dagger/src/core/errors.js";
import { parseInputs } from "../../dagger/src/core/inputs.js";
import { notifyReport } from "../../dagger/src/core/notify/notify.js";
import { escapedLine, escapeMrkdwn, LINE_MAX, LIST_MAX, PAYLOAD_MAX, slackPayload, type Block } from "../../dagger/src/core/notify/payload.js";
import { firstLine } from "../../dagger/src/core/notify/post.js";
import { checkWebhookUrl } from "../../dagger/src/core/notify/webhook-url.js";
import { NOTIFY_ON, notifyInputs, RUN_URL_MAX, shouldNotify } from "../../dagger/src/core/notify/when.js";
import type { Finding } from "../../dagger/src/core/findings.js";
import type { RunReport } from "../../dagger/src/core/run.js";

const report = (o: Partial<RunReport> = {}): RunReport => ({ stage: "lint", passed: false, summary: "lint failed: 3 issues", details: "", findings: [], ...o });
const finding = (i: number, severity: Finding["severity"] = "error"): Finding => ({
  source: "ruff",
  rule: `F${i}`,
  severity,
  message: `problem ${i}`,
  file: "app.py",
  line: i,
});

/** Every mrkdwn text of a payload. */
const mrkdwn = (blocks: Block[]) => blocks.flatMap((b) => (b.type === "context" ? b.elements.map((e) => e.text) : b.type === "section" ? [b.text.text] : []));

describe("when to notify", () => {
  it("failure posts failed runs, success passed ones, always both", () => {
    expect(shouldNotify("failure", false)).toBe(true);
    expect(shouldNotify("failure", true)).toBe(false);
    expect(shouldNotify("success", true)).toBe(true);
    expect(shouldNotify("success", false)).toBe(false);
    expect(shouldNotify("always", true)).toBe(true);
    expect(shouldNotify("always", false)).toBe(true);
  });

  it("on is one of failure, success, always (any case); anything else names on", () => {
    for (const on of NOTIFY_ON) expect(parseInputs(notifyInputs, { on: ` ${on.toUpperCase()} `, runUrl: "" }).on).toBe(on);
    expect(() => parseInputs(notifyInputs, { on: "fail", runUrl: "" })).toThrow(
      /^--on: is not one of failure, success, always\. pass failure \(the default\), success or always$/,
    );
  });

  it("runUrl is empty or an http(s) link that cannot break Slack's link syntax", () => {
    expect(parseInputs(notifyInputs, { on: "always", runUrl: " https://github.com/a/b/actions/runs/1 " }).runUrl).toBe("https://github.com/a/b/actions/runs/1");
    for (const bad of ["ftp://x/y", "github.com/a", "https://x/a|b", "https://x/<b>", "https://x/a b", `https://x/${"a".repeat(RUN_URL_MAX)}`, 'https://x/"']) {
      expect(() => parseInputs(notifyInputs, { on: "always", runUrl: bad }), bad).toThrow(/^--run-url: is not an http\(s\) URL/);
    }
  });
});

describe("webhook URL", () => {
  it("accepts https anywhere and plain http on loopback only (test servers, local relays)", () => {
    expect(checkWebhookUrl("https://hooks.slack.com/services/T/B/x").hostname).toBe("hooks.slack.com");
    // The module's one rule for credentials over plain http (core/address.ts): loopback and private IP literals.
    for (const ok of [
      "http://127.0.0.1:8080/hook",
      "http://localhost/x",
      "http://[::1]:9/x",
      "http://127.1.2.3/x",
      "http://10.87.0.1:8080/hook",
      "http://192.168.1.5/x",
    ])
      expect(() => checkWebhookUrl(ok), ok).not.toThrow();
    expect(() => checkWebhookUrl("http://8.8.8.8/hook")).toThrow(/^--webhook: uses plain http to a host that is not a loopback or private IP address/);
    expect(() => checkWebhookUrl("http://localhost.evil.com/x")).toThrow(/plain http/);
  });

  it("every refusal names webhook and never quotes the URL or a piece of it", () => {
    const secret = "T0SECRET/B0SECRET/zzSECRETzz";
    const bad = [
      "",
      "  ",
      `relay.chat.example.org/services/${secret}`,
      `https://relay.chat.example.org/ ${secret}`,
      `ftp://relay.chat.example.org/${secret}`,
      `https://user:${secret}@relay.chat.example.org/x`,
      `http://relay.chat.example.org/services/${secret}`,
      `javascript:${secret}`,
    ];
    for (const raw of bad) {
      let err: unknown;
      try {
        checkWebhookUrl(raw);
      } catch (e) {
        err = e;
      }
      expect(err, raw).toBeInstanceOf(InputError);
      expect((err as InputError).input).toBe("webhook");
      expect((err as InputError).message).not.toMatch(/SECRET|relay\.chat/);
    }
  });

  it("property: no refusal message contains the secret part of an arbitrary URL", () => {
    fc.assert(
      fc.property(fc.constantFrom("http", "https", "ftp", "file", ""), fc.domain(), fc.stringMatching(/^[A-Za-z0-9]{12,30}$/), (scheme, host, token) => {
        try {
          checkWebhookUrl(`${scheme ? `${scheme}://` : ""}${host}/services/${token}`);
        } catch (e) {
          expect((e as Error).message).not.toContain(token);
          expect((e as Error).message).not.toContain(host);
        }
      }),
    );
  });

  it("a refusal's body line never carries the URL or its path", () => {
    const url = "https://relay.example.com/hooks/abc123secret";
    expect(firstLine(`\n  bad hook ${url} here\nmore`, url)).toBe("bad hook <webhook URL> here");
    expect(firstLine("no hook at /hooks/abc123secret", url)).toBe("no hook at <webhook URL>");
    expect(firstLine("x".repeat(500), url)).toHaveLength(200);
  });
});

describe("Slack payload", () => {
  it("a failed ci run: header, stage and outcome, summary, the failing stages (not the passed), the link", () => {
    const r = report({
      stage: "ci",
      summary: "ci failed: 5 passed, 1 failed",
      data: {
        stages: [
          { name: "lint", status: "failed", summary: "lint failed: 2 issues" },
          { name: "test", status: "passed", summary: "ok" },
          { name: "publish", status: "blocked", summary: "" },
        ],
      },
    });
    const p = slackPayload(r, "https://ci.example.com/runs/7");
    expect(p.text).toBe("❌ ci failed: 5 passed, 1 failed");
    expect(p.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "❌ gitops-pipeline: ci failed" } });
    expect(p.blocks[1]).toEqual({ type: "section", text: { type: "mrkdwn", text: "*ci* failed\nci failed: 5 passed, 1 failed" } });
    expect(p.blocks[2]).toEqual({ type: "section", text: { type: "mrkdwn", text: "*Failing stages*\n• lint: lint failed: 2 issues" } });
    expect(p.blocks[3]).toEqual({ type: "context", elements: [{ type: "mrkdwn", text: "<https://ci.example.com/runs/7|View the run>" }] });
    expect(p.blocks).toHaveLength(4);
  });

  it("a failed stage run lists its first findings, errors first, waived ones left out, and counts the rest", () => {
    const findings = [finding(1, "warning"), ...Array.from({ length: 7 }, (_, i) => finding(i + 10)), { ...finding(99), waived: "accepted" }];
    const p = slackPayload(report({ findings }));
    const list = mrkdwn(p.blocks)[1]!.split("\n");
    expect(list[0]).toBe("*Findings*");
    expect(list.slice(1, 1 + LIST_MAX).every((l) => l.includes("error"))).toBe(true);
    expect(list.at(-1)).toBe("… and 3 more (see the run's report)");
    expect(list.join("\n")).not.toContain("F99");
  });

  it("a passed run has no list and no link without runUrl", () => {
    const p = slackPayload(report({ passed: true, summary: "lint passed", findings: [finding(1, "info")] }));
    expect(p.blocks.map((b) => b.type)).toEqual(["header", "section"]);
    expect(p.text).toBe("✅ lint passed");
    // A summary that does not start with the stage gets it (and the outcome) in front.
    expect(slackPayload(report({ passed: false, summary: "2 of 3 environments broke" })).text).toMatch(/^❌ \S+ failed: 2 of 3 environments broke$/);
  });

  it("escapes &, < and > in everything that comes from the report", () => {
    const evil = "<!channel> <https://evil.example|click> & <@U123>";
    const p = slackPayload(report({ stage: "x<y>", summary: evil, findings: [{ ...finding(1), message: evil, file: "a<b>.py" }] }));
    for (const t of [p.text, ...mrkdwn(p.blocks)]) {
      expect(t).not.toMatch(/<!channel>|<@U123>|<https:\/\/evil/);
      expect(t.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
    }
    expect(p.text).toContain("&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; &lt;@U123&gt;");
    expect(escapeMrkdwn("a&b<c>d")).toBe("a&amp;b&lt;c&gt;d");
  });

  it("cuts escaped lines between characters, never inside an entity, with an ellipsis", () => {
    expect(escapedLine("abc", 3)).toBe("abc");
    expect(escapedLine("abcd", 3)).toBe("ab…");
    expect(escapedLine("a&&&", 6)).toBe("a…");
    expect(escapedLine("a&&&", 7)).toBe("a&amp;…");
    expect(escapedLine("line one\nline\ttwo", 50)).toBe("line one line two");
  });

  it("property: any report gives a bounded, valid, escaped message (summaries, findings and stages arbitrary)", () => {
    const text = fc.string({ unit: fc.constantFrom("a", " ", "&", "<", ">", '"', "\\", "\n", "\u0001", "\uD800", "😀", "é", "|", "*"), maxLength: 5000 });
    const anyFinding = fc.record({
      source: text,
      rule: text,
      severity: fc.constantFrom("error", "warning", "info") as fc.Arbitrary<Finding["severity"]>,
      message: text,
      file: text,
    });
    const stage = fc.record({ name: text, status: fc.constantFrom("failed", "passed", "blocked"), summary: text });
    fc.assert(
      fc.property(
        text,
        text,
        fc.boolean(),
        fc.array(anyFinding, { maxLength: 30 }),
        fc.array(stage, { maxLength: 12 }),
        fc.option(fc.constant(`https://ci.example.com/${"r".repeat(RUN_URL_MAX - 30)}`)),
        (st, summary, passed, findings, stages, url) => {
          const p = slackPayload({ stage: st, passed, summary, details: "", findings, data: { stages } }, url ?? "");
          expect(JSON.stringify(p).length).toBeLessThanOrEqual(PAYLOAD_MAX);
          expect(p.text.length).toBeGreaterThan(0);
          expect(p.text.length).toBeLessThanOrEqual(LINE_MAX + 60);
          expect(p.blocks.length).toBeLessThanOrEqual(4);
          const header = p.blocks[0]!;
          expect(header.type === "header" && header.text.text.length <= 150).toBe(true);
          for (const t of [p.text, ...mrkdwn(p.blocks)]) {
            expect(t.length).toBeLessThanOrEqual(3000);
            // Every < or > left is the run link's own syntax; every & starts an entity.
            expect(t.replace(/<https:\/\/ci\.example\.com\/r+\|View the run>/, "").replace(/&(amp|lt|gt);/g, "")).not.toMatch(/[<>&]/);
            expect(t).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("notifyReport (no network: the decision and the validation before any post)", () => {
  it("checks on, runUrl and the URL before deciding, and reads the secret only after on and runUrl are valid", async () => {
    let reads = 0;
    const readUrl = async () => {
      reads++;
      return "https://hooks.example.com/x";
    };
    await expect(notifyReport(report({ passed: true }), readUrl, "sometimes", "")).rejects.toThrow(/^--on: /);
    await expect(notifyReport(report({ passed: true }), readUrl, "failure", "nope")).rejects.toThrow(/^--run-url: /);
    expect(reads).toBe(0);
    expect(await notifyReport(report({ passed: true }), readUrl, "failure", "")).toEqual({ posted: false, reason: "the run passed and --on is failure" });
    expect(reads).toBe(1);
    await expect(notifyReport(report({ passed: true }), async () => "http://hooks.example.com/x", "failure", "")).rejects.toThrow(
      /^--webhook: uses plain http/,
    );
    // An empty secret (an unset CI variable): not configured, nothing posted, whatever on says.
    expect(await notifyReport(report(), async () => "  ", "always", "")).toEqual({
      posted: false,
      reason: "the webhook secret is empty (notifications not configured)",
    });
  });
});
