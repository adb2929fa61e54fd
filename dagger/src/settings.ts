/** Reads the app directory's settings file (gitops-pipeline.settings.yaml), what `ci` runs with. */
import type { Directory } from "@dagger.io/dagger";
import { defaultAppSettings, parseAppSettings, SETTINGS_FILE, type AppSettings } from "./core/settings/app-settings.js";

/** The app directory's settings, or every default when it has no settings file. */
export async function readAppSettings(source: Directory): Promise<AppSettings> {
  const entries = await source.entries();
  if (!entries.includes(SETTINGS_FILE)) return defaultAppSettings();
  return parseAppSettings(await source.file(SETTINGS_FILE).contents());
}
