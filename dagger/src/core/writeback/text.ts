/**
 * The bytes of the files a write-back edits. They are edited as text, so a file must be UTF-8:
 * decoding anything else replaces its bytes with U+FFFD, and writing the text back would change
 * lines the diff does not show (a Latin-1 `é` in a comment came back as `�`). Such a file is
 * refused, naming it and the first byte that is not UTF-8; a byte-order mark is kept.
 */
import { InputError } from "../errors.js";

/** Offset of the first byte of `bytes` that does not belong to a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: length and the allowed range of the first continuation byte (RFC 3629 table).
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f; // no UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + len > n) return i;
    const c1 = bytes[i + 1]!;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k < len; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += len;
  }
  return -1;
}

/** Line and column (1-based, in bytes) of byte `at`. */
function bytePos(bytes: Uint8Array, at: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) (line++, (start = i + 1));
  return { line, col: at - start + 1 };
}

const refuse = (file: string, detail: string): InputError =>
  new InputError(
    file,
    `is not UTF-8 text (${detail})`,
    "save the file as UTF-8 (the write-back edits text and would otherwise change bytes it does not show in its diff)",
  );

/** The text of a file's bytes; an InputError naming the file and the first bad byte unless they are UTF-8. */
export function decodeUtf8(file: string, bytes: Uint8Array): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const { line, col } = bytePos(bytes, bad);
    throw refuse(file, `byte 0x${bytes[bad]!.toString(16).toUpperCase().padStart(2, "0")} at line ${line}, column ${col}`);
  }
  // ignoreBOM keeps a byte-order mark in the text, so writing it back keeps it in the file.
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
}

/**
 * Check text that an API already decoded (a Dagger File's contents) against the file's size in
 * bytes. The engine replaces each byte that is not UTF-8 with U+FFFD (3 bytes in UTF-8), so a
 * decoded text holding U+FFFD whose UTF-8 length is not the file's size was not UTF-8.
 */
export function checkDecoded(file: string, text: string, size: number): string {
  if (text.includes("\uFFFD") && Buffer.byteLength(text, "utf8") !== size) {
    const i = text.indexOf("\uFFFD");
    const before = text.slice(0, i);
    const line = before.split("\n").length;
    throw refuse(file, `a byte that is not UTF-8 at line ${line}, column ${i - before.lastIndexOf("\n")}`);
  }
  return text;
}

/** What readText needs of a file: its decoded contents and its size in bytes (Dagger's File in the shell). */
export interface TextFile {
  /** The contents, decoded by the engine (non-UTF-8 bytes become U+FFFD). */
  contents(): Promise<string>;
  /** The size in bytes. */
  size(): Promise<number>;
}

/**
 * The text of `file` (at `path`, for errors); an InputError when it is not UTF-8. The size is
 * asked only when the text holds U+FFFD, so a clean file costs one call.
 *
 * @param file The file to read.
 * @param path Its path, named in the error.
 */
export async function readText(file: TextFile, path: string): Promise<string> {
  const text = await file.contents();
  return text.includes("\uFFFD") ? checkDecoded(path, text, await file.size()) : text;
}
