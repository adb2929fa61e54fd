import { describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { planAddApp } from "../../dagger/src/core/scaffold/add-app.js";
import { readScaffoldSource } from "../../dagger/src/core/scaffold/source.js";
import { withWrites } from "../../dagger/src/validate/containers.js";
import { plan } from "../helpers/plan.js";

const walk = (d: string, r = d): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name), r) : [relative(r, join(d, e.name)).split(sep).join("/")]));

describe("add-app stage plan", () => {
  it("writes every planned file onto the given tree, in order, and nothing else", async () => {
    const src = await readScaffoldSource(walk("gitops"), async (p) => readFileSync(join("gitops", p), "utf8"));
    const p = planAddApp(src, { name: "refunds", image: "ghcr.io/acme/refunds", tag: "0.1.0", from: "" });
    const steps = plan(withWrites(dag.directory(), p.files));
    expect(steps[0]!.op).toBe("directory");
    expect(steps.slice(1).map((s) => [s.op, s.args.path])).toEqual(p.files.map((f) => ["withNewFile", f.path]));
    expect(steps.slice(1).map((s) => s.args.contents)).toEqual(p.files.map((f) => f.text));
  });
});
