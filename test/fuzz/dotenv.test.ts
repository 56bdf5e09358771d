// Property-based tests of the $CODEX_HOME/.env parser (src/codex/dotenv.ts): random text, edits
// of a realistic .env, and large inputs (long substitution chains, self-doubling values, many `$`).
// It never throws, stays within the time bound, and every entry is a line it could parse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyDotenv, parseDotenv, type DotenvFile } from "../../src/codex/dotenv.js";
import { bounded, largeParams, mutated, params, testTimeout, utf8 } from "./fuzz.js";

const KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const BASE = [
  "# proxy for Codex",
  "export HTTPS_PROXY=http://alice:Tr0ub4dor%23s3cret@proxy.corp:8080",
  "NO_PROXY=localhost,127.0.0.1,.corp # internal",
  'SSL_CERT_FILE="/etc/ssl/corp bundle.pem"',
  "NODE_EXTRA_CA_CERTS='${HOME}/certs/root.pem'",
  "CA_DIR=$HOME/certs",
  'REQUESTS_CA_BUNDLE="${CA_DIR}/root.pem\\n"',
  "CODEX_CA_CERTIFICATE=/ignored.pem",
  "EMPTY=",
  "",
].join("\n");
const BASES = [utf8(BASE), utf8(BASE.replaceAll("\n", "\r\n"))];
const PIECES = ["$", "${", "}", "$A", "${A}", "$HOME", "'", '"', "\\", "\\n", "#", " #", "=", "export ", "\n", "\r\n", "\r", " ", "\t", "A=", "A=$A$A\n", "CODEX_", "\0", "\u00e9"];
const textArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 2000 }),
  fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })), { maxLength: 80 }).map((p) => p.join("")),
  mutated(BASES, PIECES).map((b) => Buffer.from(b).toString("utf8")),
);
const envArb = fc.dictionary(fc.constantFrom("A", "B", "HOME", "HTTPS_PROXY", "CA_DIR", "X"), fc.string({ maxLength: 20 }), { maxKeys: 4 });

/** Big shapes, as [shape, size]: dotenvy has no bound on any of them; the doctor must. */
const largeArb = fc.tuple(fc.constantFrom("chain", "doubling", "dollars", "long-value", "lines"), fc.integer({ min: 10, max: 60_000 }));
function large([shape, n]: [string, number]): string {
  switch (shape) {
    case "chain":
      return "A=x\n" + "A=$A\n".repeat(n);
    case "doubling":
      return "A=xy\n" + "A=$A$A\n".repeat(Math.min(n, 64));
    case "dollars":
      return `A=${"$".repeat(n * 4)}\n`;
    case "long-value":
      return `A="${"v".repeat(n * 10)}"\nB=$A$A$A$A\n`;
    default:
      return "K=v # c\n".repeat(n);
  }
}

function check(text: string, env: Record<string, string> = {}): void {
  const parsed = bounded(() => parseDotenv(text, env));
  const lines = text.split(/\r?\n/).length;
  expect(parsed.entries.length + parsed.badLines.length).toBeLessThanOrEqual(lines);
  // One expect per property, not per entry: a large input has 60,000 entries.
  expect(parsed.entries.filter((e) => !KEY.test(e.key) || e.line < 1 || e.line > lines || typeof e.value !== "string")).toEqual([]);
  const file: DotenvFile = { path: "/home/u/.codex/.env", exists: true, badLines: parsed.badLines, entries: parsed.entries.map((e) => ({ ...e, ignored: e.key.toUpperCase().startsWith("CODEX_") })) };
  const applied = bounded(() => applyDotenv(env, file));
  expect(file.entries.filter((e) => !e.ignored && applied.env[e.key] === undefined)).toEqual([]);
}

describe(".env parser", () => {
  it("the base .env parses as expected (what the mutations start from)", () => {
    const { entries, badLines } = parseDotenv(BASE, { HOME: "/home/u" });
    expect(badLines).toEqual([]);
    expect(Object.fromEntries(entries.map((e) => [e.key, e.value]))).toMatchObject({
      SSL_CERT_FILE: "/etc/ssl/corp bundle.pem",
      NODE_EXTRA_CA_CERTS: "${HOME}/certs/root.pem",
      REQUESTS_CA_BUNDLE: "/home/u/certs/root.pem\n",
    });
  });
  it("random and mutated text", { timeout: testTimeout("dotenv: random text", 5) }, () => {
    fc.assert(fc.property(textArb, envArb, check), params("dotenv: random text"));
  });
  it("mutated .env", { timeout: testTimeout("dotenv: mutated .env", 5) }, () => {
    fc.assert(fc.property(mutated(BASES, PIECES), envArb, (b, env) => check(Buffer.from(b).toString("utf8"), env)), params("dotenv: mutated .env"));
  });
  it("large inputs", { timeout: testTimeout("dotenv: large inputs", 3000) }, () => {
    fc.assert(fc.property(largeArb, (shape) => check(large(shape))), largeParams("dotenv: large inputs"));
  });
});
