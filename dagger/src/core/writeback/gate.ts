/**
 * The write-back gate: the tree is validated and rendered before and after the edit, and the
 * edit is judged on what it changes. It blocks on findings the edit introduces (or makes worse),
 * reports the ones already there as pre-existing, carries the rendered manifest diff per
 * environment (what Argo CD will change in the cluster), refuses an edit whose reference never
 * reaches the target environment's rendering, and an edit that changes another environment's
 * rendering (a shared values file) unless the caller allows it.
 */
import type { Finding } from "../findings.js";
import { DEFAULT_PIPELINE_CONFIG, GITOPS_CONFIG_FILE, parseGitopsConfig, selectApp } from "../gitops-config.js";
import { parse } from "yaml";
import { isHelmTestHook } from "../validate/hooks.js";
import { unifiedDiff } from "./diff.js";
import { reachFindings, writtenRef } from "./reach.js";
import type { FileEdit } from "./yaml-edit.js";

/** One validation of a tree: its findings and the rendering of each key (`env`, `app/env`, `kustomize/env`). */
export interface TreeCheck {
  passed: boolean;
  summary: string;
  findings: (Finding & { environment?: string; app?: string; overlay?: string })[];
  /** Rendered YAML by rendering key. */
  renderings: Record<string, string>;
}

/** The environment a rendering key belongs to, and its app (multi-app trees). */
export function keyParts(key: string): { environment: string; app?: string; overlay: boolean } {
  const overlay = key.startsWith("kustomize/");
  const segs = (overlay ? key.slice("kustomize/".length) : key).split("/");
  return segs.length > 1 ? { app: segs[0]!, environment: segs[1]!, overlay } : { environment: segs[0]!, overlay };
}

/** What identifies a finding across the two validations: not its message or line (they carry values and positions the edit moves). */
const fingerprint = (f: Finding): string =>
  JSON.stringify([f.source, f.rule, f.app ?? "", f.environment ?? "", f.overlay ?? "", f.object ?? "", f.path ?? "", f.template ?? "", f.file ?? ""]);

/**
 * Split the edited tree's error findings into those the edit introduced (or made worse: more of
 * them, or raised from a warning) and those already there before it.
 */
export function compareFindings(before: Finding[], after: Finding[]): { introduced: Finding[]; preExisting: Finding[] } {
  const seen = new Map<string, number>();
  for (const f of before) if (f.severity === "error" && !f.waived) seen.set(fingerprint(f), (seen.get(fingerprint(f)) ?? 0) + 1);
  const introduced: Finding[] = [];
  const preExisting: Finding[] = [];
  for (const f of after) {
    if (f.severity !== "error" || f.waived) continue;
    const k = fingerprint(f);
    const n = seen.get(k) ?? 0;
    if (n > 0) {
      seen.set(k, n - 1);
      preExisting.push(f);
    } else introduced.push(f);
  }
  return { introduced, preExisting };
}

/**
 * A rendering as Argo CD applies it, as text: the Helm test hooks left out (Argo CD never runs
 * them, and charts name their pods with randAlphaNum, so they differ on every rendering), every
 * other document kept byte for byte.
 */
export function appliedText(text: string): string {
  const docs = text.split(/^---[ \t]*$/m);
  return docs
    .filter((d) => {
      try {
        const body = parse(d) as unknown;
        return !(typeof body === "object" && body !== null && isHelmTestHook({ body: body as Record<string, unknown> }));
      } catch {
        return true; // not ours to judge: validate reports it
      }
    })
    .join("---");
}

/** The rendered manifest diff of every key whose applied rendering changes, in key order (unchanged ones left out). */
export function renderedDiffs(before: Record<string, string>, after: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const d = unifiedDiff(`rendered/${key}.yaml`, appliedText(before[key] ?? ""), appliedText(after[key] ?? ""));
    if (d) out[key] = d;
  }
  return out;
}

/** What the gate decided, for the report and the commit. */
export interface GateOutcome {
  ok: boolean;
  /** Findings that block the write-back: introduced by the edit, a reference that does not arrive, another environment changed. */
  blocking: Finding[];
  /** Errors already in the tree before the edit: reported, not the write-back's fault. */
  preExisting: Finding[];
  /** Rendered manifest diff per rendering key. */
  renderedDiff: Record<string, string>;
  /** Environments other than the target whose rendering changes (allowed with allowShared). */
  alsoChanged: string[];
  summary: string;
}

