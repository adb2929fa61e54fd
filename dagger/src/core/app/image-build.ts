/**
 * Inputs of the image build: the Dockerfile build arguments that become the image's OCI labels
 * (`org.opencontainers.image.version`, `.revision`, `.source`) and the app's APP_VERSION /
 * APP_COMMIT, and the image name the e2e tarball carries.
 */
import { InputError } from "../errors.js";
import { parseRepository, taggedRef } from "./registry.js";
import { COMMIT_ID, parseVersion } from "../inputs.js";

/**
 * The VERSION a build carries: the given version, else `0.0.0-<short commit>` so an unreleased
 * image still says which commit it is (`0.0.0-8855235`; `0.0.0-local` for a laptop run).
 */
export function buildVersionOf(version: string, revision: string): string {
  return version || `0.0.0-${shortCommit(revision)}`;
}

/**
 * First 7 characters of a hex commit, or the value sanitised into a semver pre-release (`local`).
 * All digits with a leading zero (`0123456`) is not a valid pre-release in semver, so it gets
 * git describe's `g` (`g0123456`).
 */
export function shortCommit(commit: string): string {
  const id = /^[0-9a-f]{7,40}$/i.test(commit)
    ? commit.slice(0, 7).toLowerCase()
    : commit
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || "local";
  return /^0[0-9]+$/.test(id) ? `g${id}` : id;
}

/** What the build args are made from. */
export interface ImageBuildInputs {
  /** Semver of the app (`buildVersionOf` gives the one of an untagged build). */
  version: string;
  /** Git commit (or `unknown`). */
  revision: string;
  /** URL of the source repository, for `org.opencontainers.image.source`; omitted when empty. */
  sourceUrl?: string;
  /** Base image the Dockerfile's `ARG PYTHON_IMAGE` should use (the pipeline's pinned image). */
  pythonImage?: string;
}

/** A Dockerfile build argument (same shape as the SDK's `BuildArg`). */
export interface BuildArgument {
  name: string;
  value: string;
}

/** The build args, validated: InputError naming `version` or `revision` when malformed. */
export function imageBuildArgs(i: ImageBuildInputs): BuildArgument[] {
  const version = parseVersion(i.version, "version").version;
  const revision = i.revision.trim();
  if (!COMMIT_ID.test(revision)) {
    throw new InputError("revision", `"${i.revision}" is not a commit id`, "pass the git commit being built, e.g. $(git rev-parse HEAD)");
  }
  const args: BuildArgument[] = [
    { name: "VERSION", value: version },
    { name: "REVISION", value: revision },
  ];
  if (i.sourceUrl) args.push({ name: "SOURCE", value: i.sourceUrl });
  if (i.pythonImage) args.push({ name: "PYTHON_IMAGE", value: i.pythonImage });
  return args;
}

/**
 * Validate the `name:tag` an image tarball is loaded under (e.g. `gitops-demo:e2e`); the tag
 * defaults to `latest`. Returns the full `repository:tag`.
 */
export function imageName(raw: string, arg = "imageName"): string {
  const s = raw.trim();
  const slash = s.lastIndexOf("/");
  const colon = s.lastIndexOf(":");
  const hasTag = colon > slash;
  const repo = parseRepository(hasTag ? s.slice(0, colon) : s, arg);
  return taggedRef(repo, hasTag ? s.slice(colon + 1) : "latest", arg);
}

/** Name the image carries in a tarball, for `docker load` / `kind load image-archive`. */
export const IMAGE_NAME_ANNOTATION = "io.containerd.image.name";
