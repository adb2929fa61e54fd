/**
 * The committed JSON Schemas (schema/) are what the zod schemas generate: editors complete the
 * pipeline's files from them, so a stale one misleads. `npm run docs` (or UPDATE_SCHEMA=1 on this
 * file) rewrites them. The sample files point their editors at them.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { publishedSchemas } from "../../dagger/src/core/settings/json-schema.js";
import { ROOT } from "../helpers/tools.js";

describe("published JSON Schemas", () => {
  for (const s of publishedSchemas()) {
    it(`${s.path} is the one the schema generates`, () => {
      const path = join(ROOT, s.path);
      if (process.env.UPDATE_SCHEMA) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, s.text);
      }
      expect(existsSync(path), `${s.path} is missing: run npm run docs`).toBe(true);
      expect(readFileSync(path, "utf8"), `${s.path} is stale: run npm run docs and commit it`).toBe(s.text);
    });
  }

  it.each([
    ["app/gitops-pipeline.settings.yaml", "schema/gitops-pipeline.settings.schema.json"],
    ["gitops/gitops-pipeline.yaml", "schema/gitops-pipeline.schema.json"],
  ])("%s names its schema for editors", (file, schema) => {
    const first = readFileSync(join(ROOT, file), "utf8").split("\n")[0];
    expect(first).toBe(`# yaml-language-server: $schema=${relative(dirname(join(ROOT, file)), join(ROOT, schema))}`);
  });
});
