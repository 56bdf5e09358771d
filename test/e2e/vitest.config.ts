import { defineConfig } from "vitest/config";

// Only for `npm run test:e2e` (test/e2e/launch.ts), which runs it inside a private network and mount
// namespace; the files are named *.e2e.ts so the unit config (test/**/*.test.ts) never picks them up.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
