/**
 * Bench: the write-back on large values files and under contention. Goals (read from the output,
 * not asserted as timings): a 5 MB values file bumped in < 1 s (what one attempt computes: find
 * the file, edit, the pre-push check), and 20 concurrent bumps of one environment against a real
 * bare repository all complete (pushed, or refused as older; none gives up).
 */
import { expect, it } from "vitest";
import { bench } from "../helpers/bench.js";
import { bumpPlan } from "../../dagger/src/core/writeback/layout.js";
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkWritten, writeBack, type WriteBackOptions } from "../../dagger/src/core/writeback/loop.js";
import { WriteRefused } from "../../dagger/src/core/writeback/cas.js";
import { bareRepo, CliGitPort, must } from "../helpers/git-port.js";

/**
 * A values file of about `bytes` bytes shaped like the ones that hurt: the image block, then one
 * mapping with very many keys (per-key config, env maps) and many commented top-level blocks.
 */
function bigValues(bytes: number): string {
  const out = [
    "# values for prod",
    "image:",
    "  repository: ghcr.io/acme/webapp # app",
    '  tag: "1.0.0"',
    '  digest: ""',
    "env:",
    '  appVersion: "1.0.0"',
    "config:",
  ];
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
    const r = await bench(
      `bump(${(text.length / 2 ** 20).toFixed(1)} MB values file)`,
      async () => {
        const plan = bumpPlan({ env: "prod", ref: { tag: `2.0.${++i}` }, source: { root: "" } });
        const [edit] = await plan.edits(read);
        const check = await checkWritten(async () => edit!.after, [edit!]);
        expect(check.ok).toBe(true);
      },
      5,
      1,
    );
    expect(r.medianMs).toBeGreaterThan(0);
  });
}

it("20 concurrent bumps of one environment against a real bare repository all complete", async () => {
  const values = (tag: string) => `# prod\nimage:\n  repository: ghcr.io/acme/webapp\n  tag: "${tag}"\n  digest: ""\nenv:\n  appVersion: "${tag}"\n`;
  const bare = await bareRepo({ "gitops-pipeline.yaml": PIPELINE, "values-prod.yaml": values("4.0.0") });
  // the default backoff (250 ms doubling, capped at 8 s) and the default attempts
  const opts: WriteBackOptions<string> = {
    validate: (tree, changed) => checkWritten(async (p) => readFileSync(join(tree, p), "utf8"), changed),
    author: { name: "bench", email: "bench@example.com" },
  };
  const t0 = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      writeBack(new CliGitPort({ url: bare, branch: "main" }), bumpPlan({ env: "prod", ref: { tag: `4.0.${i + 1}` }, source: { root: "" } }), opts).then(
        (r) => ({ status: r.status as string, attempts: r.attempts }),
        (e: Error) => ({ status: e instanceof WriteRefused ? "refused" : `gave up: ${e.message}`, attempts: 0 }),
      ),
    ),
  );
  const ms = performance.now() - t0;
  const count = (s: string) => outcomes.filter((o) => o.status === s).length;
  console.log(
    `bench 20 concurrent bumps of one environment: ${ms.toFixed(0)} ms; pushed ${count("pushed")}, refused as older ${count("refused")}, no-op ${count("no-op")}; most attempts ${Math.max(...outcomes.map((o) => o.attempts))}`,
  );
  expect(outcomes.filter((o) => o.status.startsWith("gave up"))).toEqual([]);
  expect(await must(["git", "show", "main:values-prod.yaml"], bare)).toContain('tag: "4.0.20"');
});
