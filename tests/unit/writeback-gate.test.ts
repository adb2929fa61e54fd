import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compareFindings, gateEdit, keyParts, renderedDiffs, type TreeCheck } from "../../dagger/src/core/writeback/gate.js";
import { keyAdvice, parseImage, reachFindings, renderedContainers, sameRepository, valueKeysRead, writtenRef } from "../../dagger/src/core/writeback/reach.js";
import { editYaml } from "../../dagger/src/core/writeback/yaml-edit.js";
import type { Finding } from "../../dagger/src/core/findings.js";

const D = `sha256:${"a".repeat(64)}`;
const deployment = (image: string, name = "web", ns = "web-dev"): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: migrate\n          image: ${image}\n      containers:\n        - name: web\n          image: ${image}\n        - name: proxy\n          image: envoyproxy/envoy:v1.30.0\n---\n`;
const testHook = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-test\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers:\n    - name: t\n      image: busybox:1.36\n`;
const values = (tag: string, digest?: string): string =>
  `image:\n  repository: ghcr.io/acme/web\n  tag: "${tag}"\n${digest !== undefined ? `  digest: "${digest}"\n` : ""}`;
const bump = (tag: string, digest?: string, from = values("1.0.0")) =>
  editYaml("environments/dev.yaml", from, [
    { path: "image.tag", value: tag, kind: "tag" },
    ...(digest !== undefined ? [{ path: "image.digest", value: digest, kind: "digest" as const, create: true }] : []),
  ]);
const NO_DIGEST_CHART = [{ file: "charts/web/templates/deployment.yaml", text: 'image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"' }];

describe("image references in a rendering", () => {
  it("splits repository, tag and digest (registry ports are not tags)", () => {
    expect(parseImage("ghcr.io/acme/web:1.0.0")).toEqual({ repository: "ghcr.io/acme/web", tag: "1.0.0", digest: "" });
    expect(parseImage(`localhost:5000/web@${D}`)).toEqual({ repository: "localhost:5000/web", tag: "", digest: D });
    expect(parseImage(`web:1@${D}`)).toEqual({ repository: "web", tag: "1", digest: D });
    expect(parseImage("localhost:5000/web")).toEqual({ repository: "localhost:5000/web", tag: "", digest: "" });
  });

  it("a chart that prefixes a registry names the same repository", () => {
    expect(sameRepository("docker.io/bitnami/nginx", "bitnami/nginx")).toBe(true);
    expect(sameRepository("nginx", "docker.io/library/nginx")).toBe(true);
    expect(sameRepository("ghcr.io/acme/web", "ghcr.io/acme/webapp")).toBe(false);
  });

  it("round-trips any repository:tag@digest", () => {
    const seg = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(seg, { minLength: 1, maxLength: 3 }),
        fc.option(fc.integer({ min: 1, max: 65535 })),
        fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/)),
        fc.boolean(),
        (path, port, tag, pinned) => {
          const repository = `${port ? `registry.example:${port}/` : ""}${path.join("/")}`;
          const image = `${repository}${tag ? `:${tag}` : ""}${pinned ? `@${D}` : ""}`;
          expect(parseImage(image)).toEqual({ repository, tag: tag ?? "", digest: pinned ? D : "" });
        },
      ),
    );
  });

  it("lists every workload container and init container, not Helm test hooks", () => {
    const cs = renderedContainers(
      deployment("ghcr.io/acme/web:1.0.0") +
        testHook +
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: nightly }\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{ name: job, image: 'ghcr.io/acme/web:1.0.0' }]\n",
    );
    expect(cs.map((c) => `${c.object}#${c.container}=${c.image}`)).toEqual([
      "Deployment/web-dev/web#migrate=ghcr.io/acme/web:1.0.0",
      "Deployment/web-dev/web#web=ghcr.io/acme/web:1.0.0",
      "Deployment/web-dev/web#proxy=envoyproxy/envoy:v1.30.0",
      "CronJob/nightly#job=ghcr.io/acme/web:1.0.0",
    ]);
  });
});

