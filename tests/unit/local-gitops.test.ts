/**
 * The local gitops environment's pure core: settings (InputError naming the argument), the Argo CD
 * install manifest's URL, images and pull policies, the tree's Argo CD manifests rewritten for the
 * in-pipeline git server, the seeded values, the git server's scripts.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { DEFAULT_GITOPS_CONFIG, parseGitopsConfig, parsePipelineConfig, selectApp } from "../../dagger/src/core/gitops-config.js";
import { DEFAULTS } from "../../dagger/src/core/defaults.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import {
  ARGOCD_LOCAL_PATCHES,
  GIT_ADDRESS_PLACEHOLDER,
  LOCAL_REPO_URL,
  argocdInstallUrl,
  gitEndpointManifest,
  localArgoTree,
  manifestImages,
  normalizedImageRef,
  pinPullPolicy,
  repositorySecret,
} from "../../dagger/src/core/local/argocd.js";
import { localSettings, versionTag, LOCAL_IMAGE_REPOSITORY } from "../../dagger/src/core/local/settings.js";
import { seedValues } from "../../dagger/src/core/local/seed.js";
import { gitNginxConf, gitSeedScript, gitServerUrl } from "../../dagger/src/core/local/git-server.js";
import { localE2eReport } from "../../dagger/src/core/local/report.js";
import { inputError } from "../helpers/errors.js";
import { ROOT } from "../helpers/tools.js";

const GITOPS = join(ROOT, "gitops");
const CONFIG = parseGitopsConfig(readFileSync(join(GITOPS, "gitops-pipeline.yaml"), "utf8"));
const ARGO_FILES = ["argocd/root.yaml", "argocd/apps/project.yaml", "argocd/apps/dev.yaml", "argocd/apps/staging.yaml", "argocd/apps/prod.yaml"].map(
  (path) => ({
    path,
    text: readFileSync(join(GITOPS, path), "utf8"),
  }),
);
const INPUT = {
  argocdVersion: VERSIONS.argocd,
  environment: "dev",
  branch: "main",
  version: DEFAULTS.localVersion,
  nextVersion: DEFAULTS.localNextVersion,
  timeout: DEFAULTS.localTimeout,
  config: CONFIG,
  runId: "run1",
};
const APPS = ["gitops-demo-dev", "gitops-demo-staging", "gitops-demo-prod"];

/** An install-manifest-like fixture written for these tests: two workloads and a ConfigMap. */
const INSTALL = `apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
---
# the server
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-server
spec:
  template:
    spec:
      initContainers:
        - name: copyutil
          image: quay.io/argoproj/argocd:v9.9.9
          imagePullPolicy: Always
      containers:
        - name: server
          image: quay.io/argoproj/argocd:v9.9.9
          imagePullPolicy: Always
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: argocd-application-controller
spec:
  template:
    spec:
      containers:
        - name: controller
          image: quay.io/argoproj/argocd:v9.9.9
        - name: redis
          image: example.org/library/redis:8.0.0-alpine
`;

describe("local settings", () => {
  it("join the inputs with the environment's layout: namespace, Application, repoPath, tags", () => {
    const s = localSettings(INPUT);
    expect(s).toMatchObject({
      environment: "dev",
      application: "gitops-demo-dev",
      repoPath: "gitops",
      branch: "main",
      version: "0.1.0-local.1",
      nextVersion: "0.1.0-local.2",
    });
    expect(s.environmentApplications).toEqual(APPS);
    expect(s.e2e).toMatchObject({
      namespace: "gitops-demo-dev",
      release: "gitops-demo",
      chartPath: "charts/gitops-demo",
      imageRepository: LOCAL_IMAGE_REPOSITORY,
      imageTag: "0.1.0-local.1",
      timeoutSeconds: 900,
    });
  });

  it("name the argument at fault, before anything is read", () => {
    expect(inputError(() => localSettings({ ...INPUT, argocdVersion: "latest" })).input).toBe("argocdVersion");
    expect(inputError(() => localSettings({ ...INPUT, environment: "Dev!" })).input).toBe("environment");
    expect(inputError(() => localSettings({ ...INPUT, environment: "qa" })).message).toContain("declares dev, staging, prod");
    expect(inputError(() => localSettings({ ...INPUT, branch: "a..b" })).input).toBe("branch");
    expect(inputError(() => localSettings({ ...INPUT, version: "1.2" })).input).toBe("version");
    expect(inputError(() => localSettings({ ...INPUT, nextVersion: "x" })).input).toBe("nextVersion");
    expect(inputError(() => localSettings({ ...INPUT, nextVersion: "v0.1.0-local.1" })).message).toContain("the bump would change nothing");
    expect(inputError(() => localSettings({ ...INPUT, timeout: 10 })).input).toBe("timeout");
  });

  it("no next version where nothing is bumped", () => {
    const s = localSettings({ ...INPUT, nextVersion: "" });
    expect([s.nextVersion, s.nextTag]).toEqual(["", ""]);
  });

  it("a version's tag is an OCI tag (build metadata's + becomes -)", () => {
    expect(versionTag("1.2.3+build.5")).toBe("1.2.3-build.5");
    fc.assert(fc.property(fc.stringMatching(/^[0-9]\.[0-9]\.[0-9](-[a-z0-9.]{1,8})?(\+[a-z0-9.]{1,8})?$/), (v) => /^[\w][\w.-]{0,127}$/.test(versionTag(v))));
  });
});

