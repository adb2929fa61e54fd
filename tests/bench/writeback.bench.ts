/**
 * Bench: the write-back on large values files and under contention. Goals (read from the output,
 * not asserted as timings): a 5 MB values file bumped in < 1 s (what one attempt computes: find
 * the file, edit, the pre-push check).
 */
import { expect, it } from "vitest";
import { bench } from "../helpers/bench.js";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { checkWritten } from "../../dagger/src/core/writeback/loop.js";

/**
 * A values file of about `bytes` bytes shaped like the ones that hurt: the image block, then one
 * mapping with very many keys (per-key config, env maps) and many commented top-level blocks.
 */
function bigValues(bytes: number): string {
  const out = ["# values for prod", "image:", "  repository: ghcr.io/acme/webapp # app", '  tag: "1.0.0"', '  digest: ""', "env:", '  appVersion: "1.0.0"', "config:"];
  let size = out.join("\n").length;
  for (let i = 0; size < bytes / 2; i++) {
    const l = `  key_${i}: "value ${i}" # set by the platform team`;
    out.push(l);
    size += l.length + 1;
  }
  for (let i = 0; size < bytes; i++) {
    const block = [`# service ${i}`, `svc${i}:`, `  name: "svc-${i}" # name`, `  port: ${8000 + (i % 1000)}`, "  labels:", `    team: 'team-${i % 7}'`, ""];
    out.push(...block);
    size += block.join("\n").length + 1;
  }
  return out.join("\n") + "\n";
}

const PIPELINE = "release: webapp\nenvironments:\n  prod:\n    values: [values-prod.yaml]\n    namespace: webapp-prod\n    application: webapp-prod\n";

for (const mb of [1, 5]) {
  it(`bump of a ${mb} MB values file: layout, edit and pre-push check (goal < 1 s for 5 MB)`, async () => {
    const text = bigValues(mb * 1024 * 1024);
    const files: Record<string, string> = { "gitops-pipeline.yaml": PIPELINE, "values-prod.yaml": text };
    const read = async (p: string): Promise<string | undefined> => files[p];
    let i = 0;
    const r = await bench(`bump(${(text.length / 2 ** 20).toFixed(1)} MB values file)`, async () => {
      const plan = bumpPlan({ env: "prod", ref: { tag: `2.0.${++i}` }, source: { root: "" } });
      const [edit] = await plan.edits(read);
      const check = await checkWritten(async () => edit!.after, [edit!]);
      expect(check.ok).toBe(true);
    }, 5, 1);
    expect(r.medianMs).toBeGreaterThan(0);
  });
}
