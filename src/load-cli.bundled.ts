// The bundle's stand-in for load-cli.ts (test/tools/build.ts swaps it in): dist/cli.js compiled
// with the code cache the build left next to it. Only ever runs as the CommonJS bundle dist/bin.js,
// where __dirname is dist/.
import type { CliModule } from "./load-cli.js";
import { compileCli } from "./code-cache.js";

export function loadCli(): Promise<CliModule> {
  return Promise.resolve(compileCli(__dirname).exports as CliModule);
}
