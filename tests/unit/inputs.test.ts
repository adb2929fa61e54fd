/**
 * Every public function refuses bad input through the one input layer (zod schemas over the
 * core's rules, one semver rule) with an InputError that names the argument as the CLI shows
 * it — before anything is built, run, written or pushed. These calls run with no engine: a
 * function that asked the engine anything before validating would fail here with a connection
 * error instead of the InputError.
 */
import { describe, expect, it } from "vitest";
import { dag, type Secret } from "@dagger.io/dagger";
import { GitopsPipeline } from "../../dagger/src/index.js";
import { PullRequestProvider, WriteBackFormat } from "../../dagger/src/writeback/gitops-repo.js";
import { cliSpelling, InputError } from "../../dagger/src/core/errors.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";

const dir = () => dag.directory();
const secret = (): Secret => dag.setSecret("s", "x");

/** The constructor's arguments, positionally, with overrides by name. */
function pipeline(
  o: Partial<Record<"pythonImage" | "helmImage" | "kubernetes" | "kind" | "kubectl" | "gitImage", string>> & { pythonTools?: string[] } = {},
): GitopsPipeline {
  return new GitopsPipeline(
    dir(),
    dir(),
    undefined,
    undefined,
    o.pythonImage ?? VERSIONS.pythonImage,
    o.pythonTools ?? [],
    o.helmImage ?? VERSIONS.helmImage,
    VERSIONS.kubeconformImage,
    VERSIONS.kustomizeImage,
    o.kubernetes ?? VERSIONS.kubernetes,
    o.kind ?? VERSIONS.kind,
    VERSIONS.kindNodeImage,
    o.kubectl ?? VERSIONS.kubectl,
    VERSIONS.dindImage,
    VERSIONS.trivyImage,
    o.gitImage ?? VERSIONS.gitImage,
  );
}
const p = () => pipeline();

/** ci of a pipeline whose app directory holds `settings` as its gitops-pipeline.settings.yaml (none when undefined). */
function ciOf(settings?: string): GitopsPipeline["ci"] {
  const source = dag.directory();
  source.entries = async () => (settings === undefined ? [] : ["gitops-pipeline.settings.yaml"]);
  source.file = (() => ({ contents: async () => settings ?? "" })) as unknown as typeof source.file;
  const pipe = new GitopsPipeline(source, dir());
  return pipe.ci.bind(pipe);
}
const repo = () => p().gitopsRepo("https://git.example.com/acme/gitops.git", "main", "gitops");
const app = () => p().app("1.2.3", "8855235a1b2c3d4e5f60718293a4b5c6d7e8f901");
const argo = () => p().argoCd("https://argocd.example.com", secret());

