#!/usr/bin/env node
// Prints the tool pins of dagger/src/core/versions.ts as shell assignments (PIN_RUFF=0.17.6 ...),
// so the contract-test setup installs exactly the versions the pipeline's containers use.
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../dagger/src/core/versions.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
const { VERSIONS } = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
for (const [key, value] of Object.entries(VERSIONS)) {
  const name = key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  console.log(`PIN_${name}='${String(value).replace(/'/g, "")}'`);
}
