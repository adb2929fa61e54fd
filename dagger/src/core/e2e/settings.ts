/**
 * Inputs of the e2e stage, validated before anything runs, and the time budget they imply.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import { OCI_TAG } from "../app/tags.js";

/** Default time budget of the whole e2e run, in seconds (the issue's 5 minutes). */
export const E2E_DEFAULT_TIMEOUT = 300;

/** Smallest accepted budget: the fixed reserves below plus a minimum for creating the cluster. */
export const E2E_MIN_TIMEOUT = 240;

/**
 * Seconds kept back from the setup (cluster, load, install, rollout) so that whatever happens the
 * probes, helm test, diagnostics and teardown still fit in the stage's timeout.
 */
export const E2E_RESERVE = { probes: 30, helmTest: 45, diagnostics: 40, teardown: 20 } as const;

/** Where every phase's time goes, in seconds; the parts add up to the stage timeout. */
export interface E2eBudget {
  setup: number;
  probes: number;
  helmTest: number;
  diagnostics: number;
  teardown: number;
}

/** Split the stage timeout into phase budgets. */
export function e2eBudget(timeoutSeconds: number): E2eBudget {
  const reserved = E2E_RESERVE.probes + E2E_RESERVE.helmTest + E2E_RESERVE.diagnostics + E2E_RESERVE.teardown;
  return { setup: timeoutSeconds - reserved, ...E2E_RESERVE };
}

const dnsLabel = (max: number) =>
  z
    .string()
    .max(max, `at most ${max} characters`)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "lower-case letters, digits and '-', starting and ending with a letter or digit");

const relPath = z
  .string()
  .min(1, "must not be empty")
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a path inside the gitops directory (no leading '/', no '..')");

const schema = z.object({
  release: dnsLabel(53), // Helm's release name limit
  namespace: dnsLabel(63),
  environment: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and '-'"),
  chartPath: relPath,
  /** Applied in order with one `--values` each: a later file overrides an earlier one. */
  valuesPaths: z.array(relPath).min(1, "must name at least one values file"),
  version: z.string().regex(/^\S+$/, "must be a non-empty version without spaces"),
  imageTag: z.string().regex(OCI_TAG, "must be a valid image tag"),
  timeoutSeconds: z.number().int("must be whole seconds").min(E2E_MIN_TIMEOUT, `at least ${E2E_MIN_TIMEOUT} s`).max(3600, "at most 3600 s"),
});

/** Validated inputs of one e2e run. */
export type E2eSettings = z.infer<typeof schema> & {
  /** Repository the image is loaded under; the chart's `image.repository` is set to it. */
  imageRepository: string;
  /** Unique id of this run: busts the layer cache of every exec and names the service instance. */
  runId: string;
};

/** Raw inputs as the Dagger function receives them. */
export interface E2eInput {
  release: string;
  namespace: string;
  environment: string;
  chartPath: string;
  /** The environment's values files, in order; empty: `environments/<environment>/values.yaml`. */
  valuesPaths: readonly string[];
  version: string;
  timeoutSeconds: number;
  runId: string;
  /** Default `docker.io/library/gitops-demo`: fully qualified, as containerd stores it. */
  imageRepository?: string;
}

/** Validate the inputs; the first problem becomes an InputError naming the argument. */
export function e2eSettings(input: E2eInput): E2eSettings {
  const raw = {
    ...input,
    valuesPaths: input.valuesPaths.length > 0 ? [...input.valuesPaths] : [`environments/${input.environment}/values.yaml`],
    imageTag: `e2e-${input.runId}`,
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const arg = String(issue.path[0] ?? "input");
    // The Dagger argument behind the list is --values-path (or the environment's `values` in gitops-pipeline.yaml).
    const name = arg === "timeoutSeconds" ? "timeout" : arg === "imageTag" ? "runId" : arg === "valuesPaths" ? "valuesPath" : arg;
    const field = (raw as Record<string, unknown>)[arg];
    const value = Array.isArray(field) && typeof issue.path[1] === "number" ? field[issue.path[1]] : field;
    throw new InputError(name, `'${String(value)}' ${issue.message}`, `pass a valid --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  return { ...parsed.data, imageRepository: input.imageRepository ?? "docker.io/library/gitops-demo", runId: input.runId };
}

/** What the stage found in the gitops directory before starting anything. */
export interface GitopsPresence {
  chart: boolean;
  /** Whether each of `valuesPaths` exists, in the same order. */
  values: readonly boolean[];
}

/** Fail before anything runs when the chart or any of the environment's values files is missing. */
export function checkGitopsInputs(s: E2eSettings, found: GitopsPresence): void {
  if (!found.chart) {
    throw new InputError(
      "chartPath",
      `no Helm chart at '${s.chartPath}' in the gitops directory (no ${s.chartPath}/Chart.yaml)`,
      "pass --chart-path with the chart's directory relative to --gitops, or point --gitops at the directory holding the chart",
    );
  }
  const missing = s.valuesPaths.filter((_, i) => found.values[i] !== true);
  if (missing.length > 0) {
    const of = s.valuesPaths.length > 1 ? ` (of its ${s.valuesPaths.length} values files: ${s.valuesPaths.join(", ")})` : "";
    throw new InputError(
      "valuesPath",
      `no values file '${missing.join("', '")}' for environment '${s.environment}' in the gitops directory${of}`,
      "fix the environment's values list in gitops-pipeline.yaml, pass --environment with an environment that has values, or --values-path relative to --gitops",
    );
  }
}
