/**
 * Scan stage: Trivy on the built image, read as an OCI tarball (no registry, no daemon). Writes a
 * CycloneDX SBOM and a JSON vulnerability report; runs with "any exit code" so the run object
 * holds the report and `assert()` fails on the chosen severities.
 */
import { dag, object, func, ReturnType, type Container, type Directory, type File } from "@dagger.io/dagger";
import { InputError, StageError } from "../core/errors.js";
import { parsePlatforms } from "../core/app/platforms.js";
import { TRIVY_PATHS, parseSeverities, scanResult, trivySbomArgv, trivyScanArgv, type ScanResult, type TrivyDbOptions, type TrivySeverity } from "../core/app/trivy.js";
import { buildVariants, checkDockerfile, imageTarball, type BuildOptions } from "./build.js";

/** Options of the scan. */
export interface ScanOptions extends TrivyDbOptions {
  /** Severities that fail the scan, comma-separated. */
  severity: string;
  /** UTC day (YYYY-MM-DD): the scan re-runs once a day, as the vulnerability DB changes. */
  day: string;
}

/** The scan container: DB cache volume, image tarball, SBOM, then the vulnerability scan. */
export function scanContainer(trivyImage: string, image: File, failOn: readonly TrivySeverity[], o: ScanOptions): Container {
  return dag
    .container()
    .from(trivyImage)
    .withMountedCache(TRIVY_PATHS.cache, dag.cacheVolume("gitops-pipeline-trivy"))
    .withFile(TRIVY_PATHS.image, image)
    .withDirectory("/reports", dag.directory())
    .withEnvVariable("SCAN_DAY", o.day)
    .withExec(trivySbomArgv())
    .withExec(trivyScanArgv(failOn, o), { expect: ReturnType.Any });
}

/** Scan stage: validate, build one platform's image, scan its tarball. */
export async function scan(pythonImage: string, trivyImage: string, source: Directory, o: ScanOptions & BuildOptions): Promise<ScanRun> {
  const failOn = parseSeverities(o.severity, "severity");
  if (parsePlatforms(o.platforms, "platform").length !== 1) {
    throw new InputError("platform", "the scan takes exactly one platform", "pass one platform, e.g. linux/amd64");
  }
  const [variant] = buildVariants(pythonImage, source, o);
  await checkDockerfile(source, o.dockerfile);
  return new ScanRun(failOn.join(","), scanContainer(trivyImage, imageTarball(variant!, "scanned-image:scan"), failOn, o));
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

  /** Trivy's JSON vulnerability report (the failing severities only). */
  @func()
  report(): File {
    return this.container.file(TRIVY_PATHS.report);
  }

  /** CycloneDX SBOM of the image. */
  @func()
  sbom(): File {
    return this.container.file(TRIVY_PATHS.sbom);
  }

  /** Counts per severity, then one line per vulnerability (id, package, installed and fixed version). */
  @func()
  async summary(): Promise<string> {
    return (await this.result()).summary;
  }

  /** True when the run found nothing that fails it (what `assert` checks). */
  @func()
  async passed(): Promise<boolean> {
    return (await this.result()).ok;
  }

  /** Fail with the summary when a vulnerability of the failing severities was found. */
  @func()
  async assert(): Promise<void> {
    const r = await this.result();
    if (!r.ok) throw new StageError("scan", r.summary);
  }

  private async result(): Promise<ScanResult> {
    const [code, report] = await Promise.all([this.container.exitCode(), this.report().contents()]);
    return scanResult(code, report, parseSeverities(this.failOn));
  }
}
