// The faster PEM iterator (byte ranges, native line search, one-pass base64) and the byte-search
// sniffer give exactly what the line-by-line versions gave (test/ca/reference/*), on the shapes
// bundles come in and on thousands of seeded random mutations of them.
import { describe, expect, it } from "vitest";
import { parsePem } from "../../src/ca/pem.js";
import { sniffShape } from "../../src/ca/sniff.js";
import { parsePem as referenceParsePem } from "./reference/pem-lines.js";
import { sniffShape as referenceSniffShape } from "./reference/sniff-lines.js";
import { fixture, pemWrap } from "../helpers/certs.js";
import { prng } from "../helpers/prng.js";


const ROOT_DER = new Uint8Array(fixture("root.der"));
const enc = (text: string) => new TextEncoder().encode(text);

const SEEDS: Uint8Array[] = [
  enc(pemWrap("CERTIFICATE", ROOT_DER)),
  enc(pemWrap("CERTIFICATE", ROOT_DER, { eol: "\r\n" }) + pemWrap("X509 CRL", Uint8Array.of(0x30, 0x00))),
  enc(`# bundle\n${pemWrap("CERTIFICATE", ROOT_DER, { width: 76 })}junk\n   ${pemWrap("CERTIFICATE", ROOT_DER)}`),
  enc(`-----BEGIN CERTIFICATE-----\nMIIB\n-----BEGIN CERTIFICATE-----\n${Buffer.from(ROOT_DER).toString("base64")}\n-----END CERTIFICATE-----\n`),
  enc(pemWrap("PRIVATE KEY", Uint8Array.of(1, 2, 3)) + pemWrap("UNKNOWN THING", Uint8Array.of(9)) + pemWrap("CERTIFICATE", ROOT_DER, { eol: "\r" })),
  enc(`\uFEFF${pemWrap("CERTIFICATE", ROOT_DER)}-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n`),
  enc(`-----BEGIN CERTIFICATE-----  \r\n${Buffer.from(ROOT_DER).toString("base64").replace(/(.{10})/g, "$1 \t")}\n-----END CERTIFICATE-----`),
  enc(`-----BEGIN CERTIFICATE-----\nQUJD=\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE----\n`),
];

const ALPHABET = enc("-\n\r \tABCDEFGHIJKLMNOPQRSTUVWXYZ=+/0189 BEGIN END CERTIFICATE X509 CRL\u00a0\u000b\u000c");

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const bytes = Array.from(input);
  const edits = 1 + Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (bytes.length + 1));
    const pick = () => (random() < 0.8 ? ALPHABET[Math.floor(random() * ALPHABET.length)] : Math.floor(random() * 256));
    switch (Math.floor(random() * 4)) {
      case 0:
        bytes.splice(at, 1);
        break;
      case 1:
        bytes.splice(at, 0, pick());
        break;
      case 2:
        bytes[at] = pick();
        break;
      default: {
        // Duplicate or drop a whole slice (a line, a block).
        const length = Math.floor(random() * 80);
        if (random() < 0.5) bytes.splice(at, length);
        else bytes.splice(at, 0, ...bytes.slice(at, at + length));
      }
    }
  }
  return Uint8Array.from(bytes.map((b) => b ?? 0x41));
}

describe("parsePem gives what the line-by-line iterator gave", () => {
  it("on the seed bundles", () => {
    for (const seed of SEEDS) expect(parsePem(seed)).toEqual(referenceParsePem(seed));
  });

  it("on 3,000 seeded random mutations", () => {
    const random = prng(0x5eed);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const input = mutate(SEEDS[i % SEEDS.length], random);
      const parsed = parsePem(input);
      expect(parsed, `mutation ${i}`).toEqual(referenceParsePem(input));
      const outcome = parsed.error?.kind ?? (parsed.blocks.some((b) => b.kind === "certificate") ? "certificates" : "nothing");
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // The mutations reach every path: decoded certificates and each kind of error.
    for (const outcome of ["certificates", "missing-end", "illegal-start", "base64"]) expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(50);
  });
});

describe("sniffShape gives what the string-and-split sniffer gave", () => {
  const extra = [
    enc("   \n\t\r\n"),
    enc("\u00a0\n"),
    enc(" -----BEGIN CERTIFICATE-----\n\t-----BEGIN X-----\r\n\r  -----BEGIN Y-----\rx -----BEGIN Z-----\n"),
    enc("a\r\n\r\n  -----BEGIN CERTIFICATE----- -----BEGIN CERTIFICATE-----\n"),
    new Uint8Array(0),
  ];

  it("on the seeds and odd whitespace", () => {
    for (const input of [...SEEDS, ...extra]) expect(sniffShape(input)).toEqual(referenceSniffShape(input));
  });

  it("on 3,000 seeded random mutations", () => {
    const random = prng(0xb0b);
    const all = [...SEEDS, ...extra.slice(0, 4)];
    for (let i = 0; i < 3000; i++) {
      const input = mutate(all[i % all.length], random);
      expect(sniffShape(input), `mutation ${i}`).toEqual(referenceSniffShape(input));
    }
  });
});
