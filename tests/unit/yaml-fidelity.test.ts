/**
 * Data fidelity of the write-back's YAML edit: bytes that are not UTF-8, anchored values that
 * aliases repeat, and the duplicate-key check (linear now; the bench measures its speed).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { editYaml, editYamlWhole, readScalars, type PathEdit } from "../../dagger/src/core/writeback/yaml-edit.js";
import { checkDecoded, decodeUtf8, firstInvalidUtf8 } from "../../dagger/src/core/writeback/text.js";
import { inputError as err } from "../helpers/errors.js";
import { tagArb, yamlArb } from "../helpers/yaml-gen.js";

const both = [
  ["editYaml", editYaml],
  ["editYamlWhole", editYamlWhole],
] as const;

describe("anchored values that aliases repeat are refused, naming every alias", () => {
  const ANCHORED = `# values
image:
  repository: ghcr.io/acme/webapp
  tag: &t "1.0.0"
sidecar:
  image: ghcr.io/acme/proxy
  tag: *t
env:
  appVersion: *t
`;

  for (const [name, edit] of both) {
    it(`${name}: tag: &t + two *t → refused, names sidecar.tag and env.appVersion with their lines`, () => {
      const e = err(() => edit("values.yaml", ANCHORED, [{ path: "image.tag", value: "1.1.0", kind: "tag" }]));
      expect(e.input).toBe("values.yaml: image.tag");
      expect(e.problem).toContain("sidecar.tag (*t, line 7)");
      expect(e.problem).toContain("env.appVersion (*t, line 9)");
    });

    it(`${name}: an anchored mapping on the path (image: &img, other: *img) is refused too, for edits and creations`, () => {
      const text = 'image: &img\n  repository: r\n  tag: "1.0.0"\ncanary:\n  list:\n    - *img\n';
      expect(err(() => edit("v.yaml", text, [{ path: "image.tag", value: "2.0.0", kind: "tag" }])).problem).toContain("canary.list[0] (*img, line 6)");
      expect(err(() => edit("v.yaml", text, [{ path: "image.digest", value: `sha256:${"a".repeat(64)}`, kind: "digest", create: true }])).problem).toContain(
        "canary.list[0]",
      );
    });

    it(`${name}: an anchor nobody aliases is edited, the anchor kept; an unchanged aliased value is no edit`, () => {
      const text = 'image:\n  tag: &t "1.0.0" # pinned\nother: 1\n';
      expect(edit("v.yaml", text, [{ path: "image.tag", value: "1.1.0", kind: "tag" }]).after).toBe('image:\n  tag: &t "1.1.0" # pinned\nother: 1\n');
      expect(edit("v.yaml", ANCHORED, [{ path: "image.tag", value: "1.0.0", kind: "tag" }]).changed).toBe(false);
    });

    it(`${name}: an alias that re-anchors the name later points elsewhere (YAML: the last anchor before it)`, () => {
      const text = 'image:\n  tag: &t "1.0.0"\nother:\n  x: &t "9"\n  y: *t\n';
      expect(edit("v.yaml", text, [{ path: "image.tag", value: "1.1.0", kind: "tag" }]).after).toContain('tag: &t "1.1.0"');
    });
  }
});

describe("duplicate keys: still refused, with the line, on both paths", () => {
  for (const [name, edit] of both) {
    it(`${name}: a repeated key anywhere in the file`, () => {
      const text = 'image:\n  tag: "1"\nsvc:\n  a: 1\n  b: 2\n  a: 3\n';
      const e = err(() => editYamlWhole("v.yaml", text, [{ path: "svc.b", value: "x", kind: "tag" }]));
      expect(e.problem).toBe("is not valid YAML (line 6, column 3): Map keys must be unique");
      // the fast path parses the edited entry alone; an entry holding a duplicate falls back to the whole file
      expect(err(() => edit("v.yaml", text, [{ path: "svc.b", value: "x", kind: "tag" }])).problem).toBe(e.problem);
    });
  }

  it("the check agrees with the yaml library's own on generated mappings (numbers, strings, nulls as keys)", () => {
    const keyArb = fc.constantFrom("a", "b", "1", "'1'", "1.0", "~", "null", '"a"', "true", "x y");
    fc.assert(
      fc.property(fc.array(keyArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (keys, nested) => {
        const body = keys.map((k, i) => `${nested ? "  " : ""}${k}: v${i}`).join("\n");
        const text = nested ? `outer:\n${body}\n` : `${body}\n`;
        const theirs = parseAllDocuments(text)[0]!.errors.some((e) => e.code === "DUPLICATE_KEY");
        const ours = (() => {
          try {
            editYamlWhole("v.yaml", text, []);
            return false;
          } catch (e) {
            return String(e).includes("Map keys must be unique");
          }
        })();
        expect(ours).toBe(theirs);
      }),
    );
  });
});

describe("files that are not UTF-8 are refused, naming the file and the byte; UTF-8 is kept byte for byte", () => {
  const latin1 = Buffer.concat([Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from(' du coin\nimage:\n  tag: "1.0.0"\n')]);

  it("a Latin-1 é in a comment: refused with the file, line and column", () => {
    const e = err(() => decodeUtf8("gitops/environments/dev/values.yaml", latin1));
    expect(e.input).toBe("gitops/environments/dev/values.yaml");
    expect(e.problem).toBe("is not UTF-8 text (byte 0xE9 at line 1, column 6)");
  });

  it("a byte-order mark is kept in the text, and the edit keeps it", () => {
    const bytes = Buffer.from('\uFEFFimage:\n  tag: "1.0.0" # café\n', "utf8");
    const text = decodeUtf8("v.yaml", bytes);
    const r = editYaml("v.yaml", text, [{ path: "image.tag", value: "1.1.0", kind: "tag" }]);
    expect(Buffer.from(r.after, "utf8")).toEqual(Buffer.from('\uFEFFimage:\n  tag: "1.1.0" # café\n', "utf8"));
  });

  it("property: firstInvalidUtf8 agrees with a strict decoder on arbitrary bytes, and decodeUtf8 round-trips valid ones", () => {
    const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.string({ unit: "grapheme" }).map((s) => new Uint8Array(Buffer.from(s, "utf8"))),
        ),
        (bytes) => {
          let valid = true;
          try {
            strict.decode(bytes);
          } catch {
            valid = false;
          }
          expect(firstInvalidUtf8(bytes) === -1).toBe(valid);
          if (valid) expect(Buffer.from(decodeUtf8("f", bytes), "utf8")).toEqual(Buffer.from(bytes));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("text an API decoded (U+FFFD for each bad byte) is refused when its length is not the file's size; a real U+FFFD is kept", () => {
    const lossy = latin1.toString("utf8"); // what the engine returns: é became U+FFFD
    expect(lossy).toContain("\uFFFD");
    expect(err(() => checkDecoded("values.yaml", lossy, latin1.length)).problem).toBe("is not UTF-8 text (a byte that is not UTF-8 at line 1, column 6)");
    const genuine = "# \uFFFD is the replacement character\nimage:\n  tag: x\n";
    expect(checkDecoded("values.yaml", genuine, Buffer.byteLength(genuine))).toBe(genuine);
  });

  it("property: CRLF lines, a BOM and non-ASCII comments: only the edited scalar's bytes change", () => {
    const noteArb = fc.constantFrom("", " # café", " # 日本語", " # ✓ emoji 🚀", " # \uFFFD");
    fc.assert(
      fc.property(yamlArb, fc.boolean(), fc.boolean(), noteArb, tagArb, (g, crlf, bom, note, value) => {
        const leaf = g.leaves[0]!;
        let text = g.text.replace(/\n/g, `${note}\n`);
        if (crlf) text = text.replace(/\n/g, "\r\n");
        if (bom) text = `\uFEFF${text}`;
        let r;
        try {
          r = editYaml("v.yaml", text, [{ path: leaf.path, value, kind: "tag" }]);
        } catch {
          return; // the note made the value part of a plain scalar, or similar: not this property's concern
        }
        const doc = parseAllDocuments(text)[0]!;
        const node = doc.getIn(leaf.path.split("."), true) as { range: [number, number] };
        expect(r.after.slice(0, node.range[0])).toBe(text.slice(0, node.range[0]));
        const tailLen = text.length - node.range[1];
        expect(r.after.slice(r.after.length - tailLen)).toBe(text.slice(node.range[1]));
        // every changed line is in the diff
        if (r.changed) expect(r.diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe("reading values: a top-level entry parsed alone gives what the whole file gives", () => {
  it("property: readScalars equals a whole-file read on generated files, for present and absent paths", () => {
    fc.assert(
      fc.property(yamlArb, (g) => {
        const paths = [...g.leaves.map((l) => l.path), "image.tag", "nope.x", `${g.leaves[0]!.path.split(".")[0]}.absent`];
        const at = paths.map((path) => ({ path, doc: 0 }));
        const whole = (() => {
          const d = parseAllDocuments(g.text)[0]!;
          return paths.map((p) => {
            const v = d.getIn(p.split("."));
            return v === null || v === undefined || typeof v === "object" ? undefined : String(v);
          });
        })();
        let ours: (string | undefined)[] | string;
        try {
          ours = readScalars("v.yaml", g.text, at);
        } catch (e) {
          ours = (e as Error).message; // a path through a scalar: an error on both paths
          return;
        }
        expect(ours).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("an entry that aliases another entry's anchor is read from the whole file", () => {
    const text = 'base: &b\n  tag: "3.1.0"\nimage:\n  repository: r\n  tag: "2.0.0"\n  extra: *b\n';
    expect(readScalars("v.yaml", text, [{ path: "image.tag", doc: 0 }])).toEqual(["2.0.0"]);
  });
});

describe("edits on generated files with anchors: never a silent change of an aliased value", () => {
  it("property: an edit either refuses naming an alias, or leaves every alias's value as it was", () => {
    fc.assert(
      fc.property(yamlArb, tagArb, fc.boolean(), (g, value, aliasIt) => {
        const leaf = g.leaves[0]!;
        const lines = g.text.split("\n");
        const doc = parseAllDocuments(g.text)[0]!;
        const node = doc.getIn(leaf.path.split("."), true) as { range: [number, number] };
        // anchor the first leaf, and (maybe) alias it from a new top-level key
        const text =
          g.text.slice(0, node.range[0]) +
          "&a " +
          g.text.slice(node.range[0]) +
          (g.text.endsWith("\n") || lines.length === 0 ? "" : "\n") +
          (aliasIt ? "zz_alias: *a\n" : "zz_plain: 1\n");
        const edits: PathEdit[] = [{ path: leaf.path, value, kind: "tag" }];
        let r;
        try {
          r = editYaml("v.yaml", text, edits);
        } catch (e) {
          expect(aliasIt).toBe(true);
          expect(String(e)).toContain("zz_alias (*a");
          return;
        }
        const before = parseAllDocuments(text)[0]!.toJS() as Record<string, unknown>;
        const after = parseAllDocuments(r.after)[0]!.toJS() as Record<string, unknown>;
        if (aliasIt) {
          expect(r.changed).toBe(false);
          expect(after.zz_alias).toEqual(before.zz_alias);
        }
      }),
      { numRuns: 200 },
    );
  });
});