describe("does the edit reach the cluster", () => {
  const reach = (before: string, after: string, edit = bump("1.1.0"), templates = NO_DIGEST_CHART) =>
    reachFindings({ environment: "dev", key: "dev", before, after, written: writtenRef([edit]), templates });

  it("passes when every container of the app runs the new tag (the sidecar is not the app's)", () => {
    expect(reach(deployment("ghcr.io/acme/web:1.0.0"), deployment("ghcr.io/acme/web:1.1.0"))).toEqual([]);
  });

  it("passes when the chart renders repository@digest (the digest runs exactly that image)", () => {
    expect(reach(deployment("ghcr.io/acme/web:1.0.0"), deployment(`ghcr.io/acme/web@${D}`), bump("1.1.0", D))).toEqual([]);
  });

  it("refuses a digest the chart never reads, saying the chart has no digest key", () => {
    const f = reach(deployment("ghcr.io/acme/web:1.0.0"), deployment("ghcr.io/acme/web:1.1.0"), bump("1.1.0", D));
    expect(f.map((x) => [x.rule, x.object])).toEqual([
      ["WRITEBACK-REACH", "Deployment/web-dev/web"],
      ["WRITEBACK-REACH", "Deployment/web-dev/web"],
    ]);
    expect(f[0]!.message).toContain("(written to image.digest)");
    expect(f[0]!.message).toContain("the chart has no digest key");
  });

  it("refuses a tag the chart never reads, naming the key it reads and where to set it", () => {
    const f = reach(deployment("ghcr.io/acme/web:1.0.0"), deployment("ghcr.io/acme/web:1.0.0"), bump("1.1.0"), [
      { file: "charts/web/templates/deployment.yaml", text: "{{ .Values.image.repository }}:{{ .Values.image.version }}" },
    ]);
    expect(f.map((x) => x.object)).toEqual(["Deployment/web-dev/web", "Deployment/web-dev/web"]);
    expect(f[1]!.message).toContain("container web runs ghcr.io/acme/web:1.0.0 after the edit, not the written tag 1.1.0 (written to image.tag)");
    expect(f[0]!.message).toContain("its templates read image.version (charts/web/templates/deployment.yaml): set writeBack.keys.tag in gitops-pipeline.yaml");
  });

  it("refuses an old digest that keeps pinning the previous image after the bump cleared it", () => {
    const edit = bump("1.1.0", "", values("1.0.0", D));
    const f = reach(deployment(`ghcr.io/acme/web:1.0.0@${D}`), deployment(`ghcr.io/acme/web:1.1.0@${D}`), edit, [
      { file: "t.yaml", text: "{{ .Values.image.digest }} {{ .Values.pinned.sha }}" },
    ]);
    expect(f.map((x) => x.message.split(";")[0])).toEqual([
      `Deployment/web-dev/web container migrate runs ghcr.io/acme/web:1.1.0@${D} after the edit, not the written digest no digest (written to image.digest)`,
      `Deployment/web-dev/web container web runs ghcr.io/acme/web:1.1.0@${D} after the edit, not the written digest no digest (written to image.digest)`,
    ]);
  });

  it("refuses when no workload runs the image before or after: the tag never reaches the rendering", () => {
    const f = reach("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n");
    expect(f.map((x) => x.message.split(";")[0])).toEqual([
      "the tag written to image.tag never reaches the rendering of dev: no workload runs tag 1.1.0 after the edit",
    ]);
  });

  it("reads the keys a chart's templates read, also through index", () => {
    expect([...valueKeysRead([{ file: "a", text: '{{ .Values.image.tag }} {{ index .Values "image" "digest" }} {{ .Values.replicaCount }}' }]).keys()]).toEqual(
      ["image.tag", "replicaCount", "image.digest"],
    );
    expect(keyAdvice("digest", "image.digest", [{ file: "h.tpl", text: '{{ printf "%s@%s" .repo .digest }}' }])).toContain(
      "a template mentions a digest (h.tpl)",
    );
  });
});

