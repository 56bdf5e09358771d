// src/code-cache.ts: the bundle's CLI compiled with V8's code cache. A cache is used only for the
// exact source and Node it was made for; anything else (an edited cli.js, a damaged or foreign
// cache file) is compiled from source as usual, and the module still works.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CACHE_FILE, CLI_FILE } from "../../src/code-cache.js";

let dir: string;

// A CommonJS module with some functions to cache, and a value that shows which source ran.
const source = (answer: number) => `
  function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
  exports.answer = () => fib(10) + ${answer};
  exports.dir = __dirname;
  exports.req = typeof require("node:path").join;
`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "codex-doctor-cache-"));
  writeFileSync(join(dir, CLI_FILE), source(0));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CHILD = new URL("./code-cache-child.ts", import.meta.url).pathname;

interface Loaded {
  cacheUsed: boolean;
  answer: number;
  dir: string;
  req: string;
}

/** Loads cli.js in a fresh Node (see code-cache-child.ts); `record` then writes the cache. */
function load(mode: "load" | "record" = "load"): Loaded {
  const out = execFileSync(process.execPath, ["--import", "tsx", CHILD, dir, mode], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  return JSON.parse(out) as Loaded;
}

/** A cache recorded after running the module once, as the build's training run does. */
const record = (): Loaded => load("record");

describe("the CLI's code cache", () => {
  it("runs the module as CommonJS (exports, require, __dirname) without a cache", () => {
    expect(load()).toEqual({ cacheUsed: false, answer: 55, dir, req: "function" });
  });

  it("is used once recorded; its first line names this Node, the source's hash and the cached bytes' hash", () => {
    record();
    const line = readFileSync(join(dir, CACHE_FILE), "latin1").split("\n", 1)[0];
    expect(line).toMatch(new RegExp(`^codex-doctor code cache 2 ${process.version.replace(/\./g, "\\.")} ${process.arch} [0-9a-f]{64} [0-9a-f]{64}$`));
    expect(load()).toMatchObject({ cacheUsed: true, answer: 55 });
  });

  it("is not used for an edited cli.js, even one of the same length (V8 checks only the length)", () => {
    record();
    writeFileSync(join(dir, CLI_FILE), source(1)); // same length: "0" → "1"
    expect(readFileSync(join(dir, CLI_FILE)).length).toBe(Buffer.byteLength(source(0)));
    // The edited source ran, not the cached bytecode.
    expect(load()).toMatchObject({ cacheUsed: false, answer: 56 });
  });

  it("is not used when made by another Node (the key line differs)", () => {
    record();
    const cache = readFileSync(join(dir, CACHE_FILE), "latin1");
    writeFileSync(join(dir, CACHE_FILE), Buffer.from(cache.replace(process.version, "v0.0.1"), "latin1"));
    expect(load().cacheUsed).toBe(false);
  });

  it("a cache with one byte flipped is not handed to V8 (which would use it, or crash), and the module still runs", () => {
    record();
    const cache = readFileSync(join(dir, CACHE_FILE));
    const start = cache.indexOf(0x0a) + 1;
    // V8's header (magic, versions, lengths) and a byte deep in the payload.
    for (const at of [start + 8, start + Math.floor((cache.length - start) / 2)]) {
      const damaged = Buffer.from(cache);
      damaged[at]! ^= 0xff;
      writeFileSync(join(dir, CACHE_FILE), damaged);
      expect(load()).toMatchObject({ cacheUsed: false, answer: 55 });
    }
  });

  it("bytes that are not a V8 cache, with a matching hash, are refused by V8, and the module still runs", () => {
    record();
    const line = readFileSync(join(dir, CACHE_FILE), "latin1").split("\n", 1)[0]!;
    const junk = Buffer.alloc(4096, 0x5a);
    const hash = createHash("sha256").update(junk).digest("hex");
    writeFileSync(join(dir, CACHE_FILE), Buffer.concat([Buffer.from(`${line.slice(0, -64)}${hash}\n`, "latin1"), junk]));
    expect(load()).toMatchObject({ cacheUsed: false, answer: 55 });
  });

  it("an empty or truncated cache file is ignored", () => {
    writeFileSync(join(dir, CACHE_FILE), "");
    expect(load().cacheUsed).toBe(false);
    record();
    const cache = readFileSync(join(dir, CACHE_FILE));
    for (const length of [20, cache.indexOf(0x0a) + 1, cache.length - 1]) {
      writeFileSync(join(dir, CACHE_FILE), cache.subarray(0, length));
      expect(load()).toMatchObject({ cacheUsed: false, answer: 55 });
    }
  });
});
