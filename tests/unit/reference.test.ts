import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { moduleApi } from "../helpers/module-api.js";
import { END, REFERENCE_FILE, renderReference, START } from "../helpers/reference.js";
import { ROOT } from "../helpers/tools.js";

// `npm run docs` sets UPDATE_REFERENCE=1 to rewrite the generated block instead of comparing it.
describe("function reference (docs/reference.md)", () => {
  it("matches the module's API as the engine introspects it", async () => {
    const file = join(ROOT, REFERENCE_FILE);
    const doc = readFileSync(file, "utf8");
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, `${REFERENCE_FILE} has the function-reference markers`).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const wanted = renderReference(await moduleApi());
    const current = doc.slice(start, end + END.length);
    if (process.env.UPDATE_REFERENCE === "1" && current !== wanted) {
      writeFileSync(file, doc.slice(0, start) + wanted + doc.slice(end + END.length));
      return;
    }
    expect(current, `${REFERENCE_FILE}'s function reference is stale: run \`npm run docs\``).toBe(wanted);
  });

  it("is generated in one place only (the README links to it)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).not.toContain(START);
    expect(readme).toContain(`](${REFERENCE_FILE})`);
  });
});
