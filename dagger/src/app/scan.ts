/**
 * Scan stage: Trivy on the built image, read as an OCI tarball (no registry, no daemon). Writes a
 * CycloneDX SBOM and a JSON vulnerability report; runs with "any exit code" so the run object
 * holds the report and `assert` fails on the chosen severities.
 */
import { dag, ReturnType, type Container, type File } from "@dagger.io/dagger";
import { TRIVY_PATHS, scanReport, scanResult, trivySbomArgv, trivyScanArgv, type TrivyDbOptions, type TrivySeverity } from "../core/app/trivy.js";
import { withRanAt } from "../core/run.js";
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
    .withDirectory(REPORTS, dag.directory())
    .withEnvVariable("SCAN_DAY", o.day)
    .withExec(trivySbomArgv())
    .withExec(trivyScanArgv(o.failOn, o), { expect: ReturnType.Any });
}

/** Where the scan container writes its reports. */
const REPORTS = "/reports";

/** Scan `image`: SBOM and vulnerability report as artifacts (those Trivy wrote), judged on the failing severities. */
export async function runScan(trivyImage: string, image: File, o: ScanOptions): Promise<Run> {
  const c = scanContainer(trivyImage, image, o);
  const [code, stderr, written, ran] = await Promise.all([c.exitCode(), c.stderr(), c.directory(REPORTS).entries(), ranAt(c)]);
  const has = (path: string) => written.includes(path.slice(REPORTS.length + 1));
  const report = has(TRIVY_PATHS.report) ? await c.file(TRIVY_PATHS.report).contents() : undefined;
  const r = scanReport(scanResult(code, report, o.failOn, stderr), o.failOn);
  let artifacts = dag.directory();
  if (has(TRIVY_PATHS.report)) artifacts = artifacts.withFile("trivy.json", c.file(TRIVY_PATHS.report));
  if (has(TRIVY_PATHS.sbom)) artifacts = artifacts.withFile("sbom.cdx.json", c.file(TRIVY_PATHS.sbom));
  return Run.of(withRanAt(r, ran), artifacts);
}
