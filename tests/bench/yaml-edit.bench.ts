/**
 * Bench: edit of a 10,000-line Helm values file (goal: median < 20 ms), and the unified diff of
 * the result. Figures are printed (median, min, max, peak RSS), not asserted.
 */
import { expect, it } from "vitest";
import { bench } from "../helpers/bench.js";
import { editYaml, editYamlWhole } from "../../dagger/src/core/writeback/yaml-edit.js";
import { unifiedDiff } from "../../dagger/src/core/writeback/diff.js";
import { checkWritten } from "../../dagger/src/core/writeback/loop.js";

/** A realistic values file of `lines` lines: image block first, then commented service blocks. */
function valuesFile(lines: number): string {
  const out = ["# values for prod", "image:", "  repository: ghcr.io/acme/webapp # app", '  tag: "1.0.0"', '  digest: ""', "env:", '  appVersion: "1.0.0"', ""];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `# service ${i}`,
      `svc${i}:`,
      `  name: "svc-${i}" # name`,
      `  port: ${8000 + (i % 1000)}`,
      `  enabled: true`,
      `  labels:`,
      `    team: 'team-${i % 7}'`,
      "",
    );
  }
  return out.slice(0, lines).join("\n") + "\n";
}

it("edit of a 10,000-line values file (tag, digest, appVersion in one pass)", async () => {
  const text = valuesFile(10_000);
  expect(text.split("\n").length - 1).toBe(10_000);
  let i = 0;
  const r = await bench(
    "editYaml(10,000-line values, 3 edits)",
    () => {
      i++;
      return editYaml("values.yaml", text, [
        { path: "image.tag", value: `1.0.${i}`, kind: "tag" },
        { path: "image.digest", value: `sha256:${i.toString(16).padStart(64, "0")}`, kind: "digest" },
        { path: "env.appVersion", value: `1.0.${i}`, kind: "version" },
      ]);
    },
    25,
    5,
  );
  expect(r.medianMs).toBeGreaterThan(0);
});

it("edit deep in a 10,000-line values file (last block)", async () => {
  const text = valuesFile(10_000);
  const r = await bench(
    "editYaml(10,000-line values, 1 edit at the end)",
    () => editYaml("values.yaml", text, [{ path: "svc1240.labels.team", value: "team-x", kind: "tag" }]),
    25,
    5,
  );
  expect(r.medianMs).toBeGreaterThan(0);
});

it("unified diff of a 10,000-line file with 3 changed lines", async () => {
  const text = valuesFile(10_000);
  const after = text.replace('tag: "1.0.0"', 'tag: "1.0.1"').replace("svc600:", "svc600x:").replace("team-3'\n\n# service 1200", "team-9'\n\n# service 1200");
  const r = await bench("unifiedDiff(10,000 lines, 3 changes)", () => unifiedDiff("values.yaml", text, after), 25, 5);
  expect(r.medianMs).toBeGreaterThan(0);
});

it("reference: the same edit through the whole-file parse (fallback path), and the pre-push check", async () => {
  const text = valuesFile(10_000);
  const edits = [{ path: "image.tag", value: "2.0.0", kind: "tag" as const }];
  const whole = await bench("editYamlWhole(10,000-line values, 1 edit)", () => editYamlWhole("values.yaml", text, edits), 7, 2);
  const edited = editYaml("values.yaml", text, edits);
  const check = await bench("checkWritten(10,000-line values)", () => checkWritten(async () => edited.after, [edited]), 7, 2);
  expect(whole.medianMs + check.medianMs).toBeGreaterThan(0);
});
