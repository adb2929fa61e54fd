/**
 * Scan stage: Trivy on the built image, read as an OCI tarball (no registry, no daemon: an image
 * of any platform is scanned without running it). Writes a CycloneDX SBOM and a JSON
 * vulnerability report; runs with "any exit code" so the run object holds the report and
 * `assert` fails on the chosen severities. Also the secret scan of the app source. The app's
 * `.trivyignore` / `.trivyignore.yaml`, when present, is mounted and applied to both, and its
 * waivers are listed in the run.
 */
import { dag, CacheSharingMode, ReturnType, type Container, type Directory, type File } from "@dagger.io/dagger";
import { TRIVY_PATHS, trivySbomArgv, trivyScanArgv, trivySecretArgv, type TrivyScanOptions, type TrivySeverity } from "../core/app/trivy.js";
import { scanReport, scanResult } from "../core/app/trivy-report.js";
import { redactedSecretsJson, secretsReport } from "../core/app/trivy-secrets.js";
import { parseIgnoreFile, pickIgnoreFile, waiverLines } from "../core/app/trivyignore.js";
import { combineScans, type ScanPart } from "../core/app/scan-gate.js";
import { ranAtOf, withRanAt } from "../core/run.js";
import { ranAt } from "../core/ran-at.js";
import { Run } from "../run.js";

/** The app's ignore file: its name, the file, and its waivers as lines for the run. */
export interface IgnoreFile {
  name: string;
  file: File;
  waivers: string[];
}

/** Options of the image scan. */
export interface ScanOptions extends Omit<TrivyScanOptions, "ignoreFile"> {
  /** Severities that fail the scan. */
  failOn: readonly TrivySeverity[];
  /** UTC day (YYYY-MM-DD): the scan re-runs once a day, as the vulnerability DB changes. */
  day: string;
  /** The app's ignore file, when it has one. */
  ignore?: IgnoreFile;
  /** Set to force a fresh run instead of the day's cached one (see runScan). */
  attempt?: string;
}

/** Where the scan containers write their reports. */
const REPORTS = "/reports";

/** The app's ignore file, read from the top of its directory; undefined when it has none. */
export async function ignoreFileOf(source: Directory, day: string): Promise<IgnoreFile | undefined> {
  const name = pickIgnoreFile(await source.entries());
  if (name === undefined) return undefined;
  const file = source.file(name);
  return { name, file, waivers: waiverLines(name, parseIgnoreFile(name, await file.contents()), day) };
}

/** A Trivy container with the app's ignore file (if any) where the argv points. */
function trivyBase(trivyImage: string, ignore: IgnoreFile | undefined): Container {
  const c = dag.container().from(trivyImage).withDirectory(REPORTS, dag.directory());
  return ignore ? c.withFile(`${TRIVY_PATHS.ignoreDir}/${ignore.name}`, ignore.file) : c;
}

/** The scan container: DB cache volume, image tarball, SBOM, then the vulnerability scan. */
export function scanContainer(trivyImage: string, image: File, o: ScanOptions): Container {
  return (
    trivyBase(trivyImage, o.ignore)
      // Locked: Trivy's database and cache are bolt files one process holds at a time; the
      // platforms' scans take turns instead of timing out on each other's lock.
      .withMountedCache(TRIVY_PATHS.cache, dag.cacheVolume("gitops-pipeline-trivy"), { sharing: CacheSharingMode.Locked })
      .withFile(TRIVY_PATHS.image, image)
      .withEnvVariable("SCAN_DAY", o.day)
      .with((c) => (o.attempt ? c.withEnvVariable("SCAN_ATTEMPT", o.attempt) : c))
      .withExec(trivySbomArgv())
      .withExec(trivyScanArgv(o.failOn, { ...o, ...(o.ignore ? { ignoreFile: o.ignore.name } : {}) }), { expect: ReturnType.Any })
  );
}

/** The secret scan container: the app source, Trivy's secret rules, any exit code. */
export function secretsContainer(trivyImage: string, source: Directory, ignore?: IgnoreFile): Container {
  return trivyBase(trivyImage, ignore).withDirectory(TRIVY_PATHS.source, source).withExec(trivySecretArgv(ignore?.name), { expect: ReturnType.Any });
}

