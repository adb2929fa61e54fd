/**
 * Contract-test access to the real, pinned tools installed by scripts/setup-contract-tools.sh.
 * A missing tool fails the test with the command that installs it; nothing is skipped.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const VENV_BIN = join(ROOT, ".tools", "venv", "bin");
export const GO_BIN = join(ROOT, ".tools", "bin");

const SETUP = "run `npm run setup:contract` (scripts/setup-contract-tools.sh) to install the pinned tools into .tools/";

/** Absolute path of a pinned tool; throws with install instructions when it is missing. */
export function tool(name: string): string {
  for (const dir of [VENV_BIN, GO_BIN]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`contract tool '${name}' is not installed: ${SETUP}`);
}

/** Environment whose PATH puts the pinned tools first, so a core argv runs as-is. */
export function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: [VENV_BIN, GO_BIN, process.env.PATH ?? ""].join(delimiter), ...extra };
}

/** Run a core argv with the pinned tools (argv[0] must be installed), capturing output. */
export function runArgv(argv: readonly string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error("runArgv: empty argv");
  const bin = cmd.includes("/") ? cmd : tool(cmd);
  return spawnSync(bin, args, { cwd, env: toolEnv(env), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}
