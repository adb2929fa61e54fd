/**
 * Reading a secret argument (core/secret.ts): the value is remembered by the redaction, and an
 * unreadable secret is an InputError naming the argument with the engine's first line, never the value.
 */
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { readSecret } from "../../dagger/src/core/secret.js";
import { forgetSecrets, redact } from "../../dagger/src/core/redact.js";
import { InputError } from "../../dagger/src/core/errors.js";

afterEach(() => forgetSecrets());

describe("readSecret", () => {
  it("returns the value and remembers it, so no text leaving the module carries it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 8 }).filter((s) => s.trim() === s && !/\*/.test(s)),
        async (value) => {
          forgetSecrets();
          expect(await readSecret({ plaintext: async () => value }, "--token", "pass it")).toBe(value);
          expect(redact(`before ${value} after`)).not.toContain(value);
        },
      ),
    );
  });

  it("names the argument and quotes the engine's first line when the secret cannot be read", async () => {
    const unreadable = { plaintext: async (): Promise<string> => Promise.reject(new Error("env var GH_TOKEN not set\nstack...")) };
    const err = await readSecret(unreadable, "--github-token", "set GH_TOKEN").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain("--github-token");
    expect((err as Error).message).toContain("env var GH_TOKEN not set");
    expect((err as Error).message).not.toContain("stack...");
    expect((err as Error).message).toContain("set GH_TOKEN");
  });
});
