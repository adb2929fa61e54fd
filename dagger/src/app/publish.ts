/**
 * Publish stage: push every platform variant as one multi-arch image under each tag the core's
 * tag rules produce, with registry credentials as a Secret, and return digest-pinned
 * references. Every input is validated before anything is built or pushed.
 */
import { dag, object, func, type Container, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { checkCredentials } from "../core/app/inputs.js";
import { buildVersionOf } from "../core/app/image-build.js";
import { InputError, StageError } from "../core/errors.js";
import { VERSIONS } from "../core/versions.js";
import { digestOf, parseRepository, taggedRef, type Repository } from "../core/app/registry.js";
import { renderTags } from "../core/app/tags.js";
import { buildVariants, checkDockerfile, type BuildOptions } from "./build.js";
import { fullRef, provenancePredicate } from "../core/signing/provenance.js";
import { signAndAttest } from "../signing/cosign.js";
import { Run } from "../run.js";

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
    {
      sha: o.revision,
      run: o.run,
      ...(o.version ? { version: o.version } : {}),
      ...(o.environment ? { env: o.environment } : {}),
      ...(o.branch ? { branch: o.branch } : {}),
      release: o.release ?? false,
    },
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
    throw new StageError(
      "publish",
      `the tags of ${plan.repo.address} point at different digests (${[...new Set(digests)].join(", ")}): the build was not reproducible between pushes`,
    );
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

  /** What built it (commit, version, Dockerfile, platforms, source URL, toolchain), as JSON: the provenance's inputs. */
  build: string;

  /** The cosign image that signs it. */
  cosignImage: string;

  /**
   * @param repository Repository address.
   * @param digest Digest of the image index.
   * @param tags Tags pushed.
   * @param build What built it, as JSON.
   * @param cosignImage The cosign image that signs it.
   */
  constructor(repository: string, digest: string, tags: string[], build: string = "", cosignImage: string = "") {
    this.repository = repository;
    this.digest = digest;
    this.tags = tags;
    this.build = build;
    this.cosignImage = cosignImage;
  }

  /**
   * Sign the image index digest with cosign and attach, as attestations signed the same way, the
   * CycloneDX SBOMs of the scan and an in-toto SLSA v1 provenance statement (builder, source
   * repository, ref and commit, the build's inputs and the pinned toolchain). Key signing: a
   * private key (and its password) as Secrets. Keyless: the CI's OIDC token as a Secret (GitHub
   * Actions: requested from ACTIONS_ID_TOKEN_REQUEST_URL with audience sigstore), sent only to the
   * Fulcio of fulcio-url. Returns a run; assert fails it when a step failed.
   *
   * @param ref Git ref built: refs/heads/<branch> or refs/tags/<tag> (a bare name is taken as a branch).
   * @param builder Builder id for the provenance: the CI workflow (or job) URL that ran the build, e.g. https://github.com/acme/shop/.github/workflows/ci.yml@refs/heads/main.
   * @param sourceRepository Source repository URL for the provenance; default: the app's source URL.
   * @param key cosign private key (cosign generate-key-pair), for key signing.
   * @param password Password of the private key.
   * @param identityToken OIDC identity token of the CI (audience sigstore), for keyless signing.
   * @param sboms CycloneDX SBOMs to attest (the scan's sbom.cdx.json of each platform).
   * @param registryUsername Registry user that may push signatures to the image's repository.
   * @param registryPassword Registry password or token (sent to the image's registry only).
   * @param certificate PEM certificate of the key issued by a private CA (key signing with a certificate: verified keyless against that CA).
   * @param certificateChain PEM chain of that certificate up to the CA's root.
   * @param fulcioUrl Fulcio of keyless signing; default: the public Sigstore.
   * @param rekorUrl Rekor transparency log; default: the public Sigstore.
   * @param transparencyLog Record the signatures in the transparency log (false: private keys or a private CA without a log).
   */
  @func({ cache: "never" })
  async sign(
    ref: string,
    builder: string,
    sourceRepository: string = "",
    key?: Secret,
    password?: Secret,
    identityToken?: Secret,
    sboms: File[] = [],
    registryUsername: string = "",
    registryPassword?: Secret,
    certificate?: File,
    certificateChain?: File,
    fulcioUrl: string = "",
    rekorUrl: string = "",
    transparencyLog: boolean = true,
  ): Promise<Run> {
    const b = JSON.parse(this.build || "{}") as {
      commit?: string;
      sourceUrl?: string;
      inputs?: Record<string, string | string[]>;
      toolchain?: Record<string, string>;
    };
    const repository = sourceRepository.trim() || b.sourceUrl || "";
    if (!repository)
      throw new InputError("sourceRepository", "is empty and the app has no source URL", "pass --source-repository https://github.com/<owner>/<repo>");
    if (!/^[A-Za-z0-9._/+-]+$/.test(ref.trim())) throw new InputError("ref", `"${ref}" is not a git ref`, "pass refs/heads/<branch> or refs/tags/<tag>");
    if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(builder.trim()))
      throw new InputError(
        "builder",
        `"${builder}" is not a URI`,
        "pass the CI workflow URL, e.g. https://github.com/acme/shop/.github/workflows/ci.yml@refs/heads/main",
      );
    for (const [arg, url] of [
      ["fulcioUrl", fulcioUrl],
      ["rekorUrl", rekorUrl],
    ] as const)
      if (url && !/^https:\/\/\S+$/.test(url)) throw new InputError(arg, `"${url}" is not an https URL`, "pass the https URL of the service");
    const predicate = provenancePredicate({
      repository,
      ref: fullRef(ref.trim()),
      commit: b.commit ?? "",
      builder: builder.trim(),
      inputs: b.inputs ?? {},
      toolchain: b.toolchain ?? {},
      finishedOn: new Date().toISOString(),
    });
    const registry = parseRepository(this.repository).registry;
    const signed = await signAndAttest({
      cosignImage: this.cosignImage || VERSIONS.cosignImage,
      image: this.ref(),
      ...(key ? { key } : {}),
      ...(password ? { password } : {}),
      ...(identityToken ? { identityToken } : {}),
      ...(certificate ? { certificate } : {}),
      ...(certificateChain ? { certificateChain } : {}),
      ...(fulcioUrl ? { fulcioUrl } : {}),
      ...(rekorUrl ? { rekorUrl } : {}),
      transparencyLog,
      ...(registryPassword ? { auth: { registry, username: registryUsername, password: registryPassword } } : {}),
      sboms,
      provenance: JSON.stringify(predicate, null, 2),
    });
    return Run.of(signed.report, signed.artifacts);
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
