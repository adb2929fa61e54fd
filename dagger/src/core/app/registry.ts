/**
 * Image repository addresses and digest-pinned references (the grammar of the OCI
 * distribution `reference` package: `[registry[:port]/]path`, lowercase path components).
 */
import { InputError } from "../errors.js";
import { isOciTag } from "./tags.js";

/** A validated repository address. */
export interface Repository {
  /** Registry host (with port), e.g. `ghcr.io`; `docker.io` when the address names none. */
  registry: string;
  /** Path inside the registry, e.g. `acme/gitops-demo`. */
  path: string;
  /** The address as given (normalised to no trailing slash), e.g. `ghcr.io/acme/gitops-demo`. */
  address: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const DIGEST = /@(sha256:[a-f0-9]{64})$/;

function isHost(s: string): boolean {
  const m = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(s);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return false;
  return m[1]!.split(".").every((l) => HOST_LABEL.test(l));
}

/**
 * Parse a repository address (no tag, no digest: the pipeline adds those). InputError naming
 * `arg` when it is empty, has a tag or digest, or breaks the reference grammar.
 */
export function parseRepository(raw: string, arg = "image"): Repository {
  const fix = "pass a repository address without tag, e.g. ghcr.io/acme/gitops-demo or registry.local:5000/team/app";
  const address = raw.trim().replace(/\/+$/, "");
  if (address === "") throw new InputError(arg, "is empty", fix);
  if (address.includes("@")) throw new InputError(arg, `"${raw}" contains a digest`, fix);
  if (address.length > 255) throw new InputError(arg, `"${raw}" is longer than 255 characters`, fix);
  const parts = address.split("/");
  const first = parts[0]!;
  const hasHost = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasHost && !isHost(first)) throw new InputError(arg, `"${first}" is not a registry host`, fix);
  const pathParts = hasHost ? parts.slice(1) : parts;
  const last = pathParts[pathParts.length - 1] ?? "";
  if (last.includes(":")) throw new InputError(arg, `"${raw}" contains a tag`, `${fix}; tags come from the tag templates`);
  const bad = pathParts.find((p) => !COMPONENT.test(p));
  if (bad !== undefined) {
    throw new InputError(
      arg,
      `"${raw}" has an invalid path component "${bad}"`,
      `${fix}; path components are lowercase letters, digits and single separators (. _ __ -)`,
    );
  }
  return { registry: hasHost ? first : "docker.io", path: pathParts.join("/"), address };
}

/** `repo:tag`; InputError when the tag is not a valid OCI tag. */
export function taggedRef(repo: Repository, tag: string, arg = "tags"): string {
  if (!isOciTag(tag)) throw new InputError(arg, `"${tag}" is not a valid OCI tag`, "a tag is 1-128 characters of [A-Za-z0-9._-] not starting with '.' or '-'");
  return `${repo.address}:${tag}`;
}

/** The digest in what `Container.publish` returned (`repo:tag@sha256:...`); throws when absent. */
export function digestOf(published: string): string {
  const m = DIGEST.exec(published.trim());
  if (!m) throw new Error(`publish returned "${published}", which has no sha256 digest`);
  return m[1]!;
}

/** `repo@sha256:...`: the immutable reference deployments should use. */
export function pinnedRef(repo: Repository, published: string): string {
  return `${repo.address}@${digestOf(published)}`;
}
