/**
 * Input schema of the metrics function: the window of history and the failure window.
 */
import { z } from "zod";
import { DEFAULTS } from "../defaults.js";
import { intIn } from "../inputs.js";
import { ISO_TIME } from "./deploys.js";

export const metricsInputs = z.object({
  days: intIn(1, 3650, DEFAULTS.metricsDays),
  until: z
    .string()
    .trim()
    .refine((s) => s === "" || (ISO_TIME.test(s) && Number.isFinite(Date.parse(s))), { error: "is not an ISO 8601 time with seconds and an offset" })
    .describe('pass the end of the window, e.g. 2026-12-01T00:00:00Z, or "" for now'),
  failureWindowHours: intIn(1, 8760, DEFAULTS.failureWindowHours),
});

/** The window in unix seconds: `days` up to `until` ("" = `now`). */
export function metricsWindow(i: z.output<typeof metricsInputs>, now: number): { since: number; until: number; failureWindow: number } {
  const until = i.until ? Math.floor(Date.parse(i.until) / 1000) : Math.floor(now / 1000);
  return { since: until - i.days * 86_400, until, failureWindow: i.failureWindowHours * 3600 };
}
