import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { moduleApi } from "../helpers/module-api.js";
import { END, renderReference, START } from "../helpers/reference.js";
import { ROOT } from "../helpers/tools.js";

// `npm run docs` sets UPDATE_REFERENCE=1 to rewrite the README's block instead of comparing it.
describe("README function reference", () => {
  it("matches the module's API as the engine introspects it", async () => {
    const file = join(ROOT, "README.md");
    const readme = readFileSync(file, "utf8");
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, "README has the function-reference markers").toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const wanted = renderReference(await moduleApi());
    const current = readme.slice(start, end + END.length);
    if (process.env.UPDATE_REFERENCE === "1" && current !== wanted) {
      writeFileSync(file, readme.slice(0, start) + wanted + readme.slice(end + END.length));
      return;
    }
    expect(current, "the README's function reference is stale: run `npm run docs`").toBe(wanted);
  });
});
