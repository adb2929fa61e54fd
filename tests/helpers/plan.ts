/**
 * Plan-test helper: turns a Dagger SDK object (Container, Directory, File, Service...) into
 * the plain query tree it would send, without contacting an engine.
 *
 * It reads SDK internals of @dagger.io/dagger 0.21.9 (pinned in package.json): each object
 * keeps `_ctx._queryTree`, a list of `{ operation, args }`; enum arguments carry a
 * `__metadata` entry mapping values to GraphQL names; arguments that are SDK objects
 * (directories, cache volumes, secrets) carry their own `_ctx`. If the SDK changes shape, the
 * guard below fails loudly instead of returning an empty plan.
 */

/** One selection in a query chain, e.g. `{ op: "withExec", args: { args: ["ruff", "check"] } }`. */
export interface Step {
  op: string;
  args: Record<string, unknown>;
}

/** An SDK object argument, replaced by its own chain. */
export interface Ref {
  ref: Step[];
}

interface QueryNode {
  operation: string;
  args?: Record<string, unknown> & { __metadata?: Record<string, { is_enum?: boolean; value_to_name?: (v: unknown) => string }> };
}

function isSdkObject(value: unknown): value is { _ctx: { _queryTree: QueryNode[] } } {
  return typeof value === "object" && value !== null && "_ctx" in value;
}

function convert(value: unknown): unknown {
  if (isSdkObject(value)) return { ref: plan(value) } satisfies Ref;
  if (Array.isArray(value)) return value.map(convert);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
  }
  return value;
}

/** The chain of selections behind `obj`, arguments converted to plain data (enums by name). */
export function plan(obj: unknown): Step[] {
  if (!isSdkObject(obj) || !Array.isArray(obj._ctx._queryTree)) {
    throw new Error("plan(): not a Dagger SDK object with _ctx._queryTree; did the pinned SDK change?");
  }
  return obj._ctx._queryTree.map(({ operation, args }) => {
    const meta = args?.__metadata ?? {};
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args ?? {})) {
      if (key === "__metadata" || value === undefined) continue;
      const m = meta[key];
      out[key] = m?.is_enum && m.value_to_name ? m.value_to_name(value) : convert(value);
    }
    return { op: operation, args: out };
  });
}

/** Steps of `obj`'s chain with the given operation name. */
export function stepsOf(obj: unknown | Step[], op: string): Step[] {
  const steps = Array.isArray(obj) ? (obj as Step[]) : plan(obj);
  return steps.filter((s) => s.op === op);
}

/** The argv of every `withExec` in the chain, in order. */
export function execs(obj: unknown | Step[]): string[][] {
  return stepsOf(obj, "withExec").map((s) => s.args.args as string[]);
}

/** Index of the first step matching `pred`, or -1. */
export function indexOf(steps: Step[], pred: (s: Step) => boolean): number {
  return steps.findIndex(pred);
}

/** Every nested chain referenced by `steps` (depth-first), with the top chain first. */
export function allChains(steps: Step[]): Step[][] {
  const out: Step[][] = [steps];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") {
      if ("ref" in v && Array.isArray((v as Ref).ref)) out.push(...allChains((v as Ref).ref));
      else Object.values(v).forEach(visit);
    }
  };
  steps.forEach((s) => visit(s.args));
  return out;
}
