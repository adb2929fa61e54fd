/**
 * A content-addressed model of the engine's layer cache, for benchmarks: a node's key is the
 * hash of its parent's key, its operation and its arguments, where a directory argument counts by
 * the content of the whole directory, `include` or not: measured on the engine, a
 * `withDirectory(..., { include: pins })` re-ran the install after any source edit, while a
 * `withNewFile` keys on its contents only.
 */
import { createHash } from "node:crypto";
import type { Step } from "./plan.js";

const h = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16);

interface Node {
  key: string;
  files?: Map<string, string>;
}

/** Evaluate a chain into its cache key (and its files while it is a plain directory). */
function evalChain(steps: Step[]): Node {
  let node: Node = { key: "" };
  for (const s of steps) {
    if (s.op === "directory" && node.key === "") {
      node = { key: h({}), files: new Map() };
    } else if (s.op === "withNewFile" && node.files) {
      const files = new Map(node.files).set(s.args.path as string, s.args.contents as string);
      node = { key: h([...files].sort()), files };
    } else {
      node = { key: h([node.key, s.op, normalise(s)]) };
    }
  }
  return node;
}

function normalise(s: Step): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.args)) {
    if (v && typeof v === "object" && "ref" in v) {
      // A copy keys on the whole source directory, whatever it includes (as the engine does).
      out[k] = evalChain((v as { ref: Step[] }).ref).key;
    } else out[k] = v;
  }
  return out;
}

/** Key after each exec-like node (withExec, dockerBuild) of a chain, labelled. */
export function execKeys(steps: Step[]): { label: string; key: string }[] {
  const out: { label: string; key: string }[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.op !== "withExec" && s.op !== "dockerBuild") continue;
    const label = s.op === "withExec" ? (s.args.args as string[]).slice(0, 5).join(" ") : `dockerBuild ${s.args.platform}`;
    out.push({ label, key: evalChain(steps.slice(0, i + 1)).key });
  }
  return out;
}

/** BuildKit-like keys of each RUN in the Dockerfile's stages, given the build context's files. */
export function dockerfileRunKeys(dockerfile: string, files: Record<string, string>): { label: string; key: string }[] {
  const lines = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const stages = new Map<string, string>();
  let key = "";
  let stage = "";
  const out: { label: string; key: string }[] = [];
  for (const line of lines) {
    const [instr, ...rest] = line.split(/\s+/);
    const op = instr!.toUpperCase();
    if (op === "FROM") {
      if (stage) stages.set(stage, key);
      stage = rest[2] ?? String(stages.size);
      key = h(["FROM", rest[0]]);
    } else if (op === "COPY") {
      const from = rest.find((r) => r.startsWith("--from="))?.slice(7);
      const srcs = rest.filter((r) => !r.startsWith("--")).slice(0, -1);
      const content = from
        ? stages.get(from)
        : h(
            srcs.map((src) =>
              Object.entries(files)
                .filter(([p]) => p === src || p.startsWith(`${src}/`))
                .sort(),
            ),
          );
      key = h([key, line, content]);
    } else {
      key = h([key, line]);
      if (op === "RUN") out.push({ label: `${stage}: ${line.slice(0, 60)}`, key });
    }
  }
  return out;
}

export function compare(name: string, before: { label: string; key: string }[], after: { label: string; key: string }[]) {
  const changed = after.filter((n, i) => n.key !== before[i]?.key);
  console.log(`bench one-line change, ${name}: ${changed.length} of ${after.length} exec nodes change`);
  for (const n of after) console.log(`    ${n.key === before[after.indexOf(n)]?.key ? "same   " : "CHANGED"} ${n.label}`);
  return { changed, total: after.length };
}
