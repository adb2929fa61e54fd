/**
 * Each environment's rendering (helm lint and template, kustomize build, kubeconform) gets only
 * its own inputs, so the engine caches per environment: a values change of dev re-renders dev only.
 *
 * The flow runs over the sample gitops tree through a port that keys every run as the engine does
 * by content: its argv, the files laid over the tree, the contents of the tree paths it is handed
 * (the whole tree when none), and for kubeconform the renderings it reads. The Dagger port's
 * containers are then read as query trees: the tree reaches them filtered to those inputs.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { runValidation, type KubeconformScope, type ValidationPort } from "../../dagger/src/core/validate/validation.js";
import { helmInputs, isInput, overlayInputs } from "../../dagger/src/core/validate/render-inputs.js";
import { GitopsTree } from "../../dagger/src/core/validate/argocd.js";
import { ContainerPort, MOUNTS } from "../../dagger/src/validate/containers.js";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { filesOf } from "../helpers/dir-tree.js";
import { ROOT } from "../helpers/tools.js";
import { allChains, plan, type Ref, type Step } from "../helpers/plan.js";

const SAMPLE = filesOf(join(ROOT, "gitops"));
const h = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16);

/** A port keying each run by what it reads; renderings carry their key, so kubeconform's key follows them. */
function keyingPort(tree: Record<string, string>, handInputs = true): ValidationPort & { keys: Map<string, string> } {
  const keys = new Map<string, string>();
  const renderings = new Map<string, string>();
  const contents = (inputs?: readonly string[]) =>
    Object.keys(tree)
      .filter((p) => isInput(p, handInputs ? inputs : undefined))
      .sort()
      .map((p) => [p, tree[p]]);
  const run = (label: string, argv: string[], files?: Readonly<Record<string, string>>, inputs?: readonly string[]) => {
    const key = h([argv, files ?? {}, contents(inputs)]);
    keys.set(label, key);
    return key;
  };
  // One object whose name carries the run's key: a changed input changes the rendering.
  const rendering = (key: string) => `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-${key}\nautomountServiceAccountToken: false\n`;
  const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: "" });
  return {
    keys,
    files: async () => Object.keys(tree),
    read: async (p) => tree[p]!,
    helm: async (argv, files, inputs) => (run(`lint ${argv[2]} ${argv.slice(-1)[0]}`, argv, files, inputs), ok("1 chart(s) linted, 0 chart(s) failed")),
    prepareChart: async () => ok(""),
    render: async (key, argv, files, inputs) => {
      const out = rendering(run(`render ${key}`, argv, files, inputs));
      renderings.set(key, out);
      return ok(out);
    },
    renderOverlay: async (key, argv, files, inputs) => {
      const out = rendering(run(`overlay ${key}`, argv, files, inputs));
      renderings.set(`kustomize/${key}`, out);
      return ok(out);
    },
    keep: async (key, yaml) => void renderings.set(key, yaml),
    kubeconform: async (argv, scope?: KubeconformScope) => {
      const label = `kubeconform ${scope ? [...scope.renderings, ...scope.treeFiles].join(",") : "all"}`;
      const read = scope ? scope.renderings.map((k) => renderings.get(k)) : [...renderings.values()];
      keys.set(label, h([argv, read, scope ? scope.treeFiles.map((f) => tree[f]) : contents()]));
      return ok(JSON.stringify({ resources: [], summary: {} }));
    },
    renderedPath: (key) => `/rendered/${key}.yaml`,
    treePath: (rel) => `/gitops/${rel}`,
  };
}

const OPTS = { kubernetesVersion: VERSIONS.kubernetes, kubeconform: { binary: "/kubeconform", locations: ["default"] } };

/** The runs whose key differs between two validations. */
async function changedRuns(before: Record<string, string>, after: Record<string, string>, handInputs = true): Promise<string[]> {
  const a = keyingPort(before, handInputs);
  const b = keyingPort(after, handInputs);
  await runValidation(a, OPTS);
  await runValidation(b, OPTS);
  expect([...b.keys.keys()].sort()).toEqual([...a.keys.keys()].sort());
  return [...a.keys.keys()].filter((k) => a.keys.get(k) !== b.keys.get(k)).sort();
}

const devValues = "environments/dev/values.yaml";
const withDevChange = { ...SAMPLE, [devValues]: `${SAMPLE[devValues]}\n# one-line change\n` };