describe("Argo CD install manifest", () => {
  it("the pinned release's manifests/install.yaml; a leading v is accepted; not a version is refused", () => {
    expect(argocdInstallUrl(VERSIONS.argocd)).toBe(`https://raw.githubusercontent.com/argoproj/argo-cd/v${VERSIONS.argocd}/manifests/install.yaml`);
    expect(argocdInstallUrl("v3.3.9")).toBe(argocdInstallUrl("3.3.9"));
    expect(inputError(() => argocdInstallUrl("stable")).input).toBe("argocdVersion");
  });

  it("lists every workload image once, init containers too, nothing from other kinds", () => {
    expect(manifestImages(INSTALL)).toEqual(["example.org/library/redis:8.0.0-alpine", "quay.io/argoproj/argocd:v9.9.9"]);
    expect(manifestImages("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")).toEqual([]);
  });

  it("pins every container's pull policy to IfNotPresent and keeps the rest (comments too)", () => {
    const out = pinPullPolicy(INSTALL);
    const docs = parseAllDocuments(out).map((d) => d.toJS() as Record<string, any>);
    expect(docs.map((d) => d.kind)).toEqual(["ConfigMap", "Deployment", "StatefulSet"]);
    const policies = docs
      .slice(1)
      .flatMap((d) => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers].map((c: any) => c.imagePullPolicy));
    expect(policies).toEqual(["IfNotPresent", "IfNotPresent", "IfNotPresent", "IfNotPresent"]);
    expect(out).toContain("# the server");
    expect(manifestImages(out)).toEqual(manifestImages(INSTALL));
  });

  it("names images as the kubelet looks them up (Docker Hub's defaults filled in)", () => {
    expect(normalizedImageRef("redis:8.0.0-alpine")).toBe("docker.io/library/redis:8.0.0-alpine");
    expect(normalizedImageRef("dexidp/dex:v2")).toBe("docker.io/dexidp/dex:v2");
    expect(normalizedImageRef("busybox")).toBe("docker.io/library/busybox:latest");
    expect(normalizedImageRef("quay.io/argoproj/argocd:v3.3.9")).toBe("quay.io/argoproj/argocd:v3.3.9");
    expect(normalizedImageRef("localhost:5000/x")).toBe("localhost:5000/x:latest");
    const digest = `ghcr.io/o/x@sha256:${"a".repeat(64)}`;
    expect(normalizedImageRef(digest)).toBe(digest);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]+(\/[a-z0-9]+)?(:[a-z0-9.]+)?$/), (r) => normalizedImageRef(normalizedImageRef(r)) === normalizedImageRef(r)),
    );
  });

  it("refuses a manifest that is not YAML, naming it", () => {
    expect(inputError(() => manifestImages("a: [", "install.yaml")).input).toBe("install.yaml");
  });
});

