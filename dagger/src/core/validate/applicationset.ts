/**
 * ApplicationSets, the alternative to app-of-apps: the Applications an ApplicationSet generates
 * are what Argo CD will sync, so validate expands them and runs the Application checks on them as
 * if they were files of the tree. The `list` generator and a `matrix` of two of them are expanded
 * (the generators a gitops tree fully declares itself); other generators (git, clusters, SCM, pull
 * requests) depend on the live cluster or forge and are reported as not expanded.
 */
import type { Finding } from "../findings.js";
import { asObj as obj, objectId, type Manifest } from "./manifests.js";

type Obj = Record<string, unknown>;

/** The rule of every ApplicationSet finding. */
export const APPLICATIONSET_RULE = "ARGO-APPLICATIONSET";

/** What expanding the tree's ApplicationSets gave: the generated Applications and the problems. */
export interface Expansion {
  applications: Manifest[];
  findings: Finding[];
}

type Params = Obj;

/** The parameter sets of one generator, or a reason it cannot be expanded here. */
function paramsOf(gen: Obj, field: string): { params: Params[] } | { problem: string; severity: Finding["severity"] } {
  const kinds = Object.keys(gen).filter((k) => k !== "selector" && k !== "values");
  if (kinds.length !== 1)
    return { problem: `${field} names ${kinds.length ? kinds.join(", ") : "no generator"}: each generator entry holds exactly one`, severity: "error" };
  const kind = kinds[0]!;
  const spec = obj(gen[kind]);
  if (kind === "list") {
    if (spec.elementsYaml !== undefined)
      return { problem: `${field}.list.elementsYaml is computed at sync time: its Applications are not checked`, severity: "warning" };
    const elements = Array.isArray(spec.elements) ? spec.elements : [];
    return { params: elements.map((e) => obj(e)) };
  }
  if (kind === "matrix") {
    const children = Array.isArray(spec.generators) ? spec.generators.map((g) => obj(g)) : [];
    if (children.length !== 2) return { problem: `${field}.matrix combines ${children.length} generators; Argo CD requires exactly 2`, severity: "error" };
    const [a, b] = children.map((c, i) => paramsOf(c, `${field}.matrix.generators[${i}]`));
    if (!a || !("params" in a)) return a!;
    if (!b || !("params" in b)) return b!;
    return { params: a.params.flatMap((x) => b.params.map((y) => ({ ...x, ...y }))) };
  }
  return {
    problem: `${field}.${kind}: the ${kind} generator reads the live cluster or forge: its Applications are not checked (only list and matrix generators are expanded)`,
    severity: "info",
  };
}

/** The value at a dotted key of the parameters: `app`, `.app` or `values.replicas`. */
function lookup(params: Params, key: string): unknown {
  let v: unknown = params;
  for (const part of key.replace(/^\./, "").split(".")) {
    if (typeof v !== "object" || v === null || !(part in (v as Obj))) return undefined;
    v = (v as Obj)[part];
  }
  return v;
}

const EXPRESSION = /\{\{-?\s*([^{}]*?)\s*-?\}\}/g;

/**
 * Fill one string of the template. Go templates (`goTemplate: true`) take `{{ .key }}`, the default
 * syntax `{{key}}`; both are a dotted lookup here. Anything else (pipes, functions) is a problem.
 */
function fill(text: string, params: Params, goTemplate: boolean, missing: (expr: string, why: string) => void): string {
  return text.replace(EXPRESSION, (whole, expr: string) => {
    const plainKey = goTemplate ? /^\.[A-Za-z0-9_.-]+$/.test(expr) : /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(expr);
    if (!plainKey) {
      missing(
        whole,
        goTemplate
          ? "is not a plain {{ .key }} lookup (functions and pipes are not expanded here)"
          : "is not a plain {{key}} lookup (with goTemplate: false, keys are written without a dot)",
      );
      return whole;
    }
    const v = lookup(params, expr);
    if (v === undefined || (typeof v === "object" && v !== null)) {
      missing(whole, "names no parameter of the element");
      return whole;
    }
    return String(v);
  });
}

function fillDeep(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => fillDeep(x, f));
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), fillDeep(x, f)]));
  return v;
}

/** Expand every ApplicationSet of `objects`; the generated Applications carry the ApplicationSet's file as their source. */
export function expandApplicationSets(objects: readonly Manifest[]): Expansion {
  const applications: Manifest[] = [];
  const findings: Finding[] = [];
  for (const set of objects.filter((o) => o.kind === "ApplicationSet")) {
    const add = (path: string, message: string, severity: Finding["severity"] = "error"): void => {
      findings.push({ source: "argocd", rule: APPLICATIONSET_RULE, severity, object: objectId(set), path, file: set.source, message });
    };
    const spec = obj(set.body.spec);
    const goTemplate = spec.goTemplate === true;
    const template = obj(spec.template);
    const generators = Array.isArray(spec.generators) ? spec.generators.map((g) => obj(g)) : [];
    if (generators.length === 0) add("spec.generators", "has no generator: it generates no Application");
    generators.forEach((gen, gi) => {
      const field = `spec.generators[${gi}]`;
      const got = paramsOf(gen, field);
      if (!("params" in got)) return add(field, got.problem, got.severity);
      got.params.forEach((params, ei) => {
        const problems: string[] = [];
        const body = fillDeep({ apiVersion: set.apiVersion, kind: "Application", metadata: template.metadata, spec: template.spec }, (s) =>
          fill(s, params, goTemplate, (expr, why) => problems.push(`${expr} ${why}`)),
        ) as Obj;
        for (const p of [...new Set(problems)]) add(`spec.template (${field}, element ${ei})`, `template expression ${p}`);
        const meta = obj(body.metadata);
        const name = typeof meta.name === "string" ? meta.name : "";
        if (!name) return add(`spec.template.metadata.name (${field}, element ${ei})`, "the generated Application has no name");
        if (problems.length) return;
        applications.push({
          apiVersion: set.apiVersion,
          kind: "Application",
          name,
          ...(typeof meta.namespace === "string" ? { namespace: meta.namespace } : {}),
          source: set.source,
          doc: set.doc,
          body,
        });
      });
    });
  }
  // An Application both generated and written as a file has two owners: the controller and the
  // app-of-apps would keep overwriting each other.
  const files = new Map(objects.filter((o) => o.kind === "Application").map((o) => [o.name, o]));
  const seen = new Map<string, Manifest>();
  for (const a of applications) {
    const file = files.get(a.name);
    if (file) {
      findings.push({
        source: "argocd",
        rule: APPLICATIONSET_RULE,
        severity: "error",
        object: `Application/${a.name}`,
        file: a.source,
        message: `the ApplicationSet generates ${a.name}, which ${file.source} also defines: two owners would overwrite each other; keep one`,
      });
      continue;
    }
    const before = seen.get(a.name);
    if (before)
      findings.push({
        source: "argocd",
        rule: APPLICATIONSET_RULE,
        severity: "error",
        object: `Application/${a.name}`,
        file: a.source,
        message: `two generated Applications are named ${a.name}: Argo CD refuses the ApplicationSet; make metadata.name differ per element`,
      });
    else seen.set(a.name, a);
  }
  return { applications: [...seen.values()], findings };
}
