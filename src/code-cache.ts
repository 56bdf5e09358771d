// Start-up without recompiling: the bundle's CLI (dist/cli.js, CommonJS) is compiled through
// vm.Script with the V8 code cache the build recorded next to it (dist/cli.cache), the way Node 22's
// module.enableCompileCache() does for every module. Parsing and compiling the ~300 KB the CLI runs
// is about a fifth of an offline run (2 cores); with the cache V8 deserialises the bytecode instead.
//
// The cache is V8's: it holds for one Node version and one exact source. Its first line names both
// (Node version, architecture, SHA-256 of cli.js) and the SHA-256 of the cached bytes, and a cache
// whose line does not match is not handed to V8 at all: V8 itself checks only the source's length
// and, in release builds, no checksum (a flipped byte in the cache can crash the process). V8 also
// refuses a cache made under other V8 flags (NODE_OPTIONS=--max-old-space-size=…, say); either way
// the CLI is then compiled as usual, just slower.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Script } from "node:vm";

export const CLI_FILE = "cli.js";
export const CACHE_FILE = "cli.cache";

export interface CompiledCli {
  exports: unknown;
  script: Script;
  /** How a cache for this source, on this Node, must start (its first line, less the bytes' hash). */
  key: string;
  /** A cache was found and V8 took it. */
  cacheUsed: boolean;
}

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** What a cache for this source on this Node says of itself, before the hash of its cached bytes. */
function cacheKey(source: Uint8Array): string {
  return `codex-doctor code cache 2 ${process.version} ${process.arch} ${sha256(source)}`;
}

/** The cached bytes, or undefined when there is no cache, it is for something else, or it is damaged. */
function readCache(path: string, key: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  // "<key> <sha256 of the cached bytes>\n<cached bytes>"
  const lineEnd = key.length + 1 + 64;
  if (data.length <= lineEnd + 1 || data.toString("latin1", 0, key.length + 1) !== `${key} ` || data[lineEnd] !== 0x0a) return undefined;
  const cached = data.subarray(lineEnd + 1);
  return sha256(cached) === data.toString("latin1", key.length + 1, lineEnd) ? cached : undefined;
}

/** Compiles and runs `dir`/cli.js as a CommonJS module (the same wrapper Node uses). */
export function compileCli(dir: string): CompiledCli {
  const file = join(dir, CLI_FILE);
  const bytes = readFileSync(file);
  const key = cacheKey(bytes);
  const cachedData = readCache(join(dir, CACHE_FILE), key);
  // esbuild writes ASCII only (non-ASCII characters as escapes; test/tools/build.test.ts checks),
  // so latin1 is the exact text, and V8 gets a one-byte string without a UTF-8 decode.
  const source = bytes.toString("latin1");
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dir);
  return { exports: module.exports, script, key, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

/** Records the cache for `compiled` after a run: it then holds every function that run compiled. */
export function writeCodeCache(dir: string, compiled: CompiledCli): void {
  const cached = compiled.script.createCachedData();
  writeFileSync(join(dir, CACHE_FILE), Buffer.concat([Buffer.from(`${compiled.key} ${sha256(cached)}\n`, "latin1"), cached]));
}
