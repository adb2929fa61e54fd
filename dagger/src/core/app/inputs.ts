/**
 * Input schemas of the app functions (app, lint, test, build, image-tarball, publish, scan):
 * the core's rules for platforms, tags, repositories and severities, wrapped so every failure
 * names the argument.
 */
import { z } from "zod";
import { DEFAULTS } from "../defaults.js";
import { InputError } from "../errors.js";
import { COMMIT_ID, intIn, optionalVersionField, rule } from "../inputs.js";
import { DEPENDENCY_SOURCES, type DependencyChoice } from "./dependencies.js";
import { imageName } from "./image-build.js";
import { LINTERS, parseLinterNames } from "./linters/index.js";
import { parsePlatforms } from "./platforms.js";
import { parseRepository } from "./registry.js";
import { runNumber, sanitizeTagPart, templatePlaceholders } from "./tags.js";
import { parseSeverities } from "./trivy.js";

/** A relative path inside the app directory. */
export function dockerfilePath(raw: string): string {
  const p = raw.trim().replace(/^\.\//, "");
  if (p === "" || p.startsWith("/") || p.split("/").includes("..")) {
    throw new InputError(
      "dockerfile",
      `"${raw}" is not a path inside the source directory`,
      "pass a relative path such as Dockerfile or docker/app.Dockerfile",
    );
  }
  return p;
}

/** The build identity `app` holds for build, image-tarball, publish and scan. */
export const appInputs = z.object({
  version: optionalVersionField,
  revision: z.string().trim().regex(COMMIT_ID, { error: "is not a commit id" }).describe("pass the git commit being built, e.g. $(git rev-parse HEAD)"),
  dockerfile: z.string().transform(rule(dockerfilePath)),
  sourceUrl: z
    .string()
    .trim()
    .refine((s) => s === "" || /^https?:\/\/\S+$/.test(s), { error: "is not an http(s) URL" })
    .describe("pass the repository's URL, e.g. https://github.com/acme/shop, or leave it empty"),
  python: z
    .string()
    .trim()
    .regex(/^(\d+\.\d+(\.\d+)?)?$/, { error: "is not a Python version" })
    .describe("pass a minor version such as 3.13, or leave it empty to use the project's .python-version / requires-python"),
  dependencies: z
    .string()
    .transform((s) => s.trim().toLowerCase() || "auto")
    .refine((s): s is DependencyChoice => (DEPENDENCY_SOURCES as readonly string[]).includes(s), { error: "is not a dependency source" })
    .transform((s) => s as DependencyChoice)
    .describe(`pass one of ${DEPENDENCY_SOURCES.join(", ")}`),
});

/** One platform (tarballs and scans hold exactly one). */
const onePlatform = z.string().transform(
  rule((s: string) => {
    const p = parsePlatforms(s);
    if (p.length !== 1) throw new InputError("platform", `"${s}" is ${p.length} platforms; this takes exactly one`, "pass one platform, e.g. linux/amd64");
    return p[0]!;
  }),
);

const platformList = z.array(z.string()).transform(rule((xs: string[]) => parsePlatforms(xs)));

export const lintInputs = z.object({
  linters: z
    .array(z.string())
    .describe(`pass some of ${LINTERS.join(", ")}`)
    .transform(rule((xs: string[]) => parseLinterNames(xs))),
});

export const testInputs = z.object({ minCoverage: intIn(0, 100, DEFAULTS.minCoverage) });

export const buildInputs = z.object({ platforms: platformList });

export const tarballInputs = z.object({
  name: z.string().transform(rule((s: string) => imageName(s, "name"))),
  platform: onePlatform,
});

const tagPart = (what: string) =>
  z
    .string()
    .trim()
    .refine((s) => s === "" || sanitizeTagPart(s, 63) !== "", { error: "has no character usable in an image tag" })
    .describe(`pass ${what} of letters, digits, '.', '_' or '-'`);

export const publishInputs = z.object({
  image: z.string().transform(rule((s: string) => parseRepository(s, "image").address)),
  /** The commit the tags are made from: the app's revision. */
  revision: z.string().transform(
    rule((s: string) => {
      // Tags need a real commit (7 to 40 hex digits); the revision is app's argument, not publish's.
      if (!/^[0-9a-fA-F]{7,40}$/.test(s.trim()))
        throw new InputError(
          "revision",
          `"${s}" is not a git commit (7 to 40 hex digits): publish tags the image with the app's revision`,
          "give it to app, before publish: dagger call app --revision=$(git rev-parse HEAD) publish ...",
        );
      return s.trim().toLowerCase();
    }),
  ),
  run: z.string().transform(rule((s: string) => runNumber(s, "run"))),
  environment: tagPart("an environment name"),
  branch: tagPart("a branch name"),
  release: z.boolean(),
  tagTemplates: z.array(z.string()).transform(
    rule((ts: string[]) => {
      for (const t of ts) templatePlaceholders(t, "tagTemplates");
      return ts;
    }),
  ),
  username: z.string().trim(),
  hasPassword: z.boolean(),
  platforms: platformList,
});

/** Publish inputs, with the credential pairing checked (a user without a password or the reverse). */
export function checkCredentials(i: { username: string; hasPassword: boolean }): void {
  if (i.hasPassword && !i.username) throw new InputError("username", "is empty but a password was given", "pass --username with --password");
  if (i.username && !i.hasPassword) throw new InputError("password", `is missing for user "${i.username}"`, "pass --password=env://REGISTRY_TOKEN (a Secret)");
}

export const scanInputs = z.object({
  severity: z.string().transform(rule((s: string) => parseSeverities(s))),
  dbRepository: z
    .string()
    .trim()
    .transform(rule((s: string) => (s === "" ? "" : parseRepository(s, "dbRepository").address))),
  skipDbUpdate: z.boolean(),
  platform: onePlatform,
  ignoreUnfixed: z.boolean(),
  secrets: z.boolean(),
});
