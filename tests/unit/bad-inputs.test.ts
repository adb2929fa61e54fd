/**
 * Bad inputs: each one is refused before anything runs, with ONE InputError naming the argument
 * as the CLI spells it (or the file and field), never a crash and never accepted. The review's
 * list is included (marked "review:"); each of those was accepted, crashed or named the wrong
 * thing before. Then a property: whatever string reaches a schema, the outcome is a value or an
 * InputError, nothing else.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../dagger/src/core/errors.js";
import { parseInputs } from "../../dagger/src/core/inputs.js";
import { parsePipelineConfig } from "../../dagger/src/core/gitops-config.js";
import { authorInputs, attemptsInputs, bumpInputs, promoteInputs, repoInputs, rollbackInputs, tokenInputs } from "../../dagger/src/core/writeback/inputs.js";
import { checkAuthor, checkBranch, checkRepoUrl } from "../../dagger/src/core/writeback/git.js";
import { connectionInputs, verifyInputs, checkConnection } from "../../dagger/src/core/verify/inputs.js";
import { parseKubeconfig } from "../../dagger/src/core/verify/kubeconfig.js";
import { validateInputs, kindInputs, appInputs as manifestsAppInputs } from "../../dagger/src/core/validate/inputs.js";
import { buildInputs, publishInputs, scanInputs, tarballInputs, testInputs, lintInputs, appInputs } from "../../dagger/src/core/app/inputs.js";
import { decideCi, type CiInputs } from "../../dagger/src/core/ci/plan.js";
import { notifyInputs } from "../../dagger/src/core/notify/when.js";
import { checkWebhookUrl } from "../../dagger/src/core/notify/webhook-url.js";
import { checkApiUrl, resolvePullRequest } from "../../dagger/src/core/writeback/pull-request/config.js";
import { localInputs } from "../../dagger/src/core/local/settings.js";
import { e2eInputs } from "../../dagger/src/core/e2e/settings.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { moduleApi } from "../helpers/module-api.js";
import { kebab } from "../helpers/engine-names.js";
import { ciInputs } from "../helpers/ci-call.js";

const bump = { tag: "1.2.3", environment: "dev", digest: "", repository: "", appVersion: "", sourceCommit: "" };
const verify = { environment: "dev", revision: "", timeout: 300, probeUrl: "", application: "" };
const repo = { url: "https://git.example.com/acme/gitops.git", branch: "main", path: "gitops", app: "" };
const publish = {
  image: "ghcr.io/acme/app",
  revision: "abcdef1",
  run: "1",
  environment: "",
  branch: "",
  release: false,
  tagTemplates: [],
  username: "",
  hasPassword: false,
  platforms: ["linux/amd64"],
};
const local = { argocdVersion: VERSIONS.argocd, environment: "dev", branch: "main", version: "0.1.0", nextVersion: "", timeout: 600 };
const ci: CiInputs = { ...ciInputs(), commit: "abcdef1", runNumber: "1", platforms: ["linux/amd64"], endToEnd: false, scan: false, scanSecrets: false };
const kubeconfig = (server: string, user = "token: abcdefgh") =>
  `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "${server}"}}]\nusers: [{name: u, user: {${user}}}]\n`;
const layout = (body: string) => () => parsePipelineConfig(body);
const single = (env: string, extra = "") => `chart: charts/app\nrelease: app\nenvironments:\n  ${env}:\n    values: [v.yaml]\n${extra}`;
const BOMB = `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\nenvironments: *f\n`;

/** [what, the call, the argument its InputError must name]. */
const CASES: [string, () => unknown, string][] = [
  // ---- the review's list -----------------------------------------------------------------
  ["review: ci branch with a newline", () => decideCi({ ...ci, branch: "main\nx" }), "branch"],
  ["review: HEAD as gitops-repo branch", () => parseInputs(repoInputs, { ...repo, branch: "HEAD" }), "branch"],
  ["review: 1,000-character branch", () => parseInputs(repoInputs, { ...repo, branch: "b".repeat(1000) }), "branch"],
  ["review: 1,000-character ci branch", () => decideCi({ ...ci, branch: "b".repeat(1000) }), "branch"],
  ["review: blank author name", () => parseInputs(authorInputs, { name: "   ", email: "bot@example.com" }), "name"],
  ["review: author name with \\r", () => parseInputs(authorInputs, { name: "bot\rX", email: "bot@example.com" }), "name"],
  ["review: author name with NUL", () => checkAuthor({ name: "bot\u0000", email: "bot@example.com" }), "name"],
  ["review: environment name ending in -", () => parseInputs(bumpInputs, { ...bump, environment: "dev-" }), "environment"],
  ["review: 300-character environment name", () => parseInputs(verifyInputs, { ...verify, environment: "e".repeat(300) }), "environment"],
  ["review: layout environment ending in -", layout(single("dev-")), "gitops-pipeline.yaml: environments.dev-"],
  ["review: layout environment of 300 characters", layout(single("e".repeat(300))), `gitops-pipeline.yaml: environments.${"e".repeat(300)}`],
  ["review: app name of 200 characters (argument)", () => parseInputs(manifestsAppInputs, { app: "a".repeat(200) }), "app"],
  [
    "review: app name of 200 characters (layout)",
    layout(`apps:\n  - name: ${"a".repeat(200)}\n    chart: c\n    environments:\n      dev:\n        values: [v.yaml]\n`),
    "gitops-pipeline.yaml: apps.0.name",
  ],
  [
    "review: registry port 99999 in bump's repository",
    () => parseInputs(bumpInputs, { ...bump, repository: "registry.example.com:99999/acme/app" }),
    "repository",
  ],
  [
    "review: probeUrl at the cloud metadata address",
    () => parseInputs(verifyInputs, { ...verify, probeUrl: "http://169.254.169.254/latest/meta-data/" }),
    "probeUrl",
  ],
  ["review: windows/amd64 as a platform of a Linux image", () => parseInputs(buildInputs, { platforms: ["linux/amd64,windows/amd64"] }), "platforms"],
  ["review: repoPath with a newline", layout(`repoPath: "gitops\\nx"\n${single("dev")}`), "gitops-pipeline.yaml: repoPath"],
  [
    "review: 104-character namespace (layout)",
    layout(single("dev", `    namespace: ${"n".repeat(104)}\n`)),
    "gitops-pipeline.yaml: environments.dev.namespace",
  ],
  [
    "review: 104-character namespace (argo-cd)",
    () => parseInputs(connectionInputs, { server: "https://argocd.example.com", namespace: "n".repeat(104) }),
    "namespace",
  ],
  ["review: alias bomb in gitops-pipeline.yaml", layout(BOMB), "gitops-pipeline.yaml"],
  [
    "review: application with shell syntax",
    layout(single("dev", `    application: "demo-dev;touch /tmp/pwned;true"\n`)),
    "gitops-pipeline.yaml: environments.dev.application",
  ],
  ["review: repository URL with ?access_token=", () => checkRepoUrl("https://git.example.com/a/b.git?access_token=abc123"), "url"],
  ["review: ssh://user:password@host", () => parseInputs(repoInputs, { ...repo, url: "ssh://u:pw@git.example.com/a/b.git" }), "url"],
  ["review: kubeconfig server with user:password@", () => parseKubeconfig(kubeconfig("https://admin:pw@k8s.example.com")), "kubeconfig"],
  // ---- write-back ------------------------------------------------------------------------
  ["branch with ..", () => checkBranch("a..b"), "branch"],
  ["branch starting with -", () => checkBranch("-x"), "branch"],
  ["branch with a component starting with .", () => checkBranch("feature/.hidden"), "branch"],
  ["branch ending in .lock", () => checkBranch("main.lock"), "branch"],
  ["branch refs/heads/main", () => checkBranch("refs/heads/main"), "branch"],
  ["branch with @{", () => checkBranch("a@{1}"), "branch"],
  ["branch with a space", () => parseInputs(repoInputs, { ...repo, branch: "my branch" }), "branch"],
  ["url ftp://", () => parseInputs(repoInputs, { ...repo, url: "ftp://h/r.git" }), "url"],
  ["url with a token as user", () => parseInputs(repoInputs, { ...repo, url: "https://ghp_x@github.com/a/b.git" }), "url"],
  ["path with ..", () => parseInputs(repoInputs, { ...repo, path: "../x" }), "path"],
  ["app with upper case", () => parseInputs(repoInputs, { ...repo, app: "Payments" }), "app"],
  ["token user with a space", () => parseInputs(tokenInputs, { user: "x y" }), "user"],
  ["author email without @", () => parseInputs(authorInputs, { name: "bot", email: "bot.example.com" }), "email"],
  ["author name with < >", () => parseInputs(authorInputs, { name: "bot <x>", email: "bot@example.com" }), "name"],
  ["attempts 0", () => parseInputs(attemptsInputs, { attempts: 0 }), "attempts"],
  ["attempts 1000", () => parseInputs(attemptsInputs, { attempts: 1000 }), "attempts"],
  ["tag with a space", () => parseInputs(bumpInputs, { ...bump, tag: "1.2 .3" }), "tag"],
  ["digest not sha256", () => parseInputs(bumpInputs, { ...bump, digest: "md5:abc" }), "digest"],
  ["repository with upper case", () => parseInputs(bumpInputs, { ...bump, repository: "ghcr.io/Acme/App" }), "repository"],
  ["sourceCommit with a space", () => parseInputs(bumpInputs, { ...bump, sourceCommit: "abc def" }), "sourceCommit"],
  ["promote from Prod", () => parseInputs(promoteInputs, { from: "Prod", to: "", sourceCommit: "" }), "from"],
  ["promote to ending in -", () => parseInputs(promoteInputs, { from: "dev", to: "prod-", sourceCommit: "" }), "to"],
  ["rollback to with a space", () => parseInputs(rollbackInputs, { environment: "dev", to: "a b" }), "to"],
  // ---- verify / argo-cd -------------------------------------------------------------------
  ["server http://", () => parseInputs(connectionInputs, { server: "http://argocd.example.com", namespace: "argocd" }), "server"],
  ["server with user:password@", () => parseInputs(connectionInputs, { server: "https://a:b@argocd.example.com", namespace: "argocd" }), "server"],
  ["server at the cloud metadata address", () => parseInputs(connectionInputs, { server: "https://169.254.169.254", namespace: "argocd" }), "server"],
  ["probeUrl with ?token=", () => parseInputs(verifyInputs, { ...verify, probeUrl: "https://app.example.com/?token=abc" }), "probeUrl"],
  [
    "probeUrl at metadata.google.internal",
    () => parseInputs(verifyInputs, { ...verify, probeUrl: "http://metadata.google.internal/computeMetadata/v1/" }),
    "probeUrl",
  ],
  ["probeUrl at fd00:ec2::254", () => parseInputs(verifyInputs, { ...verify, probeUrl: "http://[fd00:ec2::254]/latest" }), "probeUrl"],
  ["probeUrl file://", () => parseInputs(verifyInputs, { ...verify, probeUrl: "file:///etc/passwd" }), "probeUrl"],
  ["revision not hex", () => parseInputs(verifyInputs, { ...verify, revision: "zzzzzzz" }), "revision"],
  ["timeout 0", () => parseInputs(verifyInputs, { ...verify, timeout: 0 }), "timeout"],
  ["application with a slash", () => parseInputs(verifyInputs, { ...verify, application: "a/b" }), "application"],
  ["token without server", () => checkConnection("", true, false), "server"],
  ["kubeconfig and server", () => checkConnection("https://a", true, true), "kubeconfig"],
  ["kubeconfig http server", () => parseKubeconfig(kubeconfig("http://k8s.example.com")), "kubeconfig"],
  ["kubeconfig server with ?token=", () => parseKubeconfig(kubeconfig("https://k8s.example.com?token=abc")), "kubeconfig"],
  ["kubeconfig basic auth", () => parseKubeconfig(kubeconfig("https://k8s.example.com", "username: a, password: b")), "kubeconfig"],
  ["kubeconfig not YAML", () => parseKubeconfig(": : :\n\t- ["), "kubeconfig"],
  ["kubeconfig alias bomb", () => parseKubeconfig(BOMB), "kubeconfig"],
  // ---- validate / manifests ----------------------------------------------------------------
  ["review: validate --environments dev,Prod names Prod", () => parseInputs(validateInputs, { environments: ["dev,Prod"] }), "environments"],
  [
    "validate --changed-files outside the repository",
    () => parseInputs(validateInputs, { environments: [], changedFiles: ["gitops/../../etc/passwd"] }),
    "changedFiles",
  ],
  ["kind runId with upper case", () => parseInputs(kindInputs, { runId: "Debug" }), "runId"],
  ["kind server http", () => parseInputs(kindInputs, { runId: "debug", server: "http://localhost:6443" }), "server"],
  ["layout application of 64 characters", layout(single("dev", `    application: ${"a".repeat(64)}\n`)), "gitops-pipeline.yaml: environments.dev.application"],
  [
    "layout derived name longer than 63",
    layout(`chart: c\nrelease: ${"r".repeat(50)}\nenvironments:\n  ${"e".repeat(20)}:\n    values: [v.yaml]\n`),
    `gitops-pipeline.yaml: environments.${"e".repeat(20)}`,
  ],
  [
    "layout values path with a newline",
    layout(`chart: c\nrelease: app\nenvironments:\n  dev:\n    values: ["v\\n.yaml"]\n`),
    "gitops-pipeline.yaml: environments.dev.values.0",
  ],
  ["layout chart outside the tree", layout(`chart: ../c\nrelease: app\nenvironments:\n  dev:\n    values: [v.yaml]\n`), "gitops-pipeline.yaml: chart"],
  [
    "layout release of 60 characters",
    layout(`chart: c\nrelease: ${"r".repeat(60)}\nenvironments:\n  dev:\n    values: [v.yaml]\n`),
    "gitops-pipeline.yaml: release",
  ],
  ["layout repoPath absolute", layout(`repoPath: /etc\n${single("dev")}`), "gitops-pipeline.yaml: repoPath"],
  ["layout not YAML", layout("a: [\n"), "gitops-pipeline.yaml"],
  // ---- app stages ------------------------------------------------------------------------------
  ["platform darwin/arm64", () => parseInputs(tarballInputs, { name: "app", platform: "darwin/arm64" }), "platform"],
  ["platform linux/sparc", () => parseInputs(buildInputs, { platforms: ["linux/sparc"] }), "platforms"],
  ["min coverage 101", () => parseInputs(testInputs, { minCoverage: 101 }), "minCoverage"],
  ["linter unknown", () => parseInputs(lintInputs, { linters: ["ruff,eslint"] }), "linters"],
  [
    "revision not a commit",
    () => parseInputs(appInputs, { version: "", revision: "not a sha", dockerfile: "Dockerfile", sourceUrl: "", python: "", dependencies: "" }),
    "revision",
  ],
  [
    "dockerfile outside the source",
    () => parseInputs(appInputs, { version: "", revision: "abc", dockerfile: "../Dockerfile", sourceUrl: "", python: "", dependencies: "" }),
    "dockerfile",
  ],
  ["publish image with a tag", () => parseInputs(publishInputs, { ...publish, image: "ghcr.io/acme/app:1.0" }), "image"],
  ["publish image port 99999", () => parseInputs(publishInputs, { ...publish, image: "registry.example.com:99999/acme/app" }), "image"],
  ["publish windows platform", () => parseInputs(publishInputs, { ...publish, platforms: ["windows/amd64"] }), "platforms"],
  [
    "scan severity unknown",
    () => parseInputs(scanInputs, { severity: "SEVERE", dbRepository: "", skipDbUpdate: false, platform: "linux/amd64", ignoreUnfixed: false, secrets: false }),
    "severity",
  ],
  // ---- ci ---------------------------------------------------------------------------------------
  ["ci commit with a space", () => decideCi({ ...ci, commit: "a b" }), "commit"],
  ["ci branch with ~", () => decideCi({ ...ci, branch: "a~1" }), "branch"],
  // What ci takes from the settings file is named by the file's key (ci has no such flag).
  ["ci release branch HEAD", () => decideCi({ ...ci, releaseBranches: "main,HEAD" }), "gitops-pipeline.settings.yaml: release.branches"],
  ["ci no release branch", () => decideCi({ ...ci, releaseBranches: " , " }), "gitops-pipeline.settings.yaml: release.branches"],
  [
    "ci gitops repo with ?access_token=",
    () => decideCi({ ...ci, gitopsRepo: "https://h/a.git?access_token=x1234" }),
    "gitops-pipeline.settings.yaml: gitops.repository",
  ],
  ["ci gitops branch with a newline", () => decideCi({ ...ci, gitopsBranch: "main\nx" }), "gitops-pipeline.settings.yaml: gitops.branch"],
  ["ci environment ending in -", () => decideCi({ ...ci, environment: "dev-" }), "environment"],
  ["ci image repository port 99999", () => decideCi({ ...ci, imageRepository: "r.example.com:99999/a" }), "gitops-pipeline.settings.yaml: image.repository"],
  ["ci platform linux/sparc", () => decideCi({ ...ci, platforms: ["linux/sparc"] }), "gitops-pipeline.settings.yaml: image.platforms"],
  // ---- notify, pull requests, local, e2e -------------------------------------------------------
  ["notify on sometimes", () => parseInputs(notifyInputs, { on: "sometimes", runUrl: "" }), "on"],
  ["notify runUrl javascript:", () => parseInputs(notifyInputs, { on: "failure", runUrl: "javascript:alert(1)" }), "runUrl"],
  ["webhook ftp://", () => checkWebhookUrl("ftp://hooks.example.com/x"), "webhook"],
  ["webhook plain http to a public host", () => checkWebhookUrl("http://hooks.example.com/x"), "webhook"],
  ["webhook with user:password@", () => checkWebhookUrl("https://u:p@hooks.example.com/x"), "webhook"],
  ["apiUrl with a query", () => checkApiUrl("https://api.github.com/?x=1"), "apiUrl"],
  [
    "pull request branchPrefix with a space",
    () => resolvePullRequest(repo.url, { provider: "gitlab", apiUrl: "", project: "", branchPrefix: "my prefix/" }),
    "branchPrefix",
  ],
  ["local branch HEAD", () => parseInputs(localInputs, { ...local, branch: "HEAD" }), "branch"],
  ["local version 1.2", () => parseInputs(localInputs, { ...local, version: "1.2" }), "version"],
  ["local timeout 5", () => parseInputs(localInputs, { ...local, timeout: 5 }), "timeout"],
  [
    "e2e namespace of 64 characters",
    () => parseInputs(e2eInputs, { environment: "dev", version: "1.0.0", namespace: "n".repeat(64), timeout: DEFAULTS.e2eTimeout }),
    "namespace",
  ],
  [
    "e2e namespace ending in -",
    () => parseInputs(e2eInputs, { environment: "dev", version: "1.0.0", namespace: "ns-", timeout: DEFAULTS.e2eTimeout }),
    "namespace",
  ],
];

