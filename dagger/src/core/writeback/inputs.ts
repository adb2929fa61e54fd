/**
 * Input schemas of the write-back functions: gitops-repo and its with- functions, bump, promote.
 */
import { z } from "zod";
import { DEFAULTS } from "../defaults.js";
import { appField, environmentField, ENVIRONMENT_NAME } from "../gitops-config.js";
import { COMMIT_ID, intIn, rule } from "../inputs.js";
import { AUTHOR_EMAIL, AUTHOR_NAME, checkBranch, checkRepoUrl } from "./git.js";
import { invalidValue, type ValueKind } from "./image-ref.js";
import { checkRoot } from "./layout.js";
import { REVISION } from "./rollback.js";
import { InputError } from "../errors.js";
import { ISO_TIME } from "../metrics/deploys.js";

/** An image value checked by the rule its file will enforce ("" allowed where `optional`). */
const imageValue = (kind: ValueKind, arg: string, optional: boolean) =>
  z.string().transform(
    rule((s: string) => {
      const v = s.trim();
      if (optional && v === "") return "";
      const bad = invalidValue(kind, v);
      if (bad) throw new InputError(arg, bad, `pass a valid ${kind}${optional ? ', or "" to leave it' : ""}`);
      return v;
    }),
  );

export const repoInputs = z.object({
  url: z.string().transform(rule((s: string) => (s.trim() === "" ? "" : checkRepoUrl(s.trim(), "url")))),
  branch: z.string().transform(rule((s: string) => checkBranch(s.trim(), "branch"))),
  path: z.string().transform(rule((s: string) => checkRoot(s, "path"))),
  app: appField,
});

export const tokenInputs = z.object({
  user: z
    .string()
    .trim()
    .min(1, { error: "is empty" })
    .regex(/^\S+$/, { error: "contains spaces" })
    .describe("pass the user name your git host expects with a token, e.g. x-access-token"),
});

export const sshInputs = z.object({
  knownHosts: z
    .string()
    .trim()
    .min(1, { error: "is empty (host keys are never accepted blindly)" })
    .describe("pass the host's known_hosts lines, e.g. from ~/.ssh/known_hosts"),
});

export const authorInputs = z.object({
  name: z.string().regex(AUTHOR_NAME, { error: "is not a usable name (one line of printable text, not blank, no < >)" }).describe("pass e.g. release-bot"),
  email: z.string().regex(AUTHOR_EMAIL, { error: "is not an email address" }).describe("pass e.g. bot@example.com"),
});

export const attemptsInputs = z.object({ attempts: intIn(1, 50, DEFAULTS.maxAttempts) });

export const bumpInputs = z.object({
  tag: imageValue("tag", "tag", false),
  environment: environmentField,
  digest: imageValue("digest", "digest", true),
  repository: imageValue("repository", "repository", true),
  appVersion: imageValue("version", "appVersion", true),
  sourceCommit: z
    .string()
    .trim()
    .refine((s) => s === "" || COMMIT_ID.test(s), { error: "is not a commit id" })
    .describe("pass the app commit the image was built from"),
  sourceCommitTime: z
    .string()
    .trim()
    .refine((s) => s === "" || (ISO_TIME.test(s) && Number.isFinite(Date.parse(s))), { error: "is not an ISO 8601 time with seconds and an offset" })
    .describe("pass the source commit's committer time as git log -1 --format=%cI prints it, e.g. 2026-12-07T21:55:17+01:00")
    .default(""),
});

export const promoteInputs = z.object({
  from: environmentField,
  to: z
    .string()
    .refine((s) => s === "" || ENVIRONMENT_NAME.test(s), { error: "is not an environment name" })
    .describe("pass the next environment, or leave it empty"),
  sourceCommit: bumpInputs.shape.sourceCommit,
  sourceCommitTime: bumpInputs.shape.sourceCommitTime,
});

export const rollbackInputs = z.object({
  environment: environmentField,
  to: z
    .string()
    .trim()
    .refine((s) => s === "" || REVISION.test(s), { error: "is not a revision name" })
    .describe("pass a commit sha, tag or branch of the gitops repository (e.g. 3f2c1ab or HEAD~1), or leave it empty for the image before the current one"),
});
