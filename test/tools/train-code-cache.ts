// The build's training run (test/tools/build.ts, recordCodeCache): `node train.js DIST` compiles
// DIST/cli.js exactly as dist/bin.js does, runs two offline checks (JSON, then the human report)
// in the environment the build gives it, and writes DIST/cli.cache, which then holds the bytecode
// of every function those runs compiled. Bundled to CommonJS like the bin, so no top-level await.
import { homedir } from "node:os";
import { compileCli, writeCodeCache } from "../../src/code-cache.js";
import type { CliModule } from "../../src/load-cli.js";

const dist = process.argv[2];
if (!dist) throw new Error("usage: node train.js DIST");
const compiled = compileCli(dist);
const { main } = compiled.exports as CliModule;
const io = {
  stdout: () => {},
  stderr: () => {},
  env: process.env,
  homedir: homedir(),
  platform: process.platform,
  stdoutIsTTY: false,
  stderrIsTTY: false,
};

void (async () => {
  for (const args of [["tls", "--offline", "--json"], ["tls", "--offline"]]) {
    const code = await main(args, io);
    // The bundle holds a root and an expired certificate: a warning, never a usage error.
    if (code !== 0 && code !== 1) throw new Error(`training run ${args.join(" ")} exited ${code}`);
  }
  writeCodeCache(dist, compiled);
  process.exit(0);
})();
