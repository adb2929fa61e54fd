/**
 * Which apps of a gitops tree a change touches, from the files it changed (paths relative to the
 * repository root, as `git diff --name-only <base>` prints them): validate and the end-to-end run
 * only those apps and list the others as skipped, with why.
 *
 * An app owns its chart directory (a chart shared by several apps belongs to each of them), its
 * environments' values files and its kustomize directory. A changed file of the tree that no app
 * owns (gitops-pipeline.yaml, the Argo CD directory, the policy files, anything else) may change
 * any app: it selects them all. A changed file outside the tree selects none (the app's code is
 * the app stages' business, not the gitops tree's).
 */
import { posix } from "node:path";
import type { PipelineConfig } from "../gitops-config.js";

/** What the change means for one app. */
export interface AppSelection {
  app: string;
  selected: boolean;
  /** Why: the changed files that select it and what they are to it, or why it is skipped. */
  reason: string;
}

/** The changed files as a list: comma- or newline-separated, trimmed, `./` dropped, no empty entries. */
export function parseChangedFiles(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]/)
        .map((s) => s.trim().replace(/^\.\//, ""))
        .filter(Boolean),
    ),
  ];
}

/** `path` relative to the tree at `repoPath` ("" for the repository root), or undefined when it is outside it. */
export function inTree(path: string, repoPath: string): string | undefined {
  const p = posix.normalize(path);
  if (!repoPath || repoPath === ".") return p.startsWith("..") ? undefined : p;
  const root = posix.normalize(repoPath).replace(/\/$/, "");
  return p.startsWith(`${root}/`) ? p.slice(root.length + 1) : undefined;
}

const under = (file: string, dir: string | undefined): boolean =>
  dir !== undefined && dir !== "" && (file === dir || file.startsWith(`${posix.normalize(dir)}/`));

/** What `file` (a tree path) is to one app: its chart, a values file of an environment, its kustomize directory, or nothing. */
export function roleOf(file: string, app: PipelineConfig["apps"][number]): string | undefined {
  if (under(file, app.chart)) return `its chart ${app.chart}`;
  for (const [env, e] of Object.entries(app.environments)) if (e.values.some((v) => posix.normalize(v) === file)) return `${env}'s values`;
  if (under(file, app.kustomize)) return `its kustomize directory ${app.kustomize}`;
  return undefined;
}

const list = (files: readonly string[]): string => (files.length > 3 ? `${files.slice(0, 3).join(", ")} and ${files.length - 3} more` : files.join(", "));

/**
 * Select the apps `changed` touches. Every app is in the answer, in the order declared,
 * selected or not, each with its reason.
 */
export function selectChangedApps(pipeline: Pick<PipelineConfig, "apps" | "repoPath">, changed: readonly string[]): AppSelection[] {
  const files = changed.map((f) => inTree(f, pipeline.repoPath)).filter((f): f is string => f !== undefined);
  const owned = (f: string) => pipeline.apps.some((a) => roleOf(f, a) !== undefined);
  const shared = files.filter((f) => !owned(f));
  return pipeline.apps.map((app) => {
    const mine = files.flatMap((f) => {
      const role = roleOf(f, app);
      return role ? [`${f} (${role})`] : [];
    });
    if (mine.length) return { app: app.name, selected: true, reason: `changed: ${list(mine)}` };
    if (shared.length) return { app: app.name, selected: true, reason: `changed a file no single app owns, which may change every app: ${list(shared)}` };
    const where = pipeline.repoPath ? ` under ${pipeline.repoPath}/` : "";
    return {
      app: app.name,
      selected: false,
      reason: files.length
        ? `none of the ${files.length} changed file${files.length === 1 ? "" : "s"}${where} is its chart, values or overlays`
        : `no file${where} changed`,
    };
  });
}
