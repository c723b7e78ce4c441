import { defineConfig } from "vitest/config";

/**
 * The long suites (`npm run test:reliability`): multi-gigabyte inputs, 100,000 customers, a
 * minute of sustained load. One file at a time, so each has both cores and its timings mean
 * something; timeouts sized for the slowest of them on this 2-core machine.
 */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
