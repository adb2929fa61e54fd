import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { checkProjectPermits, destinationAllowed, sourceAllowed } from "../../dagger/src/core/validate/argocd-project-permits.js";
import { globMatches } from "../../dagger/src/core/validate/argocd-project.js";
import { expandApplicationSets } from "../../dagger/src/core/validate/applicationset.js";
import { parseManifests } from "../../dagger/src/core/validate/manifests.js";

const IN = "https://kubernetes.default.svc";
const objects = (...files: string[]) => files.flatMap((f) => parseManifests(readFileSync(f, "utf8"), f).objects);

describe("the AppProject admits the Application (destination and source repository)", () => {
  it("this repository's Applications and the multi-app sample's (generated ones included) are admitted", () => {
    const own = objects(
      "gitops/argocd/root.yaml",
      "gitops/argocd/apps/dev.yaml",
      "gitops/argocd/apps/staging.yaml",
      "gitops/argocd/apps/prod.yaml",
      "gitops/argocd/apps/project.yaml",
    );
    expect(checkProjectPermits(own)).toEqual([]);
    const sample = objects(
      "tests/fixtures/gitops-multi-app/argocd/apps/payments-applicationset.yaml",
      "tests/fixtures/gitops-multi-app/argocd/apps/payments-project.yaml",
    );
    expect(checkProjectPermits([...sample, ...expandApplicationSets(sample).applications])).toEqual([]);
  });

  it("an app put into another app's project: its namespace is refused, naming the project, its destinations and the file", () => {
    const own = objects("gitops/argocd/apps/project.yaml");
    const sample = objects("tests/fixtures/gitops-multi-app/argocd/apps/payments-applicationset.yaml").map((m) => m);
    const generated = expandApplicationSets(sample).applications.map((a) => ({
      ...a,
      body: { ...a.body, spec: { ...(a.body.spec as object), project: "gitops-demo" } },
    }));
    const f = checkProjectPermits([...own, ...generated]);
    expect(f.map((x) => [x.rule, x.object, x.path])).toEqual([
      ["ARGO-PROJECT-DESTINATION", "Application/argocd/payments-dev", "spec.destination"],
      ["ARGO-PROJECT-DESTINATION", "Application/argocd/payments-staging", "spec.destination"],
      ["ARGO-PROJECT-DESTINATION", "Application/argocd/payments-prod", "spec.destination"],
    ]);
    expect(f[0]!.message).toMatch(
      /^AppProject gitops-demo does not allow destination https:\/\/kubernetes.default.svc namespace 'payments-dev' \(its destinations: https:\/\/kubernetes.default.svc gitops-demo-\*\): Argo CD refuses to sync payments-dev; fix the Application or gitops\/argocd\/apps\/project.yaml$/,
    );
  });

  it("destinations: globs on namespace and server or cluster name; a ! entry denies even where another allows", () => {
    expect(destinationAllowed([{ server: IN, namespace: "team-*" }], { server: IN, name: "", namespace: "team-a" })).toBe(true);
    expect(destinationAllowed([{ server: IN, namespace: "team-*" }], { server: IN, name: "", namespace: "other" })).toBe(false);
    expect(destinationAllowed([{ name: "in-cluster", namespace: "*" }], { server: "", name: "in-cluster", namespace: "x" })).toBe(true);
    expect(
      destinationAllowed(
        [
          { server: "*", namespace: "*" },
          { server: "*", namespace: "!kube-system" },
        ],
        { server: IN, name: "", namespace: "kube-system" },
      ),
    ).toBe(false);
    expect(
      destinationAllowed(
        [
          { server: "*", namespace: "*" },
          { server: "*", namespace: "!kube-system" },
        ],
        { server: IN, name: "", namespace: "apps" },
      ),
    ).toBe(true);
    expect(destinationAllowed([], { server: IN, name: "", namespace: "apps" })).toBe(false);
  });

  it("sourceRepos: globs; * allows any; a ! entry denies", () => {
    expect(sourceAllowed(["*"], "https://github.com/acme/gitops.git")).toBe(true);
    expect(sourceAllowed(["https://github.com/acme/*"], "https://github.com/acme/gitops.git")).toBe(true);
    expect(sourceAllowed(["https://github.com/acme/*"], "https://github.com/evil/gitops.git")).toBe(false);
    expect(sourceAllowed(["*", "!https://github.com/evil/*"], "https://github.com/evil/gitops.git")).toBe(false);
  });

  it("a glob without wildcards matches only itself; * matches anything; regex characters are literal", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (a, b) => {
        const lit = a.replace(/[*?]/g, "");
        expect(globMatches(lit, lit)).toBe(true);
        expect(globMatches(lit, b)).toBe(lit === b);
        expect(globMatches("*", b)).toBe(true);
        expect(globMatches(`${lit}*`, `${lit}${b}`)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
