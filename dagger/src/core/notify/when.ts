/**
 * When a run notifies, and the inputs of `notify` besides the webhook: which outcomes post
 * (failure, success or always) and the link back to the run. Validated with zod before anything
 * is read or posted.
 */
import { z } from "zod";

/** The outcomes that post: a failed run, a passed run, or every run. */
export const NOTIFY_ON = ["failure", "success", "always"] as const;
export type NotifyOn = (typeof NOTIFY_ON)[number];

/** True when a run that `passed` (or not) notifies under `on`. */
export function shouldNotify(on: NotifyOn, passed: boolean): boolean {
  return on === "always" || (on === "success") === passed;
}

/** Longest run link (a CI job page is far shorter). */
export const RUN_URL_MAX = 1000;

/** A link to the run (the CI job page): http(s), no spaces, none of the characters Slack's link syntax uses. */
export function checkRunUrl(raw: string): string {
  const s = raw.trim();
  if (s === "") return "";
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || /[\s<>|"\\]/.test(s) || s.length > RUN_URL_MAX) return "";
  return s;
}

export const notifyInputs = z.object({
  on: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(NOTIFY_ON, { error: "is not one of failure, success, always" }))
    .describe("pass failure (the default), success or always"),
  runUrl: z
    .string()
    .refine((s) => s.trim() === "" || checkRunUrl(s) !== "", {
      error: `is not an http(s) URL of at most ${RUN_URL_MAX} characters without spaces, quotes, backslashes, <, > or |`,
    })
    .transform((s) => s.trim())
    .describe("pass the CI run's page, e.g. $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID, or leave it empty"),
});
export type NotifyInputs = z.output<typeof notifyInputs>;