/** Inputs of one gate decision. */
export interface GateInput {
  before: TreeCheck;
  after: TreeCheck;
  /** The environment the write-back targets, and the app in a multi-app tree. */
  environment: string;
  app?: string;
  changed: FileEdit[];
  /** Proceed when the edit changes other environments' renderings too (they are named). */
  allowShared: boolean;
  /** The chart's templates, read when the reference does not arrive (to name the key it reads). */
  templates: () => Promise<{ file: string; text: string }[]>;
}

const envLabel = (p: { environment: string; app?: string }): string => (p.app ? `${p.app}/${p.environment}` : p.environment);

/** Judge an edit on what it changes. */
export async function gateEdit(g: GateInput): Promise<GateOutcome> {
  const { introduced, preExisting } = compareFindings(g.before.findings, g.after.findings);
  const renderedDiff = renderedDiffs(g.before.renderings, g.after.renderings);
  const mine = (key: string): boolean => {
    const p = keyParts(key);
    return p.environment === g.environment && (!g.app || !p.app || p.app === g.app);
  };
  const blocking: Finding[] = [...introduced];

  // The target's rendering: a kustomization edit shows in the overlay's rendering, a values edit in helm's.
  const kustomizeEdit = g.changed.some((f) => /(^|\/)kustomization\.ya?ml$/.test(f.file));
  const targetKeys = Object.keys(g.after.renderings).filter((k) => mine(k) && keyParts(k).overlay === kustomizeEdit);
  const written = writtenRef(g.changed);
  if (targetKeys.length) {
    const templates = await g.templates();
    for (const key of targetKeys)
      blocking.push(
        ...reachFindings({ environment: g.environment, key, before: g.before.renderings[key] ?? "", after: g.after.renderings[key]!, written, templates }),
      );
  } else {
    // Nothing rendered for the target: nothing proves the edit reaches the cluster.
    blocking.push({
      source: "write-back",
      rule: "WRITEBACK-REACH",
      severity: "error",
      environment: g.environment,
      file: g.changed[0]?.file ?? "",
      message: `${g.environment} has no ${kustomizeEdit ? "kustomize" : "helm"} rendering after the edit, so nothing shows the new image reaches the cluster: fix the rendering (see the findings) and run the write-back again`,
    });
  }

  const others = [
    ...new Set(
      Object.keys(renderedDiff)
        .filter((k) => !mine(k))
        .map((k) => envLabel(keyParts(k))),
    ),
  ];
  if (others.length && !g.allowShared) {
    const files = g.changed.map((f) => f.file).join(", ");
    blocking.push({
      source: "write-back",
      rule: "WRITEBACK-SHARED",
      severity: "error",
      environment: others.join(", "),
      file: g.changed[0]?.file ?? "",
      message: `the edit of ${files} for ${g.environment} also changes the rendering of ${others.join(", ")} (a values file they share): give ${g.environment} its own values file holding the image, or pass --allow-shared-values to deploy to ${others.join(", ")} as well`,
    });
  }
  const ok = blocking.length === 0;
  const changedEnvs = [...new Set(Object.keys(renderedDiff).map((k) => envLabel(keyParts(k))))];
  const summary = [
    `rendered change in ${changedEnvs.length ? changedEnvs.join(", ") : "no environment"}`,
    introduced.length ? `${introduced.length} finding(s) introduced by the edit` : "no finding introduced by the edit",
    preExisting.length ? `${preExisting.length} pre-existing error(s) not blocking` : "",
    others.length && g.allowShared ? `also deploys to ${others.join(", ")} (allowed)` : "",
    blocking.length - introduced.length ? `${blocking.length - introduced.length} refusal(s)` : "",
  ]
    .filter(Boolean)
    .join("; ");
  return { ok, blocking, preExisting, renderedDiff, alsoChanged: others, summary };
}

/** The rendered diffs as one text, per environment, for the report's details. */
export const renderedDiffText = (d: Record<string, string>): string => Object.values(d).join("");

/** The chart directory of the app a write-back edits (its gitops-pipeline.yaml, or the default layout), or undefined for a kustomize-only app. */
export function chartOf(configText: string | undefined, app = ""): string | undefined {
  const config = configText === undefined ? selectApp(DEFAULT_PIPELINE_CONFIG, app) : parseGitopsConfig(configText, GITOPS_CONFIG_FILE, app);
  return config.chart;
}

/** Chart files whose text can read values: templates and helpers, the subcharts' too. */
export const isTemplate = (path: string): boolean => /(^|\/)templates\/.+\.(ya?ml|tpl|txt|json)$/.test(path);
