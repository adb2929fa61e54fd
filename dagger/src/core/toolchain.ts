/**
 * The toolchain one pipeline instance runs with: the pinned images and tool versions of
 * versions.ts, each replaceable through the module's constructor (an air-gapped user points the
 * images at a mirror). Validated once, when the pipeline is created.
 */
import { z } from "zod";
import { commaList, imageRefField, parseInputs, problem, rule, parseVersion } from "./inputs.js";
import { LINTER_PINS, type LinterPackage } from "./app/linters/index.js";
import { VERSIONS } from "./versions.js";

/** The test stage's Python tools and their pins (the linters' come from the linter registry). */
const TEST_TOOL_PINS = { pytest: VERSIONS.pytest, "pytest-cov": VERSIONS.pytestCov } as const;

/** The Python tools the lint and test stages install with pip, by their PyPI name. */
export type PythonTool = LinterPackage | keyof typeof TEST_TOOL_PINS;

/** Every Python tool's pin: each registered linter's package, pytest and pytest-cov. */
const PYTHON_PINS: Record<PythonTool, string> = { ...LINTER_PINS, ...TEST_TOOL_PINS };

/** The Python tools' PyPI names. */
export const PYTHON_TOOLS = Object.keys(PYTHON_PINS) as readonly PythonTool[];

/** Everything the stages read from the pins (the shell's Toolchain object holds them). */
export interface ToolPins {
  pythonImage: string;
  /** Versions of the Python tools, by PyPI name. */
  python: Record<PythonTool, string>;
  helmImage: string;
  kubeconformImage: string;
  kustomizeImage: string;
  kubernetes: string;
  kind: string;
  kindNodeImage: string;
  kubectl: string;
  dindImage: string;
  trivyImage: string;
  gitImage: string;
  /** cosign image of sign (publish) and of the verification before a write-back. */
  cosignImage: string;
}

/** The pinned toolchain. */
export const PINNED_TOOLCHAIN: ToolPins = {
  pythonImage: VERSIONS.pythonImage,
  python: PYTHON_PINS,
  helmImage: VERSIONS.helmImage,
  kubeconformImage: VERSIONS.kubeconformImage,
  kustomizeImage: VERSIONS.kustomizeImage,
  kubernetes: VERSIONS.kubernetes,
  kind: VERSIONS.kind,
  kindNodeImage: VERSIONS.kindNodeImage,
  kubectl: VERSIONS.kubectl,
  dindImage: VERSIONS.dindImage,
  trivyImage: VERSIONS.trivyImage,
  gitImage: VERSIONS.gitImage,
  cosignImage: VERSIONS.cosignImage,
};

/** `name==version` overrides of the Python tools: known names only, strict versions. */
const pythonToolsField = z
  .array(z.string())
  .transform((items, ctx) => {
    const out: Partial<Record<PythonTool, string>> = {};
    for (const item of items.flatMap(commaList)) {
      const m = /^([A-Za-z0-9_.-]+)==(.+)$/.exec(item);
      const name = m?.[1]?.toLowerCase().replace(/_/g, "-") as PythonTool | undefined;
      if (!m || !name || !(PYTHON_TOOLS as readonly string[]).includes(name)) {
        return problem(
          ctx,
          `"${item}" is not one of ${PYTHON_TOOLS.map((t) => `${t}==<version>`).join(", ")}`,
          "pass e.g. ruff==0.17.6 (one entry per tool to replace)",
        );
      }
      out[name] = parseVersion(m[2]!, "pythonTools").version;
    }
    return out;
  })
  .describe("pass e.g. ruff==0.17.6,pylint==4.1.4");

const kubernetesField = z.string().transform(rule((s: string) => parseVersion(s, "kubernetes").version));
const toolVersion = z.string().transform(rule((s: string) => parseVersion(s).version));

/** What the constructor receives. */
export const toolchainInputs = z.object({
  pythonImage: imageRefField,
  pythonTools: pythonToolsField,
  helmImage: imageRefField,
  kubeconformImage: imageRefField,
  kustomizeImage: imageRefField,
  kubernetes: kubernetesField.describe("pass a Kubernetes version such as 1.36.0"),
  kind: toolVersion.describe("pass a kind release such as 0.33.0"),
  kindNodeImage: imageRefField,
  kubectl: toolVersion.describe("pass a kubectl release such as 1.36.4"),
  dindImage: imageRefField,
  trivyImage: imageRefField,
  gitImage: imageRefField,
  cosignImage: imageRefField.default(VERSIONS.cosignImage),
});

/** Validate the constructor's pins into a toolchain; InputError naming the argument. */
export function toolchain(raw: z.input<typeof toolchainInputs>): ToolPins {
  const { pythonTools, ...rest } = parseInputs(toolchainInputs, raw);
  return { ...rest, python: { ...PINNED_TOOLCHAIN.python, ...pythonTools } };
}

/** The Python tool pins as `name==version` entries (how the shell's Toolchain object stores them: Dagger fields have no record type). */
export function pythonToolEntries(python: Readonly<Record<PythonTool, string>>): string[] {
  return PYTHON_TOOLS.map((t) => `${t}==${python[t]}`);
}

/** The Python tool pins from their `name==version` entries (pythonToolEntries' inverse). */
export function pythonToolPins(entries: readonly string[]): Record<PythonTool, string> {
  const out = { ...PINNED_TOOLCHAIN.python };
  for (const e of entries) {
    const [name, version] = e.split("==") as [PythonTool, string];
    if ((PYTHON_TOOLS as readonly string[]).includes(name) && version) out[name] = version;
  }
  return out;
}
