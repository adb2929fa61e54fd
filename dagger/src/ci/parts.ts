/**
 * What `ci` calls on the pipeline's objects, as shapes: App, Manifests, GitopsRepo, ArgoCd and
 * PublishedImage satisfy them (index.ts hands the objects in). ci names only the methods it uses,
 * so it imports none of those files and stays one floor above the stages instead of above the objects.
 */
import type { Container, File, Secret } from "@dagger.io/dagger";
import type { TrivySeverity } from "../core/app/trivy.js";
import type { Run } from "../run.js";

/** The image ci pushed: where it is, and signing it (PublishedImage). */
export interface CiPublishedImage {
  /** Repository the image was pushed to. */
  repository: string;
  /** Digest of the pushed image (or index). */
  digest: string;
  /** Tags pushed. */
  tags: string[];
  /** repository@digest. */
  ref(): string;
  /** Sign the image and attest its SBOMs and provenance (arguments as PublishedImage.sign). */
  sign(
    ref: string,
    builder: string,
    sourceRepository?: string,
    key?: Secret,
    password?: Secret,
    identityToken?: Secret,
    sboms?: File[],
    registryUsername?: string,
    registryPassword?: Secret,
    certificate?: File,
    certificateChain?: File,
    fulcioUrl?: string,
    rekorUrl?: string,
    transparencyLog?: boolean,
  ): Promise<Run>;
}

/** The app's stages ci runs (App). */
export interface CiApp {
  /** Lint with the given linters. */
  lint(linters: string[]): Promise<Run>;
  /** Tests with the coverage gate. */
  test(minCoverage: number): Promise<Run>;
  /** One image per platform. */
  build(platforms: string[]): Promise<Container[]>;
  /** The source's secret scan. */
  scanSecrets(): Promise<Run>;
  /** The vulnerability scan of every platform's image. */
  scanPlatforms(
    variants: readonly { platform: string; image: Container }[],
    o: { failOn: TrivySeverity[]; dbRepository: string; skipDbUpdate: boolean; ignoreUnfixed: boolean },
  ): Promise<Run>;
  /** Push the images (arguments as App.publish). */
  publish(
    image: string,
    run: string,
    environment?: string,
    branch?: string,
    release?: boolean,
    tagTemplates?: string[],
    username?: string,
    password?: Secret,
    platforms?: string[],
  ): Promise<CiPublishedImage>;
}

/** The gitops tree's stages ci runs (Manifests). */
export interface CiManifests {
  /** Validate every environment. */
  validate(): Promise<Run>;
  /** The smoke test of the image with the environment's rendered runtime. */
  smoke(environment: string, image: Container, version: string): Promise<Run>;
  /** The end-to-end test in a throwaway cluster. */
  endToEnd(environment: string, image: Container, version: string): Promise<Run>;
}

/** The write-backs ci runs (GitopsRepo). */
export interface CiRepo {
  /** Bump the environment to the pushed tag and digest. */
  bump(tag: string, environment: string, digest: string, repository: string, appVersion: string, sourceCommit: string): Promise<Run>;
  /** Roll the environment back to its previous image. */
  rollback(environment: string): Promise<Run>;
}

/** The deployment check ci runs (ArgoCd). */
export interface CiArgoCd {
  /** Wait until Argo CD has synced the revision and the app is healthy. */
  verify(environment: string, revision: string, timeout: number, probeUrl: string): Promise<Run>;
}
