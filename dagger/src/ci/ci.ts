/**
 * `ci`: every stage of the pipeline as one run, composed from the pipeline's own objects (the
 * app, the manifests, the gitops repository) rather than re-spelling their arguments. The graph
 * and the decisions are the core's (core/ci/plan.ts, core/ci/orchestrate.ts); this file says
 * which object does each stage's work. One image is built per platform and those very images are
 * scanned (every platform), e2e-tested (the engine's platform) and pushed; a run that publishes
 * nothing builds the engine's platform only (core/ci/build-platforms.ts).
 */
import { dag, type Container, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { parseSeverities } from "../core/app/trivy.js";
import type { LinterName } from "../core/app/linters/index.js";
import { readSecret } from "../core/secret.js";
import { DEFAULTS } from "../core/defaults.js";
import { argoConnection } from "../core/settings/ci-settings.js";
import { ranAtOf } from "../core/run.js";
import { CI_NEEDS, ciGraph, decideCi, type CiDecisions, type CiInputs, type CiStageName, type CiStageRun } from "../core/ci/plan.js";
import { runStages, type Clock, type StageOutcome } from "../core/ci/orchestrate.js";
import { buildPlatforms } from "../core/ci/build-platforms.js";
import { decideSigning, type CiSigning } from "../core/ci/signing.js";
import type { SigningSettings } from "../core/settings/signing-settings.js";
import type { CiApp, CiArgoCd, CiManifests, CiRepo } from "./parts.js";
import { ciRun, type CiArtifacts } from "./run.js";
import type { Run } from "../run.js";

/** The pipeline's objects `ci` composes, made once its inputs are known to be valid. */
export interface CiParts {
  /** The app, built with the run's version (given, or the tag's) and commit. */
  app: (version: string) => CiApp;
  manifests: () => CiManifests;
  /** The gitops repository to bump, authenticated with the credentials that were given (only asked for when the bump runs). */
  repo: (use: RepoCredentials) => Promise<CiRepo>;
  /** The Argo CD verify watches, connected with the credentials that were given (made before any stage, so a bad connection fails first). */
  argoCd?: (use: { token: boolean; kubeconfig: boolean }) => CiArgoCd;
  /** Checks of the gitops tree that need the engine (the app of a multi-app tree), run after the argument checks and before any stage. */
  checkGitops?: () => Promise<void>;
}

/** Which of ci's credentials hold a value, for the gitops repository (push, pull request, and the registry its verification reads). */
export interface RepoCredentials {
  token: boolean;
  sshKey: boolean;
  apiToken: boolean;
  /** The registry password: the verification before the bump reads signatures with it. */
  registry: boolean;
}

/** The parts made: the objects themselves. */
type Made = { app: CiApp; manifests: CiManifests; repo: () => Promise<CiRepo>; argoCd?: CiArgoCd };

/** Everything `ci` was called with, besides what the parts hold. */
export interface CiCall extends Omit<CiInputs, "hasRegistryPassword" | "hasGitopsCredentials"> {
  registryUsername: string;
  registryPassword?: Secret;
  gitopsToken?: Secret;
  gitopsSshKey?: Secret;
  linters: LinterName[];
  minCoverage: number;
  severity: string;
  /** Report only vulnerabilities that have a fixed version. */
  ignoreUnfixed: boolean;
  /** Argo CD connection of verify: a server with a token, or a kubeconfig. */
  argocdServer?: string;
  argocdToken?: Secret;
  argocdKubeconfig?: Secret;
  /** Seconds verify waits. */
  verifyTimeout?: number;
  probeUrl?: string;
  rollbackOnFailure?: boolean;
  /** Forge API token of pull-request mode (only whether it holds a value is looked at here). */
  gitopsApiToken?: Secret;
  /** gitops-pipeline.settings.yaml's signing: section (absent: nothing is signed). */
  signing?: SigningSettings;
  /** cosign private key and its password (signing.mode: key). */
  cosignKey?: Secret;
  cosignPassword?: Secret;
  /** The CI's OIDC identity (signing.mode: keyless): an ID token, or GitHub Actions' token request. */
  identityToken?: Secret;
}

/** What a stage hands to the stages after it and to the run. */
export interface CiStageArtifacts {
  /** The stage's files, for the run's artifacts. */
  dir?: Directory;
  /** build → e2e: the image for the engine's platform. */
  image?: Container;
  /** build → scan: the image of each platform being published. */
  variants?: { platform: string; image: Container }[];
  /** scan → publish: the CycloneDX SBOM of each platform scanned, attested when the image is signed. */
  sboms?: File[];
  /** publish → bump. */
  published?: { repository: string; digest: string; tags: string[]; ref: string };
  gitopsCommit?: string;
}

/** Whether work that ran at `ranAt` (unix seconds) was replayed from the cache by a run that started at `startedAt` (ms). */
export function fromCache(ranAt: number, startedAt: number): boolean | undefined {
  return Number.isFinite(ranAt) ? ranAt * 1000 < startedAt - 1000 : undefined;
}

/** A stage outcome from a stage's run: its report, its files (with the report), and whether it came from the cache. */
function outcome(run: Run, startedAt: number, extra: CiStageArtifacts = {}, withFiles = true): StageOutcome<CiStageArtifacts> {
  const r = run.result;
  const ranAt = ranAtOf(r);
  const cached = ranAt === undefined ? undefined : fromCache(ranAt, startedAt);
  const dir = withFiles ? run.artifacts.withFile(`${r.stage}-report.json`, run.report()) : undefined;
  return {
    ok: r.passed,
    summary: r.summary,
    details: r.details,
    findings: r.findings,
    ...(cached !== undefined ? { cached } : {}),
    artifacts: { ...(dir ? { dir } : {}), ...extra },
  };
}

/** The Dagger work of each stage: each one a function of the pipeline's objects. */
export function ciStageRuns(parts: Made, c: CiCall, d: CiDecisions, startedAt: number, signing?: CiSigning): Record<CiStageName, CiStageRun<CiStageArtifacts>> {
  const { app, manifests } = parts;
  const failOn = parseSeverities(c.severity);
  return {
    lint: async () => outcome(await app.lint(c.linters), startedAt),
    test: async () => outcome(await app.test(c.minCoverage), startedAt),
    validate: async () => outcome(await manifests.validate(), startedAt),
    build: async () => {
      const p = buildPlatforms(d.platforms, d.skip.publish === undefined, String(await dag.defaultPlatform()));
      const variants = await app.build(p.build);
      await Promise.all(variants.map((v) => v.sync()));
      const image = (platform: string) => variants[p.build.indexOf(platform)]!;
      const scanned = p.scanned.map((platform) => ({ platform, image: image(platform) }));
      return { ok: true, summary: `built ${p.scanned.join(", ")} (version ${d.appVersion})${p.note}`, artifacts: { image: image(p.e2e), variants: scanned } };
    },
    smoke: async ({ build: built }) => outcome(await manifests.smoke(c.environment, built!.image!, d.appVersion), startedAt),
    e2e: async ({ build: built }) => outcome(await manifests.endToEnd(c.environment, built!.image!, d.appVersion), startedAt),
    secrets: async () => outcome(await app.scanSecrets(), startedAt),
    // Every platform that would be published is scanned: an image is only as safe as its worst platform.
    scan: async ({ build: built }) => {
      const run = await app.scanPlatforms(built!.variants!, { failOn, dbRepository: "", skipDbUpdate: false, ignoreUnfixed: c.ignoreUnfixed });
      const sboms = signing ? (await run.artifacts.glob("**/sbom.cdx.json")).sort().map((p) => run.artifacts.file(p)) : [];
      return outcome(run, startedAt, sboms.length ? { sboms } : {});
    },
    publish: async ({ scan: scanned }) => {
      const image = await app.publish(
        c.imageRepository,
        c.runNumber,
        c.environment,
        c.branch,
        d.release,
        d.tagTemplates,
        c.registryUsername,
        c.registryPassword,
        d.platforms,
      );
      const published = { repository: image.repository, digest: image.digest, tags: image.tags, ref: image.ref() };
      const pushed = `pushed ${image.tags.join(", ")} → ${published.ref}`;
      if (!signing) return { ok: true, summary: pushed, cached: false, artifacts: { published } };
      const signed = (
        await image.sign(
          signing.ref,
          signing.builder,
          signing.sourceRepository,
          signing.signer === "key" ? c.cosignKey : undefined,
          signing.signer === "key" ? c.cosignPassword : undefined,
          signing.signer === "keyless" ? c.identityToken : undefined,
          scanned?.sboms ?? [],
          c.registryUsername,
          c.registryPassword,
          undefined,
          undefined,
          signing.fulcioUrl,
          signing.rekorUrl,
          signing.transparencyLog,
        )
      ).result;
      // Pushed but not signed: the stage fails, so nothing unsigned is bumped.
      const summary = signed.passed ? `${pushed}; ${signed.summary}` : `${pushed}, but ${signed.summary}`;
      return { ok: signed.passed, summary, cached: false, artifacts: { published } };
    },
    bump: async ({ publish: pub }) => {
      const published = pub!.published!;
      const repo = await parts.repo();
      // The first tag is the immutable {shortSha}-{run}; the digest pins it.
      const run = await repo.bump(published.tags[0]!, c.environment, published.digest, published.repository, d.appVersion, c.commit);
      const commit = (run.result.data as { commit?: string } | undefined)?.commit ?? "";
      // The bump's artifacts are the gitops tree: not copied into ci's.
      return { ...outcome(run, startedAt, { gitopsCommit: commit }, false), cached: false };
    },
    verify: async ({ bump: bumped }) => {
      if (!parts.argoCd) throw new Error("verify: no Argo CD connection"); // decideCi skips verify without one
      const run = await parts.argoCd.verify(c.environment, bumped?.gitopsCommit ?? "", c.verifyTimeout ?? DEFAULTS.verifyTimeout, c.probeUrl ?? "");
      return { ...outcome(run, startedAt), cached: false };
    },
    rollback: async () => {
      const run = await (await parts.repo()).rollback(c.environment);
      return { ...outcome(run, startedAt, {}, false), cached: false };
    },
  };
}

/** Collect what the finished stages produced, for the run. */
export function collectArtifacts(stages: readonly { name: string; artifacts?: unknown }[]): CiArtifacts {
  const out: CiArtifacts = { directories: {}, images: [], gitopsCommit: "" };
  for (const s of stages) {
    const a = s.artifacts as CiStageArtifacts | undefined;
    if (!a) continue;
    if (a.dir) out.directories[s.name] = a.dir;
    if (a.published) out.images.push(a.published.ref);
    if (a.gitopsCommit) out.gitopsCommit = a.gitopsCommit;
  }
  return out;
}

/**
 * Whether a secret was really given: CI templates pass `env://VAR` for optional credentials, and
 * an empty variable means "not given". Only the emptiness is looked at; the value is never kept.
 */
export async function given(secret: Secret | undefined, arg: string): Promise<boolean> {
  if (!secret) return false;
  return (await readSecret(secret, arg, "pass an existing secret, e.g. env://VAR with VAR set, or leave the flag out")) !== "";
}

/** Decide, run the graph, report. Input errors are thrown before any stage starts. */
export async function runCi(parts: CiParts, c: CiCall, clock: Clock = () => Date.now()): Promise<Run> {
  const [hasRegistryPassword, hasToken, hasKey, hasArgoToken, hasKubeconfig, hasApiToken, hasCosignKey, hasIdentityToken] = await Promise.all([
    given(c.registryPassword, "registryPassword"),
    given(c.gitopsToken, "gitopsToken"),
    given(c.gitopsSshKey, "gitopsSshKey"),
    given(c.argocdToken, "argocdToken"),
    given(c.argocdKubeconfig, "argocdKubeconfig"),
    given(c.gitopsApiToken, "gitopsApiToken"),
    given(c.cosignKey, "cosignKey"),
    given(c.identityToken, "identityToken"),
  ]);
  // Server (from the settings file) and secrets are paired here, naming the file's key or ci's flag; ArgoCd's own check then has nothing left to refuse.
  const wantsVerify = argoConnection(c.argocdServer ?? "", hasArgoToken, hasKubeconfig) !== "none";
  const d = decideCi({
    ...c,
    hasRegistryPassword,
    hasGitopsCredentials: hasToken || hasKey,
    hasDeployCheck: wantsVerify,
    rollbackOnFailure: c.rollbackOnFailure ?? false,
  });
  // Something is published only when publish and every stage it needs are wanted (e2e off: nothing is published, nothing to sign).
  const publishing = [...CI_NEEDS.publish, "publish" as const].every((n) => d.skip[n] === undefined);
  const signing = c.signing ? decideSigning(c.signing, { publishing, branch: c.branch, tag: c.tag ?? "", hasKey: hasCosignKey, hasIdentityToken }) : undefined;
  const argoCd = wantsVerify && parts.argoCd ? parts.argoCd({ token: hasArgoToken, kubeconfig: hasKubeconfig }) : undefined;
  await parts.checkGitops?.();
  const use = { token: hasToken, sshKey: hasKey, apiToken: hasApiToken, registry: hasRegistryPassword };
  const made: Made = { app: parts.app(d.version), manifests: parts.manifests(), repo: () => parts.repo(use), ...(argoCd ? { argoCd } : {}) };
  if (!d.skip.bump) await made.repo(); // credentials that do not fit the URL fail now, before any stage
  const startedAt = Date.now();
  const result = await runStages(ciGraph(ciStageRuns(made, c, d, startedAt, signing), d), clock);
  return ciRun(result, collectArtifacts(result.stages));
}
