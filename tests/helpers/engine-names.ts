/**
 * The names the Dagger engine (v0.21) derives from a module's TypeScript names, re-implemented
 * from its documented behaviour and checked against vectors produced by the engine's own case
 * library (iancoleman/strcase v0.3.0, run here): the CLI kebab-cases functions and arguments and
 * splits digits from letters (`e2e` → `e-2-e`); generated clients lower-camel-case them with a
 * capital after each digit run (`e2e` → `e2E`); enum members are kept when they already are
 * SCREAMING_SNAKE (`FLAKE8`), else converted (`Flake8` → `FLAKE_8`); object types are prefixed
 * with the module name (`App` → `GitopsPipelineApp`).
 */

/** Split a name into words: at separators, at digit runs, at lower→Upper and at acronym ends (JSONData → JSON, Data). */
export function words(name: string): string[] {
  const out: string[] = [];
  for (const part of name
    .trim()
    .split(/[\s_\-.]+/)
    .filter(Boolean)) {
    for (const chunk of part.match(/[0-9]+|[A-Za-z]+/g) ?? []) {
      if (/^[0-9]/.test(chunk)) {
        out.push(chunk);
        continue;
      }
      out.push(...(chunk.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? [chunk]));
    }
  }
  return out;
}

/** CLI name of a function or argument: `ciReport` → `ci-report`, `e2e` → `e-2-e`. */
export const kebab = (name: string): string =>
  words(name)
    .map((w) => w.toLowerCase())
    .join("-");

/** SCREAMING_SNAKE: `flake8` → `FLAKE_8`. */
export const screamingSnake = (name: string): string =>
  words(name)
    .map((w) => w.toUpperCase())
    .join("_");

/**
 * Camel case as the engine writes schema names: the first letter is forced (upper or lower), a
 * capital right after another capital is lowered (`FLAKE8` → `flake8`), a letter right after a
 * digit is upper-cased, separators are dropped and up-case what follows.
 */
function camel(name: string, upperFirst: boolean): string {
  let out = "";
  let capNext = upperFirst;
  let prevUpper = false;
  const s = name.trim();
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const upper = /[A-Z]/.test(c);
    if (/[A-Za-z]/.test(c)) {
      out += capNext ? c.toUpperCase() : i === 0 || (prevUpper && upper) ? c.toLowerCase() : c;
      capNext = false;
    } else if (/[0-9]/.test(c)) {
      out += c;
      capNext = true;
    } else {
      capNext = " _-.".includes(c);
    }
    prevUpper = upper;
  }
  return out;
}

/** Name of a function or argument in the schema and in generated clients: `e2e` → `e2E`. */
export const lowerCamel = (name: string): string => camel(name, false);

/** Name of a type in the schema: `e2eRun` → `E2ERun`. */
export const upperCamel = (name: string): string => camel(name, true);

/** Enum member name in the schema and the CLI (`--linters=flake8` matches `FLAKE8` case-insensitively). */
export function enumMemberName(name: string): string {
  return /^[A-Z][A-Z0-9_]*$/.test(name) && !name.startsWith("__") ? name : screamingSnake(name);
}

/** A module type's name in the schema: prefixed with the module's name unless it already is. */
export function namespacedTypeName(type: string, moduleName: string): string {
  const t = upperCamel(type);
  const mod = upperCamel(moduleName);
  if (t === mod) return mod;
  if (t.startsWith(mod) && /^[A-Z]/.test(t.slice(mod.length))) return t;
  return upperCamel(`${moduleName}_${type}`);
}
