import { defineConfig } from "vitest/config";

/** `npm run test:reliability`: the long fault-injection, scale and load suites (CI runs them too). */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
