/**
 * An app-of-apps written as a Helm chart inside the Argo CD directory (as in Argo CD's own
 * example repository): its templates are rendered with helm — with the chart's values, as the
 * parent Application that points at it renders them by default — and the Applications it renders
 * are checked like files of the tree, each finding naming its template.
 */
import { posix } from "node:path";
import type { Finding } from "../findings.js";
import { helmTemplateArgv } from "./argv.js";
import { parseManifests, type Manifest } from "./manifests.js";
import { parseHelmTemplateError, type ExecResult } from "./output.js";

/** The rendering key of an app-of-apps chart inside the Argo CD directory. */
export function argoChartKey(dir: string): string {
  return `argocd-chart/${dir.replace(/\//g, "--") || "root"}`;
}

/** What rendering the Argo CD directory's charts gave: their objects, and a finding per chart that does not render. */
export interface ArgoChartRendering {
  objects: Manifest[];
  findings: Finding[];
  /** Rendering keys of the charts that rendered, with their directory (for kubeconform). */
  rendered: { key: string; dir: string }[];
}

/** Render every chart of the Argo CD directory through `render` (a port's helm template run; `dir` is all it reads, "" the tree's root). */
export async function renderArgoCharts(
  charts: readonly string[],
  kubeVersion: string,
  render: (key: string, argv: string[], dir: string) => Promise<ExecResult>,
): Promise<ArgoChartRendering> {
  const out: ArgoChartRendering = { objects: [], findings: [], rendered: [] };
  for (const dir of charts) {
    const key = argoChartKey(dir);
    const release = posix.basename(dir) || "argocd-apps";
    const r = await render(key, helmTemplateArgv({ chart: dir || ".", values: [], kubeVersion, release, namespace: "argocd" }), dir);
    if (r.exitCode !== 0) {
      const f = parseHelmTemplateError(r, `app-of-apps chart ${dir}`);
      out.findings.push({ ...f, file: f.file ? posix.join(dir, f.file) : dir });
      continue;
    }
    const parsed = parseManifests(r.stdout, dir, "argocd");
    // A finding on a rendered Application names its template in the tree.
    out.objects.push(...parsed.objects.map((o) => ({ ...o, source: o.source === dir ? dir : posix.join(dir, o.source) })));
    out.findings.push(...parsed.findings);
    out.rendered.push({ key, dir });
  }
  return out;
}
