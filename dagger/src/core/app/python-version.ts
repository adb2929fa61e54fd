/**
 * Which Python the lint, test and build stages run for a project: the one it declares
 * (`.python-version`, else `requires-python` in pyproject.toml), chosen among the pinned images
 * of versions.ts; the `--python` argument of `app` overrides it, and a `--python-image` other than
 * the pinned default replaces the choice altogether.
 */
import { InputError } from "../errors.js";
import { VERSIONS } from "../versions.js";

/** The pinned Python images by minor version (DEFAULT_PYTHON is the pipeline's default). */
export const PYTHON_IMAGES: Readonly<Record<string, string>> = {
  "3.11": VERSIONS.python311Image,
  "3.12": VERSIONS.pythonImage,
  "3.13": VERSIONS.python313Image,
};

/** The default minor version (the pinned default image's). */
export const DEFAULT_PYTHON = "3.12";

/** A version as numbers (`3.13.1` → [3, 13, 1]); undefined when it is not dotted digits. */
function numbers(v: string): number[] | undefined {
  return /^\d+(\.\d+)*$/.test(v) ? v.split(".").map(Number) : undefined;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether the Python `version` (x.y.z) satisfies one PEP 440 clause (`>=3.10`, `<3.14`, `~=3.11`,
 * `==3.13.*`, `!=3.12.1`). Undefined for a clause this reader does not understand.
 */
export function satisfiesClause(version: string, clause: string): boolean | undefined {
  const m = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*v?([0-9][0-9.]*?)(\.\*)?\s*$/.exec(clause);
  const v = numbers(version);
  const target = m ? numbers(m[2]!) : undefined;
  if (!m || !v || !target) return undefined;
  const [op, , wildcard] = [m[1]!, m[2]!, m[3]];
  if (wildcard) {
    const prefix = v.slice(0, target.length);
    const same = compare(prefix, target) === 0;
    return op === "==" ? same : op === "!=" ? !same : undefined;
  }
  const c = compare(v, target);
  switch (op) {
    case "==":
    case "===":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<=":
      return c <= 0;
    case ">=":
      return c >= 0;
    case "<":
      return c < 0;
    case ">":
      return c > 0;
    case "~=": {
      // ~=3.11 means >=3.11, ==3.*; ~=3.11.2 means >=3.11.2, ==3.11.*
      if (target.length < 2) return undefined;
      return c >= 0 && compare(v.slice(0, target.length - 1), target.slice(0, -1)) === 0;
    }
  }
  return undefined;
}

/** Whether a minor version (`3.13`, taken as its newest patch) satisfies a whole specifier (clauses joined by commas). */
export function satisfiesSpecifier(minor: string, spec: string, file = "pyproject.toml"): boolean {
  const clauses = spec
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  return clauses.every((clause) => {
    // A bound such as <3.13 or <=3.13.0 is judged on the minor's first release, >= on its last.
    const probe = /^\s*(<|<=|==|===|!=)/.test(clause) && !/\.\*\s*$/.test(clause) ? `${minor}.0` : `${minor}.999`;
    const ok = satisfiesClause(probe, clause);
    if (ok === undefined)
      throw new InputError(
        `source: ${file}`,
        `requires-python "${spec}" has a clause this pipeline cannot read ("${clause}")`,
        `write it as PEP 440 comparisons such as ">=3.11", or pass --python ${Object.keys(PYTHON_IMAGES).join(" or ")}`,
      );
    return ok;
  });
}

/** What the project declares about its Python. */
export interface PythonDeclaration {
  /** Contents of `.python-version`, when the file exists. */
  pythonVersionFile?: string;
  /** `requires-python` of pyproject.toml (or Poetry's `python` constraint, translated), when set. */
  requiresPython?: string;
  /** Where it was read, for messages (default `requires-python`). */
  requiresPythonFrom?: string;
}

/** The chosen Python: its minor version, image and why. */
export interface PythonChoice {
  minor: string;
  image: string;
  /** e.g. `.python-version says 3.13`, `requires-python ">=3.10" (the pinned default)`. */
  why: string;
}

const supported = () => Object.keys(PYTHON_IMAGES).join(", ");

/** The minor version of a `.python-version` line: `3.13`, `3.13.1`, `cpython-3.13`, `3.13t`... */
function minorOf(raw: string): string | undefined {
  const line =
    raw
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .find(Boolean) ?? "";
  const m = /^(?:cpython-|python|py)?(\d+)\.(\d+)/.exec(line);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/**
 * Choose the Python of a project. `override` (the `--python` argument, a minor version) wins;
 * else `.python-version`; else the pinned default when `requires-python` admits it, else the
 * newest pinned minor it admits. A request no pinned image satisfies is an InputError naming the
 * file (or the argument).
 */
export function choosePython(d: PythonDeclaration, override = ""): PythonChoice {
  const pick = (minor: string, why: string, input: string, fix: string): PythonChoice => {
    const image = PYTHON_IMAGES[minor];
    if (!image) throw new InputError(input, `asks for Python ${minor}, which no pinned image provides (pinned: ${supported()})`, fix);
    return { minor, image, why };
  };
  const choices = `pass --python ${Object.keys(PYTHON_IMAGES).join(" or ")}, or --python-image with an image of your own`;
  if (override.trim()) {
    const minor = minorOf(override.trim());
    if (!minor) throw new InputError("python", `"${override}" is not a Python version`, `pass a minor version such as ${DEFAULT_PYTHON}`);
    return pick(minor, `--python ${override.trim()}`, "python", `pass one of ${supported()}, or --python-image with an image of your own`);
  }
  if (d.pythonVersionFile !== undefined) {
    const minor = minorOf(d.pythonVersionFile);
    if (!minor)
      throw new InputError(
        "source: .python-version",
        `"${d.pythonVersionFile.trim()}" is not a Python version`,
        `write a version such as ${DEFAULT_PYTHON} in it, or ${choices}`,
      );
    return pick(minor, `.python-version says ${minor}`, "source: .python-version", `change .python-version to one of ${supported()}, or ${choices}`);
  }
  if (d.requiresPython) {
    const ok = Object.keys(PYTHON_IMAGES).filter((m) => satisfiesSpecifier(m, d.requiresPython!));
    if (ok.length === 0)
      throw new InputError(
        "source: pyproject.toml",
        `${d.requiresPythonFrom ?? "requires-python"} "${d.requiresPython}" admits none of the pinned Pythons (${supported()})`,
        choices,
      );
    const minor = ok.includes(DEFAULT_PYTHON) ? DEFAULT_PYTHON : ok.sort((a, b) => compare(numbers(b)!, numbers(a)!))[0]!;
    return pick(
      minor,
      `${d.requiresPythonFrom ?? "requires-python"} "${d.requiresPython}"${minor === DEFAULT_PYTHON ? " admits the pinned default" : ""}`,
      "source: pyproject.toml",
      choices,
    );
  }
  return { minor: DEFAULT_PYTHON, image: PYTHON_IMAGES[DEFAULT_PYTHON]!, why: "the pinned default: the project declares no Python" };
}
