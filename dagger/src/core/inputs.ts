/**
 * The one validation layer of the module's public inputs: every function's arguments go through
 * a zod schema from the core before anything is built, run, written or pushed. A failure is an
 * InputError naming the argument as the CLI user typed it, what is wrong and what to do.
 *
 * Schemas reuse the core's existing rules (platform grammar, OCI tags, branch names...) through
 * `rule()`, so each rule exists once; `.describe(fix)` on a field gives the fix for zod's own
 * checks (types, ranges).
 */
import semver from "semver";
import { z } from "zod";
import { InputError } from "./errors.js";

/** Turn a core rule that throws InputError into a zod transform that reports its problem and fix. */
export function rule<I, O>(fn: (value: I) => O): (value: I, ctx: z.RefinementCtx) => O {
  return (value, ctx) => {
    try {
      return fn(value);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      ctx.addIssue({ code: "custom", message: e.problem, params: { fix: e.fix } });
      return z.NEVER;
    }
  };
}

/** A custom problem from inside a transform. */
export function problem(ctx: z.RefinementCtx, message: string, fix: string): never {
  ctx.addIssue({ code: "custom", message, params: { fix } });
  return z.NEVER as never;
}

/**
 * Parse `raw` with `schema`; the first problem becomes an InputError naming its argument, or the
 * name `names` gives it when the user sets that value elsewhere (e.g. a settings file key).
 */
export function parseInputs<S extends z.ZodObject>(schema: S, raw: z.input<S>, names: Readonly<Partial<Record<string, string>>> = {}): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = String(issue.path[0] ?? "input");
  // A list item is named by its value: the CLI user typed the list, not an index. A transformed
  // list (comma-separated items split) has no raw value at that index: the issue's own input, if any.
  const value = issue.path.length > 1 ? (itemOf(raw, issue.path) ?? (issue as { input?: unknown }).input) : undefined;
  const item = typeof value === "string" ? `"${value}" ` : "";
  const fix =
    (issue as { params?: { fix?: string } }).params?.fix ??
    (schema.shape as Record<string, z.ZodType>)[key]?.description ??
    "see `dagger call <function> --help`";
  throw new InputError(names[key] ?? key, `${item}${issue.message}`, fix);
}

/** The value at `path` in the raw input (the list item a problem is about). */
function itemOf(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
}

// ---- versions: one rule for a leading v, everywhere --------------------------------------------

/** A parsed semantic version: canonical string (no leading `v`) and its parts. */
export interface ParsedVersion {
  version: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: boolean;
}

/**
 * Parse a strict semantic version. One optional leading `v` is accepted and dropped (`v1.2.3` is
 * `1.2.3`); leading zeros, missing parts and anything semver.org rejects are InputErrors naming `arg`.
 */
export function parseVersion(raw: string, arg = "version"): ParsedVersion {
  const s = raw.trim().replace(/^v(?=\d)/, "");
  const v = semver.parse(s);
  const canonical = v ? `${v.version}${v.build.length ? `+${v.build.join(".")}` : ""}` : "";
  if (!v || canonical !== s) {
    throw new InputError(
      arg,
      `"${raw}" is not a semantic version`,
      "use MAJOR.MINOR.PATCH with an optional -prerelease and an optional leading v, e.g. 1.4.0, v1.4.0 or 2.0.0-rc.1",
    );
  }
  return { version: canonical, major: v.major, minor: v.minor, patch: v.patch, prerelease: v.prerelease.length > 0 };
}

/** A semantic version field, normalised (leading `v` dropped). */
export const versionField = z.string().transform(rule((s: string) => parseVersion(s).version));

/** A semantic version field where "" means "not given". */
export const optionalVersionField = z.string().transform(rule((s: string) => (s.trim() === "" ? "" : parseVersion(s).version)));

// ---- small shared fields ------------------------------------------------------------------------

/** A commit id as the build labels and commit messages carry it: a sha, or a word such as `local`. */
export const COMMIT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A one-line, non-empty string without surrounding space. */
export const oneLine = (what: string, example: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `is empty` })
    .refine((s) => !/[\r\n]/.test(s), { error: "contains a line break" })
    .describe(`pass ${what}, e.g. ${example}`);

/** An integer in [min, max]. */
export const intIn = (min: number, max: number, example: number) =>
  z
    .number({ error: "is not a number" })
    .int({ error: "is not a whole number" })
    .min(min, { error: `is below ${min}` })
    .max(max, { error: `is above ${max}` })
    .describe(`pass a whole number from ${min} to ${max}, e.g. ${example}`);

/** An image reference as `docker pull` takes it: no spaces, not empty. */
export const imageRefField = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, { error: "is not an image reference" })
  .describe("pass an image reference such as registry.example.com/library/python:3.12.14-slim-trixie");

/** Comma-separated names: trimmed, empty items dropped. */
export const commaList = (s: string): string[] =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
