/**
 * The validate stage: helm lint and helm template in the pinned helm image, kustomize build of
 * the overlays in the pinned kustomize image, kubeconform in the pinned kubeconform image, then
 * the policy, Argo CD and kustomize checks of the core over the rendered YAML. The logic lives in
 * `core/validate/validation.ts`; the containers (the core's port) in containers.ts.
 */
import { dag } from "@dagger.io/dagger";
import { reportJson, withRanAt } from "../core/run.js";
import { offlineSchemas } from "../core/validate/argv.js";
import { runValidation, validationReport } from "../core/validate/validation.js";
import { ranAt } from "../core/ran-at.js";
import { Run } from "../run.js";
import { ContainerPort, KUBECONFORM_BIN, KUSTOMIZE_BIN, kubeconformSetup, MOUNTS, type ValidateStageOptions } from "./containers.js";

/**
 * Run the validate stage. Bad input (no chart, unknown environment, values not YAML) throws
 * InputError. The run's artifacts: the rendered manifests (`rendered/<environment>.yaml`,
 * `rendered/kustomize/<environment>.yaml`; `rendered/<app>/<environment>.yaml` in a multi-app
 * tree) and validate-report.json.
 */
export async function validateStage(opts: ValidateStageOptions): Promise<Run> {
  const { schemas, crdSchemas, kubernetes } = opts.tools;
  const offline = schemas ? offlineSchemas(await schemas.entries(), MOUNTS.schemas, kubernetes, "schemas") : undefined;
  const kc = kubeconformSetup({ offline, schemas, crdSchemas: crdSchemas !== undefined });
  const port = new ContainerPort(opts, kc, Date.now());
  const res = await runValidation(port, {
    ...(opts.environments?.length ? { environments: opts.environments } : {}),
    ...(opts.app ? { app: opts.app } : {}),
    ...(opts.changedFiles?.length ? { changedFiles: opts.changedFiles } : {}),
    kubernetesVersion: kubernetes,
    kubeconform: { binary: KUBECONFORM_BIN, locations: kc.locations, ...(kc.cacheDir ? { cacheDir: kc.cacheDir } : {}) },
    kustomizeBinary: KUSTOMIZE_BIN,
  });
  const report = validationReport(res);
  // The stage ran when any of its kubeconform runs did (NaN: none ran).
  const times = (await Promise.all(port.kubeconforms.map(ranAt))).filter(Number.isFinite);
  const ran = times.length ? Math.max(...times) : Number.NaN;
  return Run.of(withRanAt(report, ran), dag.directory().withDirectory("rendered", port.rendered()).withNewFile("validate-report.json", reportJson(report)));
}
