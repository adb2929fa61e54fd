/**
 * Inputs of the e2e stage, validated before anything runs, and the time budget they imply.
 */
import { z } from "zod";
import { DEFAULTS } from "../defaults.js";
import { InputError } from "../errors.js";
import { DNS_LABEL, environmentField, GITOPS_CONFIG_FILE, type EnvironmentLayout } from "../gitops-config.js";
import { intIn, parseInputs, versionField } from "../inputs.js";

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

const dnsLabel = (max: number, example: string) =>
  z
    .string()
    .max(max, { error: `is longer than ${max} characters` })
    .regex(DNS_LABEL, { error: "is not a DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit)" })
    .describe(`pass e.g. ${example}`);

/** The public inputs of the e2e function. */
export const e2eInputs = z.object({
  environment: environmentField,
  version: versionField,
  namespace: dnsLabel(63, "e2e"),
  timeout: intIn(E2E_MIN_TIMEOUT, 3600, DEFAULTS.e2eTimeout),
});

/** Validated inputs of one e2e run. */
export interface E2eSettings extends EnvironmentLayout {
  environment: string;
  version: string;
  namespace: string;
  timeoutSeconds: number;
  /** Tag the image is loaded under (one per run). */
  imageTag: string;
  /** Repository the image is loaded under; the chart's `image.repository` is set to it. */
  imageRepository: string;
  /** Unique id of this run: busts the layer cache of every exec and names the service instance. */
  runId: string;
}

/** Validate the public inputs (InputError naming the argument) and join them with the environment's layout. */
export function e2eSettings(input: z.input<typeof e2eInputs> & { layout: EnvironmentLayout; runId: string; imageRepository?: string }): E2eSettings {
  const i = parseInputs(e2eInputs, { environment: input.environment, version: input.version, namespace: input.namespace, timeout: input.timeout });
  if (!/^[a-z0-9]+$/.test(input.runId)) throw new InputError("runId", `"${input.runId}" is not a run id`, "pass lower-case letters and digits");
  return {
    ...input.layout,
    environment: i.environment,
    version: i.version,
    namespace: i.namespace,
    timeoutSeconds: i.timeout,
    imageTag: `e2e-${input.runId}`,
    imageRepository: input.imageRepository ?? "docker.io/library/gitops-demo",
    runId: input.runId,
  };
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
      `${GITOPS_CONFIG_FILE}: chart`,
      `no Helm chart at '${s.chartPath}' in the gitops directory (no ${s.chartPath}/Chart.yaml)`,
      "fix `chart:` in gitops-pipeline.yaml, or point --gitops at the directory holding the chart",
    );
  }
  const missing = s.valuesPaths.filter((_, i) => found.values[i] !== true);
  if (missing.length > 0) {
    const of = s.valuesPaths.length > 1 ? ` (of its ${s.valuesPaths.length} values files: ${s.valuesPaths.join(", ")})` : "";
    throw new InputError(
      `${GITOPS_CONFIG_FILE}: environments.${s.environment}.values`,
      `no values file '${missing.join("', '")}' for environment '${s.environment}' in the gitops directory${of}`,
      "fix the environment's values list in gitops-pipeline.yaml, or pass --environment with an environment that has values",
    );
  }
}
