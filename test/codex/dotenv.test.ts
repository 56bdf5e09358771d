// .env substitution is linear in the input and bounded in its output: dotenvy's semantics (the
// process environment first, then the LAST earlier line of that name), with codex-doctor's own
// caps on how much it expands, marked on each entry it stopped expanding.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { DOTENV_EXPANSION_BUDGET, DOTENV_VALUE_LIMIT, parseDotenv } from "../../src/codex/dotenv.js";
import { Workspace } from "../helpers/doctor.js";

const ws = new Workspace();
afterAll(() => ws.cleanup());

/** A hang guard, not a benchmark: the quadratic lookup took 177 s on this input. */
const HANG_GUARD_MS = 6_000;

function lines(first: string, repeated: string, count: number): string {
  return [first, ...Array<string>(count).fill(repeated)].join("\n");
}

describe("parseDotenv substitution (dotenvy semantics kept)", () => {
  it("the environment wins over earlier lines; the last earlier line wins over older ones; later lines are not seen", () => {
    const { entries } = parseDotenv(
      ["A=one", "A=two", "B=$A", "HOME=/from-dotenv", "C=${HOME}", "D=$LATER", "LATER=x", "E=\"$A\\t$B\"", "F=$A$A# not a comment", "G=pre${A}post $A"].join("\n"),
      { HOME: "/home/dev" },
    );
    expect(Object.fromEntries(entries.map((e) => [e.key, e.value]))).toEqual({
      A: "two",
      B: "two",
      HOME: "/from-dotenv",
      C: "/home/dev",
      D: "",
      LATER: "x",
      E: "two\ttwo",
      F: "twotwo# not a comment",
      G: "pretwopost two",
    });
    expect(entries.every((e) => e.truncated === undefined)).toBe(true);
  });

  it("an ignored CODEX_* line still feeds substitution; `$` without a name and a trailing backslash stay literal", () => {
    const { entries } = parseDotenv(["CODEX_HOME=/x", "P=$CODEX_HOME/y", "Q=a$ $-b\\"].join("\n"));
    expect(entries.map((e) => e.value)).toEqual(["/x", "/x/y", "a$ $-b\\"]);
  });
});

describe("parseDotenv work and output are bounded", () => {
  it("100,000 lines of A=$A: linear (a map lookup per reference), same result as dotenvy", () => {
    const started = performance.now();
    const { entries } = parseDotenv(lines("A=x", "A=$A", 100_000));
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
    expect(entries).toHaveLength(100_001);
    expect(entries.at(-1)).toEqual({ key: "A", value: "x", line: 100_001 });
  });

  it("A=$A$A forty times: no RangeError; the value stops at the doctor's limit and records the length Codex would build", () => {
    const { entries } = parseDotenv(lines("A=ab", "A=$A$A", 40));
    const last = entries.at(-1)!;
    expect(last.value.length).toBeLessThanOrEqual(DOTENV_VALUE_LIMIT);
    expect(last.value).toMatch(/^(ab)*$/);
    expect(last.truncated).toEqual({ fullLength: 2 * 2 ** 40 });
    // Every value past 1 MiB is marked, none before.
    const firstCut = entries.findIndex((e) => e.truncated);
    expect(2 * 2 ** firstCut).toBeGreaterThan(DOTENV_VALUE_LIMIT);
    expect(2 * 2 ** (firstCut - 1)).toBeLessThanOrEqual(DOTENV_VALUE_LIMIT);
    expect(entries.slice(firstCut).every((e) => e.truncated)).toBe(true);
  });

  it("growth line after line stops at the file's substitution budget; later references are marked, not expanded", () => {
    const started = performance.now();
    const { entries } = parseDotenv(lines("A=0123456789", "A=${A}0123456789", 100_000));
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
    const total = entries.reduce((n, e) => n + e.value.length, 0);
    expect(total).toBeLessThanOrEqual(DOTENV_EXPANSION_BUDGET + entries.length * 10);
    const last = entries.at(-1)!;
    expect(last.truncated?.fullLength).toBe(10 * 100_001);
  });

  it("a value built from a truncated one is truncated too (its prefix is all the doctor knows)", () => {
    const big = "x".repeat(DOTENV_VALUE_LIMIT);
    const { entries } = parseDotenv(["A=$BIG$BIG", "B=$A", "C=short"].join("\n"), { BIG: big });
    expect(entries.map((e) => [e.key, e.value.length, e.truncated?.fullLength])).toEqual([
      ["A", DOTENV_VALUE_LIMIT, 2 * DOTENV_VALUE_LIMIT],
      ["B", DOTENV_VALUE_LIMIT, 2 * DOTENV_VALUE_LIMIT],
      ["C", 5, undefined],
    ]);
  });
});

describe("runaway .env expansion through the CLI", () => {
  it("A=$A$A forty times: the report is printed with the coded finding; exit 0 or 1, never 2 (no RangeError, no INTERNAL_ERROR)", async () => {
    const dir = await ws.scenarioDir();
    const codexHome = join(dir, "codex-home");
    await fs.mkdir(codexHome, { recursive: true });
    await fs.writeFile(join(codexHome, ".env"), lines("A=ab", "A=$A$A", 40) + "\n");
    let stdout = "";
    const code = await main(["tls", "--offline", "--json"], {
      stdout: (t) => (stdout += t),
      stderr: () => {},
      env: { CODEX_HOME: codexHome },
      homedir: join(dir, "home"),
      platform: "linux",
      stdoutIsTTY: false,
      stderrIsTTY: false,
      linuxBundleCandidates: [],
    });
    expect(code).not.toBe(2);
    const report = JSON.parse(stdout) as { checks: { id: string; findings: { code: string }[] }[] };
    const codes = report.checks.flatMap((c) => c.findings.map((f) => f.code));
    expect(codes).not.toContain("INTERNAL_ERROR");
    expect(report.checks.find((c) => c.id === "env")?.findings.map((f) => f.code)).toContain("DOTENV_EXPANSION_LIMIT");
    expect(stdout.length).toBeLessThan(1_000_000);
  });
});
