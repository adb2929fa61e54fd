/**
 * A validation port over an in-memory gitops tree whose tools answer from functions of the argv:
 * the pure flow (what is rendered, with which argv, what is kept) tested without the real tools.
 */
import type { ValidationPort } from "../../dagger/src/core/validate/validation.js";
import type { ExecResult } from "../../dagger/src/core/validate/output.js";

export interface FakeTools {
  /** helm template's answer for a rendering key and argv (default: one ServiceAccount). */
  render?: (key: string, argv: string[]) => string | ExecResult;
  /** kustomize build's answer for a rendering key and argv (default: one ServiceAccount). */
  overlay?: (key: string, argv: string[]) => string | ExecResult;
  /** helm lint and other helm calls (default: lint passes). */
  helm?: (argv: string[]) => ExecResult;
}

/** One object every policy rule accepts. */
export const ONE_OBJECT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\nautomountServiceAccountToken: false\n";

export type FakePort = ValidationPort & { calls: string[][]; kept: Map<string, string>; overlaid: Map<string, Record<string, string>> };

/** The port; `calls` records every argv, `kept` what replaced a rendering, `overlaid` the extra files given per call key. */
export function fakeValidationPort(files: Record<string, string>, tools: FakeTools = {}): FakePort {
  const calls: string[][] = [];
  const kept = new Map<string, string>();
  const overlaid = new Map<string, Record<string, string>>();
  const ok = (out: string | ExecResult): ExecResult => (typeof out === "string" ? { exitCode: 0, stdout: out, stderr: "" } : out);
  return {
    calls,
    kept,
    overlaid,
    files: async () => Object.keys(files),
    read: async (p) => {
      if (!(p in files)) throw new Error(`read of a missing file ${p}`);
      return files[p]!;
    },
    helm: async (argv) => (calls.push(argv), tools.helm?.(argv) ?? ok("==> Linting\n\n1 chart(s) linted, 0 chart(s) failed\n")),
    render: async (key, argv, extra) => {
      calls.push(argv);
      if (extra && Object.keys(extra).length) overlaid.set(key, extra);
      return ok(tools.render?.(key, argv) ?? ONE_OBJECT);
    },
    renderOverlay: async (key, argv, extra) => {
      calls.push(argv);
      if (extra && Object.keys(extra).length) overlaid.set(`kustomize/${key}`, extra);
      return ok(tools.overlay?.(key, argv) ?? ONE_OBJECT);
    },
    prepareChart: async (argvs) => (calls.push(...argvs), { exitCode: 0, stdout: "", stderr: "" }),
    keep: async (key, yaml) => void kept.set(key, yaml),
    kubeconform: async (argv) => (calls.push(argv), ok(JSON.stringify({ resources: [], summary: {} }))),
    renderedPath: (key) => `/rendered/${key}.yaml`,
    treePath: (rel) => `/gitops/${rel}`,
  };
}

/** An Application of `name` deploying `path` of the repository to `namespace`, synced as gitops-pipeline.yaml's defaults expect. */
export const application = (name: string, path: string, namespace: string, extra = "") =>
  `---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: ${name}, namespace: argocd}\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.com/team/gitops.git\n    targetRevision: main\n    path: ${path}\n${extra}  destination: {server: https://kubernetes.default.svc, namespace: ${namespace}}\n  syncPolicy:\n    automated: {prune: true, selfHeal: true}\n    syncOptions: [CreateNamespace=true]\n`;
