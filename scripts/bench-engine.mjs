#!/usr/bin/env node
/**
 * npm run bench:engine — figures of the module on a real Dagger engine, each read against a
 * hello-world TypeScript module on the same engine: its cold load and an uncached trivial call.
 * Not a test: it prints figures (and exits 0 with "skipped: no engine" where no engine answers).
 *
 *   warm no-op ci          ci twice on copies of app/ and gitops/, the second timed
 *   one-line app change    a comment appended to the copy of app/webapp/__init__.py, ci again
 *   one-line values change a comment appended to the copy of gitops/environments/dev/values.yaml, ci again
 *   cold dagger functions  with --cold only: the engine's cache is wiped before each cold figure by
 *                          the command in BENCH_ENGINE_WIPE (the engine is shared: wiping needs its owner's word)
 *
 * BENCH_ENGINE_ARGS: extra constructor arguments for every call of this module (e.g. offline
 * schemas: "--schemas=/path/k8s --crd-schemas=/path/crds"). ci runs with --end-to-end=false --scan=false.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const cold = process.argv.includes("--cold");
const extra = (process.env.BENCH_ENGINE_ARGS ?? "").split(/\s+/).filter(Boolean);

/** Run a command; its wall time in seconds, its status and output. */
function timed(cmd, args, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  return { s, status: r.status, error: r.error, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Run a dagger command that must succeed; its wall time. */
function dagger(args, cwd = ROOT) {
  const r = timed("dagger", args, { cwd });
  if (r.status !== 0) {
    console.error(`dagger ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr.split("\n").slice(-15).join("\n")}`);
    process.exit(1);
  }
  return r.s;
}

// Only where an engine answers: dagger on PATH and a trivial query that returns.
const probe = timed("dagger", ["core", "version"], { timeout: 120_000 });
if (probe.error || probe.status !== 0) {
  const why =
    probe.error?.code === "ENOENT" ? "dagger is not on PATH" : `the engine did not answer (${(probe.stderr || String(probe.error)).trim().split("\n").pop()})`;
  console.log(`bench:engine skipped: no engine (${why}). Install Dagger and start an engine to measure.`);
  process.exit(0);
}
if (cold && !process.env.BENCH_ENGINE_WIPE) {
  console.error(
    "--cold wipes the engine's cache before each cold figure: set BENCH_ENGINE_WIPE to the command that does it (and ask whoever shares the engine)",
  );
  process.exit(2);
}
const wipe = () => {
  const r = spawnSync("sh", ["-c", process.env.BENCH_ENGINE_WIPE], { stdio: "inherit" });
  if (r.status !== 0) process.exit(1);
};

// The reference: a hello-world TypeScript module (no dependencies) with one never-cached function.
const hello = mkdtempSync(join(tmpdir(), "bench-hello-"));
dagger(["init", "--sdk=typescript", "--name=hello", "--source=.", hello], hello);
writeFileSync(
  join(hello, "src", "index.ts"),
  `import { object, func } from "@dagger.io/dagger";\n\n/** Hello world. */\n@object()\nexport class Hello {\n  /** A trivial call the engine never caches. */\n  @func({ cache: "never" })\n  hello(): string {\n    return "hello";\n  }\n}\n`,
);

// Copies of app/ and gitops/ this script may edit.
const work = mkdtempSync(join(tmpdir(), "bench-engine-"));
for (const d of ["app", "gitops"]) cpSync(join(ROOT, d), join(work, d), { recursive: true });
const ci = () =>
  dagger([
    "call",
    "-m",
    ROOT,
    `--source=${join(work, "app")}`,
    `--gitops=${join(work, "gitops")}`,
    ...extra,
    "ci",
    "--end-to-end=false",
    "--scan=false",
    "summary",
  ]);

const figures = {};
if (cold) {
  wipe();
  figures["hello cold dagger functions"] = dagger(["functions", "-m", hello]);
  wipe();
  figures["cold dagger functions"] = dagger(["functions", "-m", ROOT]);
}
dagger(["call", "-m", hello, "hello"]); // loads the module
figures["hello uncached trivial call"] = Math.min(dagger(["call", "-m", hello, "hello"]), dagger(["call", "-m", hello, "hello"]));
ci(); // fills the cache for these inputs
figures["warm no-op ci"] = ci();
appendFileSync(join(work, "app", "webapp", "__init__.py"), "# bench: one-line change\n");
figures["one-line app change"] = ci();
mkdirSync(join(work, "gitops", "environments", "dev"), { recursive: true });
appendFileSync(join(work, "gitops", "environments", "dev", "values.yaml"), "# bench: one-line change\n");
figures["one-line values change"] = ci();

const base = figures["hello cold dagger functions"];
const floor = figures["hello uncached trivial call"];
console.log(`engine: ${probe.stdout.trim().split("\n").pop()}; ${new Date().toISOString()}`);
for (const [name, s] of Object.entries(figures)) {
  const ratios = [base ? `${(s / base).toFixed(2)}× hello cold load` : "", `${(s / floor).toFixed(2)}× hello trivial call`].filter(Boolean).join(", ");
  console.log(`${name.padEnd(30)} ${s.toFixed(1).padStart(7)} s   ${ratios}`);
}
if (!cold) console.log("(cold figures: npm run bench:engine -- --cold, with BENCH_ENGINE_WIPE set)");
