/**
 * Waivers: an object can opt out of a policy rule with an annotation that names the rule and
 * says why, e.g.
 *
 *   metadata:
 *     annotations:
 *       gitops-pipeline.dev/waive: "POL-READ-ONLY-ROOT-FS: legacy agent writes to /var/cache; ticket OPS-42"
 *
 * Several waivers are separated by new lines, or by `;` directly followed by the next rule id
 * (`POL-A: reason; POL-B: reason`), so a reason may itself contain `;`. A waiver without a
 * reason, or naming an unknown rule, waives nothing and is itself a finding (POL-WAIVER).
 */
import type { Manifest } from "../manifests.js";
import { asObj } from "./pod.js";

/** The annotation that waives rules for one object. */
export const WAIVER_ANNOTATION = "gitops-pipeline.dev/waive";
/** Rule id of a malformed waiver. */
export const WAIVER_RULE = "POL-WAIVER";

/** A waiver as parsed: valid ones map rule id → reason, the rest are problems to report. */
export interface ParsedWaivers {
  reasons: Map<string, string>;
  problems: string[];
}

const ENTRY = /^\s*([A-Za-z0-9-]+)\s*(?::(.*))?$/s;

/** Parse `m`'s waiver annotation against the known rule ids. */
export function parseWaivers(m: Manifest, knownRules: ReadonlySet<string>): ParsedWaivers {
  const reasons = new Map<string, string>();
  const problems: string[] = [];
  const raw = asObj(asObj(m.body.metadata).annotations)[WAIVER_ANNOTATION];
  if (raw === undefined) return { reasons, problems };
  if (typeof raw !== "string") return { reasons, problems: [`${WAIVER_ANNOTATION} must be a string`] };
  for (const entry of raw.split(/\n|;(?=\s*POL-)/i).filter((e) => e.trim() !== "")) {
    const match = ENTRY.exec(entry);
    const rule = match?.[1]?.toUpperCase();
    const reason = match?.[2]?.trim() ?? "";
    if (!match || !rule) problems.push(`cannot read waiver '${entry.trim()}': write 'RULE-ID: reason'`);
    else if (!knownRules.has(rule)) problems.push(`waiver names unknown rule ${rule}`);
    else if (reason === "") problems.push(`waiver of ${rule} gives no reason: write '${rule}: <why this object is exempt>'`);
    else reasons.set(rule, reason);
  }
  return { reasons, problems };
}
