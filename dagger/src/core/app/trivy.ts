/**
 * The scan stage's Trivy argv: the image's vulnerability scan and SBOM (the image read as an OCI
 * tarball, `trivy image --input`, so no registry or daemon is needed) and the secret scan of the
 * app source (`trivy fs --scanners secret`, which needs no vulnerability database).
 */
import { InputError } from "../errors.js";

/** Trivy's severities, lowest first. */
export const TRIVY_SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type TrivySeverity = (typeof TRIVY_SEVERITIES)[number];

/** Default: fail the scan on these. */
export const DEFAULT_FAIL_ON = "CRITICAL,HIGH";

/** Paths inside the scan container. */
export const TRIVY_PATHS = {
  image: "/scan/image.tar",
  cache: "/root/.cache/trivy",
  report: "/reports/trivy.json",
  sbom: "/reports/sbom.cdx.json",
  /** The app source, for the secret scan. */
  source: "/scan/source",
  secrets: "/reports/secrets.json",
  /** Cache of the secret scan: its own, so it never waits for the image scans' locked volume. */
  secretsCache: "/tmp/trivy-secrets-cache",
  /** Folder the app's ignore file is mounted in, under its own name (Trivy reads YAML by the extension). */
  ignoreDir: "/scan/ignore",
} as const;

/** Parse `CRITICAL,HIGH` (any case, spaces allowed); InputError naming `arg` otherwise. */
export function parseSeverities(raw: string, arg = "severity"): TrivySeverity[] {
  const items = raw
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== "");
  if (items.length === 0) throw new InputError(arg, "no severity given", `pass some of ${TRIVY_SEVERITIES.join(",")}, e.g. ${DEFAULT_FAIL_ON}`);
  const bad = items.find((s) => !(TRIVY_SEVERITIES as readonly string[]).includes(s));
  if (bad !== undefined) throw new InputError(arg, `"${bad}" is not a Trivy severity`, `use ${TRIVY_SEVERITIES.join(", ")}`);
  return TRIVY_SEVERITIES.filter((s) => items.includes(s));
}

/** Where Trivy gets its vulnerability database. */
export interface TrivyDbOptions {
  /** OCI repository of the vulnerability DB (a mirror in air-gapped networks); Trivy's default when empty. */
  dbRepository?: string;
  /** Use the DB already in the cache volume, never download (offline runs). */
  skipDbUpdate?: boolean;
}

/** What the app's scans are told besides the database. */
export interface TrivyScanOptions extends TrivyDbOptions {
  /** Report only vulnerabilities that have a fixed version (`--ignore-unfixed`). */
  ignoreUnfixed?: boolean;
  /** Name of the app's ignore file (.trivyignore or .trivyignore.yaml), mounted in TRIVY_PATHS.ignoreDir. */
  ignoreFile?: string;
}

/** `--ignorefile` for the mounted ignore file, with the waived findings kept in the report. */
function ignoreFlags(ignoreFile: string | undefined): string[] {
  // --show-suppressed keeps what the file waived in the JSON, so the run can show each waiver.
  return ignoreFile ? ["--ignorefile", `${TRIVY_PATHS.ignoreDir}/${ignoreFile}`, "--show-suppressed"] : [];
}

function dbFlags(o: TrivyDbOptions): string[] {
  const flags = ["--cache-dir", TRIVY_PATHS.cache];
  if (o.dbRepository) flags.push("--db-repository", o.dbRepository);
  if (o.skipDbUpdate) flags.push("--skip-db-update");
  return flags;
}

/**
 * argv of the vulnerability scan: JSON report of the given severities, exit code 1 when any is
 * found (the stage runs it with "any exit code" and judges from the report).
 */
export function trivyScanArgv(severities: readonly TrivySeverity[], o: TrivyScanOptions = {}): string[] {
  return [
    "trivy",
    "image",
    "--input",
    TRIVY_PATHS.image,
    ...dbFlags(o),
    "--scanners",
    "vuln",
    "--severity",
    severities.join(","),
    ...(o.ignoreUnfixed ? ["--ignore-unfixed"] : []),
    ...ignoreFlags(o.ignoreFile),
    "--exit-code",
    "1",
    "--format",
    "json",
    "--output",
    TRIVY_PATHS.report,
    "--quiet",
  ];
}

/**
 * argv of the secret scan of the app source: every secret Trivy's rules find, whatever its
 * severity (a leaked key is never acceptable), as JSON; exit code 1 when any is found.
 */
export function trivySecretArgv(ignoreFile?: string): string[] {
  return [
    "trivy",
    "fs",
    "--cache-dir",
    TRIVY_PATHS.secretsCache,
    "--scanners",
    "secret",
    ...ignoreFlags(ignoreFile),
    "--exit-code",
    "1",
    "--format",
    "json",
    "--output",
    TRIVY_PATHS.secrets,
    "--quiet",
    TRIVY_PATHS.source,
  ];
}

/** argv of the CycloneDX SBOM of the image (packages only: needs no vulnerability DB). */
export function trivySbomArgv(): string[] {
  return ["trivy", "image", "--input", TRIVY_PATHS.image, "--cache-dir", TRIVY_PATHS.cache, "--format", "cyclonedx", "--output", TRIVY_PATHS.sbom, "--quiet"];
}
