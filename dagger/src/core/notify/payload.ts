/**
 * The message a notification posts: Slack-compatible JSON (incoming webhooks; Mattermost and
 * others accept the same `text`), built from a run's report. `text` is the fallback line that
 * notifications and clients without blocks show; `blocks` carry the stage, the outcome, the
 * one-line summary, the first failing stages or findings and a link to the run.
 *
 * Everything that comes from a report is escaped for Slack's mrkdwn (&, <, >), so a summary can
 * neither inject a link nor a mention, and every piece is cut to a fixed length, so the message
 * stays far below Slack's limits whatever the report holds.
 */
import { formatFinding, type Finding } from "../findings.js";
import { redact, redactDeep } from "../redact.js";
import type { RunReport } from "../run.js";

/** First failing stages or findings a message lists. */
export const LIST_MAX = 5;
/** Longest list line, the summary, the fallback text and the header (Slack: header ≤ 150, section ≤ 3000). */
export const LINE_MAX = 200;
export const SUMMARY_TEXT_MAX = 600;
export const HEADER_MAX = 150;
/** Upper bound of the whole JSON body, in characters (Slack refuses far larger messages). */
export const PAYLOAD_MAX = 8000;

/** One element of a Slack text object. */
export interface TextObject {
  type: "mrkdwn" | "plain_text";
  text: string;
}
/** The blocks this payload uses. */
export type Block = { type: "header"; text: TextObject } | { type: "section"; text: TextObject } | { type: "context"; elements: TextObject[] };

/** The JSON body posted to the webhook. */
export interface SlackPayload {
  text: string;
  blocks: Block[];
}

const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Escape the three characters Slack's mrkdwn gives a meaning (links, mentions, entities). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITY[c]!);
}

/**
 * One line of printable text: control characters and whitespace runs become one space, lone
 * surrogates U+FFFD (JSON would spell each as a six-character escape and break the size bound).
 */
function cleanLine(text: string): string {
  return text
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, " ")
    .trim();
}

/**
 * `text` on one line, escaped, at most `max` characters after escaping, ending in `…` when cut.
 * Cut between characters (never inside an entity or a surrogate pair).
 */
export function escapedLine(text: string, max: number): string {
  const chars = [...cleanLine(text)];
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const piece = ENTITY[chars[i]!] ?? chars[i]!;
    const room = i === chars.length - 1 ? max : max - 1; // keep one place for the ellipsis unless this is the end
    if (out.length + piece.length > room) return `${out}…`;
    out += piece;
  }
  return out;
}

/** Plain text (no mrkdwn: the header) on one line, at most `max` characters. */
function plainLine(text: string, max: number): string {
  const chars = [...cleanLine(text)];
  let out = "";
  for (const c of chars) {
    if (out.length + c.length > max - 1) return `${out}…`;
    out += c;
  }
  return out;
}

/** The ci stages in a report's data, when it is a ci run. */
function ciStages(r: RunReport): { name: string; status: string; summary: string }[] {
  const stages = (r.data as { stages?: unknown } | undefined)?.stages;
  if (!Array.isArray(stages)) return [];
  return stages
    .filter((s): s is { name: string; status: string; summary: string } => !!s && typeof s === "object" && typeof (s as { name?: unknown }).name === "string")
    .map((s) => ({ name: s.name, status: String(s.status ?? ""), summary: String(s.summary ?? "") }));
}

/** The list under the summary: the failing stages of a ci run, else the first findings (errors first). */
function listLines(r: RunReport): { title: string; lines: string[]; more: number } {
  const failed = ciStages(r).filter((s) => s.status === "failed");
  if (failed.length)
    return { title: "Failing stages", lines: failed.slice(0, LIST_MAX).map((s) => `${s.name}: ${s.summary}`), more: Math.max(0, failed.length - LIST_MAX) };
  const rank = (f: Finding) => (f.severity === "error" ? 0 : f.severity === "warning" ? 1 : 2);
  const findings = [...(r.findings ?? [])].filter((f) => !f.waived).sort((a, b) => rank(a) - rank(b));
  return { title: "Findings", lines: findings.slice(0, LIST_MAX).map(formatFinding), more: Math.max(0, findings.length - LIST_MAX) };
}

/**
 * The message for a finished run. `runUrl` (already validated: http(s), no `<>|`) becomes a
 * "View the run" link; "" leaves it out.
 */
export function slackPayload(report: RunReport, runUrl = "", title = "gitops-pipeline"): SlackPayload {
  // Redacted before escaping: escaping could split a credential the rule would recognise.
  const r = redactDeep(report);
  const outcome = r.passed ? "passed" : "failed";
  const icon = r.passed ? "✅" : "❌";
  const stage = escapedLine(r.stage, 40);
  const summary = escapedLine(r.summary, SUMMARY_TEXT_MAX);
  const blocks: Block[] = [
    { type: "header", text: { type: "plain_text", text: plainLine(`${icon} ${title}: ${r.stage} ${outcome}`, HEADER_MAX) } },
    { type: "section", text: { type: "mrkdwn", text: `*${stage}* ${outcome}\n${summary}` } },
  ];
  const list = r.passed ? { title: "", lines: [], more: 0 } : listLines(r);
  if (list.lines.length) {
    const bullets = list.lines.map((l) => `• ${escapedLine(l, LINE_MAX)}`);
    if (list.more) bullets.push(`… and ${list.more} more (see the run's report)`);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: `*${list.title}*\n${bullets.join("\n")}` } });
  }
  if (runUrl) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `<${redact(runUrl)}|View the run>` }] });
  // Summaries usually start with "<stage> passed/failed" already (found on the engine: "lint passed: lint passed: ..."); no second prefix.
  const line = escapedLine(r.summary, LINE_MAX);
  return { text: line.startsWith(`${stage} `) ? `${icon} ${line}` : `${icon} ${stage} ${outcome}: ${line}`, blocks };
}