describe("findings before and after the edit", () => {
  const f = (rule: string, env: string, extra: Partial<Finding> = {}): Finding & { environment: string } => ({
    source: "policy",
    rule,
    severity: "error",
    environment: env,
    object: "Deployment/web",
    message: "m",
    ...extra,
  });

  it("blocks on what the edit introduced or made worse, reports what was there", () => {
    const before = [f("POL-PROD-PDB", "prod"), f("POL-IMAGE-TAG", "dev", { severity: "warning" })];
    const after = [f("POL-PROD-PDB", "prod", { message: "moved", line: 9 }), f("POL-IMAGE-TAG", "dev"), f("POL-RESOURCES", "dev"), f("POL-RESOURCES", "dev")];
    const r = compareFindings(before, after);
    expect(r.preExisting.map((x) => x.rule)).toEqual(["POL-PROD-PDB"]);
    expect(r.introduced.map((x) => x.rule)).toEqual(["POL-IMAGE-TAG", "POL-RESOURCES", "POL-RESOURCES"]);
  });

  it("one more of the same finding is worse: the extra one blocks", () => {
    const r = compareFindings([f("POL-X", "dev")], [f("POL-X", "dev"), f("POL-X", "dev")]);
    expect([r.preExisting.length, r.introduced.length]).toEqual([1, 1]);
  });

  it("waived findings and warnings never block", () => {
    expect(compareFindings([], [f("POL-X", "dev", { waived: "ok" }), f("POL-Y", "dev", { severity: "warning" })]).introduced).toEqual([]);
  });
});

describe("the gate's decision", () => {
  const check = (renderings: Record<string, string>, findings: TreeCheck["findings"] = []): TreeCheck => ({ passed: true, summary: "", findings, renderings });

  it("keys name the environment and the app", () => {
    expect(keyParts("dev")).toEqual({ environment: "dev", overlay: false });
    expect(keyParts("payments/prod")).toEqual({ app: "payments", environment: "prod", overlay: false });
    expect(keyParts("kustomize/payments/prod")).toEqual({ app: "payments", environment: "prod", overlay: true });
  });

  it("an unchanged rendering has no diff entry", () => {
    expect(renderedDiffs({ dev: "a\n", prod: "b\n" }, { dev: "a\n", prod: "c\n" })).toEqual({
      prod: "--- a/rendered/prod.yaml\n+++ b/rendered/prod.yaml\n@@ -1,1 +1,1 @@\n-b\n+c\n",
    });
  });

  it("Helm test hooks are not what Argo CD applies: their random names make no diff and no shared-values refusal", () => {
    const hook = (suffix: string) =>
      `---\n# Source: web/templates/tests/t.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web-test-${suffix}\n  annotations:\n    "helm.sh/hook": test\nspec:\n  containers: [{ name: t, image: busybox }]\n`;
    const preHook = (suffix: string) =>
      `---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate-${suffix}\n  annotations:\n    "helm.sh/hook": pre-upgrade\n`;
    const base = `---\n${deployment("ghcr.io/acme/web:1.0.0")}`;
    expect(renderedDiffs({ prod: base + hook("ab12x") }, { prod: base + hook("zz9qq") })).toEqual({});
    // A hook Argo CD does run (pre-upgrade becomes PreSync) stays in the diff.
    expect(Object.keys(renderedDiffs({ prod: base + preHook("a") }, { prod: base + preHook("b") }))).toEqual(["prod"]);
  });

  it("refuses when another environment's rendering changes, unless allowed (then names it)", async () => {
    const before = check({ dev: deployment("ghcr.io/acme/web:1.0.0"), prod: deployment("ghcr.io/acme/web:1.0.0", "web", "web-prod") });
    const after = check({ dev: deployment("ghcr.io/acme/web:1.1.0"), prod: deployment("ghcr.io/acme/web:1.1.0", "web", "web-prod") });
    const g = { before, after, environment: "prod", changed: [bump("1.1.0")], templates: async () => NO_DIGEST_CHART };
    const refused = await gateEdit({ ...g, allowShared: false });
    expect(refused.ok).toBe(false);
    expect(refused.blocking.map((x) => [x.rule, x.environment])).toEqual([["WRITEBACK-SHARED", "dev"]]);
    const allowed = await gateEdit({ ...g, allowShared: true });
    expect(allowed.ok).toBe(true);
    expect(allowed.alsoChanged).toEqual(["dev"]);
    expect(allowed.summary).toContain("also deploys to dev (allowed)");
  });

  it("refuses when the target has no rendering at all: nothing shows the edit arrives", async () => {
    const g = await gateEdit({
      before: check({}),
      after: check({}),
      environment: "dev",
      changed: [bump("1.1.0")],
      allowShared: false,
      templates: async () => [],
    });
    expect(g.blocking.map((x) => x.rule)).toEqual(["WRITEBACK-REACH"]);
  });
});
