/**
 * Contract of the local gitops environment's pure parts with real programs:
 * - the git server: the seed script in a real shell with the real git commits the tree as the
 *   environment rewrites it; `git http-backend` (behind a loopback HTTP server, anonymous, as behind
 *   the service's nginx) serves it; the write-back's own clone argv clones it and a push lands only
 *   because the seed enables http.receivepack;
 * - the generated Argo CD and Kubernetes manifests (rewritten Applications and AppProject, roots,
 *   repository Secret, the git server's Service and EndpointSlice, a pull-policy-pinned workload)
 *   through the pinned kubeconform -strict with the offline Kubernetes and Argo CD schemas.
 * nginx/fcgiwrap themselves are not run here (not installed on the CI runner); the engine run does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { parseGitopsConfig } from "../../dagger/src/core/gitops-config.js";
import { gitArgv } from "../../dagger/src/core/writeback/git.js";
import { kubeconformArgv } from "../../dagger/src/core/validate/argv.js";
import { GIT_REPO, gitSeedScript } from "../../dagger/src/core/local/git-server.js";
import {
  GIT_ADDRESS_PLACEHOLDER,
  LOCAL_REPO_URL,
  gitEndpointManifest,
  localArgoTree,
  pinPullPolicy,
  repositorySecret,
} from "../../dagger/src/core/local/argocd.js";
import { seedValues } from "../../dagger/src/core/local/seed.js";
import { LOCAL_IMAGE_REPOSITORY, localSettings } from "../../dagger/src/core/local/settings.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";
import { serveGit, type GitHttp } from "../helpers/git-http.js";
import { ROOT, runArgv } from "../helpers/tools.js";
import { offlineKubeconform } from "./local-validation.js";

const GITOPS = join(ROOT, "gitops");
const CONFIG = parseGitopsConfig(readFileSync(join(GITOPS, "gitops-pipeline.yaml"), "utf8"));
const S = localSettings({
  argocdVersion: VERSIONS.argocd,
  environment: "dev",
  branch: "main",
  version: DEFAULTS.localVersion,
  nextVersion: "",
  timeout: DEFAULTS.localTimeout,
  config: CONFIG,
  runId: "contract",
});
const ARGO = ["argocd/root.yaml", "argocd/apps/project.yaml", "argocd/apps/dev.yaml", "argocd/apps/staging.yaml", "argocd/apps/prod.yaml"];

/** The seeded tree as the Dagger shell builds it (prepare.ts seedTree), on disk. */
function seededTree(dir: string): { roots: string } {
  cpSync(GITOPS, dir, { recursive: true });
  const argo = localArgoTree(
    ARGO.map((path) => ({ path, text: readFileSync(join(GITOPS, path), "utf8") })),
    { repoUrl: LOCAL_REPO_URL, revision: S.branch, repoPath: CONFIG.repoPath, environmentApplications: S.environmentApplications, keep: S.application },
  );
  const values = seedValues(
    S.e2e.valuesPaths.map((path) => ({ path, text: readFileSync(join(GITOPS, path), "utf8") })),
    { repository: LOCAL_IMAGE_REPOSITORY, tag: S.tag, version: S.version },
  );
  for (const f of [...argo.changed, values]) writeFileSync(join(dir, f.path), f.text);
  return { roots: argo.roots };
}

/** git with no user or system configuration. */
const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };

/**
 * Run real git without blocking the event loop: the HTTP server answering it lives in this process
 * (a real loopback socket), so a synchronous spawn would wait for itself.
 */
