/**
 * `gitops-pipeline.settings.yaml`: what an app team decides once, committed at the root of the app
 * directory and read by `ci` on a laptop and in CI alike. Every key is optional; an absent key
 * takes the default of core/defaults.ts (the values `ci` used before the file existed). The
 * values are checked here with the same rules the stages use, so `ci` passes them on parsed.
 * docs/settings.md describes the keys; schema/gitops-pipeline.settings.schema.json is generated
 * from this schema for editors.
 */
import { z } from "zod";
import { DEFAULT_LINTERS, DEFAULT_PLATFORMS, DEFAULTS } from "../defaults.js";
import { InputError } from "../errors.js";
import { appField, environmentField } from "../gitops/schema.js";
import { commaList, intIn, rule } from "../inputs.js";
import { LINTERS, parseLinterNames } from "../app/linters/index.js";
import { parsePlatforms } from "../app/platforms.js";
import { parseRepository } from "../app/registry.js";
import { parseSeverities, TRIVY_SEVERITIES } from "../app/trivy.js";
import { connectionInputs, verifyInputs } from "../verify/inputs.js";
import { checkBranch, checkRepoUrl } from "../writeback/git.js";
import { loadYaml } from "./load.js";
import { containerField } from "../smoke/inputs.js";
import { signingSettings } from "./signing-settings.js";

/** File name of the settings file at the root of the app directory. */
export const SETTINGS_FILE = "gitops-pipeline.settings.yaml";

/** Where its keys are documented. */
export const SETTINGS_DOCS = { hint: "see docs/settings.md for the keys and their values" };

/** Forges a pull-request write-back talks to. */
export const PROVIDERS = ["github", "gitlab"] as const;

/** Which runs notify posts about. */
export const NOTIFY_ON = ["failure", "success", "always"] as const;

/** A list given as YAML list or as one comma-separated string (the way the CLI flags took it). */
const listOf = (item: z.ZodType<string>) => z.union([z.array(item), z.string().transform((s) => commaList(s))]);

const branch = z.string().transform(rule((s: string) => checkBranch(s.trim(), "branch")));

const image = z
  .object({
    repository: z
      .string()
      .transform(rule((s: string) => (s.trim() === "" ? "" : parseRepository(s, "repository").address)))
      .default("")
      .describe('the repository to publish to, e.g. ghcr.io/acme/shop; "" publishes nothing'),
    registryUsername: z.string().trim().default("").describe("the registry user (CI may pass --registry-username instead)"),
    platforms: listOf(z.string())
      .transform(rule((xs: string[]) => parsePlatforms(xs)))
      .prefault(DEFAULT_PLATFORMS)
      .describe("platforms to build and publish, e.g. [linux/amd64, linux/arm64]"),
  })
  .strict();

const lint = z
  .object({
    // Editors complete the registry's names (examples); any case is accepted, as on the CLI.
    linters: listOf(z.string().meta({ examples: [...LINTERS] }))
      .transform(rule((xs: string[]) => parseLinterNames(xs)))
      .prefault(DEFAULT_LINTERS)
      .describe(`linters of the lint stage, some of ${LINTERS.join(", ")}`),
  })
  .strict();

const test = z
  .object({
    minCoverage: intIn(0, 100, DEFAULTS.minCoverage).default(DEFAULTS.minCoverage).describe("minimum test coverage in percent, a whole number from 0 to 100"),
  })
  .strict();

const scan = z
  .object({
    enabled: z.boolean().default(true).describe("run the Trivy image scan (nothing is published without it): true or false"),
    severity: listOf(z.string())
      .transform(rule((xs: string[]) => parseSeverities(xs.join(","))))
      .prefault(DEFAULTS.severity)
      .describe(`Trivy severities that fail the scan, some of ${TRIVY_SEVERITIES.join(", ")}`),
    ignoreUnfixed: z.boolean().default(false).describe("report only vulnerabilities that have a fixed version: true or false"),
    secrets: z.boolean().default(true).describe("scan the app source for secrets, the secrets stage (nothing is published without it): true or false"),
  })
  .strict();

const e2e = z
  .object({
    enabled: z.boolean().default(true).describe("run the kind end-to-end test (nothing is published without it): true or false"),
  })
  .strict();

