import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { unifiedDiff, unifiedDiffWhole } from "../../dagger/src/core/writeback/diff.js";

/** Apply a unified diff to `before` (a minimal patch(1) for tests: hunks must match exactly). */
function applyPatch(before: string, diff: string): string {
  const src = before.split(/(?<=\n)/).filter((l) => l !== "");
  const out: string[] = [];
  let at = 0;
  const lines = diff.split("\n").slice(2, -1);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const h = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(l);
    if (h) {
      const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1;
      while (at < start) out.push(src[at++]!);
      continue;
    }
    // A line's terminator is "\n" unless the next diff line says there is none.
    const line = l.slice(1) + (lines[i + 1]?.startsWith("\\") ? "" : "\n");
    if (l[0] === " " || l[0] === "-") expect(src[at++]).toBe(line);
    if (l[0] === " " || l[0] === "+") out.push(line);
  }
  while (at < src.length) out.push(src[at++]!);
  return out.join("");
}

const textArb = fc
  .tuple(fc.array(fc.constantFrom("a", "b", "c", "d", "", "# x", "  k: v"), { maxLength: 40 }), fc.boolean())
  .map(([ls, eol]) => (ls.length ? ls.join("\n") + (eol ? "\n" : "") : ""));

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("f", "a\n", "a\n")).toBe("");
  });

  it("writes git-style headers, hunks with 3 lines of context", () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n") + "\n";
    const after = before.replace("l10\n", "L10\n");
    expect(unifiedDiff("env/values.yaml", before, after)).toBe(
      "--- a/env/values.yaml\n+++ b/env/values.yaml\n@@ -8,7 +8,7 @@\n l7\n l8\n l9\n-l10\n+L10\n l11\n l12\n l13\n",
    );
  });

  it("marks a missing final newline", () => {
    expect(unifiedDiff("f", "a\nb", "a\nb\n")).toBe("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
  });

  it("separate hunks for far-apart changes, one hunk for close ones", () => {
    const before = Array.from({ length: 30 }, (_, i) => `l${i}`).join("\n") + "\n";
    expect(unifiedDiff("f", before, before.replace("l2\n", "x\n").replace("l25\n", "y\n")).match(/^@@/gm)?.length).toBe(2);
    expect(unifiedDiff("f", before, before.replace("l2\n", "x\n").replace("l7\n", "y\n")).match(/^@@/gm)?.length).toBe(1);
  });

  it("property: applying the diff to the old text gives the new text", () => {
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        const d = unifiedDiff("f", a, b);
        expect(d === "").toBe(a === b);
        if (d) expect(applyPatch(a, d)).toBe(b);
      }),
      { numRuns: 500 },
    );
  });

  it("property: with full context, the - and space lines are the old text and + and space lines the new", () => {
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        fc.pre(a !== b && a.endsWith("\n") && b.endsWith("\n"));
        const body = unifiedDiff("f", a, b, 1e6).split("\n").slice(3, -1);
        const old = body.filter((l) => l[0] !== "+").map((l) => l.slice(1));
        const neu = body.filter((l) => l[0] !== "-").map((l) => l.slice(1));
        expect(old.map((l) => l + "\n").join("")).toBe(a);
        expect(neu.map((l) => l + "\n").join("")).toBe(b);
      }),
      { numRuns: 300 },
    );
  });

  it("property: the diff of the changed window (large files are not split whole) equals the whole-text diff", () => {
    // a long shared prefix and suffix around edited lines, with and without final newlines
    const around = fc.tuple(textArb, textArb, textArb, textArb, fc.integer({ min: 0, max: 5 }));
    fc.assert(
      fc.property(around, ([pre, a, b, post, context]) => {
        const before = pre + a + post;
        const after = pre + b + post;
        expect(unifiedDiff("f", before, after, context)).toBe(unifiedDiffWhole("f", before, after, context));
      }),
      { numRuns: 1500 },
    );
  });
});
