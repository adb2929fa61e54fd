/**
 * Reading a file the write-back edits. The engine hands a file's contents over as a string, with
 * every byte that is not UTF-8 replaced by U+FFFD; written back, that text would change lines the
 * diff does not show. When the text holds U+FFFD, its UTF-8 length is compared with the file's
 * size in bytes (core/writeback/text.ts), and a file that is not UTF-8 is refused, naming it.
 */
import type { File } from "@dagger.io/dagger";
import { checkDecoded } from "../core/writeback/text.js";

/** The text of `file` (at `path`, for errors); an InputError when it is not UTF-8. */
export async function readText(file: File, path: string): Promise<string> {
  const text = await file.contents();
  return text.includes("\uFFFD") ? checkDecoded(path, text, await file.size()) : text;
}
