/**
 * Reading a `Secret` argument's value in the module's runtime: a secret the CLI cannot read (an
 * unset `env://VAR`, a missing file) is an InputError naming the argument, with the engine's
 * first line as the reason and never the value.
 */
import type { Secret } from "@dagger.io/dagger";
import { InputError } from "./core/errors.js";
import { rememberSecret } from "./core/redact.js";

/**
 * The secret's value, remembered by the module's redaction (no text leaving the module will
 * carry it); InputError naming `arg` (with `fix`) when it cannot be read.
 */
export async function readSecret(secret: Secret, arg: string, fix: string): Promise<string> {
  try {
    const value = await secret.plaintext();
    rememberSecret(value);
    return value;
  } catch (err) {
    throw new InputError(arg, `could not be read (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`, fix);
  }
}
