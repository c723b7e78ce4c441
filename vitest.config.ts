import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts", "stacks/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/reliability/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time; PGlite and PostgreSQL suites use their own schemas.
    maxWorkers: 2,
  },
});
