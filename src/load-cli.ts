// How bin.ts reaches the CLI. From source (tsx, the tests) it is a plain dynamic import; the
// published bundle swaps this module for load-cli.bundled.ts (test/tools/build.ts), which
// compiles dist/cli.js with V8's code cache.
export type CliModule = typeof import("./cli.js");

export function loadCli(): Promise<CliModule> {
  return import("./cli.js");
}
