/**
 * Build stage: one image per platform from the app's Dockerfile (`Directory.dockerBuild`), with
 * the build args that become its OCI labels. Returns the platform variants lazily, so publish
 * pushes them as one multi-arch image and e2e/scan take one of them as a tarball.
 */
import { dag, ImageLayerCompression, type Container, type Directory, type File, type Platform } from "@dagger.io/dagger";
import { dockerfilePath } from "../core/app/inputs.js";
import { DEFAULTS } from "../core/defaults.js";
import { requireDockerfile } from "../core/app/source.js";
import { InputError } from "../core/errors.js";
import { IMAGE_NAME_ANNOTATION, imageBuildArgs, imageName } from "../core/app/image-build.js";
import { parsePlatforms } from "../core/app/platforms.js";

/** Options of the build. */
export interface BuildOptions {
  /** Platforms, as a list and/or comma-separated (`linux/amd64,linux/arm64`). */
  platforms: readonly string[] | string;
  /** App semver (`VERSION` build arg). */
  version: string;
  /** Git commit (`REVISION` build arg). */
  revision: string;
  /** Dockerfile path inside the source directory. */
  dockerfile: string;
  /** Source repository URL (`SOURCE` build arg); omitted when empty. */
  sourceUrl?: string;
}

/**
 * The platform variants, built lazily. All inputs are validated first (InputError naming
 * `platforms`, `version`, `revision` or `dockerfile`); no engine call is made.
 */
export function buildVariants(pythonImage: string, source: Directory, o: BuildOptions): Container[] {
  const platforms = parsePlatforms(o.platforms, "platforms");
  const dockerfile = dockerfilePath(o.dockerfile);
  const buildArgs = imageBuildArgs({ version: o.version, revision: o.revision, pythonImage, ...(o.sourceUrl ? { sourceUrl: o.sourceUrl } : {}) });
  return platforms.map((platform) => source.dockerBuild({ platform: platform as Platform, dockerfile, buildArgs }));
}

/** Fail (InputError naming `source`) unless the Dockerfile exists: one directory listing. */
export async function checkDockerfile(source: Directory, dockerfile: string): Promise<void> {
  const path = dockerfilePath(dockerfile);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  const entries = await source.entries(dir ? { path: dir } : {}).catch(() => [] as string[]);
  requireDockerfile(entries, path);
}

/** Build stage: validate, check the Dockerfile exists, return one image per platform. */
export async function build(pythonImage: string, source: Directory, o: BuildOptions): Promise<Container[]> {
  const variants = buildVariants(pythonImage, source, o);
  await checkDockerfile(source, o.dockerfile);
  return variants;
}

/** The app image for the engine's own platform (a kind node's), with the default Dockerfile: what the end-to-end runs load into kind. */
export async function engineImage(pythonImage: string, source: Directory, o: { version: string; revision: string }): Promise<Container> {
  const [image] = await build(pythonImage, source, {
    platforms: [String(await dag.defaultPlatform())],
    version: o.version,
    revision: o.revision,
    dockerfile: DEFAULTS.dockerfile,
  });
  return image!;
}

/** One image as a gzip OCI tarball, annotated with the name it loads under. */
export function imageTarball(image: Container, name: string): File {
  return image.withAnnotation(IMAGE_NAME_ANNOTATION, imageName(name)).asTarball({ forcedCompression: ImageLayerCompression.Gzip });
}

/** Build one platform's image and return it as a tarball named `name` (for e2e and scan). */
export async function buildTarball(pythonImage: string, source: Directory, o: BuildOptions & { imageName: string }): Promise<File> {
  imageName(o.imageName); // validate before building anything
  if (parsePlatforms(o.platforms, "platform").length !== 1) {
    throw new InputError("platform", "a tarball holds exactly one platform", "pass one platform, e.g. linux/amd64");
  }
  const [variant] = await build(pythonImage, source, o);
  return imageTarball(variant!, o.imageName);
}
