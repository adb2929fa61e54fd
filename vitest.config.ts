import { defineConfig } from "vitest/config";

// Two tiers: `unit` (unit + plan tests, Node only) and `contract` (real pinned tools, installed
// by scripts/setup-contract-tools.sh into .tools/).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["tests/unit/**/*.test.ts", "tests/plan/**/*.test.ts"] } },
      { test: { name: "bench", include: ["tests/bench/**/*.bench.ts"], testTimeout: 600_000 } },
      { test: { name: "contract", include: ["tests/contract/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 300_000 } },
    ],
  },
});
