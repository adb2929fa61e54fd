/**
 * Every relative link in the Markdown people read (README, CONTRIBUTING, docs/, the READMEs of
 * the gitops tree and the CI integrations) points at a file that exists and, with a `#anchor`,
 * at a heading of that file, so moving a section between files cannot leave a dead link behind.
 * Anchors are GitHub's: the heading's text, lower-cased, punctuation dropped, spaces as hyphens,
 * a repeated heading numbered `-1`, `-2` ...
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ROOT } from "../helpers/tools.js";

const FILES = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  "gitops/README.md",
  "ci/README.md",
  "ci/examples/team-module/README.md",
];

/** Markdown without its fenced code blocks and inline code (links there are examples, not links). */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor of a heading's text. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors a Markdown text's headings get, repeated ones numbered as GitHub numbers them. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const noCode = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const m of noCode.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Every relative link of a Markdown file that does not resolve: "file: target (why)". */
export function deadLinks(file: string, text: string, read: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const m of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [path, anchor] = target.split("#", 2) as [string, string | undefined];
    const resolved = path ? join(dirname(file), decodeURIComponent(path)) : file;
    const content = path ? read(resolved) : text;
    if (content === undefined) {
      problems.push(`${file}: ${target} (no file ${resolved})`);
      continue;
    }
    if (anchor && resolved.endsWith(".md") && !anchors(content).has(anchor.toLowerCase()))
      problems.push(`${file}: ${target} (no heading with anchor #${anchor} in ${resolved})`);
  }
  return problems;
}

/** A repository path's text; "" for a directory; undefined when it does not exist. */
function readRepo(path: string): string | undefined {
  const full = join(ROOT, path);
  if (relative(ROOT, full).startsWith("..") || !existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? "" : readFileSync(full, "utf8");
}

describe("links between the docs", () => {
  it("every relative link and anchor in README, CONTRIBUTING and docs/ resolves", () => {
    const problems = FILES.flatMap((f) => deadLinks(f, readFileSync(join(ROOT, f), "utf8"), readRepo));
    expect(problems).toEqual([]);
  });

  it("reads the links it checks (the extraction is not blind)", () => {
    const links = FILES.flatMap((f) => [...prose(readFileSync(join(ROOT, f), "utf8")).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!));
    expect(links.filter((l) => l.includes("#")).length).toBeGreaterThanOrEqual(10);
    expect(links.filter((l) => l.startsWith("docs/")).length).toBeGreaterThanOrEqual(10);
  });

  it("catches a missing file, a missing heading and a link that only a code span shows", () => {
    const files: Record<string, string> = {
      "README.md": "# Top\n\n## Using it: the `ci` call\n\n## Using it: the `ci` call\n",
      "docs/a.md": "# A\n",
    };
    const read = (p: string) => files[p];
    const dead = (text: string) => deadLinks("docs/b.md", text, read);
    expect(dead("[x](a.md) [y](../README.md#using-it-the-ci-call) [z](../README.md#using-it-the-ci-call-1) [w](https://example.com/#x)")).toEqual([]);
    expect(dead("[x](c.md)")).toEqual(["docs/b.md: c.md (no file docs/c.md)"]);
    expect(dead("[y](../README.md#using-it)")).toEqual(["docs/b.md: ../README.md#using-it (no heading with anchor #using-it in README.md)"]);
    expect(dead("# B\n\n[self](#b) [self](#nothing)")).toEqual(["docs/b.md: #nothing (no heading with anchor #nothing in docs/b.md)"]);
    expect(dead("`[x](c.md)`\n\n```md\n[x](c.md)\n```\n")).toEqual([]);
  });

  it("makes anchors the way GitHub does", () => {
    expect(slug("More than one app (`apps:`), ApplicationSets, add-app")).toBe("more-than-one-app-apps-applicationsets-add-app");
    expect(slug("In another team's CI (one step)")).toBe("in-another-teams-ci-one-step");
    expect(slug("Verify and roll back in `ci`")).toBe("verify-and-roll-back-in-ci");
    expect(slug("The gate: an edit is judged on what it changes")).toBe("the-gate-an-edit-is-judged-on-what-it-changes");
  });
});
