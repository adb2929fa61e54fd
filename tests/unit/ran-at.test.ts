/** ranAt (core/ran-at.ts): the `date` run after a container's last command, read as Unix seconds; NaN when unreadable. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ranAt } from "../../dagger/src/core/ran-at.js";

describe("ranAt", () => {
  it("runs date +%s after the last command and reads its output as seconds", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4_000_000_000 }), async (s) => {
        const asked: string[][] = [];
        const ctr = { withExec: (argv: string[]) => (asked.push(argv), { stdout: async () => `${s}\n` }) };
        expect(await ranAt(ctr)).toBe(s);
        expect(asked).toEqual([["date", "+%s"]]);
      }),
    );
  });

  it("is NaN when the command fails or prints no number", async () => {
    expect(await ranAt({ withExec: () => ({ stdout: () => Promise.reject(new Error("no date")) }) })).toBeNaN();
    expect(await ranAt({ withExec: () => ({ stdout: async () => "not a time" }) })).toBeNaN();
  });
});
