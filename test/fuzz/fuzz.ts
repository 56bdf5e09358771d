// Shared settings and tools of the property-based tests (fast-check).
// `npm test` runs a fixed-seed batch (DEFAULT_TOTAL = 2,900 random and mutated cases, plus 50 large
// inputs); `npm run fuzz` sets FUZZ_RUNS (100,000 by default there) and a random seed, printed by
// test/setup/global.ts. A failure prints
// fast-check's `seed` and `path`: FUZZ_SEED=<seed> npm run fuzz replays it (add FUZZ_PATH=<path>
// to jump straight to the shrunk case).
import fc from "fast-check";
import { expect } from "vitest";

/** The batch npm test runs: each property's share of it, in cases (sum: DEFAULT_TOTAL). */
export const DEFAULT_RUNS = {
  "pem: random bytes": 400,
  "pem: mutated fixtures": 500,
  "bundle: random bytes": 200,
  "bundle: mutated fixtures": 500,
  "dotenv: random text": 300,
  "dotenv: mutated .env": 300,
  "config: mutated fixtures": 300,
  "config: random tables": 400,
} as const satisfies Record<string, number>;
/** Large inputs (up to a few MB each, seconds per case): a fixed handful, a few more when fuzzing. */
export const LARGE_RUNS = {
  "pem: large inputs": 20,
  "bundle: large inputs": 10,
  "dotenv: large inputs": 10,
  "config: large inputs": 10,
} as const satisfies Record<string, number>;
export type PropertyName = keyof typeof DEFAULT_RUNS;
export type LargePropertyName = keyof typeof LARGE_RUNS;

export const DEFAULT_TOTAL = Object.values(DEFAULT_RUNS).reduce((a, b) => a + b, 0);
/** npm test's fixed seed (any integer would do; fixed so a red run is the same run again). */
export const FIXED_SEED = 20_240_611;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** FUZZ_RUNS: the cases of the random and mutation properties in all (npm run fuzz: 100,000). */
const total = envInt("FUZZ_RUNS") ?? DEFAULT_TOTAL;
export const FUZZ_SEED = envInt("FUZZ_SEED") ?? FIXED_SEED;

function withSeed(numRuns: number, extra: Partial<fc.Parameters<unknown>> = {}): fc.Parameters<unknown> {
  const path = process.env.FUZZ_PATH;
  return { seed: FUZZ_SEED, numRuns, ...(path ? { path } : {}), ...extra };
}

/** fast-check parameters for one property: its share of the total, the run's seed. */
export function params(name: PropertyName): fc.Parameters<unknown> {
  return withSeed(Math.max(1, Math.ceil((DEFAULT_RUNS[name] * total) / DEFAULT_TOTAL)));
}

/** Large inputs: ×5 when fuzzing; a failure is reported as found, without shrinking megabytes. */
export function largeParams(name: LargePropertyName): fc.Parameters<unknown> {
  return withSeed(LARGE_RUNS[name] * (total > DEFAULT_TOTAL ? 5 : 1), { endOnFailure: true });
}

/** A vitest timeout for one property: generous per case, never below the suite's 30 s. */
export function testTimeout(name: PropertyName | LargePropertyName, perCaseMs: number): number {
  const runs = name in DEFAULT_RUNS ? params(name as PropertyName).numRuns! : largeParams(name as LargePropertyName).numRuns!;
  return Math.max(30_000, runs * perCaseMs * 4);
}

/**
 * Every case must finish within this much CPU time (of this process: other jobs on a loaded
 * machine do not count). Inputs are at most a few MB, so it only trips on a hang-like or
 * super-linear blow-up.
 */
export const CASE_CPU_BOUND_MS = 5000;

/** Runs `fn` (which must not throw: bad input is a finding, not an exception) within the bound. */
export function bounded<T>(fn: () => T): T {
  const started = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(started);
  const ms = (used.user + used.system) / 1000;
  expect(ms, `one case took ${Math.round(ms)} ms of CPU`).toBeLessThan(CASE_CPU_BOUND_MS);
  return result;
}


const enc = new TextEncoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);

/** Lines that start with "-----BEGIN" (after splitting at \n and \r, as the PEM reader does). */
export function beginLines(bytes: Uint8Array): number {
  const text = Buffer.from(bytes).toString("latin1");
  return text.split(/[\r\n]/).filter((l) => l.startsWith("-----BEGIN")).length;
}

type Mutation =
  | { op: "set"; at: number; byte: number }
  | { op: "insert"; at: number; piece: Uint8Array }
  | { op: "delete"; at: number; len: number }
  | { op: "duplicate"; at: number; len: number; to: number }
  | { op: "truncate"; at: number };

function mutationArb(pieces: Uint8Array[]): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ op: fc.constant("set" as const), at, byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant("insert" as const), at, piece: fc.oneof(fc.constantFrom(...pieces), fc.uint8Array({ maxLength: 8 })) }),
    fc.record({ op: fc.constant("delete" as const), at, len: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ op: fc.constant("duplicate" as const), at, len: fc.integer({ min: 1, max: 256 }), to: fc.nat() }),
    fc.record({ op: fc.constant("truncate" as const), at }),
  );
}

function apply(base: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = Buffer.from(base);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.op) {
      case "set":
        if (b.length > 0) b[at % b.length] = m.byte;
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), m.piece, b.subarray(at)]);
        break;
      case "delete":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case "duplicate": {
        const to = b.length === 0 ? 0 : m.to % (b.length + 1);
        b = Buffer.concat([b.subarray(0, to), b.subarray(at, at + m.len), b.subarray(to)]);
        break;
      }
      case "truncate":
        b = b.subarray(0, at);
        break;
    }
  }
  return new Uint8Array(b);
}

/** One of `bases`, with 1–8 random edits: byte changes, inserted tokens, cut and repeated ranges. */
export function mutated(bases: Uint8Array[], pieces: string[]): fc.Arbitrary<Uint8Array> {
  const encoded = pieces.map(utf8);
  return fc
    .tuple(fc.constantFrom(...bases), fc.array(mutationArb(encoded), { minLength: 1, maxLength: 8 }))
    .map(([base, ms]) => apply(base, ms));
}
