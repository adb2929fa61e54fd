/**
 * Reading a secret argument's value: a secret the CLI cannot read (an unset `env://VAR`, a missing
 * file) is an InputError naming the argument, with the engine's first line as the reason and never
 * the value. Pure: the secret is anything with `plaintext()` (Dagger's Secret in the shell, a stub
 * in tests), so every shell file reads secrets through here without importing another shell file.
 */
import { InputError } from "./errors.js";
import { rememberSecret } from "./redact.js";

/** What readSecret needs of a secret: its value, on demand. */
export interface SecretValue {
  /** The secret's value (may reject when the CLI cannot read it). */
  plaintext(): Promise<string>;
}

/**
 * The secret's value, remembered by the module's redaction (no text leaving the module will
 * carry it); InputError naming `arg` (with `fix`) when it cannot be read.
 *
 * @param secret The secret argument.
 * @param arg The argument as the CLI spells it (e.g. `--registry-password`).
 * @param fix What to do when it cannot be read.
 */
export async function readSecret(secret: SecretValue, arg: string, fix: string): Promise<string> {
  try {
    const value = await secret.plaintext();
    rememberSecret(value);
    return value;
  } catch (err) {
    throw new InputError(arg, `could not be read (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`, fix);
  }
}