function git(args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn("git", args, { cwd, env: GIT_ENV });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", (e) => reject(new Error(`git is not installed (apt-get install git): ${e.message}`)));
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const servers: GitHttp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Seed a repository with the real seed script and serve it anonymously; the temp dir and the URL. */
async function seededServer(): Promise<{ T: string; url: string; bare: string }> {
  const T = mkdtempSync(join(tmpdir(), "local-git-"));
  mkdirSync(join(T, "seed"));
  seededTree(join(T, "seed"));
  const script = gitSeedScript({ seed: join(T, "seed"), root: join(T, "srv"), repo: GIT_REPO, repoPath: CONFIG.repoPath, branch: S.branch });
  const r = spawnSync("sh", ["-c", script], { env: GIT_ENV, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const bare = join(T, "srv", GIT_REPO);
  const server = await serveGit(bare);
  servers.push(server);
  return { T, url: server.url, bare };
}

describe("the in-pipeline git server (real git, git http-backend on loopback)", () => {
  it("the seed commits the rewritten tree at repoPath on the branch; the write-back's clone argv clones it over plain http", async () => {
    const { T, url } = await seededServer();
    const clone = join(T, "clone");
    const r = await git(gitArgv.clone(url, S.branch, clone).slice(1), T);
    expect(r.status, r.stderr).toBe(0);
    expect((await git(["log", "--format=%s"], clone)).stdout.trim()).toBe("local: the gitops tree");
    const root = parse(readFileSync(join(clone, "gitops/argocd/root.yaml"), "utf8")) as Record<string, any>;
    expect(root.spec.source).toMatchObject({ repoURL: LOCAL_REPO_URL, targetRevision: "main", path: "gitops/argocd/apps" });
    // The root's path exists in the served repository: what Argo CD will read.
    expect(existsSync(join(clone, root.spec.source.path, "dev.yaml"))).toBe(true);
    // The other environments stay in the tree, out of the root's sync: the excluded files match the glob.
    expect(existsSync(join(clone, "gitops/argocd/apps/prod.yaml"))).toBe(true);
    expect(root.spec.source.directory.exclude).toBe("{staging.yaml,prod.yaml}");
    const values = parse(readFileSync(join(clone, "gitops/environments/dev/values.yaml"), "utf8")) as Record<string, any>;
    expect(values.image).toMatchObject({ repository: LOCAL_IMAGE_REPOSITORY, tag: S.tag });
    // The chart path of the Application resolves too.
    const dev = parse(readFileSync(join(clone, "gitops/argocd/apps/dev.yaml"), "utf8")) as Record<string, any>;
    expect(existsSync(join(clone, dev.spec.source.path, "Chart.yaml"))).toBe(true);
  });

  it("an anonymous push lands (the seed enables http.receivepack); without it the same push is refused", async () => {
    const { T, url, bare } = await seededServer();
    const clone = join(T, "clone");
    expect((await git(["clone", "--quiet", "--branch", "main", url, clone], T)).status).toBe(0);
    writeFileSync(
      join(clone, "gitops/environments/dev/values.yaml"),
      readFileSync(join(clone, "gitops/environments/dev/values.yaml"), "utf8").replace(`tag: "${S.tag}"`, 'tag: "0.1.0-local.2"'),
    );
    const as = ["-c", "user.name=t", "-c", "user.email=t@example.com"];
    expect((await git([...as, "commit", "--quiet", "-am", "bump"], clone)).status).toBe(0);
    const head = (await git(["rev-parse", "HEAD"], clone)).stdout.trim();
    const pushed = await git(gitArgv.push("main").slice(1), clone);
    expect(pushed.status, pushed.stderr).toBe(0);
    expect((await git(["rev-parse", "refs/heads/main"], bare)).stdout.trim()).toBe(head);

    await git(["config", "--unset", "http.receivepack"], bare);
    expect((await git([...as, "commit", "--quiet", "--allow-empty", "-m", "again"], clone)).status).toBe(0);
    const refused = await git(gitArgv.push("main").slice(1), clone);
    expect(refused.status).not.toBe(0);
    expect((await git(["rev-parse", "refs/heads/main"], bare)).stdout.trim()).toBe(head);
  });
});

describe("the generated manifests through the pinned kubeconform -strict (offline Kubernetes + Argo CD schemas)", () => {
  function kubeconform(files: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), "local-manifests-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const kc = offlineKubeconform();
    const r = runArgv(
      kubeconformArgv({
        kubernetesVersion: VERSIONS.kubernetes,
        locations: kc.locations,
        ...(kc.cacheDir ? { cacheDir: kc.cacheDir } : {}),
        files: Object.keys(files).map((n) => join(dir, n)),
      }),
      ROOT,
    );
    const out = JSON.parse(r.stdout) as {
      resources: { kind: string; status: string; msg?: string }[];
      summary: { valid: number; invalid: number; errors: number; skipped: number };
    };
    return { status: r.status, out, stderr: r.stderr };
  }

  it("the rewritten Argo CD directory, the roots, the repository Secret and the git Service + EndpointSlice are valid", () => {
    const dir = mkdtempSync(join(tmpdir(), "local-tree-"));
    const { roots } = seededTree(dir);
    const files: Record<string, string> = {
      "roots.yaml": roots,
      "project.yaml": readFileSync(join(dir, "argocd/apps/project.yaml"), "utf8"),
      "dev.yaml": readFileSync(join(dir, "argocd/apps/dev.yaml"), "utf8"),
      "repository.yaml": repositorySecret(LOCAL_REPO_URL),
      "git-endpoint.yaml": gitEndpointManifest().replace(GIT_ADDRESS_PLACEHOLDER, "10.87.0.130"),
    };
    const r = kubeconform(files);
    expect(r.status, JSON.stringify(r.out.resources.filter((x) => x.status !== "statusValid"))).toBe(0);
    expect(r.out.summary).toEqual({ valid: 6, invalid: 0, errors: 0, skipped: 0 });
    expect(r.out.resources.map((x) => x.kind).sort()).toEqual(["AppProject", "Application", "Application", "EndpointSlice", "Secret", "Service"]);
  });

  it("a workload with its pull policy pinned stays valid", () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-server, namespace: argocd}
spec:
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
        - {name: server, image: "quay.io/argoproj/argocd:v${VERSIONS.argocd}", imagePullPolicy: Always}
`;
    const r = kubeconform({ "install.yaml": pinPullPolicy(deployment) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out.summary.valid).toBe(1);
  });
});
