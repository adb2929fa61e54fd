/**
 * Publish stage: push every platform variant as one multi-arch image under each tag the core's
 * tag rules produce, with registry credentials as a Secret, and return digest-pinned
 * references. Every input is validated before anything is built or pushed.
 */
import { dag, object, func, type Container, type Directory, type Secret } from "@dagger.io/dagger";
import { checkCredentials } from "../core/app/inputs.js";
import { buildVersionOf } from "../core/app/image-build.js";
import { StageError } from "../core/errors.js";
import { digestOf, parseRepository, taggedRef, type Repository } from "../core/app/registry.js";
import { renderTags } from "../core/app/tags.js";
import { buildVariants, checkDockerfile, type BuildOptions } from "./build.js";

/** Options of the publish stage. */
export interface PublishOptions extends Omit<BuildOptions, "version" | "revision"> {
  /** Repository address without tag, e.g. `ghcr.io/acme/gitops-demo`. */
  image: string;
  /** Git commit being published (the app's revision). */
  revision: string;
  /** CI run number. */
  run: string;
  /**
   * App semver; adds `v{version}-{shortSha}-{run}` (and release tags with `release`). The tags
   * carry it only when given; the image always carries the build's version (`buildVersionOf`:
   * `0.0.0-{shortSha}` when unversioned), so the pushed image is the one e2e tested and scan scanned.
   */
  version?: string;
  /** Environment; adds `{env}-latest`. */
  environment?: string;
  /** Git branch, for templates using `{branch}` (sanitised). */
  branch?: string;
  /** Also tag `{version}`, `{major}.{minor}`, `{major}` (not for pre-releases). */
  release?: boolean;
  /** Tag templates replacing the defaults. */
  tagTemplates?: readonly string[];
  /** Registry user; with `password`. */
  username?: string;
  /** Registry password or token. */
  password?: Secret;
}

/** What publish will do, computed and validated without any engine call. */
export interface PublishPlan {
  repo: Repository;
  tags: string[];
  /** `repo:tag` for each tag. */
  refs: string[];
  /** The (empty) container that publishes, with registry auth when given. */
  publisher: Container;
  variants: Container[];
}

/** Validate every input and build the publish graph lazily; InputError naming the argument. */
export function publishPlan(pythonImage: string, source: Directory, o: PublishOptions): PublishPlan {
  const repo = parseRepository(o.image, "image");
  const tags = renderTags(
    { sha: o.revision, run: o.run, ...(o.version ? { version: o.version } : {}), ...(o.environment ? { env: o.environment } : {}), ...(o.branch ? { branch: o.branch } : {}), release: o.release ?? false },
    o.tagTemplates && o.tagTemplates.length ? o.tagTemplates : undefined,
  );
  checkCredentials({ username: o.username ?? "", hasPassword: o.password !== undefined });
  const variants = buildVariants(pythonImage, source, { ...o, version: buildVersionOf(o.version ?? "", o.revision) });
  const publisher = o.username && o.password ? dag.container().withRegistryAuth(repo.registry, o.username, o.password) : dag.container();
  return { repo, tags, refs: tags.map((t) => taggedRef(repo, t)), publisher, variants };
}

/** Publish: validate, check the Dockerfile, push each tag, return the digest-pinned image. */
export async function publish(pythonImage: string, source: Directory, o: PublishOptions): Promise<PublishedImage> {
  const plan = publishPlan(pythonImage, source, o);
  await checkDockerfile(source, o.dockerfile);
  const digests: string[] = [];
  for (const ref of plan.refs) digests.push(digestOf(await plan.publisher.publish(ref, { platformVariants: plan.variants })));
  const digest = digests[0]!;
  if (digests.some((d) => d !== digest)) {
    throw new StageError("publish", `the tags of ${plan.repo.address} point at different digests (${[...new Set(digests)].join(", ")}): the build was not reproducible between pushes`);
  }
  return new PublishedImage(plan.repo.address, digest, plan.tags);
}

/** A published multi-arch image. */
@object()
export class PublishedImage {
  /** Repository address, e.g. ghcr.io/acme/gitops-demo. */
  @func()
  repository: string;

  /** Digest of the image index, sha256:... */
  @func()
  digest: string;

  /** Tags pushed. */
  @func()
  tags: string[];

  /**
   * @param repository Repository address.
   * @param digest Digest of the image index.
   * @param tags Tags pushed.
   */
  constructor(repository: string, digest: string, tags: string[]) {
    this.repository = repository;
    this.digest = digest;
    this.tags = tags;
  }

  /** The immutable reference to deploy: repository@sha256:... */
  @func()
  ref(): string {
    return `${this.repository}@${this.digest}`;
  }

  /** Every tag as repository:tag@sha256:... (readable and pinned). */
  @func()
  refs(): string[] {
    return this.tags.map((t) => `${this.repository}:${t}@${this.digest}`);
  }
}
