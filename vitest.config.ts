import { defineConfig } from "vitest/config";

// Two tiers: `unit` (unit + plan tests, Node only) and `contract` (real pinned tools, installed
// by scripts/setup-contract-tools.sh into .tools/).
export default defineConfig({
  test: {
    projects: [
      // testTimeout: the SDK introspector scan behind moduleApi() takes 3-5 s on 2 cores, more when
      // two test files scan at once; the 5 s default made that flaky.
      // isolate: false reuses each worker's module cache across files (the SDK import costs ~1 s per
      // file otherwise); the unit and plan tests keep no global state.
      { test: { name: "unit", include: ["tests/unit/**/*.test.ts", "tests/plan/**/*.test.ts"], testTimeout: 30_000, isolate: false } },
      { test: { name: "bench", include: ["tests/bench/**/*.bench.ts"], testTimeout: 600_000 } },
      { test: { name: "contract", include: ["tests/contract/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 300_000 } },
    ],
  },
});