/** [what, the argument the error must name, the call]. */
const CASES: [string, string, () => unknown][] = [
  // the constructor: the toolchain
  ["an image reference with a space", "pythonImage", () => pipeline({ pythonImage: "python 3.12" })],
  ["an unknown Python tool", "pythonTools", () => pipeline({ pythonTools: ["black==24.1.0"] })],
  ["a Python tool version that is not semver", "pythonTools", () => pipeline({ pythonTools: ["ruff==latest"] })],
  ["a Kubernetes version x.y", "kubernetes", () => pipeline({ kubernetes: "1.36" })],
  ["a kind version that is a word", "kind", () => pipeline({ kind: "latest" })],
  ["a kubectl version with a leading zero", "kubectl", () => pipeline({ kubectl: "1.036.4" })],
  ["an empty git image", "gitImage", () => pipeline({ gitImage: "" })],
  // app
  ["a version with a leading zero", "version", () => p().app("01.2.3")],
  ["a version x.y", "version", () => p().app("v1.2")],
  ["a revision with spaces", "revision", () => p().app("", "not a commit")],
  ["a Dockerfile outside the source", "dockerfile", () => p().app("", "unknown", "../Dockerfile")],
  ["a source URL that is not http(s)", "sourceUrl", () => p().app("", "unknown", "Dockerfile", "ftp://example.com/x")],
  ["an unknown linter", "linters", () => app().lint(["bandit"])],
  ["a coverage gate above 100", "minCoverage", () => app().test(101)],
  ["a coverage gate that is not whole", "minCoverage", () => app().test(89.5)],
  ["an unknown platform", "platforms", () => app().build(["linux/amd65"])],
  ["no platform", "platforms", () => app().build([])],
  ["a tarball name with capitals and spaces", "name", () => app().imageTarball("Bad Name")],
  ["two platforms for one tarball", "platform", () => app().imageTarball("app:e2e", "linux/amd64,linux/arm64")],
  ["a repository with a tag", "image", () => app().publish("ghcr.io/acme/app:latest", "29")],
  ["a run number 0", "run", () => app().publish("ghcr.io/acme/app", "0")],
  ["an environment with no tag character", "environment", () => app().publish("ghcr.io/acme/app", "29", "!!!")],
  ["an unknown tag placeholder", "tagTemplates", () => app().publish("ghcr.io/acme/app", "29", "", "", false, ["{nope}"])],
  ["a password without a user", "username", () => app().publish("ghcr.io/acme/app", "29", "", "", false, [], "", secret())],
  ["a user without a password", "password", () => app().publish("ghcr.io/acme/app", "29", "", "", false, [], "ci-bot")],
  ["a publish from a revision that is not a commit", "revision", () => p().app("1.2.3", "local").publish("ghcr.io/acme/app", "29")],
  ["an unknown severity", "severity", () => app().scan("BAD")],
  ["a DB repository with capitals", "dbRepository", () => app().scan("CRITICAL", "Not/A Repo")],
  // manifests
  ["an environment name with capitals", "environments", () => p().manifests().validate(["Prod"])],
  ["an e2e environment with a bang", "environment", () => p().manifests().endToEnd("dev!")],
  ["an e2e version x.y", "version", () => p().manifests().endToEnd("dev", undefined, "1.2")],
  ["a namespace starting with -", "namespace", () => p().manifests().endToEnd("dev", undefined, "1.2.3", "-e2e")],
  ["an e2e budget below the minimum", "timeout", () => p().manifests().endToEnd("dev", undefined, "1.2.3", "e2e", 100)],
  ["a kind run id with a slash", "runId", () => p().manifests().kindDocker("a/b")],
  ["a kubeconfig server over http", "server", () => p().manifests().kindKubeconfig("debug", "http://localhost:6443")],
  // gitops-repo and its with- functions
  ["an ftp repository URL", "url", () => p().gitopsRepo("ftp://example.com/gitops.git", "main", "gitops")],
  ["a URL with credentials", "url", () => p().gitopsRepo("https://me:pw@example.com/gitops.git", "main", "gitops")],
  ["a branch with ..", "branch", () => p().gitopsRepo("", "a..b")],
  ["a path out of the repository", "path", () => p().gitopsRepo("https://example.com/gitops.git", "main", "../x")],
  ["a token user with a space", "user", () => repo().then((r) => r.withToken(secret(), "x access"))],
  ["an SSH key without known hosts", "knownHosts", () => repo().then((r) => r.withSshKey(secret(), " "))],
  ["an author name with <>", "name", () => repo().then((r) => r.withAuthor("bot <x>", "bot@example.com"))],
  ["an author email without @", "email", () => repo().then((r) => r.withAuthor("bot", "bot.example.com"))],
  ["51 push attempts", "attempts", () => repo().then((r) => r.withMaxAttempts(51))],
  ["a bump tag with a space", "tag", () => repo().then((r) => r.bump("bad tag"))],
  ["a bump environment with capitals", "environment", () => repo().then((r) => r.bump("1.2.3", "Dev"))],
  ["a short digest", "digest", () => repo().then((r) => r.bump("1.2.3", "dev", "sha256:1"))],
  ["a repository with capitals", "repository", () => repo().then((r) => r.bump("1.2.3", "dev", "", "GHCR.io/Acme"))],
  ["an app version with a space", "appVersion", () => repo().then((r) => r.bump("1.2.3", "dev", "", "", "1 2"))],
  ["a source commit with a space", "sourceCommit", () => repo().then((r) => r.bump("1.2.3", "dev", "", "", "", "a b"))],
  [
    "a token over plain http",
    "url",
    () =>
      p()
        .gitopsRepo("http://git.example.com/g.git", "main", "gitops")
        .then((r) => r.withToken(secret()).bump("1.2.3")),
  ],
  ["an SSH key for an https URL", "key", () => repo().then((r) => r.withSshKey(secret(), "github.com ssh-ed25519 AAAA").bump("1.2.3"))],
  ["a promotion source with a bang", "from", () => repo().then((r) => r.promote("prod!"))],
  // with-pull-request
  [
    "a pull request without a repository URL",
    "url",
    () =>
      p()
        .gitopsRepo("")
        .then((r) => r.withPullRequest(secret())),
  ],
  ["a pull-request API over plain http", "apiUrl", () => repo().then((r) => r.withPullRequest(secret(), PullRequestProvider.GITHUB, "http://api.example.com"))],
  ["a GitHub Enterprise repository without an API URL", "apiUrl", () => repo().then((r) => r.withPullRequest(secret()))],
  [
    "a GitHub project with three segments",
    "project",
    () => repo().then((r) => r.withPullRequest(secret(), PullRequestProvider.GITHUB, "https://git.example.com/api/v3", "a/b/c")),
  ],
  ["a GitLab project without a group", "project", () => repo().then((r) => r.withPullRequest(secret(), PullRequestProvider.GITLAB, "", "gitops"))],
  [
    "a proposal branch prefix with a space",
    "branchPrefix",
    () => repo().then((r) => r.withPullRequest(secret(), PullRequestProvider.GITLAB, "", "", "my prefix/")),
  ],
  ["a promotion target with capitals", "to", () => repo().then((r) => r.promote("dev", "Staging"))],
  ["a rollback environment with a bang", "environment", () => repo().then((r) => r.rollback("prod!"))],
  ["a rollback revision that is an option", "to", () => repo().then((r) => r.rollback("dev", "--upload-pack=x"))],
  ["a rollback revision that is a range", "to", () => repo().then((r) => r.rollback("dev", "HEAD~3..HEAD"))],
  [
    "a rollback without a repository (no history)",
    "url",
    () =>
      p()
        .gitopsRepo("")
        .then((r) => r.rollback("dev")),
  ],
  // argo-cd and verify
  ["no Argo CD connection at all", "server", () => p().argoCd()],
  ["an Argo CD server without a token", "token", () => p().argoCd("https://argocd.example.com")],
  ["an Argo CD token without a server", "server", () => p().argoCd("", secret())],
  ["a kubeconfig together with a server", "kubeconfig", () => p().argoCd("https://argocd.example.com", undefined, secret())],
  ["a kubeconfig together with a token", "kubeconfig", () => p().argoCd("", secret(), secret())],
  ["an Argo CD server over plain http", "server", () => p().argoCd("http://argocd.example.com", secret())],
  ["an Argo CD server URL with credentials", "server", () => p().argoCd("https://admin:pw@argocd.example.com", secret())],
  ["an Argo CD server that is not a URL", "server", () => p().argoCd("argocd.example.com", secret())],
  ["an Application namespace with capitals", "namespace", () => p().argoCd("https://argocd.example.com", secret(), undefined, "ArgoCD")],
  ["a verify environment with capitals", "environment", () => argo().verify("Dev")],
  ["a verify revision that is a branch", "revision", () => argo().verify("dev", "main")],
  ["a verify revision shorter than 7 digits", "revision", () => argo().verify("dev", "1a2b3c")],
  ["a verify timeout of 0", "timeout", () => argo().verify("dev", "", 0)],
  ["a verify timeout above an hour", "timeout", () => argo().verify("dev", "", 3601)],
  ["a probe URL over ftp", "probeUrl", () => argo().verify("dev", "", 300, "ftp://dev.example.com/")],
  ["an Application name with capitals", "application", () => argo().verify("dev", "", 300, "", "Gitops-Demo")],
  // ci: the CI context and the one-off overrides; what the team decided once is the settings file's (tests/unit/settings.test.ts)
  ["a commit with a space", "commit", () => ciOf()("a b")],
  ["a run number with a semicolon", "runNumber", () => ciOf()("local", "1;2")],
  ["a ci version x.y", "version", () => ciOf()("local", "0", "local", "", "1.2")],
  ["a ci environment with a bang", "environment", () => ciOf()("local", "0", "local", "", "", "", "", "dev!")],
  [
    "an image repository with capitals in the settings file",
    "gitops-pipeline.settings.yaml: image.repository",
    () => ciOf("image: {repository: Ghcr.io/Acme}")(),
  ],
  ["no release branch in the settings file", "gitops-pipeline.settings.yaml: release.branches", () => ciOf("release: {branches: []}")()],
  [
    "a gitops repository over ftp in the settings file",
    "gitops-pipeline.settings.yaml: gitops.repository",
    () => ciOf("gitops: {repository: 'ftp://x/y.git'}")(),
  ],
  [
    "a ci platform that does not exist in the settings file",
    "gitops-pipeline.settings.yaml: image.platforms",
    () => ciOf("image: {platforms: [plan9/amd64]}")(),
  ],
  ["an Argo CD server without its token", "argocdToken", () => ciOf("verify: {argocdServer: 'https://argocd.example.com'}")()],
  [
    "a publish from a commit that is not one",
    "commit",
    () =>
      ciOf("image: {repository: ghcr.io/acme/app}")("local", "29", "main", "", "", "", "bot", undefined, undefined, undefined, {
        plaintext: async () => "t",
      } as unknown as Secret),
  ],
];

async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("bad input fails at once, naming the argument", () => {
  it(`covers at least 30 distinct bad inputs across the public functions (${CASES.length})`, () => {
    expect(new Set(CASES.map(([what]) => what)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)("%s → %s", async (_what, arg, call) => {
    const err = await errorOf(call);
    expect(err, "no error was thrown").toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.input).toBe(arg);
    // The message says what is wrong and what to do.
    expect(e.problem.length).toBeGreaterThan(3);
    expect(e.fix.length).toBeGreaterThan(3);
    // The message spells an argument as the CLI does (--min-coverage), a file's key as file: path.
    expect(e.message.startsWith(`${cliSpelling(arg)}: `)).toBe(true);
  });

  it("the enum override is refused only for unknown values (a known one passes the layer)", async () => {
    const r = await repo();
    expect(r.withFormat(WriteBackFormat.KUSTOMIZE, "web").format).toBe("kustomize");
  });
});
