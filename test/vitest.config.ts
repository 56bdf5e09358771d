import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Lab servers bind 127.0.0.1:0 per test file; forks keep sockets isolated per file.
    pool: "forks",
    // A private TMPDIR checked for leftovers at the end, and the egress child prebuilt once.
    globalSetup: ["test/setup/global.ts"],
    // Per file: temp directories from test/helpers/tmp.ts are removed when the file ends.
    setupFiles: ["test/setup/each-file.ts"],
  },
});
