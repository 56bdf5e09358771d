// One load of src/code-cache.ts in a fresh process (code-cache.test.ts): V8 keeps compiled scripts
// in a per-process cache, so a second compile of the same source in one process never consults
// the file cache at all. `record` also writes the cache, as the build's training run does.
import { compileCli, writeCodeCache } from "../../src/code-cache.js";

const [dir, mode] = process.argv.slice(2);
const compiled = compileCli(dir!);
const probe = compiled.exports as { answer: () => number; dir: string; req: string };
const answer = probe.answer();
if (mode === "record") writeCodeCache(dir!, compiled);
process.stdout.write(JSON.stringify({ cacheUsed: compiled.cacheUsed, answer, dir: probe.dir, req: probe.req }));
