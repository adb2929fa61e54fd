/**
 * The Dagger side of reading a file the write-back edits: the engine hands contents over as a
 * string with U+FFFD for each byte that is not UTF-8; readText compares with the file's size.
 */
import { describe, expect, it } from "vitest";
import type { File } from "@dagger.io/dagger";
import { readText } from "../../dagger/src/core/writeback/text.js";
import { InputError } from "../../dagger/src/core/errors.js";

/** A File whose contents come back as the engine returns them (Go's JSON: one U+FFFD per bad byte). */
const engineFile = (bytes: Buffer): { file: File; sizeAsked: () => boolean } => {
  let asked = false;
  const file = {
    contents: async () => bytes.toString("utf8"),
    size: async () => {
      asked = true;
      return bytes.length;
    },
  } as unknown as File;
  return { file, sizeAsked: () => asked };
};

describe("readText (what the Dagger git port and the local mode read)", () => {
  it("refuses a file with a Latin-1 byte, naming the path and the line", async () => {
    const { file } = engineFile(Buffer.concat([Buffer.from("image:\n  tag: x # caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
    const e = await readText(file, "gitops/values-dev.yaml").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(/^gitops\/values-dev\.yaml: is not UTF-8 text \(a byte that is not UTF-8 at line 2, column 15\)/);
  });

  it("keeps a UTF-8 file holding U+FFFD itself, and asks for the size only when U+FFFD appears", async () => {
    const genuine = engineFile(Buffer.from("# \uFFFD\nimage:\n  tag: x\n", "utf8"));
    expect(await readText(genuine.file, "v.yaml")).toBe("# \uFFFD\nimage:\n  tag: x\n");
    expect(genuine.sizeAsked()).toBe(true);
    const plain = engineFile(Buffer.from("image:\n  tag: café\n", "utf8"));
    expect(await readText(plain.file, "v.yaml")).toBe("image:\n  tag: café\n");
    expect(plain.sizeAsked()).toBe(false);
  });
});
