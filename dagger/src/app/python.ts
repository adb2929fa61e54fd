/**
 * The Python containers of the lint and test stages: the pinned image with pip's cache volume,
 * the app's dependencies installed from its pin files alone (so a source edit never re-runs the
 * install), then the source.
 */
import { dag, type Container, type Directory } from "@dagger.io/dagger";
import { pinFiles } from "../core/app/source.js";
import { PIP_CACHE_DIR, SOURCE_DIR } from "../core/app/python-tools.js";

/** The app's dependency pin files and their contents. */
export interface PinSet {
  files: string[];
  contents: string[];
}

/** No pin files: the install step then depends on the tool versions only. */
export const NO_PINS: PinSet = { files: [], contents: [] };

/** Read the pin files at the top of `source` (small engine reads, no container). */
export async function readPins(source: Directory): Promise<PinSet> {
  const files = pinFiles(await source.entries());
  const contents = await Promise.all(files.map((f) => source.file(f).contents()));
  return { files, contents };
}

/** The pinned Python image with pip's cache volume and the source directory as workdir. */
export function pythonBase(pythonImage: string): Container {
  return dag
    .container()
    .from(pythonImage)
    .withEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .withEnvVariable("PIP_ROOT_USER_ACTION", "ignore")
    .withEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
    .withMountedCache(PIP_CACHE_DIR, dag.cacheVolume("gitops-pipeline-pip"))
    .withWorkdir(SOURCE_DIR);
}

/**
 * Install dependencies, then add the source. The install step sees only the pin files (copied
 * alone first), so its cache key is their content: a source edit never re-runs it.
 */
export function withDependencies(base: Container, source: Directory, pins: PinSet, installArgv: string[]): Container {
  // An empty include list would copy everything: copy nothing when there is no pin file.
  const withPins = pins.files.length ? base.withDirectory(SOURCE_DIR, source, { include: pins.files }) : base;
  return withPins.withExec(installArgv).withDirectory(SOURCE_DIR, source);
}
