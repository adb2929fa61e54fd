/**
 * The write-back gate with the real, pinned helm, kustomize and kubeconform on a local work tree:
 * the same core gate (`gateEdit`) the Dagger stage runs, fed by the core validation through the
 * local port, with each rendering captured as the stage's artifacts hold it.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { VERSIONS } from "../../dagger/src/core/versions.js";
import { overlayRenderKey, runValidation } from "../../dagger/src/core/validate/validation.js";
import { checkWritten, type CheckEdited, type Validate } from "../../dagger/src/core/writeback/loop.js";
import { chartOf, gateEdit, isTemplate, type TreeCheck } from "../../dagger/src/core/writeback/gate.js";
import { localPort, offlineKubeconform } from "./local-validation.js";

/** Validate `gitops` with the real tools and keep every rendering by key. */
export async function localTreeCheck(gitops: string, app?: string): Promise<TreeCheck> {
  const port = localPort(gitops);
  const renderings: Record<string, string> = {};
  const render = port.render.bind(port);
  const renderOverlay = port.renderOverlay.bind(port);
  port.render = async (key, argv) => {
    const r = await render(key, argv);
    if (r.exitCode === 0) renderings[key] = r.stdout;
    return r;
  };
  port.renderOverlay = async (key, argv) => {
    const r = await renderOverlay(key, argv);
    if (r.exitCode === 0) renderings[overlayRenderKey(key)] = r.stdout;
    return r;
  };
  const r = await runValidation(port, { ...(app ? { app } : {}), kubernetesVersion: VERSIONS.kubernetes, kubeconform: offlineKubeconform() });
  return { passed: r.passed, summary: `validate ${r.passed ? "passed" : "failed"}`, findings: r.findings, renderings };
}

function walk(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), root) : [relative(root, join(dir, e.name)).split(sep).join("/")],
  );
}

/** The chart templates of `gitops`'s app. */
export function localTemplates(gitops: string, app = ""): { file: string; text: string }[] {
  const cfg = join(gitops, "gitops-pipeline.yaml");
  const chart = chartOf(existsSync(cfg) ? readFileSync(cfg, "utf8") : undefined, app);
  if (!chart || !existsSync(join(gitops, chart))) return [];
  return walk(join(gitops, chart))
    .filter(isTemplate)
    .map((f) => ({ file: `${chart}/${f}`, text: readFileSync(join(gitops, chart, f), "utf8") }));
}

/** The gate over a work tree path (`root`: the gitops tree inside it), as the Dagger stage's validateTree builds it. */
export function localGate(root = "", o: { app?: string; allowShared?: boolean } = {}): Validate<string> {
  const sub = (tree: string): string => (root ? join(tree, root) : tree);
  const alone: CheckEdited<string> = (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed);
  const before = async (head: string, edit: { environment: string }): Promise<CheckEdited<string>> => {
    const base = await localTreeCheck(sub(head), o.app);
    return async (tree, changed) => {
      const own = await alone(tree, changed);
      if (!own.ok) return own;
      const rel = changed.map((f) => ({ ...f, file: root && f.file.startsWith(`${root}/`) ? f.file.slice(root.length + 1) : f.file }));
      const after = await localTreeCheck(sub(tree), o.app);
      const g = await gateEdit({
        before: base,
        after,
        environment: edit.environment,
        ...(o.app ? { app: o.app } : {}),
        changed: rel,
        allowShared: o.allowShared ?? false,
        templates: async () => localTemplates(sub(tree), o.app),
      });
      return {
        ok: g.ok,
        summary: `${own.summary}; ${after.summary}; gate: ${g.summary}`,
        findings: g.blocking,
        renderedDiff: g.renderedDiff,
        preExisting: g.preExisting,
        alsoChanged: g.alsoChanged,
      };
    };
  };
  return Object.assign(alone, { before });
}
