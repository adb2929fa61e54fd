/**
 * The JSON Schemas of the pipeline's two YAML files, generated from their zod schemas, for editors
 * (`# yaml-language-server: $schema=...`). Committed under schema/ at the repository root;
 * `npm run schema` rewrites them and a unit test fails when a committed one is stale.
 */
import { z } from "zod";
import { appSettingsSchema, SETTINGS_FILE } from "./app-settings.js";
import { gitopsFileSchema, GITOPS_CONFIG_FILE } from "../gitops/schema.js";

/** A file's schema: where it is committed and what it holds. */
export interface PublishedSchema {
  /** Path relative to the repository root. */
  path: string;
  /** The JSON text, formatted, with a final newline. */
  text: string;
}

/** JSON Schema (draft 2020-12) of `schema`: what a user writes (input side: defaults optional). */
function toJson(schema: z.ZodType, title: string, description: string): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return `${JSON.stringify({ ...json, title, description }, null, 2)}\n`;
}

/** Both published schemas. */
export function publishedSchemas(): PublishedSchema[] {
  return [
    {
      path: `schema/${SETTINGS_FILE.replace(/\.yaml$/, "")}.schema.json`,
      text: toJson(appSettingsSchema, SETTINGS_FILE, "gitops-pipeline settings of an app repository: what the team decides once (docs/settings.md)."),
    },
    {
      path: `schema/${GITOPS_CONFIG_FILE.replace(/\.yaml$/, "")}.schema.json`,
      text: toJson(
        gitopsFileSchema,
        GITOPS_CONFIG_FILE,
        "gitops-pipeline layout of a gitops tree: apps, environments, write-back, policy (docs/gitops-layout.md).",
      ),
    },
  ];
}
