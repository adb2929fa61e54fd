/**
 * Production rules (environments declared `production: true`): enough replicas to survive a pod
 * loss, and a PodDisruptionBudget so a node drain cannot take them all at once.
 */
import type { Manifest } from "../manifests.js";
import { asObj } from "./pod.js";
import type { PolicyContext, PolicyRule } from "./types.js";

/** Kinds whose pods must be highly available in production. */
const REPLICATED = new Set(["Deployment", "StatefulSet"]);

/** Minimum replicas in production. */
export const PROD_MIN_REPLICAS = 2;

interface Index {
  /** HPA minReplicas by `namespace/Kind/name` of its target. */
  hpaMin: Map<string, number>;
  /** PDB label selectors by namespace. */
  pdbs: { namespace: string; matchLabels: Record<string, unknown> }[];
}

const indexes = new WeakMap<readonly Manifest[], Index>();

function indexOf(objects: readonly Manifest[]): Index {
  let idx = indexes.get(objects);
  if (idx) return idx;
  idx = { hpaMin: new Map(), pdbs: [] };
  for (const o of objects) {
    const spec = asObj(o.body.spec);
    if (o.kind === "HorizontalPodAutoscaler") {
      const t = asObj(spec.scaleTargetRef);
      const min = typeof spec.minReplicas === "number" ? spec.minReplicas : 1;
      idx.hpaMin.set(`${o.namespace ?? ""}/${String(t.kind)}/${String(t.name)}`, min);
    } else if (o.kind === "PodDisruptionBudget") {
      idx.pdbs.push({ namespace: o.namespace ?? "", matchLabels: asObj(asObj(spec.selector).matchLabels) });
    }
  }
  indexes.set(objects, idx);
  return idx;
}

export const prodReplicas: PolicyRule = {
  id: "POL-PROD-REPLICAS",
  severity: "error",
  summary: `production workloads run at least ${PROD_MIN_REPLICAS} replicas (spec.replicas or an HPA's minReplicas)`,
  check: (m, ctx: PolicyContext) => {
    if (!ctx.production || !REPLICATED.has(m.kind)) return [];
    const hpaMin = indexOf(ctx.objects).hpaMin.get(`${m.namespace ?? ""}/${m.kind}/${m.name}`);
    const replicas = asObj(m.body.spec).replicas;
    const effective = hpaMin ?? (typeof replicas === "number" ? replicas : 1);
    if (effective >= PROD_MIN_REPLICAS) return [];
    const how =
      hpaMin !== undefined
        ? `its HorizontalPodAutoscaler's minReplicas is ${hpaMin}`
        : replicas === undefined
          ? "spec.replicas is unset (1)"
          : `spec.replicas is ${String(replicas)}`;
    return [
      { path: hpaMin !== undefined ? "spec.replicas (HPA minReplicas)" : "spec.replicas", message: `${how}; production needs at least ${PROD_MIN_REPLICAS}` },
    ];
  },
};

export const prodPodDisruptionBudget: PolicyRule = {
  id: "POL-PROD-PDB",
  severity: "error",
  summary: "production workloads are covered by a PodDisruptionBudget selecting their pods",
  check: (m, ctx: PolicyContext) => {
    if (!ctx.production || !REPLICATED.has(m.kind)) return [];
    const labels = asObj(asObj(asObj(asObj(m.body.spec).template).metadata).labels);
    const covered = indexOf(ctx.objects).pdbs.some(
      (p) => p.namespace === (m.namespace ?? "") && Object.keys(p.matchLabels).length > 0 && Object.entries(p.matchLabels).every(([k, v]) => labels[k] === v),
    );
    return covered ? [] : [{ path: "spec.template.metadata.labels", message: "no PodDisruptionBudget selects this workload's pods" }];
  },
};

/** The production rules, in report order. */
export const PRODUCTION_RULES: readonly PolicyRule[] = [prodReplicas, prodPodDisruptionBudget];