describe("validate renders each environment from its own inputs", () => {
  it("a values change of dev changes dev's lint, render and kubeconform runs only", async () => {
    const changed = await changedRuns(SAMPLE, withDevChange);
    expect(changed).toEqual(["kubeconform dev,kustomize/dev", "lint charts/gitops-demo environments/dev/values.yaml", "render dev"]);
  });

  it("handed the whole tree instead, every run would change (the test can tell)", async () => {
    const changed = await changedRuns(SAMPLE, withDevChange, false);
    expect(changed.filter((r) => r.startsWith("render")).length).toBe(3);
    expect(changed.filter((r) => r.startsWith("overlay")).length).toBe(3);
  });

  it("a change of the dev overlay re-renders dev's overlay only; a chart change every helm rendering", async () => {
    const overlay = "kustomize/overlays/dev/app-env.yaml";
    expect(await changedRuns(SAMPLE, { ...SAMPLE, [overlay]: `${SAMPLE[overlay]}\n# edit\n` })).toEqual(["kubeconform dev,kustomize/dev", "overlay dev"]);
    const chart = "charts/gitops-demo/templates/service.yaml";
    const changed = await changedRuns(SAMPLE, { ...SAMPLE, [chart]: `${SAMPLE[chart]}\n# edit\n` });
    expect(changed.filter((r) => r.startsWith("render")).sort()).toEqual(["render dev", "render prod", "render staging"]);
    expect(changed.filter((r) => r.startsWith("overlay"))).toEqual([]);
  });

  it("the inputs: chart and values for helm; the overlay and the kustomizations it reaches for kustomize", async () => {
    expect(
      helmInputs({ chart: "charts/x", values: ["environments/dev/values.yaml", "inline.yaml"], setFile: ["a=files/a.txt"], files: { "inline.yaml": "" } }),
    ).toEqual(["charts/x", "environments/dev/values.yaml", "files/a.txt"]);
    // A chart at the tree's root or a path leaving it: the whole tree, never a guess.
    expect(helmInputs({ chart: ".", values: [], setFile: [], files: {} })).toBeUndefined();
    expect(helmInputs({ chart: "c", values: ["../v.yaml"], setFile: [], files: {} })).toBeUndefined();
    const tree = new GitopsTree(Object.keys(SAMPLE));
    expect(await overlayInputs("kustomize/overlays/prod", tree, async (p) => SAMPLE[p]!)).toEqual(
      SAMPLE["kustomize/overlays/prod/kustomization.yaml"]!.includes("components")
        ? ["kustomize/base", "kustomize/components/pdb", "kustomize/overlays/prod"]
        : ["kustomize/base", "kustomize/overlays/prod"],
    );
    expect(await overlayInputs("o", new GitopsTree(["o/kustomization.yaml"]), async () => "resources: [\n")).toBeUndefined();
  });
});

/** The directory a container mounts at `path`, as its chain. */
const mounted = (steps: Step[], path: string): Step[] => (steps.find((s) => s.op === "withMountedDirectory" && s.args.path === path)!.args.source as Ref).ref;

describe("the Dagger port hands each run its inputs", () => {
  const gitops = dag.directory().withNewFile("charts/gitops-demo/Chart.yaml", "name: x");
  const tools = {
    helmImage: VERSIONS.helmImage,
    kubeconformImage: VERSIONS.kubeconformImage,
    kustomizeImage: VERSIONS.kustomizeImage,
    kubernetes: VERSIONS.kubernetes,
  };
  const port = new ContainerPort({ tools, gitops }, { locations: [] }, 0);

  it("helm template and lint mount the tree filtered to the chart and the environment's values", () => {
    const inputs = ["charts/gitops-demo", "environments/dev/values.yaml"];
    for (const c of [port.renderRun("dev", ["helm", "template"], undefined, inputs), port.helmRun(["helm", "lint"], undefined, inputs)]) {
      const tree = mounted(plan(c), MOUNTS.gitops);
      expect(tree.at(-1)).toEqual({ op: "filter", args: { include: inputs } });
    }
    // Inline values are laid over the filtered tree, not the whole one.
    const withInline = mounted(plan(port.renderRun("dev", ["helm", "template"], { "x.yaml": "a: 1" }, inputs)), MOUNTS.gitops);
    expect(withInline.slice(-2).map((s) => s.op)).toEqual(["filter", "withNewFile"]);
  });

  it("kustomize build mounts its overlay's inputs; without inputs, the whole tree", () => {
    const tree = mounted(
      plan(port.overlayRun("dev", ["/app/kustomize", "build", "kustomize/overlays/dev"], undefined, ["kustomize/base", "kustomize/overlays/dev"])),
      MOUNTS.gitops,
    );
    expect(tree.at(-1)).toEqual({ op: "filter", args: { include: ["kustomize/base", "kustomize/overlays/dev"] } });
    const whole = mounted(plan(port.overlayRun("dev", ["/app/kustomize", "build", "o"])), MOUNTS.gitops);
    expect(whole.some((s) => s.op === "filter")).toBe(false);
  });

  it("an environment's kubeconform run mounts its renderings only and no tree; the Argo CD run its manifests only", async () => {
    await port.keep("dev", "a: 1");
    await port.keep("prod", "a: 2");
    await port.keep("kustomize/dev", "a: 3");
    const env = plan(port.kubeconformBase({ renderings: ["dev", "kustomize/dev"], treeFiles: [] }));
    const rendered = mounted(env, MOUNTS.rendered)
      .filter((s) => s.op === "withFile")
      .map((s) => s.args.path);
    expect(rendered).toEqual(["dev.yaml", "kustomize/dev.yaml"]);
    expect(mounted(env, MOUNTS.gitops).map((s) => s.op)).toEqual(["directory"]);
    const argo = plan(port.kubeconformBase({ renderings: [], treeFiles: ["argocd/root.yaml"] }));
    expect(mounted(argo, MOUNTS.gitops).at(-1)).toEqual({ op: "filter", args: { include: ["argocd/root.yaml"] } });
    expect(
      allChains(argo)
        .flat()
        .some((s) => s.op === "withFile"),
    ).toBe(false);
  });
});
