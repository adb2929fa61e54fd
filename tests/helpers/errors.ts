/** Test helper: the InputError `fn` throws (fails the test when it throws nothing or something else). */
import { expect } from "vitest";
import { InputError } from "../../dagger/src/core/errors.js";

export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}
