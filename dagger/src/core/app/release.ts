/**
 * Release builds: a git tag `v1.2.3` (or `1.2.3`) is the version, and the image is published
 * under the full version plus the floating `1.2` and `1`. The floating tags of a hotfix of an
 * older line must not move backwards: after `v1.2.0`, a `v1.1.9` moves `1.1` but not `1`. The
 * pipeline cannot list the registry's tags, so it decides from the repository's version tags
 * the caller hands it (`git tag --list 'v*'`); given none, the floating tags always move.
 */
import semver from "semver";
import { InputError } from "../errors.js";
import { commaList, parseVersion, type ParsedVersion } from "../inputs.js";
import { ENV_TEMPLATE, IMMUTABLE_TEMPLATE, VERSIONED_TEMPLATE } from "./tags.js";

/** The version a release tag stands for; InputError naming `arg` unless it is (v)MAJOR.MINOR.PATCH[-pre]. */
export function versionOfTag(tag: string, arg = "tag"): ParsedVersion {
  try {
    return parseVersion(tag.trim().replace(/^refs\/tags\//, ""), arg);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(
      arg,
      `"${tag}" is not a release tag (a semantic version with an optional leading v)`,
      "build release tags such as v1.2.3 or v2.0.0-rc.1 only, e.g. on: push: tags: ['v*.*.*']",
    );
  }
}

/** The stable versions among `tags` (comma- or whitespace-separated); other tags are ignored. */
export function stableVersions(tags: string): string[] {
  return commaList(tags.replace(/\s+/g, ","))
    .map((t) => semver.valid(t.replace(/^refs\/tags\//, "").replace(/^v(?=\d)/, "")))
    .filter((v): v is string => v !== null && semver.prerelease(v) === null);
}

/** Which floating tags move to `version`: none for a pre-release; X.Y and X only while no newer stable version of their line was released. */
export function floatingTags(version: ParsedVersion, releasedTags: string): { minor: boolean; major: boolean } {
  if (version.prerelease) return { minor: false, major: false };
  const newer = stableVersions(releasedTags).filter((v) => semver.gt(v, version.version));
  return {
    minor: !newer.some((v) => semver.major(v) === version.major && semver.minor(v) === version.minor),
    major: !newer.some((v) => semver.major(v) === version.major),
  };
}

/**
 * The tag templates of a release build: the immutable `{shortSha}-{run}` and
 * `v{version}-{shortSha}-{run}`, the environment's `{env}-latest` when an environment is given,
 * `{version}`, and `{major}.{minor}` / `{major}` as `floatingTags` decides.
 */
export function releaseTemplates(version: ParsedVersion, releasedTags: string, withEnvironment: boolean): string[] {
  const moves = floatingTags(version, releasedTags);
  return [
    IMMUTABLE_TEMPLATE,
    VERSIONED_TEMPLATE,
    ...(withEnvironment ? [ENV_TEMPLATE] : []),
    "{version}",
    ...(moves.minor ? ["{major}.{minor}"] : []),
    ...(moves.major ? ["{major}"] : []),
  ];
}