describe("the tree's Argo CD manifests for the local cluster", () => {
  const local = () =>
    localArgoTree(ARGO_FILES, { repoUrl: LOCAL_REPO_URL, revision: "main", repoPath: "gitops", environmentApplications: APPS, keep: "gitops-demo-dev" });

  it("every git source reads the in-pipeline repository at the branch; the project allows it", () => {
    const r = local();
    const byPath = Object.fromEntries(r.changed.map((f) => [f.path, parse(f.text) as Record<string, any>]));
    expect(Object.keys(byPath).sort()).toEqual([
      "argocd/apps/dev.yaml",
      "argocd/apps/prod.yaml",
      "argocd/apps/project.yaml",
      "argocd/apps/staging.yaml",
      "argocd/root.yaml",
    ]);
    for (const p of ["argocd/apps/dev.yaml", "argocd/apps/prod.yaml", "argocd/root.yaml"]) {
      expect(byPath[p]!.spec.source.repoURL).toBe(LOCAL_REPO_URL);
      expect(byPath[p]!.spec.source.targetRevision).toBe("main");
    }
    expect(byPath["argocd/apps/project.yaml"]!.spec.sourceRepos).toEqual(["https://github.com/example/gitops-pipeline.git", LOCAL_REPO_URL]);
    // Paths are untouched: the tree sits at the same repoPath in the in-pipeline repository.
    expect(byPath["argocd/apps/dev.yaml"]!.spec.source.path).toBe("gitops/charts/gitops-demo");
    expect(byPath["argocd/apps/dev.yaml"]!.spec.source.helm.valueFiles).toEqual(["../../environments/dev/values.yaml"]);
  });

  it("keeps the other environments' files in the tree (the bump validates them) but excludes them from the root's sync", () => {
    const r = local();
    expect(r.excluded).toEqual(["argocd/apps/staging.yaml", "argocd/apps/prod.yaml"]);
    expect(r.applications).toEqual(["gitops-demo-dev"]);
    const roots = parseAllDocuments(r.roots).map((d) => d.toJS() as Record<string, any>);
    expect(roots.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(["Application/gitops-demo-root"]);
    expect(roots[0]!.spec.source.repoURL).toBe(LOCAL_REPO_URL);
    expect(roots[0]!.spec.source.directory).toEqual({ recurse: false, exclude: "{staging.yaml,prod.yaml}" });
    // The tree's own root.yaml says the same as what is applied.
    expect((parse(r.changed.find((f) => f.path === "argocd/root.yaml")!.text) as any).spec.source.directory.exclude).toBe("{staging.yaml,prod.yaml}");
    expect(r.changed.find((f) => f.path === "argocd/apps/dev.yaml")!.text).toContain("# dev: the chart with environments/dev/values.yaml");
    // Nothing to exclude when the one environment is all there is; an existing exclude is kept.
    const one = localArgoTree(
      ARGO_FILES.filter((f) => !/staging|prod/.test(f.path)),
      { repoUrl: LOCAL_REPO_URL, revision: "main", repoPath: "gitops", environmentApplications: ["gitops-demo-dev"], keep: "gitops-demo-dev" },
    );
    expect(one.excluded).toEqual([]);
    expect((parse(one.roots) as any).spec.source.directory).toEqual({ recurse: false });
    const withExclude = ARGO_FILES.map((f) =>
      f.path === "argocd/root.yaml" ? { ...f, text: f.text.replace("recurse: false", "recurse: false\n      exclude: old.yaml") } : f,
    );
    expect(
      (
        parse(
          localArgoTree(withExclude, { repoUrl: LOCAL_REPO_URL, revision: "main", repoPath: "gitops", environmentApplications: APPS, keep: "gitops-demo-prod" })
            .roots,
        ) as any
      ).spec.source.directory.exclude,
    ).toBe("{old.yaml,dev.yaml,staging.yaml}");
  });

  it("in the multi-app sample: the other app's ApplicationSet and its other Applications are left out of the local sync", () => {
    const sample = join(ROOT, "tests", "fixtures", "gitops-multi-app");
    const files = [
      ...ARGO_FILES,
      ...["argocd/apps/payments-applicationset.yaml", "argocd/apps/payments-project.yaml"].map((path) => ({
        path,
        text: readFileSync(join(sample, path), "utf8"),
      })),
    ];
    const multi = parsePipelineConfig(readFileSync(join(sample, "gitops-pipeline.yaml"), "utf8"));
    const demo = selectApp(multi, "gitops-demo");
    const s = localSettings({
      ...INPUT,
      config: demo,
      otherApplications: multi.apps.filter((x) => x !== demo).flatMap((x) => Object.values(x.environments).map((e) => e.application)),
    });
    expect(s.environmentApplications).toEqual([...APPS, "payments-dev", "payments-staging", "payments-prod"]);
    const r = localArgoTree(files, {
      repoUrl: LOCAL_REPO_URL,
      revision: "main",
      repoPath: "gitops",
      environmentApplications: s.environmentApplications,
      keep: "gitops-demo-dev",
    });
    expect(r.excluded).toEqual(["argocd/apps/staging.yaml", "argocd/apps/prod.yaml", "argocd/apps/payments-applicationset.yaml"]);
    expect((parse(r.roots) as any).spec.source.directory.exclude).toBe("{staging.yaml,prod.yaml,payments-applicationset.yaml}");
  });

  it("keeps Helm-repository sources, rewrites every git source of a multi-source Application", () => {
    const app = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-dev, namespace: argocd}
spec:
  project: default
  sources:
    - repoURL: https://charts.example.com
      chart: web
      targetRevision: 1.2.3
    - repoURL: https://git.example.com/org/gitops.git
      targetRevision: release
      ref: values
  destination: {server: https://kubernetes.default.svc, namespace: web}
`;
    const r = localArgoTree([{ path: "argocd/web.yaml", text: app }], {
      repoUrl: LOCAL_REPO_URL,
      revision: "main",
      repoPath: "gitops",
      environmentApplications: ["web-dev"],
      keep: "web-dev",
    });
    const sources = (parse(r.changed[0]!.text) as any).spec.sources;
    expect(sources[0]).toEqual({ repoURL: "https://charts.example.com", chart: "web", targetRevision: "1.2.3" });
    expect(sources[1]).toEqual({ repoURL: LOCAL_REPO_URL, targetRevision: "main", ref: "values" });
    // No app-of-apps root: the environment Application itself is applied.
    expect((parse(r.roots) as any).metadata.name).toBe("web-dev");
  });

  it("a project that allows every repository ('*') is left alone; a multi-document file keeps every document", () => {
    const text = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: p, namespace: argocd}
spec: {sourceRepos: ["*"]}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a-prod, namespace: argocd}
spec: {project: p, source: {repoURL: https://x.example/r.git, path: ., targetRevision: main}, destination: {server: https://kubernetes.default.svc, namespace: a}}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a-dev, namespace: argocd}
spec: {project: p, source: {repoURL: https://x.example/r.git, path: ., targetRevision: main}, destination: {server: https://kubernetes.default.svc, namespace: a}}
`;
    const r = localArgoTree([{ path: "argocd/all.yaml", text }], {
      repoUrl: LOCAL_REPO_URL,
      revision: "main",
      repoPath: "gitops",
      environmentApplications: ["a-dev", "a-prod"],
      keep: "a-dev",
    });
    const docs = parseAllDocuments(r.changed[0]!.text).map((d) => d.toJS() as Record<string, any>);
    // A file that also holds the kept Application cannot be excluded: it stays whole.
    expect(docs.map((d) => d.metadata.name)).toEqual(["p", "a-prod", "a-dev"]);
    expect(r.excluded).toEqual([]);
    expect(docs[0]!.spec.sourceRepos).toEqual(["*"]);
    expect(parseAllDocuments(r.roots).map((d) => (d.toJS() as any).metadata.name)).toEqual(["p", "a-dev"]);
  });

  it("refuses an environment whose Application is not in the tree, naming the argument", () => {
    expect(
      inputError(() =>
        localArgoTree(ARGO_FILES.slice(0, 2), {
          repoUrl: LOCAL_REPO_URL,
          revision: "main",
          repoPath: "gitops",
          environmentApplications: APPS,
          keep: "gitops-demo-dev",
        }),
      ).input,
    ).toBe("environment");
    expect(
      inputError(() =>
        localArgoTree(ARGO_FILES, { repoUrl: LOCAL_REPO_URL, revision: "main", repoPath: "gitops", environmentApplications: APPS, keep: "other" }),
      ).input,
    ).toBe("environment");
  });

  it("the git server's in-cluster name: a selector-less Service and its EndpointSlice with the address placeholder", () => {
    const docs = parseAllDocuments(gitEndpointManifest()).map((d) => d.toJS() as Record<string, any>);
    expect(docs.map((d) => d.kind)).toEqual(["Service", "EndpointSlice"]);
    expect(docs[0]!.spec.selector).toBeUndefined();
    expect(docs[1]!.metadata.labels["kubernetes.io/service-name"]).toBe(docs[0]!.metadata.name);
    expect(docs[1]!.endpoints[0].addresses).toEqual([GIT_ADDRESS_PLACEHOLDER]);
    expect(LOCAL_REPO_URL).toBe(`http://${docs[0]!.metadata.name}.${docs[0]!.metadata.namespace}.svc.cluster.local/gitops.git`);
  });

  it("the repository Secret carries the URL and no credentials", () => {
    const s = parse(repositorySecret(LOCAL_REPO_URL)) as Record<string, any>;
    expect(s.metadata.labels["argocd.argoproj.io/secret-type"]).toBe("repository");
    expect(s.stringData).toEqual({ type: "git", url: LOCAL_REPO_URL, name: "gitops-local" });
  });

  it("the local Argo CD settings are plain string ConfigMap data without a quote (they go into a shell argument)", () => {
    for (const p of ARGOCD_LOCAL_PATCHES) for (const v of Object.values(p.data)) expect(v).not.toMatch(/['"]/);
  });
});

describe("seeded values", () => {
  const values = readFileSync(join(GITOPS, "environments/dev/values.yaml"), "utf8");

  it("set the loaded image in the values file that decides the tag, comments kept, digest cleared", () => {
    const out = seedValues([{ path: "environments/dev/values.yaml", text: values }], {
      repository: LOCAL_IMAGE_REPOSITORY,
      tag: "0.1.0-local.1",
      version: "0.1.0-local.1",
    });
    const v = parse(out.text) as Record<string, any>;
    expect(v.image).toMatchObject({ repository: LOCAL_IMAGE_REPOSITORY, tag: "0.1.0-local.1", digest: "" });
    expect(v.env.appVersion).toBe("0.1.0-local.1");
    expect(out.text.split("\n").filter((l) => l.trimStart().startsWith("#"))).toEqual(values.split("\n").filter((l) => l.trimStart().startsWith("#")));
  });

  it("of layered files, the last that sets image.tag; with none, the last file (keys created)", () => {
    const a = { path: "a.yaml", text: "image:\n  tag: '1'\n" };
    const b = { path: "b.yaml", text: "replicaCount: 2\n" };
    const img = { repository: "r.example/x", tag: "2", version: "2.0.0" };
    expect(seedValues([a, b], img).path).toBe("a.yaml");
    const c = seedValues([b, { path: "c.yaml", text: "x: 1\n" }], img);
    expect(c.path).toBe("c.yaml");
    expect(parse(c.text)).toEqual({ x: 1, image: { repository: "r.example/x", tag: "2" } });
  });
});

describe("git server scripts", () => {
  it("the URL of a host; a host that is not a name is refused", () => {
    expect(gitServerUrl("git")).toBe("http://git/gitops.git");
    expect(() => gitServerUrl("a b")).toThrow(/not a host name/);
  });

  it("the seed commits the tree at repoPath on the branch and enables anonymous push", () => {
    const s = gitSeedScript({ seed: "/seed", root: "/srv/git", repo: "gitops.git", repoPath: "gitops", branch: "main" });
    expect(s).toContain('cp -R /seed/. "$work/gitops"');
    expect(s).toContain("--initial-branch=main");
    expect(s).toContain("http.receivepack true");
    expect(gitSeedScript({ seed: "/seed", root: "/srv/git", repo: "gitops.git", repoPath: "", branch: "main" })).toContain('cp -R /seed/. "$work/"');
    expect(() => gitSeedScript({ seed: "/s", root: "/r", repo: "g.git", repoPath: "../x", branch: "main" })).toThrow(/repoPath/);
    expect(() => gitSeedScript({ seed: "/s", root: "/r", repo: "g.git", repoPath: "x", branch: "a b" })).toThrow(/branch/);
  });

  it("nginx hands every path to git http-backend under the repository root", () => {
    const c = gitNginxConf({ listen: "80", root: "/srv/git", socket: "/run/s", pidFile: "/run/p", tmp: "/tmp" });
    expect(c).toContain("listen 80;");
    expect(c).toContain("fastcgi_param GIT_PROJECT_ROOT /srv/git;");
    expect(c).toContain("fastcgi_pass unix:/run/s;");
  });
});

describe("gitops e2e report", () => {
  const base = { environment: "dev", version: "0.1.0-local.1", nextVersion: "0.1.0-local.2", log: "ok    x", detail: "", failedStep: "", revision: "" };
  it("a pass names both versions and the pushed commit; a failure names its step, one line", () => {
    const ok = localE2eReport({ ...base, passed: true, revision: "a".repeat(40) });
    expect(ok.summary).toContain("0.1.0-local.2 (aaaaaaaaaaaa)");
    expect(ok.stage).toBe("gitops-e2e");
    const bad = localE2eReport({ ...base, passed: false, failedStep: "wait-synced", detail: "Argo CD did not sync\nmore", diagnostics: "events" });
    expect(bad.summary).toBe("gitops e2e failed at wait-synced: Argo CD did not sync");
    expect(bad.findings[0]).toMatchObject({ rule: "wait-synced", environment: "dev", severity: "error" });
    expect(bad.details).toContain("events");
  });

  it("the default layout (no gitops-pipeline.yaml) works the same", () => {
    expect(localSettings({ ...INPUT, config: DEFAULT_GITOPS_CONFIG }).application).toBe("gitops-demo-dev");
  });
});
