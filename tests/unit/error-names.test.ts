/**
 * Every error text of the module names arguments as the CLI spells them. Read from the source:
 * each `new InputError(...)` call of dagger/src, checked against the module's real API (the
 * engine's own introspector): its literal input is an argument of some public function (the
 * message spells it `--min-coverage`), a pair of them, or a file and key (`file: key`); a `--flag`
 * its texts mention is a flag the CLI has (or one of a tool's own flags, listed below); and no prose
 * string of the module names a camelCase argument bare (`pass apiUrl`), which no CLI user can type.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { moduleApi } from "../helpers/module-api.js";
import { kebab } from "../helpers/engine-names.js";
import { ROOT } from "../helpers/tools.js";

/** Flags of the tools an error's fix quotes (kubectl, kubeseal, any command's --help): not the module's. */
const TOOL_FLAGS = new Set(["--help", "--raw", "--flatten", "--minify", "--fetch-cert"]);

/** Literal inputs that are neither an argument nor a file: each says what it names. */
const OTHER_INPUTS = new Set([
  "with-signing-key", // the function itself, as the CLI spells it
  "signing key path", // a path inside the signing key's secret
  "allowed signers path",
  "apiServerPort", // the e2e kind config's own port, a constant no caller sets
]);

/** A key inside a settings schema (`release.branches`), where the loader names the file itself. */
const YAML_KEY = /^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/;

/** Two inputs at fault together, as InputError's input: the message spells each as a flag. */
const PAIR = /^[a-z][A-Za-z0-9]*(, [a-z][A-Za-z0-9]*)+$/;

const SRC = join(ROOT, "dagger", "src");
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === "sdk" ? [] : files(join(dir, e.name))) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

/** The texts of the string literals under `node` (template pieces without their ${...}). */
function textsUnder(node: ts.Node): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push(n.text);
    else if (ts.isTemplateExpression(n)) out.push([n.head.text, ...n.templateSpans.map((t) => t.literal.text)].join(""));
    n.forEachChild(visit);
  };
  visit(node);
  return out;
}

const parsed = (f: string) => ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.Latest, true);

interface Call {
  where: string;
  /** The first argument when it is a plain string literal. */
  input?: string;
  /** The string literals of the problem and the fix. */
  texts: string[];
}

function allCalls(): Call[] {
  return files(SRC).flatMap((f) => {
    const calls: Call[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "InputError" && n.arguments?.length) {
        const [first, ...rest] = n.arguments;
        calls.push({ where: relative(ROOT, f), ...(ts.isStringLiteral(first!) ? { input: first.text } : {}), texts: rest.flatMap(textsUnder) });
      }
      n.forEachChild(visit);
    };
    visit(parsed(f));
    return calls;
  });
}

async function apiArguments(): Promise<Set<string>> {
  const api = await moduleApi();
  const names = new Set<string>();
  for (const o of Object.values(api.objects)) {
    for (const a of Object.keys(o.constructor?.arguments ?? {})) names.add(a);
    for (const f of Object.values(o.methods)) for (const a of Object.keys(f.arguments)) names.add(a);
  }
  return names;
}

describe("error texts name arguments as the CLI spells them", () => {
  it("finds the InputError calls it checks (the scan is not blind)", () => {
    const calls = allCalls();
    expect(calls.length).toBeGreaterThan(150);
    expect(calls.filter((c) => c.input !== undefined).length).toBeGreaterThan(40);
  });

  it("a literal input is a public argument, a pair of them, or a file and key (or a settings key)", async () => {
    const args = await apiArguments();
    const bad = allCalls()
      .filter((c) => c.input !== undefined)
      .filter((c) => !c.input!.includes(": ") && !YAML_KEY.test(c.input!) && !OTHER_INPUTS.has(c.input!) && !c.input!.split(", ").every((a) => args.has(a)))
      .map((c) => `${c.where}: "${c.input}"`);
    expect(bad).toEqual([]);
  });

  it("every --flag an error's text mentions is a flag of the CLI (or a quoted tool's own)", async () => {
    const flags = new Set([...(await apiArguments())].map((a) => `--${kebab(a)}`));
    const bad = allCalls().flatMap((c) =>
      c.texts.flatMap((t) =>
        [...t.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)]
          .map((m) => m[0])
          .filter((f) => !flags.has(f) && !TOOL_FLAGS.has(f))
          .map((f) => `${c.where}: ${f}`),
      ),
    );
    expect(bad).toEqual([]);
  });

  it("no text of the module names a camelCase argument bare (a settings key such as test.minCoverage is fine)", async () => {
    const camel = [...(await apiArguments())].filter((a) => /[A-Z]/.test(a));
    // Every prose string of the code (a space in it; ${...} left out; comments are no strings), not only the
    // InputError calls: a fix is often built in a variable first.
    const bad = files(SRC).flatMap((f) =>
      textsUnder(parsed(f))
        .filter((t) => t.includes(" ") && !PAIR.test(t))
        .flatMap((t) => camel.filter((a) => new RegExp(`(?<![\\w.$-])${a}(?![\\w])`).test(t)).map((a) => `${relative(ROOT, f)}: ${a} in "${t.slice(0, 80)}"`)),
    );
    expect(bad).toEqual([]);
  });
});
