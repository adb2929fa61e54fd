#!/usr/bin/env node
// Prints the tool pins of dagger/src/core/versions.ts as shell assignments (PIN_HELM=3.21.4 ...; a group such as the linters as one
// requirement list, PIN_LINTERS='ruff==0.17.6 flake8==7.5.0 ...'),
// so the contract-test setup installs exactly the versions the pipeline's containers use.
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../dagger/src/core/versions.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
const { VERSIONS } = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
for (const [key, value] of Object.entries(VERSIONS)) {
  const name = key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  // A group of PyPI pins (the linters) becomes one requirement list: `ruff==0.17.6 flake8==7.5.0 ...`.
  const text =
    typeof value === "object"
      ? Object.entries(value)
          .map(([pkg, v]) => `${pkg}==${v}`)
          .join(" ")
      : String(value);
  console.log(`PIN_${name}='${text.replace(/'/g, "")}'`);
}
