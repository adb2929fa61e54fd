/**
 * Environment rules: a secret never sits in a manifest as a literal env value. A variable whose
 * name says it holds a secret (a PASSWORD, TOKEN, SECRET, KEY or CREDENTIALS word) must come from
 * a Secret (valueFrom.secretKeyRef, or envFrom secretRef). The value itself is never reported.
 */
import { asArray, asObj, podOf } from "./pod.js";
import type { PolicyRule, Violation } from "./types.js";

/** Words of a variable name that say it holds a secret (whole words, or a word's end: DBPASSWORD). */
const SECRET_WORD = /^(?:[A-Z0-9]*(?:PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET)|KEY|APIKEY|PRIVATEKEY|ACCESSKEY|CREDENTIAL)S?$/;

/** The words of an env name: split at `_`, `-`, `.` and lower→upper case changes, upper-cased. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toUpperCase());
}

/** Whether an env variable name looks like it holds a secret. */
export function secretLookingName(name: string): boolean {
  return nameWords(name).some((w) => SECRET_WORD.test(w));
}

export const envSecretLiteral: PolicyRule = {
  id: "POL-ENV-SECRET-LITERAL",
  severity: "error",
  summary: "no literal value under a secret-looking env name (PASSWORD, TOKEN, SECRET, KEY...): use valueFrom.secretKeyRef or envFrom secretRef",
  check: (m) => {
    const pod = podOf(m);
    if (!pod) return [];
    const out: Violation[] = [];
    for (const r of pod.containers) {
      asArray(r.c.env).forEach((e, i) => {
        const env = asObj(e);
        const name = typeof env.name === "string" ? env.name : "";
        if (typeof env.value !== "string" || env.value === "" || !secretLookingName(name)) return;
        out.push({
          path: `${r.path}.env[${i}].value`,
          message: `container '${r.name}': ${name} has a literal value in the manifest; take it from a Secret (valueFrom.secretKeyRef, or envFrom.secrets)`,
        });
      });
    }
    return out;
  },
};

/** The env rules, in report order. */
export const ENV_RULES: readonly PolicyRule[] = [envSecretLiteral];
