/** An Application's kustomize settings applied to an overlay's kustomization, as Argo CD's `kustomize edit` does. */
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { applyKustomizeSettings, parseImageOverride } from "../../dagger/src/core/validate/argo-kustomize.js";

describe("kustomize settings of an Application", () => {
  it("image overrides: name:tag, name@digest, old=new:tag, a registry with a port", () => {
    expect(parseImageOverride("ghcr.io/a/web:1.2")).toEqual({ name: "ghcr.io/a/web", newTag: "1.2" });
    expect(parseImageOverride("web@sha256:abc")).toEqual({ name: "web", digest: "sha256:abc" });
    expect(parseImageOverride("web=registry.local:5000/team/web:2.0")).toEqual({ name: "web", newName: "registry.local:5000/team/web", newTag: "2.0" });
    expect(parseImageOverride("registry.local:5000/web")).toEqual({ name: "registry.local:5000/web" });
  });

  it("prefix, suffix, namespace, labels merged, an image entry replaced (its old digest dropped), replicas merged; comments kept", () => {
    const text =
      "# the dev overlay\nresources: [../../base]\ncommonLabels: {tier: web}\nimages:\n  - name: web\n    newTag: '1.0'\n    digest: sha256:old\nreplicas: [{name: web, count: 1}]\n";
    const out = applyKustomizeSettings(text, {
      namePrefix: "p-",
      nameSuffix: "-s",
      namespace: "ns",
      commonLabels: { team: "a" },
      images: ["web:2.0", "db:5"],
      replicas: [{ name: "web", count: 3 }],
    });
    expect(out.startsWith("# the dev overlay\n")).toBe(true);
    expect(parseDocument(out).toJS()).toEqual({
      resources: ["../../base"],
      commonLabels: { tier: "web", team: "a" },
      images: [
        { name: "web", newTag: "2.0" },
        { name: "db", newTag: "5" },
      ],
      replicas: [{ name: "web", count: 3 }],
      namePrefix: "p-",
      nameSuffix: "-s",
      namespace: "ns",
    });
  });
});
