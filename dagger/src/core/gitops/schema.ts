/**
 * The shape of `gitops-pipeline.yaml`, the layout file at the root of a gitops tree, and the name
 * rules it shares with the functions' arguments (environment and app names). Two forms: one app
 * with its fields at the top level, or `apps:`, a list of apps. The rules that need the whole file
 * (defaults that depend on the release, derived name lengths, duplicates) are in gitops-config.ts;
 * both files are read through the one loader (settings/load.ts).
 */
import { z } from "zod";
import { policySchema } from "../validate/policy/settings.js";
import { verificationSchema } from "../signing/policy.js";
import { commitSigningSchema } from "../writeback/commit-signing.js";

/** File name of the optional layout file at the root of the gitops tree. */
export const GITOPS_CONFIG_FILE = "gitops-pipeline.yaml";

/**
 * A DNS-1123 label as Kubernetes checks it: namespaces, releases, app and environment names
 * (lower-case letters, digits and '-', starting and ending alphanumeric, at most 63).
 */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An environment name as gitops-pipeline.yaml declares it: a DNS-1123 label (it becomes part of namespaces and Application names). */
export const ENVIRONMENT_NAME = DNS_LABEL;

/** Longest app (release) name: Helm's limit for a release name. */
export const APP_NAME_MAX = 53;

/** Longest Kubernetes name derived as `<release>-<environment>` (a namespace, an Application tracked by label): a DNS label. */
export const DERIVED_NAME_MAX = 63;

/** An Argo CD Application name: a Kubernetes object name Argo CD also puts in a label value, so at most 63. */
export const APPLICATION_NAME = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A function argument naming one environment of gitops-pipeline.yaml. */
export const environmentField = z
  .string()
  .regex(ENVIRONMENT_NAME, { error: "is not an environment name (a DNS-1123 label: lower-case letters, digits and '-', at most 63, not ending in '-')" })
  .describe("pass an environment of gitops-pipeline.yaml, e.g. dev");

/** A function argument naming one app of a multi-app gitops-pipeline.yaml; "" for the tree's only app. */
export const appField = z
  .string()
  .trim()
  .refine((s) => s === "" || (DNS_LABEL.test(s) && s.length <= APP_NAME_MAX), {
    error: `is not an app name (a DNS-1123 label of at most ${APP_NAME_MAX} characters, e.g. payments)`,
  })
  .describe('pass an app of gitops-pipeline.yaml\'s apps:, or "" for a single-app tree');

/** Relative, forward-slash path inside the tree: no leading `/`, no `..` segment. */
const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the gitops tree, without '..'")
  .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), "must not contain a line break or control character");

/** Where the tree sits in the repository: "" or a plain relative path (it reaches git and the local git server's script). */
const repoPathField = z
  .string()
  .regex(/^[A-Za-z0-9._/-]*$/, "must be a plain relative path (letters, digits, '.', '_', '-', '/'), or \"\" for the repository's root")
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the repository, without '..'")
  .default("gitops");

const syncSchema = z
  .object({
    automated: z.boolean().default(true),
    prune: z.boolean().default(true),
    selfHeal: z.boolean().default(true),
    createNamespace: z.boolean().default(true),
  })
  .strict();

const environmentSchema = z
  .object({
    /** Values files passed to helm with `-f`, in order, relative to the tree; none: the chart's own values.yaml and what the Application sets (valuesObject, parameters). */
    values: z.array(relPath).default([]),
    /** Namespace the environment deploys to; default `<release>-<environment>`. */
    namespace: z.string().regex(DNS_LABEL, "must be a DNS-1123 label (lower-case letters, digits and '-', at most 63)").optional(),
    /** Name of the Argo CD Application that deploys this environment; default `<release>-<environment>`. */
    application: z
      .string()
      .regex(APPLICATION_NAME, "must be an Application name (lower-case letters, digits, '-' and '.', at most 63: Argo CD tracks it in a label)")
      .optional(),
    /** Production rules (replicas >= 2, a PodDisruptionBudget, Ingress TLS, Pod Security restricted on the namespace) apply. */
    production: z.boolean().default(false),
    sync: syncSchema.default({ automated: true, prune: true, selfHeal: true, createNamespace: true }),
  })
  .strict();

/** Where the write-back (bump, promote) writes the image reference. */
/** A dotted values key, e.g. image.tag or app.image.sha. */
const valueKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/, "is a dotted values key, e.g. image.digest");

const writeBackSchema = z
  .object({
    /** helm: image.* in the environment's values files; kustomize: the overlay's images: entry. */
    format: z.enum(["helm", "kustomize"]).default("helm"),
    /** kustomize images[].name to edit; default: the overlay's only entry. */
    image: z.string().min(1).optional(),
    /** helm: the values keys the chart's image line reads (dotted paths); each defaults to image.repository, image.tag, image.digest, env.appVersion. */
    keys: z
      .object({
        repository: valueKey.optional(),
        tag: valueKey.optional(),
        digest: valueKey.optional(),
        appVersion: valueKey.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const environmentsSchema = z.record(
  z.string().regex(ENVIRONMENT_NAME, "environment names are DNS-1123 labels (lower-case letters, digits and '-', at most 63, not ending in '-')"),
  environmentSchema,
);

/** One app's fields, shared by the single-app form (at the top level) and each entry of `apps:`. */
const appFields = {
  /** The app's Helm chart; an app of the `apps:` list may have a kustomize base instead. */
  chart: relPath.optional(),
  release: z
    .string()
    .regex(DNS_LABEL, "must be a DNS-1123 label")
    .max(APP_NAME_MAX, `must be at most ${APP_NAME_MAX} characters (Helm's limit for a release)`)
    .optional(),
  kustomize: relPath.optional(),
  writeBack: writeBackSchema.default({ format: "helm" }),
  environments: environmentsSchema,
};

/** The single-app form: the app's fields at the top level (this repository's own layout). */
/** The keys that speak for the whole tree, in either form. */
const treeFields = {
  /** Where this tree sits in the Git repository Argo CD reads (Application paths start with it); "" for the root. */
  repoPath: repoPathField,
  argocd: relPath.default("argocd"),
  /** Policy levels, profile and the waivers file (docs/policy.md). */
  policy: policySchema.optional(),
  /** What an image must prove before it reaches each environment (docs/signing.md). */
  verification: verificationSchema.optional(),
  /** Which keys may sign the commits of the branch Argo CD deploys (docs/write-back.md, signed commits). */
  commitSigning: commitSigningSchema.optional(),
};

const singleSchema = z
  .object({
    ...treeFields,
    ...appFields,
    chart: relPath.default("charts/gitops-demo"),
    release: appFields.release.default("gitops-demo"),
  })
  .strict();

const appSchema = z
  .object({
    name: z
      .string()
      .regex(DNS_LABEL, "app names are DNS-1123 labels, e.g. orders")
      .max(APP_NAME_MAX, `app names are at most ${APP_NAME_MAX} characters (Helm's limit for a release)`),
    ...appFields,
  })
  .strict();

/** The multi-app form: `apps:` lists the apps, each with its chart or kustomize base and environments. */
const multiSchema = z
  .object({
    ...treeFields,
    apps: z.array(appSchema).min(1, "lists no app"),
  })
  .strict();

export type SyncExpectation = z.infer<typeof syncSchema>;
export type WriteBackConfig = z.infer<typeof writeBackSchema>;

/** Either form, for the published JSON Schema (the loader picks the form by the `apps:` key). */
export const gitopsFileSchema = z.union([multiSchema, singleSchema]);

export { appSchema, multiSchema, singleSchema, syncSchema, writeBackSchema };
