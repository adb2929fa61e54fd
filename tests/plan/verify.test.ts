/**
 * verify builds no container: it runs in the module's runtime and talks HTTP. What there is to
 * check without an engine is its wiring: argo-cd keeps the pipeline's gitops tree and the Secret
 * objects as given (never their values), and verify reads that tree's gitops-pipeline.yaml before
 * any request.
 */
import { describe, expect, it } from "vitest";
import { dag, type Directory, type Secret } from "@dagger.io/dagger";
import { GitopsPipeline } from "../../dagger/src/index.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { plan } from "../helpers/plan.js";

const pipeline = (gitops: Directory) =>
  new GitopsPipeline(
    dag.directory(),
    gitops,
    undefined,
    undefined,
    VERSIONS.pythonImage,
    [],
    VERSIONS.helmImage,
    VERSIONS.kubeconformImage,
    VERSIONS.kustomizeImage,
    VERSIONS.kubernetes,
    VERSIONS.kind,
    VERSIONS.kindNodeImage,
    VERSIONS.kubectl,
    VERSIONS.dindImage,
    VERSIONS.trivyImage,
    VERSIONS.gitImage,
  );

/** A gitops Directory stand-in that answers the two reads verify makes, and records them. */
function fakeGitops(yaml: string): Directory & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    entries: async () => {
      reads.push("entries");
      return ["gitops-pipeline.yaml", "charts"];
    },
    file: (name: string) => ({
      contents: async () => {
        reads.push(`file ${name}`);
        return yaml;
      },
    }),
  } as unknown as Directory & { reads: string[] };
}

describe("argo-cd wiring", () => {
  it("holds the pipeline's gitops tree and the Secret objects themselves, the server normalised", () => {
    const gitops = dag.directory().withNewFile("gitops-pipeline.yaml", "x: 1\n");
    const token = dag.setSecret("argocd-token", "t");
    const a = pipeline(gitops).argoCd("https://argocd.example.com/", token);
    expect(plan(a.gitops)).toEqual(plan(gitops));
    expect(a.token).toBe(token);
    expect(a.kubeconfig).toBeUndefined();
    expect(a).toMatchObject({ server: "https://argocd.example.com", namespace: "argocd", insecure: false });
    // The object's state holds no credential value.
    expect(JSON.stringify({ server: a.server, namespace: a.namespace, insecure: a.insecure })).not.toContain("argocd-token");
  });

  it("with a kubeconfig it holds no server and no token", () => {
    const kube = dag.setSecret("kubeconfig", "apiVersion: v1");
    const a = pipeline(dag.directory()).argoCd("", undefined, kube, "team-apps", true);
    expect(a).toMatchObject({ server: "", namespace: "team-apps", insecure: true });
    expect(a.kubeconfig).toBe(kube);
    expect(a.token).toBeUndefined();
  });

  it("verify reads the constructor's gitops-pipeline.yaml before it reads the credential or makes a request", async () => {
    const gitops = fakeGitops("environments:\n  qa:\n    values: [qa.yaml]\n    namespace: shop-qa\n    application: shop-qa-eu\n");
    let plaintextRead = false;
    const token = { plaintext: async () => ((plaintextRead = true), "t") } as unknown as Secret;
    const err = await pipeline(gitops)
      .argoCd("https://argocd.example.com", token)
      .verify("dev")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problem).toMatch(/unknown environment 'dev' \(gitops-pipeline\.yaml declares qa\)/);
    expect(gitops.reads).toEqual(["entries", "file gitops-pipeline.yaml"]);
    expect(plaintextRead).toBe(false);
  });
});