const smoke = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "run the smoke check ahead of e2e: the image with the environment's rendered runtime settings, probed without a cluster (e2e still runs without it): true or false",
      ),
    container: containerField
      .default("")
      .describe('the app\'s container as <workload>/<container> when the environment renders several, e.g. shop/web; "" for the only one'),
  })
  .strict();

const release = z
  .object({
    branches: listOf(z.string())
      .transform(
        rule((xs: string[]) => {
          if (xs.length === 0) throw new InputError("release.branches", "lists no branch", "list at least one branch that publishes, e.g. [main]");
          return xs.map((b) => checkBranch(b.trim(), "branches"));
        }),
      )
      .prefault(DEFAULTS.releaseBranches)
      .describe("branches whose builds publish and bump, e.g. [main]"),
  })
  .strict();

const deploy = z
  .object({
    environment: environmentField.default(DEFAULTS.environment).describe("environment of gitops-pipeline.yaml that e2e deploys and the bump writes, e.g. dev"),
    branches: z.record(z.string(), environmentField).default({}).describe("per-branch environment over `environment`, e.g. {main: dev, release: staging}"),
  })
  .strict();

const gitops = z
  .object({
    repository: z
      .string()
      .transform(rule((s: string) => (s.trim() === "" ? "" : checkRepoUrl(s.trim(), "repository"))))
      .default("")
      .describe('URL of the gitops repository to bump (https with --gitops-token, ssh with --gitops-ssh-key); "" bumps nothing'),
    branch: branch.default(DEFAULTS.gitopsBranch).describe("branch of the gitops repository Argo CD watches, e.g. main"),
    app: appField.default("").describe('app of a multi-app gitops tree (gitops-pipeline.yaml\'s apps:) this source builds; "" for a single-app tree'),
    pullRequest: z.boolean().default(false).describe("open or update a pull request with the bump instead of pushing: true or false"),
    provider: z.enum(PROVIDERS, { error: `is not a provider: use ${PROVIDERS.join(" or ")}` }).default("github"),
    knownHosts: z.string().default("").describe("known_hosts lines of the gitops repository's SSH host (with --gitops-ssh-key)"),
  })
  .strict();

const verify = z
  .object({
    argocdServer: connectionInputs.shape.server
      .default("")
      .describe('Argo CD server URL (https, with the --argocd-token secret); "" with --argocd-kubeconfig or for no verify'),
    insecure: z.boolean().default(false).describe("skip TLS verification of the Argo CD server: true or false"),
    namespace: connectionInputs.shape.namespace.default(DEFAULTS.argocdNamespace),
    probeUrl: verifyInputs.shape.probeUrl.default("").describe('URL of the deployed app that must answer 2xx after the deploy; "" for none'),
    timeout: verifyInputs.shape.timeout.default(DEFAULTS.verifyTimeout).describe("seconds verify waits for Synced, Healthy and the probe together (1 to 3600)"),
    rollbackOnFailure: z.boolean().default(false).describe("when verify fails, roll the environment back to the image it ran before: true or false"),
  })
  .strict();

const notify = z
  .object({
    on: z.enum(NOTIFY_ON, { error: `is not a notify policy: use ${NOTIFY_ON.join(", ")}` }).default(DEFAULTS.notifyOn as "failure"),
  })
  .strict();

/** The whole file. Sections default to their defaults, so `{}` (or no file) is today's `ci`. */
export const appSettingsSchema = z
  .object({
    image: image.prefault({}),
    lint: lint.prefault({}),
    test: test.prefault({}),
    scan: scan.prefault({}),
    e2e: e2e.prefault({}),
    smoke: smoke.prefault({}),
    release: release.prefault({}),
    deploy: deploy.prefault({}),
    gitops: gitops.prefault({}),
    verify: verify.prefault({}),
    notify: notify.prefault({}),
    signing: signingSettings.prefault({}),
  })
  .strict();

/** The settings, parsed and with every default filled in. */
export type AppSettings = z.output<typeof appSettingsSchema>;

/** The settings of a file's text; an InputError names the file, the YAML path and the fix. */
export function parseAppSettings(text: string, file = SETTINGS_FILE): AppSettings {
  return loadYaml(text, file, appSettingsSchema, SETTINGS_DOCS);
}

/** The settings when the app directory has no settings file: every default. */
export function defaultAppSettings(): AppSettings {
  return appSettingsSchema.parse({});
}
