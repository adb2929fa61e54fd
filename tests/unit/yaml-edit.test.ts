import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parse, parseAllDocuments } from "yaml";
import { editYaml, editYamlWhole, parsePath, readImageEntry, readScalar, renderScalar, type PathEdit } from "../../dagger/src/core/writeback/yaml-edit.js";
import { InputError } from "../../dagger/src/core/errors.js";
import { plainIsString, tagArb, yamlArb, type Style } from "../helpers/yaml-gen.js";

const get = (obj: unknown, path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], obj);
const D1 = `sha256:${"a".repeat(64)}`;

/** The text a scalar of `style` must become, computed without the code under test. */
function expectedScalar(v: string, style: Style): string[] {
  if (style === "single") return [`'${v}'`];
  if (style === "double") return [`"${v}"`];
  return plainIsString(v) ? [v] : [`"${v}"`];
}

describe("editYaml: property tests on generated values files with comments", () => {
  it("changes exactly the targeted scalars; every other byte is unchanged; the text re-parses to the new values", () => {
    fc.assert(
      fc.property(
        yamlArb.chain((g) =>
          fc.tuple(fc.constant(g), fc.subarray(g.leaves, { minLength: 1 }), fc.array(tagArb, { minLength: g.leaves.length, maxLength: g.leaves.length })),
        ),
        ([g, targets, values]) => {
          const edits: PathEdit[] = targets.map((t, i) => ({ path: t.path, value: values[i]!, kind: "tag" }));
          const r = editYaml("values.yaml", g.text, edits);
          // Re-parse: targets hold the new strings, every other leaf is as before.
          const after = parse(r.after);
          const before = parse(g.text);
          for (const [i, t] of targets.entries()) expect(get(after, t.path)).toBe(values[i]);
          for (const leaf of g.leaves.filter((l) => !targets.includes(l))) expect(get(after, leaf.path)).toBe(get(before, leaf.path));
          // Bytes: the original, with only the target scalars' source ranges replaced.
          const doc = parseAllDocuments(g.text)[0]!;
          const ranges = targets
            .map((t, i) => {
              const node = doc.getIn(t.path.split("."), true) as { range: [number, number, number] };
              return { start: node.range[0], end: node.range[1], want: expectedScalar(values[i]!, t.style), same: t.value === values[i] };
            })
            .sort((a, b) => a.start - b.start);
          let pos = 0;
          let out = 0;
          for (const rg of ranges) {
            expect(r.after.slice(out, out + rg.start - pos)).toBe(g.text.slice(pos, rg.start));
            out += rg.start - pos;
            const oldText = g.text.slice(rg.start, rg.end);
            const options = rg.same ? [oldText] : rg.want;
            const hit = options.find((w) => r.after.startsWith(w, out));
            expect(hit, `scalar at ${rg.start}: ${r.after.slice(out, out + 40)}`).toBeDefined();
            out += hit!.length;
            pos = rg.end;
          }
          expect(r.after.slice(out)).toBe(g.text.slice(pos));
          expect(r.changed).toBe(targets.some((t, i) => t.value !== values[i]));
          expect(r.diff === "").toBe(!r.changed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the fast path (top-level entries parsed alone) gives exactly the whole-file result", () => {
    fc.assert(
      fc.property(
        yamlArb.chain((g) => fc.tuple(fc.constant(g), fc.subarray(g.leaves, { minLength: 1 }), tagArb, fc.boolean())),
        ([g, targets, value, create]) => {
          const edits: PathEdit[] = targets.map((t) => ({ path: t.path, value, kind: "tag" }));
          if (create) edits.push({ path: `${targets[0]!.path.split(".")[0]}.created_key`, value, kind: "tag", create: true });
          const run = (f: typeof editYaml) => {
            try {
              const r = f("v.yaml", g.text, edits);
              return { after: r.after, diff: r.diff, outcomes: [...r.outcomes].sort((a, b) => a.path.localeCompare(b.path)) };
            } catch (e) {
              return { error: (e as Error).message };
            }
          };
          expect(run(editYaml)).toEqual(run(editYamlWhole));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("an edit to the value already there is a no-op: same text, no diff, changed=false", () => {
    fc.assert(
      fc.property(yamlArb, (g) => {
        const r = editYaml(
          "v.yaml",
          g.text,
          g.leaves.map((l) => ({ path: l.path, value: l.value, kind: "tag" })),
        );
        expect(r.after).toBe(g.text);
        expect(r.changed).toBe(false);
        expect(r.diff).toBe("");
        expect(r.outcomes.every((o) => !o.changed)).toBe(true);
      }),
    );
  });
});

const VALUES = `# dev environment
image:
  repository: ghcr.io/acme/webapp # built by CI
  tag: "1.0.0"

  # optional pin
  digest: ''
env:
  appVersion: 1.0.0
replicas: 2
containers:
  - name: web
    image: web:1
`;

describe("editYaml: examples", () => {
  it("edits several paths in one pass, keeping quoting and reporting each outcome", () => {
    const r = editYaml("dev/values.yaml", VALUES, [
      { path: "image.tag", value: "1.1.0", kind: "tag" },
      { path: "image.digest", value: D1, kind: "digest" },
      { path: "env.appVersion", value: "1.1.0", kind: "version" },
      { path: "containers[0].image", value: "web-2", kind: "tag" },
    ]);
    expect(r.after).toBe(
      VALUES.replace('"1.0.0"', '"1.1.0"').replace("''", `'${D1}'`).replace("appVersion: 1.0.0", "appVersion: 1.1.0").replace("web:1", "web-2"),
    );
    expect(r.outcomes.map((o) => [o.path, o.from, o.changed])).toEqual([
      ["image.tag", "1.0.0", true],
      ["image.digest", "", true],
      ["env.appVersion", "1.0.0", true],
      ["containers[0].image", "web:1", true],
    ]);
    expect(r.diff).toContain('-  tag: "1.0.0"\n+  tag: "1.1.0"\n');
  });

  it("quotes a plain value that would otherwise read back as a number, boolean or null", () => {
    const r = editYaml("v.yaml", "tag: v1 # c\n", [{ path: "tag", value: "1.10", kind: "tag" }]);
    expect(r.after).toBe('tag: "1.10" # c\n');
    expect(parse(r.after).tag).toBe("1.10");
    expect(renderScalar("on", "PLAIN")).toBe('"on"');
    expect(renderScalar("0755", "PLAIN")).toBe('"0755"');
    expect(renderScalar("v1.2.3", "PLAIN")).toBe("v1.2.3");
    expect(renderScalar("it's", "QUOTE_SINGLE")).toBe("'it''s'");
  });

  it("rewrites a numeric tag as a string even when it looks equal", () => {
    const r = editYaml("v.yaml", "tag: 1.10\n", [{ path: "tag", value: "1.10", kind: "tag" }]);
    expect(r.changed).toBe(true);
    expect(r.after).toBe('tag: "1.10"\n');
  });

  it("fills an empty `key:` and treats null as equal to an empty digest", () => {
    expect(editYaml("v.yaml", "image:\n  digest:\n  tag: a\n", [{ path: "image.digest", value: D1, kind: "digest" }]).after).toBe(
      `image:\n  digest: ${D1}\n  tag: a\n`,
    );
    expect(editYaml("v.yaml", "digest:\n", [{ path: "digest", value: "", kind: "digest" }]).changed).toBe(false);
  });

  it("edits inside flow collections and multi-document files", () => {
    expect(editYaml("v.yaml", "image: {tag: a, pull: b}\n", [{ path: "image.tag", value: "b2", kind: "tag" }]).after).toBe("image: {tag: b2, pull: b}\n");
    const multi = "# one\na: 1\n---\n# two\nimage:\n  tag: x # keep\n---\nimage:\n  name: other\n";
    const r = editYaml("m.yaml", multi, [{ path: "image.tag", value: "z", kind: "tag" }]);
    expect(r.after).toBe(multi.replace("tag: x", "tag: z"));
    expect(r.outcomes[0]!.doc).toBe(1);
    const both = "image:\n  tag: a\n---\nimage:\n  tag: b\n";
    expect(() => editYaml("m.yaml", both, [{ path: "image.tag", value: "c", kind: "tag" }])).toThrow(/m.yaml: image.tag: is in documents 0, 1/);
    expect(editYaml("m.yaml", both, [{ path: "image.tag", value: "c", kind: "tag", doc: 1 }]).after).toBe("image:\n  tag: a\n---\nimage:\n  tag: c\n");
  });

  it("creates missing keys on request, at the mapping's indentation, keeping what follows", () => {
    const r = editYaml("v.yaml", VALUES, [
      { path: "image.pullPolicy", value: "Always", kind: "tag", create: true },
      { path: "extra.deep", value: "v1", kind: "tag", create: true },
    ]);
    expect(r.after).toBe(VALUES.replace("  digest: ''\n", "  digest: ''\n  pullPolicy: Always\n") + "extra:\n  deep: v1\n");
    expect(r.outcomes.filter((o) => o.from === null).length).toBe(2);
  });

  it("skips an ifPresent edit whose key is absent", () => {
    const r = editYaml("v.yaml", "image:\n  tag: a\n", [{ path: "image.digest", value: "", kind: "digest", ifPresent: true }]);
    expect(r.changed).toBe(false);
    expect(r.outcomes).toEqual([]);
  });

  it("sets newTag / digest / newName of a kustomize images: entry, creating missing fields", () => {
    const k = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base # shared
images:
  - name: webapp
    newName: ghcr.io/acme/webapp
    newTag: "1.0.0" # bumped by CI
  - name: redis
    newTag: "7"
`;
    const r = editYaml("overlays/dev/kustomization.yaml", k, [{ image: "webapp", newTag: "1.1.0", digest: D1 }]);
    expect(r.after).toBe(k.replace('"1.0.0" # bumped by CI', `"1.1.0" # bumped by CI\n    digest: ${D1}`));
    expect(readImageEntry("k", r.after, "webapp")).toEqual({ name: "webapp", newName: "ghcr.io/acme/webapp", newTag: "1.1.0", digest: D1 });
    expect(() => editYaml("k.yaml", k, [{ image: "nope", newTag: "1" }])).toThrow(/k.yaml: images\[name=nope\]: has no such entry/);
  });
});

describe("editYaml: errors name the file, the path and the problem", () => {
  const cases: [string, string, PathEdit, RegExp][] = [
    ["missing key", VALUES, { path: "image.pullPolicy", value: "a", kind: "tag" }, /^dev.yaml: image.pullPolicy: does not exist/],
    ["wrong type (mapping)", VALUES, { path: "image", value: "a", kind: "tag" }, /^dev.yaml: image: holds a mapping, not a scalar/],
    ["wrong type (scalar parent)", VALUES, { path: "replicas.tag", value: "a", kind: "tag" }, /^dev.yaml: replicas.tag: replicas is a scalar/],
    ["invalid tag", VALUES, { path: "image.tag", value: "1.0 beta", kind: "tag" }, /^dev.yaml: image.tag: "1.0 beta" is not a valid image tag/],
    ["invalid digest", VALUES, { path: "image.digest", value: "sha256:xyz", kind: "digest" }, /^dev.yaml: image.digest: "sha256:xyz" is not a valid digest/],
    ["invalid yaml", "image:\n  tag: [1\n", { path: "image.tag", value: "a", kind: "tag" }, /^dev.yaml: is not valid YAML \(line \d+, column \d+\)/],
    ["block scalar", "tag: |\n  a\n", { path: "tag", value: "a2", kind: "tag" }, /^dev.yaml: tag: is a block scalar/],
    ["bad path", VALUES, { path: "image..tag", value: "a", kind: "tag" }, /^image..tag: is not a dotted key path/],
  ];
  for (const [name, text, edit, re] of cases) {
    it(name, () => {
      const err = (() => {
        try {
          editYaml("dev.yaml", text, [edit]);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(re);
    });
  }

  it("fails the whole pass when one of several edits is invalid (nothing to write)", () => {
    expect(() =>
      editYaml("dev.yaml", VALUES, [
        { path: "image.tag", value: "ok", kind: "tag" },
        { path: "image.nope", value: "ok", kind: "tag" },
      ]),
    ).toThrow(InputError);
  });
});

describe("paths and readers", () => {
  it("parses dotted paths with list indexes", () => {
    expect(parsePath("a.b[0].c")).toEqual(["a", "b", 0, "c"]);
    expect(parsePath("a.b.0.c")).toEqual(["a", "b", 0, "c"]);
    expect(parsePath("x[1][2]")).toEqual(["x", 1, 2]);
  });
  it("reads scalars", () => {
    expect(readScalar("v", VALUES, "image.tag")).toBe("1.0.0");
    expect(readScalar("v", VALUES, "image.nope")).toBeUndefined();
  });
});

describe("creating a key after a nested mapping (regression: the whole-file path inserted it one line too late)", () => {
  const text = "image:\n  tag: a\n  nested:\n    service: x\nenv: prod\nname:\n  tag: b";
  it("lands inside the parent, before the next top-level key, on both paths", () => {
    const edits: PathEdit[] = [{ path: "image.created_key", value: "v1", kind: "tag", create: true }];
    const want = "image:\n  tag: a\n  nested:\n    service: x\n  created_key: v1\nenv: prod\nname:\n  tag: b";
    expect(editYamlWhole("v.yaml", text, edits).after).toBe(want);
    expect(editYaml("v.yaml", text, edits).after).toBe(want);
  });
});
