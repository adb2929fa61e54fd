/**
 * Scan stage: Trivy on the built image, read as an OCI tarball (no registry, no daemon). Writes a
 * CycloneDX SBOM and a JSON vulnerability report; runs with "any exit code" so the run object
 * holds the report and `assert` fails on the chosen severities.
 */
import { dag, ReturnType, type Container, type File } from "@dagger.io/dagger";
import { TRIVY_PATHS, scanReport, scanResult, trivySbomArgv, trivyScanArgv, type TrivyDbOptions, type TrivySeverity } from "../core/app/trivy.js";
import { ranAt } from "../provenance.js";
import { Run } from "../run.js";

/** Options of the scan. */
export interface ScanOptions extends TrivyDbOptions {
  /** Severities that fail the scan. */
  failOn: readonly TrivySeverity[];
  /** UTC day (YYYY-MM-DD): the scan re-runs once a day, as the vulnerability DB changes. */
  day: string;
}

/** The scan container: DB cache volume, image tarball, SBOM, then the vulnerability scan. */
export function scanContainer(trivyImage: string, image: File, o: ScanOptions): Container {
  return dag
    .container()
    .from(trivyImage)
    .withMountedCache(TRIVY_PATHS.cache, dag.cacheVolume("gitops-pipeline-trivy"))
    .withFile(TRIVY_PATHS.image, image)
    .withDirectory("/reports", dag.directory())
    .withEnvVariable("SCAN_DAY", o.day)
    .withExec(trivySbomArgv())
    .withExec(trivyScanArgv(o.failOn, o), { expect: ReturnType.Any });
}

/** Scan `image`: SBOM and vulnerability report as artifacts, judged on the failing severities. */
export async function runScan(trivyImage: string, image: File, o: ScanOptions): Promise<Run> {
  const c = scanContainer(trivyImage, image, o);
  const [code, report, ran] = await Promise.all([c.exitCode(), c.file(TRIVY_PATHS.report).contents(), ranAt(c)]);
  const r = scanReport(scanResult(code, report, o.failOn), o.failOn);
  const artifacts = dag.directory().withFile("trivy.json", c.file(TRIVY_PATHS.report)).withFile("sbom.cdx.json", c.file(TRIVY_PATHS.sbom));
  return Run.of({ ...r, data: { ...r.data, ranAt: ran } }, artifacts);
}
