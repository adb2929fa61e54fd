/**
 * What a team tunes from its own gitops tree: the `policy:` section of gitops-pipeline.yaml
 * (a profile, per-rule levels globally, per app and per environment, where the waivers file is)
 * and the waivers file itself. Shapes only: which rule ids exist is checked when the policy is
 * loaded against the rule registry (see tuning.ts), so this file imports no rule.
 */
import { z } from "zod";
import { parseDocument } from "yaml";
import { InputError } from "../../errors.js";

/** What a rule's findings become: `error` fails validate, `warning` is reported, `off` runs no check. */
export const LEVELS = ["error", "warning", "off"] as const;
export type Level = (typeof LEVELS)[number];

/**
 * Starting points: `strict` (every rule an error, the default), `restricted` and `baseline`
 * (after the Pod Security Standards levels: the PSS rules of the level are errors, the rest of the
 * hardening rules warnings). profiles.ts says which rule gets which level.
 */
export const PROFILES = ["strict", "restricted", "baseline"] as const;
export type Profile = (typeof PROFILES)[number];

/** Default waivers file at the root of the gitops tree (read when present). */
export const WAIVERS_FILE = "policy-waivers.yaml";

const RULE_ID_ERROR = "is not a policy rule id (POL-..., e.g. POL-READ-ONLY-ROOT-FS)";

const ruleKey = z
  .string()
  .regex(/^POL-[A-Z0-9-]+$/i, { error: RULE_ID_ERROR })
  .transform((s) => s.toUpperCase());

// The record's own error: zod's default for a bad key is "Invalid key in record".
const levels = z.record(ruleKey, z.enum(LEVELS, { error: "is not a level: use error, warning or off" }), {
  error: (iss) => (iss.code === "invalid_key" ? RULE_ID_ERROR : undefined),
});

/** One layer of tuning: a profile and rule levels (for an app or an environment). */
const layerSchema = z
  .object({
    profile: z.enum(PROFILES, { error: "is not a profile: use strict, restricted or baseline" }).optional(),
    rules: levels.default({}),
  })
  .strict();

const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the gitops tree, without '..'");

/** The `policy:` section of gitops-pipeline.yaml. */
export const policySchema = z
  .object({
    /** Starting point for every app and environment. */
    profile: z.enum(PROFILES, { error: "is not a profile: use strict, restricted or baseline" }).default("strict"),
    /** Rule levels for every app and environment. */
    rules: levels.default({}),
    /** Per app (by name; the release in a single-app tree): a profile and rule levels over the global ones. */
    apps: z.record(z.string(), layerSchema).default({}),
    /** Per environment: a profile and rule levels over the app's and the global ones. */
    environments: z.record(z.string(), layerSchema).default({}),
    /** The waivers file, relative to the tree; default policy-waivers.yaml when it exists. */
    waivers: relPath.optional(),
  })
  .strict();

export type PolicySettings = z.infer<typeof policySchema>;
export type PolicyLayer = z.infer<typeof layerSchema>;

/** The policy of a tree without a `policy:` section: today's behaviour, every rule an error. */
export const DEFAULT_POLICY: PolicySettings = { profile: "strict", rules: {}, apps: {}, environments: {} };

const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const matchSchema = z
  .object({
    kind: oneOrMore.optional(),
    name: oneOrMore.optional(),
    namespace: oneOrMore.optional(),
    environment: oneOrMore.optional(),
    app: oneOrMore.optional(),
  })
  .strict()
  .refine((m) => Object.keys(m).length > 0, {
    error:
      "selects every object: name a kind, name, namespace, environment or app (to turn a rule off everywhere, set policy.rules.<rule>: off in gitops-pipeline.yaml)",
  });

/** What a waiver selects: each field a value or a list (any of them); `*` in a value matches any text. */
export type WaiverMatch = z.infer<typeof matchSchema>;

const waiverSchema = z
  .object({
    /** The rule (or rules) it waives. */
    rule: oneOrMore,
    match: matchSchema,
    /** Why these objects are exempt; a waiver without one waives nothing and is a POL-WAIVER finding. */
    reason: z.string().optional(),
    /** Last day the waiver applies (YYYY-MM-DD); after it, it waives nothing and is a POL-WAIVER-EXPIRED finding. */
    expires: z
      .union([z.string(), z.date()])
      .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
      .refine((v) => DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), { error: "is not a date: write YYYY-MM-DD, e.g. 2027-03-31" })
      .optional(),
  })
  .strict();

const waiversFileSchema = z.object({ waivers: z.array(waiverSchema).default([]) }).strict();

/** One waiver of the waivers file, where it is (`file`, `path`) kept for findings. */
export interface FileWaiver {
  rules: string[];
  match: WaiverMatch;
  reason?: string;
  expires?: string;
  file: string;
  /** `waivers[3]`. */
  path: string;
  /** 1-based line of the entry in the file. */
  line?: number;
}

/** Parse a waivers file; a shape problem is an InputError naming the file and the path. */
export function parseWaiversFile(text: string, file: string): FileWaiver[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new InputError(file, `is not valid YAML (${doc.errors[0]!.message.split("\n")[0]})`, "fix the YAML syntax");
  const raw = (doc.toJS() as unknown) ?? {};
  const parsed = waiversFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.path.length ? `${file}: ${issue.path.join(".")}` : file, issue.message, "see docs/policy.md for the waivers file");
  }
  const lines = lineStarts(text);
  const items = (doc.get("waivers") as { items?: { range?: [number, number, number] }[] } | undefined)?.items ?? [];
  return parsed.data.waivers.map((w, i) => {
    const offset = items[i]?.range?.[0];
    return {
      rules: w.rule.map((r) => r.trim().toUpperCase()),
      match: w.match,
      ...(w.reason !== undefined ? { reason: w.reason.trim() } : {}),
      ...(w.expires ? { expires: w.expires } : {}),
      file,
      path: `waivers[${i}]`,
      ...(offset !== undefined ? { line: lineOf(lines, offset) } : {}),
    };
  });
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
