/**
 * Scan stage: Trivy on the built image, read as an OCI tarball (no registry, no daemon). Writes a
 * CycloneDX SBOM and a JSON vulnerability report; runs with "any exit code" so the run object
 * holds the report and `assert` fails on the chosen severities.
 */
import { dag, func, object, ReturnType, type Container, type File } from "@dagger.io/dagger";
import { TRIVY_PATHS, parseSeverities, scanReport, scanResult, trivySbomArgv, trivyScanArgv, type TrivyDbOptions, type TrivySeverity } from "../core/app/trivy.js";
import { assertRun, reportJson, type RunReport } from "../core/run.js";
import { Finding, findingsOf } from "../finding.js";
import { ranAt } from "../provenance.js";

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

/** A finished Trivy scan: SBOM and report first, failure only when `assert` is called. */
@object()
export class ScanRun {
  /** Severities that fail the scan, comma-separated. */
  @func()
  failOn: string;

  /** The container Trivy ran in (after the scan). */
  @func()
  container: Container;

  /**
   * @param failOn Severities that fail the scan, comma-separated.
   * @param container The container Trivy ran in (after the scan).
   */
  constructor(failOn: string, container: Container) {
    this.failOn = failOn;
    this.container = container;
  }

  /** True when no vulnerability of the failing severities was found. */
  @func()
  async passed(): Promise<boolean> {
    return (await this.result()).passed;
  }

  /** One line: counts per failing severity. */
  @func()
  async summary(): Promise<string> {
    return (await this.result()).summary;
  }

  /** One line per vulnerability: id, package, installed and fixed version. */
  @func()
  async details(): Promise<string> {
    return (await this.result()).details;
  }

  /** Each vulnerability, typed: rule is the CVE, object the package, path the fixed version. */
  @func()
  async findings(): Promise<Finding[]> {
    return findingsOf((await this.result()).findings);
  }

  /** The whole run as JSON (scan-report.json). */
  @func()
  async report(): Promise<File> {
    return dag.directory().withNewFile("scan-report.json", reportJson(await this.result())).file("scan-report.json");
  }

  /** Return the summary; fail with it and the details when a vulnerability of the failing severities was found. */
  @func()
  async assert(): Promise<string> {
    return assertRun(await this.result());
  }

  /** Trivy's own JSON vulnerability report. */
  @func()
  trivyReport(): File {
    return this.container.file(TRIVY_PATHS.report);
  }

  /** CycloneDX SBOM of the image. */
  @func()
  sbom(): File {
    return this.container.file(TRIVY_PATHS.sbom);
  }

  /** Unix time at which Trivy ran (earlier than the call: replayed from the engine's cache). */
  async ranAt(): Promise<number> {
    return ranAt(this.container);
  }

  private async result(): Promise<RunReport> {
    const failOn = parseSeverities(this.failOn);
    const [code, report] = await Promise.all([this.container.exitCode(), this.trivyReport().contents()]);
    return scanReport(scanResult(code, report, failOn), failOn);
  }
}
