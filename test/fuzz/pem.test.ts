// Property-based tests of the PEM reader (src/ca/pem.ts) and Codex's bundle loader
// (src/ca/codex-bundle.ts): random bytes, edits of the PEM fixtures, and large inputs. Whatever the
// bytes, they return a result (never throw), within the time bound, and never report more
// certificates than the input has BEGIN lines.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { certificateBlocks, parsePem } from "../../src/ca/pem.js";
import { codexErrorMessage, parseCodexBundle } from "../../src/ca/codex-bundle.js";
import { beginLines, bounded, largeParams, mutated, params, testTimeout, utf8 } from "./fuzz.js";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/pem/${name}`, import.meta.url)));
const root = fixture("root.pem");
const expired = fixture("expired.pem");
const trusted = utf8(Buffer.from(root).toString("latin1").replaceAll("CERTIFICATE", "TRUSTED CERTIFICATE"));
const BASES = [
  root,
  expired,
  trusted,
  fixture("crl.pem"),
  fixture("bundle-p7b.pem"),
  fixture("root-utf16le.pem"),
  new Uint8Array(Buffer.concat([root, expired, fixture("crl.pem"), trusted])),
  utf8(Buffer.from(root).toString("latin1").replaceAll("\n", "\r\n")),
];
const PIECES = [
  "-----BEGIN CERTIFICATE-----",
  "-----END CERTIFICATE-----",
  "-----BEGIN TRUSTED CERTIFICATE-----",
  "-----END TRUSTED CERTIFICATE-----",
  "-----BEGIN X509 CRL-----",
  "-----BEGIN PRIVATE KEY-----",
  "-----BEGIN ",
  "-----END ",
  "-----",
  "\n",
  "\r\n",
  "\r",
  "=",
  "==",
  " ",
  "\t",
  "\0",
  "\u00e9",
  "\ufeff",
  "MIIB",
  "AAAA",
];
const bytesArb = fc.uint8Array({ maxLength: 2048 });
/** PEM-ish text made of the tokens above and random base64 lines. */
const tokenText = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.base64String({ maxLength: 80 }), fc.string({ maxLength: 8 })), { maxLength: 60 })
  .map((parts) => utf8(parts.join("")));

/** Big shapes, as [shape, size] (a counterexample prints as that, not as megabytes). */
const largeArb = fc.tuple(fc.constantFrom("lines", "long-line", "begins", "certs"), fc.integer({ min: 1_000, max: 250_000 }));

/** Many short lines in one section, one very long line, thousands of BEGIN lines, many certificates. */
function large([shape, n]: [string, number]): Uint8Array {
  switch (shape) {
    case "lines":
      return utf8(`-----BEGIN CERTIFICATE-----\n${"QUFB\n".repeat(n)}-----END CERTIFICATE-----\n`);
    case "long-line":
      return utf8(`-----BEGIN CERTIFICATE-----\n${"QUFB".repeat(n)}\n-----END CERTIFICATE-----\n`);
    case "begins":
      return utf8("-----BEGIN CERTIFICATE-----\n".repeat(Math.ceil(n / 10)));
    default:
      return new Uint8Array(Buffer.concat(Array.from({ length: Math.ceil(n / 1000) }, () => root)));
  }
}

function checkPem(input: Uint8Array): void {
  const parsed = bounded(() => parsePem(input));
  const begins = beginLines(input);
  expect(parsed.blocks.length).toBeLessThanOrEqual(begins);
  expect(certificateBlocks(parsed).length).toBeLessThanOrEqual(begins);
  expect(parsed.blocks.filter((b) => b.endLine < b.beginLine)).toEqual([]);
  if (parsed.error) {
    expect(parsed.error.line).toBeGreaterThanOrEqual(1);
    expect(parsed.error.display.length).toBeGreaterThan(0);
  }
}

function checkBundle(input: Uint8Array): void {
  const parsed = bounded(() => parseCodexBundle(input));
  expect(parsed.certificates.length).toBeLessThanOrEqual(beginLines(input));
  if (parsed.error) {
    expect(codexErrorMessage(parsed.error, "/tmp/ca.pem", "CODEX_CA_CERTIFICATE")).toContain("/tmp/ca.pem");
  } else {
    // Loaded means at least one certificate, as Codex requires.
    expect(parsed.certificates.length).toBeGreaterThanOrEqual(1);
  }
}

describe("PEM reader", () => {
  it("random bytes", { timeout: testTimeout("pem: random bytes", 5) }, () => {
    fc.assert(fc.property(fc.oneof(bytesArb, tokenText), checkPem), params("pem: random bytes"));
  });
  it("mutated fixtures", { timeout: testTimeout("pem: mutated fixtures", 5) }, () => {
    fc.assert(fc.property(mutated(BASES, PIECES), checkPem), params("pem: mutated fixtures"));
  });
  it("large inputs", { timeout: testTimeout("pem: large inputs", 2000) }, () => {
    fc.assert(fc.property(largeArb, (shape) => checkPem(large(shape))), largeParams("pem: large inputs"));
  });
  it("regression: 200,000 short lines in one section (spreading them into arguments overflowed the stack)", () => {
    const input = utf8(`-----BEGIN CERTIFICATE-----\n${"QUFB\n".repeat(200_000)}-----END CERTIFICATE-----\n`);
    const parsed = bounded(() => parsePem(input));
    expect(parsed.error).toBeUndefined();
    expect(parsed.blocks[0].der?.length).toBe(600_000);
  });
});

describe("Codex bundle loader", () => {
  it("the fixtures load as expected (what the mutations start from)", () => {
    for (const base of [root, expired, trusted, BASES[6]]) expect(parseCodexBundle(base).error).toBeUndefined();
    expect(parseCodexBundle(BASES[6]).certificates).toHaveLength(3);
    expect(parseCodexBundle(trusted).trustedNormalised).toBe(true);
  });
  it("random bytes", { timeout: testTimeout("bundle: random bytes", 5) }, () => {
    fc.assert(fc.property(fc.oneof(bytesArb, tokenText), checkBundle), params("bundle: random bytes"));
  });
  it("mutated fixtures", { timeout: testTimeout("bundle: mutated fixtures", 5) }, () => {
    fc.assert(fc.property(mutated(BASES, PIECES), checkBundle), params("bundle: mutated fixtures"));
  });
  it("large inputs", { timeout: testTimeout("bundle: large inputs", 3000) }, () => {
    fc.assert(fc.property(largeArb, (shape) => checkBundle(large(shape))), largeParams("bundle: large inputs"));
  });
});