describe("bad inputs: one InputError naming the argument", () => {
  it("covers at least 60 distinct inputs", () => {
    expect(new Set(CASES.map(([what]) => what)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES)("%s", (_what, call, arg) => {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err, "accepted").toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(arg);
    // Never the internal placeholder the list bug printed.
    expect((err as InputError).message).not.toContain('"undefined"');
  });

  it("every argument a case names is an argument of the module's API (read as the engine reads it), spelt as a flag", async () => {
    const api = await moduleApi();
    const args = new Set<string>();
    for (const o of Object.values(api.objects)) {
      for (const a of Object.keys(o.constructor?.arguments ?? {})) args.add(a);
      for (const f of Object.values(o.methods)) for (const a of Object.keys(f.arguments)) args.add(a);
    }
    const named = [...new Set(CASES.map(([, , arg]) => arg))].filter((a) => !a.includes(": ") && !a.endsWith(".yaml"));
    expect(named.filter((a) => !args.has(a))).toEqual([]);
    for (const a of named) expect(new InputError(a, "x", "y").message.startsWith(`--${kebab(a)}: `), a).toBe(true);
  });

  it("two inputs at fault together are each spelt as a flag", () => {
    expect(new InputError("key, identityToken", "are both set", "pass one").message).toBe("--key, --identity-token: are both set. pass one");
  });

  it("validate --environments dev,Prod names the bad item", () => {
    expect(() => parseInputs(validateInputs, { environments: ["dev,Prod"] })).toThrow(/^--environments: "Prod" is not an environment name/);
  });
});

describe("property: no input crashes", () => {
  const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom("", " ", "\n", "\u0000", "HEAD", "-", "a".repeat(1000), "*a", "&a [*a]"));
  it("every string schema gives a value or an InputError", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const calls = [
          () => parseInputs(repoInputs, { ...repo, branch: s }),
          () => parseInputs(repoInputs, { ...repo, url: s }),
          () => parseInputs(authorInputs, { name: s, email: "a@b" }),
          () => parseInputs(bumpInputs, { ...bump, repository: s }),
          () => parseInputs(verifyInputs, { ...verify, probeUrl: s }),
          () => parseInputs(validateInputs, { environments: [s] }),
          () => parseInputs(buildInputs, { platforms: [s] }),
          () => decideCi({ ...ci, branch: s }),
          () => parsePipelineConfig(s),
          () => parsePipelineConfig(single("dev", `    application: ${JSON.stringify(s)}\n`)),
          () => parseKubeconfig(s),
        ];
        for (const c of calls) {
          try {
            c();
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
