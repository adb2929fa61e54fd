/**
 * `ci`: every stage of the pipeline as one run. The graph and the decisions are the core's
 * (core/ci-plan.ts, core/orchestrate.ts); this file only says what each stage does with Dagger.
 * One image is built per platform and the very same image (same build arguments, so the engine
 * builds it once) is e2e-tested, scanned and pushed.
 */
import { dag, type Container, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { InputError } from "../core/errors.js";
import { ciGraph, decideCi, type CiDecisions, type CiInputs, type CiStageName, type CiStageRun } from "../core/ci/plan.js";
import { e2eSettings } from "../core/e2e/settings.js";
import { environmentLayout } from "../core/gitops-config.js";
import { runStages, type Clock } from "../core/ci/orchestrate.js";
import { LAYOUT_DEFAULTS, WRITEBACK_DEFAULTS } from "../core/writeback/layout.js";
import { build as buildImages } from "../app/build.js";
import { bump, type ValidateImages } from "../writeback/writeback.js";
import { ciReport, type CiArtifacts, type CiReport } from "./report.js";
import { newRunId, runE2e, type E2eImages } from "../e2e/e2e.js";
import { readGitopsLayout } from "../gitops-layout.js";
import { Linter, runLint, type PythonPins } from "../app/lint.js";
import { publish } from "../app/publish.js";
import { scan } from "../app/scan.js";
import { runTests } from "../app/test.js";
import { validateStage } from "../validate/validate.js";

/** The pinned images and tools `ci` runs with (the GitopsPipeline constructor's values). */
export type CiPins = PythonPins & E2eImages & ValidateImages & { trivyImage: string; gitImage: string };

/** Everything `ci` was called with. */
export interface CiCall extends Omit<CiInputs, "hasRegistryPassword" | "hasGitopsToken"> {
  source: Directory;
  gitops: Directory;
  registryUsername: string;
  registryPassword?: Secret;
  gitopsBranch: string;
  gitopsToken?: Secret;
  linter: Linter;
  minCoverage: number;
  /** Offline schemas for validate and the bump's validation (air-gapped runs). */
  schemas?: Directory;
  crdSchemas?: Directory;
}

/** What a stage hands to the stages after it and to the report. */
export interface CiStageArtifacts {
  files?: Record<string, File>;
  directories?: Record<string, Directory>;
  /** build → e2e, scan: the image for the engine's platform. */
  image?: Container;
  enginePlatform?: string;
  /** publish → bump. */
  published?: { repository: string; digest: string; tags: string[]; ref: string };
  gitopsCommit?: string;
}

const LINT_REPORT_NAME: Record<Linter, string> = {
  [Linter.Ruff]: "lint-report.json",
  [Linter.Flake8]: "lint-report.txt",
  [Linter.Pylint]: "lint-report.json",
};

const DOCKERFILE = "Dockerfile";

/** The Dagger work of each stage. */
export function ciStageRuns(p: CiPins, c: CiCall, d: CiDecisions): Record<CiStageName, CiStageRun<CiStageArtifacts>> {
  const build = { version: d.appVersion, revision: c.commit, dockerfile: DOCKERFILE };
  // e2e and bump both need the gitops layout: read it once, when the first of them asks.
  let layoutFile: ReturnType<typeof readGitopsLayout> | undefined;
  const gitopsLayout = () => (layoutFile ??= readGitopsLayout(c.gitops));
  const validation = {
    helmImage: p.helmImage,
    kubeconformImage: p.kubeconformImage,
    ...(p.kustomizeImage ? { kustomizeImage: p.kustomizeImage } : {}),
    kubernetes: p.kubernetes,
    ...(c.schemas ? { schemas: c.schemas } : {}),
    ...(c.crdSchemas ? { crdSchemas: c.crdSchemas } : {}),
  };
  return {
    lint: async () => {
      const run = await runLint(p, c.source, c.linter);
      return { ok: await run.passed(), summary: await run.summary(), artifacts: { files: { [LINT_REPORT_NAME[c.linter]]: run.report() } } };
    },
    test: async () => {
      const run = await runTests(p, c.source, c.minCoverage);
      return { ok: await run.passed(), summary: await run.summary(), artifacts: { files: { "junit.xml": run.junit(), "coverage.xml": run.coverage() } } };
    },
    validate: async () => {
      const run = await validateStage({ ...validation, gitops: c.gitops });
      return { ok: run.passed(), summary: run.summary(), artifacts: { files: { "validate-report.json": run.report() } } };
    },
    build: async () => {
      const enginePlatform = String(await dag.defaultPlatform());
      // e2e runs the image on a kind node of the engine's own platform.
      const platforms = d.platforms.includes(enginePlatform) ? d.platforms : [...d.platforms, enginePlatform];
      const variants = await buildImages(p.pythonImage, c.source, { ...build, platforms });
      await Promise.all(variants.map((v) => v.sync()));
      return {
        ok: true,
        summary: `built ${d.platforms.join(", ")} (version ${d.appVersion})`,
        artifacts: { image: variants[platforms.indexOf(enginePlatform)]!, enginePlatform },
      };
    },
    e2e: async ({ build: built }) => {
      const layout = environmentLayout(await gitopsLayout(), c.environment);
      const settings = e2eSettings({ ...layout, namespace: "e2e", environment: c.environment, version: d.appVersion, timeoutSeconds: 300, runId: newRunId() });
      const run = await runE2e({ images: p, settings, image: built!.image!, gitops: c.gitops });
      const summary = run.passed ? `deployed to kind (${c.environment} values): /healthz, / (version ${d.appVersion}), /metrics and helm test passed` : `failed at ${run.failedStep}: ${run.detail}`;
      return { ok: run.passed, summary, artifacts: run.passed ? {} : { directories: { "e2e-diagnostics": run.diagnostics } } };
    },
    scan: async ({ build: built }) => {
      const day = new Date().toISOString().slice(0, 10);
      const run = await scan(p.pythonImage, p.trivyImage, c.source, { ...build, severity: "CRITICAL,HIGH", dbRepository: "", skipDbUpdate: false, day, platforms: built!.enginePlatform! });
      return { ok: await run.passed(), summary: await run.summary(), artifacts: { files: { "scan-report.json": run.report(), "sbom.cdx.json": run.sbom() } } };
    },
    publish: async () => {
      const image = await publish(p.pythonImage, c.source, {
        image: c.imageRepository,
        sha: c.commit,
        run: c.runNumber,
        ...(c.version ? { version: c.version } : {}),
        buildVersion: d.appVersion,
        environment: c.environment,
        branch: c.branch,
        username: c.registryUsername,
        ...(c.registryPassword ? { password: c.registryPassword } : {}),
        platforms: d.platforms,
        dockerfile: DOCKERFILE,
      });
      const published = { repository: image.repository, digest: image.digest, tags: image.tags, ref: image.ref() };
      return { ok: true, summary: `pushed ${image.tags.join(", ")} → ${published.ref}`, artifacts: { published } };
    },
    bump: async ({ publish: pub }) => {
      const published = pub!.published!;
      // The gitops repository has the layout of the gitops directory ci was given.
      const config = await gitopsLayout();
      const layout = environmentLayout(config, c.environment);
      const result = await bump({
        gitImage: p.gitImage,
        validate: validation,
        // The first tag is the immutable {shortSha}-{run}; the digest pins it.
        tag: published.tags[0]!,
        digest: published.digest,
        repository: published.repository,
        appVersion: d.appVersion,
        env: c.environment,
        app: layout.release,
        sourceCommit: c.commit,
        repoUrl: c.gitopsRepo,
        branch: c.gitopsBranch,
        ...(c.gitopsToken ? { token: c.gitopsToken } : {}),
        sshKnownHosts: "",
        gitUser: "x-access-token",
        gitopsPath: config.repoPath || ".",
        format: "helm",
        valuesPath: layout.valuesPath,
        kustomizationPath: LAYOUT_DEFAULTS.kustomizationPath,
        imageName: "",
        environments: Object.keys(config.environments).join(","),
        authorName: WRITEBACK_DEFAULTS.authorName,
        authorEmail: WRITEBACK_DEFAULTS.authorEmail,
        maxAttempts: 6,
        dryRun: false,
      });
      const ok = result.status === "pushed" || result.status === "no-op";
      return { ok, summary: result.summary, artifacts: { gitopsCommit: result.commit } };
    },
  };
}

/** Collect what the finished stages produced, for the report. */
export function collectArtifacts(stages: readonly { artifacts?: unknown }[]): CiArtifacts {
  const out: CiArtifacts = { files: {}, directories: {}, images: [], gitopsCommit: "" };
  for (const s of stages) {
    const a = s.artifacts as CiStageArtifacts | undefined;
    if (!a) continue;
    Object.assign(out.files, a.files ?? {});
    Object.assign(out.directories, a.directories ?? {});
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
  try {
    return (await secret.plaintext()) !== "";
  } catch (err) {
    throw new InputError(arg, `could not be read (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`, "pass an existing secret, e.g. env://VAR with VAR set, or leave the flag out");
  }
}

/** Decide, run the graph, report. Input errors are thrown before any stage starts. */
export async function runCi(p: CiPins, c: CiCall, clock: Clock = () => Date.now()): Promise<CiReport> {
  const [hasRegistryPassword, hasGitopsToken] = await Promise.all([given(c.registryPassword, "registryPassword"), given(c.gitopsToken, "gitopsToken")]);
  const d = decideCi({ ...c, hasRegistryPassword, hasGitopsToken });
  const result = await runStages(ciGraph(ciStageRuns(p, c, d), d), clock);
  return ciReport(result, collectArtifacts(result.stages));
}
