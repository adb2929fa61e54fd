#!/usr/bin/env node
// Prints one closing line per vitest JSON report and a total, in the plain form CI systems
// read: "<tier>: N passed, N failed" (skipped and todo tests count as not passed).
import { readFileSync } from "node:fs";
import { basename } from "node:path";

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, "utf8"));
  const p = r.numPassedTests ?? 0;
  const f = (r.numFailedTests ?? 0) + (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  passed += p;
  failed += f;
  console.log(`${basename(file, ".json")}: ${p} passed, ${f} failed`);
}
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
