/**
 * Which platforms a `ci` run builds. A run that publishes builds every platform it pushes (and
 * scans each of them); a run that publishes nothing (a laptop, a pull request) builds the engine's
 * own platform only: an image of another architecture would be built under emulation (minutes on
 * a laptop) for nobody. e2e always runs the engine's platform (a kind node's).
 */
import { parsePlatforms } from "../app/platforms.js";

/** What the build stage builds and hands on. */
export interface BuildPlatforms {
  /** Built, in order (the engine's platform added for e2e when publishing leaves it out). */
  build: string[];
  /** Handed to scan (and pushed, when publishing). */
  scanned: string[];
  /** The image e2e runs. */
  e2e: string;
  /** Why platforms of image.platforms were not built ("" when all were). */
  note: string;
}

/** The build of one run: `platforms` as decided, whether it publishes, the engine's platform (`dag.defaultPlatform()`). */
export function buildPlatforms(platforms: readonly string[], publishing: boolean, enginePlatform: string): BuildPlatforms {
  const engine = parsePlatforms([enginePlatform], "platforms")[0]!;
  if (publishing) return { build: platforms.includes(engine) ? [...platforms] : [...platforms, engine], scanned: [...platforms], e2e: engine, note: "" };
  const left = platforms.filter((p) => p !== engine);
  const note = left.length
    ? `; ${left.join(", ")} not built: nothing is published in this run (every platform of image.platforms in gitops-pipeline.settings.yaml is built when publishing)`
    : "";
  return { build: [engine], scanned: [engine], e2e: engine, note };
}
