/**
 * The app: the Python source the pipeline lints, tests, builds, scans and publishes. It holds the
 * build identity (version, revision, Dockerfile) once for every function that builds.
 */
import { func, object, type Container, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { appInputs, buildInputs, checkCredentials, lintInputs, publishInputs, scanInputs, tarballInputs, testInputs } from "../core/app/inputs.js";
import { buildVersionOf } from "../core/app/image-build.js";
import { DEFAULT_LINTERS, DEFAULT_PLATFORMS, DEFAULTS } from "../core/defaults.js";
import { parseInputs } from "../core/inputs.js";
import type { Toolchain } from "../toolchain.js";
import { VERSIONS } from "../core/versions.js";
import { build, buildTarball, imageTarball, type BuildOptions } from "./build.js";
import { runLint } from "./lint.js";
import { PublishedImage, publish } from "./publish.js";
import { combineRuns, ignoreFileOf, platformFolder, runScan, runSecretScan, type LabelledRun, type ScanOptions } from "./scan.js";
import { scannedPlatforms } from "../core/app/scan-gate.js";
import { runTests } from "./test.js";
import { readProject, type ProjectOptions } from "./python.js";
import type { DependencyChoice } from "../core/app/dependencies.js";
import type { Run } from "../run.js";

/** The app of the pipeline: lint, test, build, image-tarball, publish, scan, scan-secrets. */
@object()
export class App {
  /** The app directory. */
  source: Directory;

  /** The pipeline's toolchain. */
  toolchain: Toolchain;

  /** App semver ("" when not given: builds are then 0.0.0-<short revision>). */
  version: string;

  /** Git commit being built. */
  revision: string;

  /** Dockerfile path inside the app directory. */
  dockerfile: string;

  /** Source repository URL for the image's org.opencontainers.image.source label ("" for the Dockerfile's default). */
  sourceUrl: string;

  /** Python minor version of the stages ("": the project's .python-version or requires-python). */
  python: string;

  /** Where the dependencies are declared: auto, requirements, pyproject, uv, poetry or none. */
  dependencies: string;

  /**
   * @param source The app directory.
   * @param toolchain The pipeline's toolchain.
   * @param version App semver, or "".
   * @param revision Git commit being built.
   * @param dockerfile Dockerfile path inside the app directory.
   * @param sourceUrl Source repository URL, or "".
   * @param python Python minor version, or "" to detect it.
   * @param dependencies Dependency source, or "auto".
   */
  constructor(
    source: Directory,
    toolchain: Toolchain,
    version: string,
    revision: string,
    dockerfile: string,
    sourceUrl: string,
    python: string = "",
    dependencies: string = DEFAULTS.dependencies,
  ) {
    const i = parseInputs(appInputs, { version, revision, dockerfile, sourceUrl, python, dependencies });
    this.source = source;
    this.toolchain = toolchain;
    this.version = i.version;
    this.revision = i.revision;
    this.dockerfile = i.dockerfile;
    this.sourceUrl = i.sourceUrl;
    this.python = i.python;
    this.dependencies = i.dependencies;
  }

  /** How the stages read the project: the --python and --dependencies of app. */
  private get project(): ProjectOptions {
    return { python: this.python, dependencies: this.dependencies as DependencyChoice };
  }

  /** The Python image the build passes as PYTHON_IMAGE: the project's (see lint and test). */
  private async buildImage(): Promise<string> {
    return (await readProject(this.toolchain, this.source, this.project)).python.image;
  }

  /** What every build of this app is built with. */
  private buildOptions(platforms: readonly string[]): BuildOptions {
    return {
      platforms,
      version: buildVersionOf(this.version, this.revision),
      revision: this.revision,
      dockerfile: this.dockerfile,
      ...(this.sourceUrl ? { sourceUrl: this.sourceUrl } : {}),
    };
  }

  /**
   * Lint the app with several linters at once, one run (artifacts: each linter's own report). The
   * security rules (ruff's S, from bandit) are always on, whatever the app's own config selects.
   *
   * @param linters Linters to run by name, any case (ruff_format too): ruff, ruff-format or another of the linter table of docs/app-stages.md.
   */
  @func()
  async lint(linters: string[] = DEFAULT_LINTERS): Promise<Run> {
    const i = parseInputs(lintInputs, { linters });
    return runLint(this.toolchain, this.source, i.linters, this.project);
  }

  /**
   * Run the app's tests with pytest and a coverage gate. Returns the run (artifacts: junit.xml, coverage.xml).
   *
   * @param minCoverage Minimum total coverage in percent (lines and branches, as coverage.py counts them).
   */
  @func()
  async test(minCoverage: number = DEFAULTS.minCoverage): Promise<Run> {
    const i = parseInputs(testInputs, { minCoverage });
    return runTests(this.toolchain, this.source, i.minCoverage, this.project);
  }

  /**
   * Build the app image from its Dockerfile, one container per platform (OCI labels from version and revision).
   *
   * @param platforms Platforms to build, os/arch[/variant].
   */
  @func()
  async build(platforms: string[] = DEFAULT_PLATFORMS): Promise<Container[]> {
    const i = parseInputs(buildInputs, { platforms });
    return build(await this.buildImage(), this.source, this.buildOptions(i.platforms));
  }

  /**
   * Build the app image for one platform as a gzip OCI tarball named for `docker load` / `kind load image-archive`.
   *
   * @param name Name:tag the image loads under.
   * @param platform The one platform to build.
   */
  @func()
  async imageTarball(name: string = DEFAULTS.tarballName, platform: string = DEFAULTS.platform): Promise<File> {
    const i = parseInputs(tarballInputs, { name, platform });
    return buildTarball(await this.buildImage(), this.source, { ...this.buildOptions([i.platform]), imageName: i.name });
  }

  /**
   * Build and push the app as one multi-arch image under the pipeline's tags ({shortSha}-{run}
   * from the revision, plus version, environment and release tags); returns the digest-pinned image.
   *
   * @param image Repository address without tag, e.g. ghcr.io/acme/gitops-demo.
   * @param run CI run number (e.g. $GITHUB_RUN_NUMBER), for the immutable {shortSha}-{run} tag.
   * @param environment Environment name: adds the {env}-latest tag.
   * @param branch Git branch, for tag templates using {branch} (sanitised into a valid tag).
   * @param release Also tag {version}, {major}.{minor} and {major} (never for pre-releases).
   * @param tagTemplates Tag templates replacing the defaults; placeholders {sha} {shortSha} {run} {version} {major} {minor} {patch} {branch} {env}.
   * @param username Registry user name.
   * @param password Registry password or token.
   * @param platforms Platforms to build and push, os/arch[/variant].
   */
  @func({ cache: "never" })
  async publish(
    image: string,
    run: string,
    environment: string = "",
    branch: string = "",
    release: boolean = false,
    tagTemplates: string[] = [],
    username: string = "",
    password?: Secret,
    platforms: string[] = DEFAULT_PLATFORMS,
  ): Promise<PublishedImage> {
    const i = parseInputs(publishInputs, {
      image,
      revision: this.revision,
      run,
      environment,
      branch,
      release,
      tagTemplates,
      username,
      hasPassword: password !== undefined,
      platforms,
    });
    checkCredentials(i); // before any engine read: a credential mistake fails at once
    const base = await this.buildImage();
    const published = await publish(base, this.source, {
      ...this.buildOptions(i.platforms),
      version: this.version,
      image: i.image,
      run: i.run,
      environment: i.environment,
      branch: i.branch,
      release: i.release,
      tagTemplates: i.tagTemplates,
      username: i.username,
      ...(password ? { password } : {}),
    });
    // What the provenance records as the build's inputs and toolchain (sign reads it).
    const tools = this.toolchain;
    const o = this.buildOptions(i.platforms);
    published.build = JSON.stringify({
      commit: this.revision,
      sourceUrl: this.sourceUrl,
      inputs: { dockerfile: o.dockerfile, platforms: [...o.platforms], version: o.version, baseImage: base },
      toolchain: { dagger: VERSIONS.dagger, pythonImage: tools.pythonImage, trivyImage: tools.trivyImage, cosignImage: tools.cosignImage, ...tools.python },
    });
    published.cosignImage = tools.cosignImage;
    return published;
  }

  /**
   * Scan the app image with Trivy (one platform) and write its CycloneDX SBOM; with secrets, also
   * scan the app source for secrets. The app's .trivyignore or .trivyignore.yaml, when present,
   * is applied and its waivers are listed in the run's details. Returns the run (artifacts:
   * trivy.json, sbom.cdx.json, secrets.json redacted); each finding names the package, installed
   * version, CVE, severity and fixed version (or "no fix").
   *
   * @param severity Severities that fail the scan, comma-separated (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL).
   * @param dbRepository OCI repository of Trivy's vulnerability database (a mirror); Trivy's default when empty.
   * @param skipDbUpdate Use the database already in the cache volume; never download (offline runs).
   * @param platform The one platform to build and scan.
   * @param ignoreUnfixed Report only vulnerabilities that have a fixed version (Trivy's --ignore-unfixed).
   * @param secrets Also scan the app source for secrets (keys, tokens); any secret found fails the run.
   */
  @func({ cache: "24h" })
  async scan(
    severity: string = DEFAULTS.severity,
    dbRepository: string = "",
    skipDbUpdate: boolean = false,
    platform: string = DEFAULTS.platform,
    ignoreUnfixed: boolean = false,
    secrets: boolean = true,
  ): Promise<Run> {
    const i = parseInputs(scanInputs, { severity, dbRepository, skipDbUpdate, platform, ignoreUnfixed, secrets });
    const [image] = await build(await this.buildImage(), this.source, this.buildOptions([i.platform]));
    const o = { failOn: i.severity, dbRepository: i.dbRepository, skipDbUpdate: i.skipDbUpdate, ignoreUnfixed: i.ignoreUnfixed };
    if (!i.secrets) return this.scanImage(image!, o);
    const [imageRun, secretRun] = await Promise.all([this.scanImage(image!, o), this.scanSecrets()]);
    return combineRuns("scan", `${i.platform} and the source's secrets`, [
      { label: i.platform, folder: "", run: imageRun },
      { label: "source secrets", folder: "", run: secretRun },
    ]);
  }

  /**
   * Scan the app source for secrets (cloud keys, tokens, private keys) with Trivy's secret rules;
   * needs no vulnerability database. Any secret not waived in .trivyignore fails the run. Each
   * finding names the file, line and rule, never the secret. Returns the run (artifact:
   * secrets.json, redacted).
   */
  @func({ cache: "24h" })
  async scanSecrets(): Promise<Run> {
    return runSecretScan(this.toolchain.trivyImage, this.source, await ignoreFileOf(this.source, today()));
  }

  /** Scan an image of this app (ci scans the very image it built). */
  async scanImage(image: Container, o: Omit<ScanOptions, "day" | "ignore">): Promise<Run> {
    const day = today();
    const ignore = await ignoreFileOf(this.source, day);
    return runScan(this.toolchain.trivyImage, imageTarball(image, "scanned-image:scan"), { ...o, day, ...(ignore ? { ignore } : {}) });
  }

  /** Scan each platform image of a build (ci: every platform it publishes), as one run; each platform's files in scan-<os>-<arch>/. */
  async scanPlatforms(variants: readonly { platform: string; image: Container }[], o: Omit<ScanOptions, "day" | "ignore">): Promise<Run> {
    const runs: LabelledRun[] = await Promise.all(
      variants.map(async (v) => ({ label: v.platform, folder: variants.length > 1 ? platformFolder(v.platform) : "", run: await this.scanImage(v.image, o) })),
    );
    return combineRuns("scan", scannedPlatforms(variants.map((v) => v.platform)), runs);
  }
}

/** Today (UTC, YYYY-MM-DD): the scans' cache key of the day, and what "expired" means for a waiver. */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}