/** The reports the container wrote, by path. */
async function written(c: Container): Promise<(path: string) => boolean> {
  const entries = await c.directory(REPORTS).entries();
  return (path: string) => entries.includes(path.slice(REPORTS.length + 1));
}

/** Scan `image`: SBOM and vulnerability report as artifacts (those Trivy wrote), judged on the failing severities. */
export async function runScan(trivyImage: string, image: File, o: ScanOptions): Promise<Run> {
  const startedAt = Date.now();
  const outputs = (c: Container) => Promise.all([c.exitCode(), c.stderr(), written(c), ranAt(c)] as const);
  let c = scanContainer(trivyImage, image, o);
  let [code, stderr, has, ran] = await outputs(c);
  if (replayedFailure(has(TRIVY_PATHS.report), ran, startedAt)) {
    // The day's first scan failed before writing a report (e.g. the DB download) and the engine
    // replayed that failure from its cache: try once more, fresh.
    c = scanContainer(trivyImage, image, { ...o, attempt: String(startedAt) });
    [code, stderr, has, ran] = await outputs(c);
  }
  const report = has(TRIVY_PATHS.report) ? await c.file(TRIVY_PATHS.report).contents() : undefined;
  const r = scanReport(scanResult(code, report, o.failOn, stderr), o.failOn, {
    ...(o.ignoreUnfixed ? { ignoreUnfixed: true } : {}),
    waivers: o.ignore?.waivers ?? [],
  });
  let artifacts = dag.directory();
  if (has(TRIVY_PATHS.report)) artifacts = artifacts.withFile("trivy.json", c.file(TRIVY_PATHS.report));
  if (has(TRIVY_PATHS.sbom)) artifacts = artifacts.withFile("sbom.cdx.json", c.file(TRIVY_PATHS.sbom));
  return Run.of(withRanAt(r, ran), artifacts);
}

/** A scan without a report whose work ran before this call started (unix seconds vs ms): a failure replayed from the cache. */
export function replayedFailure(wroteReport: boolean, ranAtSeconds: number, startedAtMs: number): boolean {
  return !wroteReport && Number.isFinite(ranAtSeconds) && ranAtSeconds * 1000 < startedAtMs - 1000;
}

/** Scan the app source for secrets; the artifact is the redacted report (secrets.json). */
export async function runSecretScan(trivyImage: string, source: Directory, ignore?: IgnoreFile): Promise<Run> {
  const c = secretsContainer(trivyImage, source, ignore);
  const [code, stderr, has, ran] = await Promise.all([c.exitCode(), c.stderr(), written(c), ranAt(c)]);
  const raw = has(TRIVY_PATHS.secrets) ? await c.file(TRIVY_PATHS.secrets).contents() : undefined;
  const { report, hits } = secretsReport(code, raw, stderr, ignore?.waivers ?? []);
  const artifacts = raw === undefined ? dag.directory() : dag.directory().withNewFile("secrets.json", redactedSecretsJson(hits));
  return Run.of(withRanAt(report, ran), artifacts);
}

/** A scan and what it scanned, with its files. */
export interface LabelledRun {
  label: string;
  /** Folder of its files in the combined run ("" = top level). */
  folder: string;
  run: Run;
}

/** Several scans as one run: one verdict, every part's files in its own folder. */
export function combineRuns(stage: string, scanned: string, runs: readonly LabelledRun[]): Run {
  const parts: ScanPart[] = runs.map((r) => ({ label: r.label, report: r.run.result }));
  const times = parts.map((p) => ranAtOf(p.report)).filter((t): t is number => t !== undefined);
  const report = combineScans(stage, scanned, parts);
  let artifacts = dag.directory();
  for (const r of runs) artifacts = artifacts.withDirectory(r.folder || ".", r.run.artifacts);
  return Run.of(times.length ? withRanAt(report, Math.max(...times)) : report, artifacts);
}

/** Folder name of a platform's scan files: linux/arm64/v8 → scan-linux-arm64-v8. */
export function platformFolder(platform: string): string {
  return `scan-${platform.replace(/\//g, "-")}`;
}
