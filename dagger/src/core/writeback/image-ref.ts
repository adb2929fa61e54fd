/**
 * The values a GitOps write-back may write: image tags, digests, repositories and app versions.
 * Each is checked before any file is edited, so an invalid value never reaches the gitops repo.
 */
import { OCI_TAG as TAG } from "../app/tags.js";

/** What a written value is, and therefore which rule it must satisfy. */
export type ValueKind = "tag" | "digest" | "repository" | "version";

/** Digests the registries we target produce (OCI image-spec registered algorithms). */
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** `[host[:port]/]path` of the OCI reference grammar, lower-case path components. */
const REPOSITORY =
  /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Why `value` is not a valid `kind`, or undefined when it is. An empty digest means "no digest". */
export function invalidValue(kind: ValueKind, value: string): string | undefined {
  switch (kind) {
    case "tag":
    case "version":
      return TAG.test(value) ? undefined : `"${value}" is not a valid image tag (1–128 of [A-Za-z0-9_.-], not starting with . or -)`;
    case "digest":
      return value === "" || DIGEST.test(value) ? undefined : `"${value}" is not a valid digest (sha256:<64 hex> or sha512:<128 hex>, or "" for none)`;
    case "repository":
      if (!(value.length <= 255 && REPOSITORY.test(value))) return `"${value}" is not a valid image repository ([host[:port]/]lower/case/path)`;
      {
        const port = /^[^/]+:(\d+)\//.exec(value)?.[1];
        if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `"${value}" has port ${port}, outside 1-65535`;
      }
      return undefined;
  }
}

/** An image reference as stored in one environment's values or kustomization. */
export interface ImageRef {
  repository?: string;
  tag: string;
  /** "" when the environment is not pinned by digest. */
  digest: string;
  appVersion?: string;
}
