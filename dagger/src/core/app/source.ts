/**
 * Decisions about the app directory a stage is given, made from its listing: which files pin
 * the dependencies, whether there is a Dockerfile. (Whether there are tests is pytest's call:
 * its configuration can name any file, so the test stage asks pytest, not the file names.) The stages read the
 * listing from the engine (`Directory.entries()` / `glob()`) and ask these pure functions, so
 * bad input fails with the argument's name before any container runs.
 */
import { InputError } from "../errors.js";

/** Dependency pin files the install step is keyed by: `requirements.txt`, `requirements-dev.txt`... */
export const PIN_FILE = /^requirements(?:[-_.][A-Za-z0-9_.-]+)?\.txt$/;

/**
 * The pin files at the top of the app directory, runtime pins first (`requirements.txt`), then
 * the others by name. Directory entries end with `/` and are ignored.
 */
export function pinFiles(entries: readonly string[]): string[] {
  const files = entries.filter((e) => !e.endsWith("/") && PIN_FILE.test(e));
  // Code-point order, not locale order: the install argv must be the same on every machine.
  const rank = (f: string) => (f === "requirements.txt" ? "" : f);
  return files.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

/** Fail unless `dockerfile` is among the entries of its folder. */
export function requireDockerfile(entries: readonly string[], dockerfile = "Dockerfile", arg = "source"): void {
  const name = dockerfile.split("/").pop() ?? dockerfile;
  if (!entries.includes(name)) {
    throw new InputError(
      arg,
      `has no ${dockerfile}`,
      `pass the app directory that contains ${dockerfile} (e.g. --source=./app), or name another file with --dockerfile`,
    );
  }
}

/** Options of the dependency install step. */
export interface InstallOptions {
  /** Pin files, relative to the working directory (from `pinFiles`). */
  pinFiles: readonly string[];
  /** Contents of each pin file, to see which tools the app already pins. */
  pinContents?: readonly string[];
  /** Tools to install at these versions unless a pin file already names them, e.g. `{ pytest: "9.2.0" }`. */
  tools?: Readonly<Record<string, string>>;
}

/** Normalised distribution names (PEP 503) a requirements file pins. */
export function pinnedNames(contents: string): Set<string> {
  const names = new Set<string>();
  for (const line of contents.split("\n")) {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line.replace(/#.*/, ""));
    if (m && !line.trim().startsWith("-")) names.add(m[1]!.toLowerCase().replace(/[-_.]+/g, "-"));
  }
  return names;
}

/**
 * argv of the one dependency install: `-r` every pin file, plus each tool the pins do not name.
 * Its only inputs are the pin files and the tool versions, so it is cached across source edits.
 */
export function pipInstallArgv(opts: InstallOptions): string[] {
  const pinned = new Set((opts.pinContents ?? []).flatMap((c) => [...pinnedNames(c)]));
  const extra = Object.entries(opts.tools ?? {})
    .filter(([name]) => !pinned.has(name.toLowerCase().replace(/[-_.]+/g, "-")))
    .map(([name, version]) => `${name}==${version}`);
  return ["python", "-m", "pip", "install", ...opts.pinFiles.flatMap((f) => ["-r", f]), ...extra];
}
