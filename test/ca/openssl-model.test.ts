// The conservative model of OpenSSL's certificate parser (src/ca/openssl-model.ts) may say "not
// sure" as often as it likes, but it must never say "sure" about a DER OpenSSL refuses: that
// would be a wrong "Codex will load it". Held to OpenSSL itself (node:crypto) on real
// certificates and on thousands of seeded mutations of them; and the bundle paths that use it
// still name the certificate OpenSSL refuses.
import { existsSync, readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { surelyParsesWithOpenssl } from "../../src/ca/openssl-model.js";
import { opensslVerdicts, PARALLEL_THRESHOLD } from "../../src/ca/openssl-check.js";
import { parseCodexBundle } from "../../src/ca/codex-bundle.js";
import { certificateBlocks, parsePem } from "../../src/ca/pem.js";
import { x509 } from "../../src/lab/pki.js";
import { ed25519Keys, mint, newKeys, rsaKeys } from "../net/mint.js";
import { fixture, pemWrap } from "../helpers/certs.js";
import { prng } from "../helpers/prng.js";

function opensslParses(der: Uint8Array): boolean {
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}


// Bytes that matter to a DER parser: tags (strings, times, NULL, BOOLEAN, SET/SEQUENCE), length
// forms, the 0x80 OID trap, surrogate halves, invalid UTF-8.
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1c, 0x1e, 0x30, 0x31, 0x7f, 0x80, 0x81, 0x82, 0xa0, 0xa3, 0xc0, 0xd8, 0xdf, 0xed, 0xff];

function mutate(der: Uint8Array, random: () => number): Uint8Array {
  const bytes = Array.from(der);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * bytes.length);
    const value = random() < 0.7 ? INTERESTING[Math.floor(random() * INTERESTING.length)] : Math.floor(random() * 256);
    const op = random();
    if (op < 0.6) bytes[at] = value;
    else if (op < 0.75) bytes[at] = (bytes[at] + (random() < 0.5 ? 1 : -1)) & 0xff;
    else if (op < 0.9) bytes.splice(at, 1);
    else bytes.splice(at, 0, value);
  }
  return Uint8Array.from(bytes);
}

async function seedCertificates(): Promise<Uint8Array[]> {
  const root = await mint({ subject: "CN=Model Root, O=Corp, C=US", ca: true });
  const rsa = await rsaKeys(2048);
  const seeds = [
    root.der,
    (await mint({ subject: "CN=leaf, OU=Ünïcödé", issuer: root, dns: ["a.example"], ips: ["10.1.2.3"], eku: ["1.3.6.1.5.5.7.3.1"] })).der,
    (await mint({ subject: "CN=RSA", ca: true, keys: rsa, signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } })).der,
    (await mint({ subject: "CN=Ed", ca: true, keys: await ed25519Keys(), signingAlgorithm: { name: "Ed25519" } })).der,
    (await mint({ subject: "CN=P384", ca: true, keys: await newKeys("P-384"), notAfter: new Date("2070-01-01T00:00:00Z") })).der,
    new Uint8Array(fixture("root.der")),
  ];
  const name = new x509.Name([{ CN: [{ bmpString: "BMP name" }] }, { O: [{ ia5String: "ia5" }] }]);
  const keys = await newKeys();
  const bmp = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: "7f", name, keys, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } });
  seeds.push(new Uint8Array(bmp.rawData));
  return seeds;
}

describe("surelyParsesWithOpenssl", () => {
  it("is sure about ordinary certificates (that is what makes it worth having)", async () => {
    for (const der of await seedCertificates()) expect(surelyParsesWithOpenssl(der)).toBe(true);
  });

  const system = "/etc/ssl/certs/ca-certificates.crt";
  it.runIf(existsSync(system))("is sure about nearly every root of this machine's store, and right each time", () => {
    const ders = certificateBlocks(parsePem(readFileSync(system)));
    const sure = ders.filter((der) => surelyParsesWithOpenssl(der));
    for (const der of sure) expect(opensslParses(der)).toBe(true);
    expect(sure.length).toBeGreaterThan(ders.length * 0.9);
  });

  it("is never sure about a DER OpenSSL refuses: 20,000 seeded mutations", async () => {
    const seeds = await seedCertificates();
    const random = prng(0xc0dec);
    let sureCount = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const der = mutate(seeds[i % seeds.length], random);
      const parses = opensslParses(der);
      if (!parses) refused++;
      if (surelyParsesWithOpenssl(der)) {
        sureCount++;
        if (!parses) throw new Error(`model sure, OpenSSL refuses: ${Buffer.from(der).toString("hex")}`);
      }
    }
    // Both answers occur often, so the comparison means something.
    expect(refused).toBeGreaterThan(2000);
    expect(sureCount).toBeGreaterThan(500);
  });

  it.each([
    ["a non-minimal serial INTEGER", (d: Buffer) => replaceOnce(d, "020101", "02020001")],
    ["an OID with a 0x80 sub-identifier", (d: Buffer) => replaceOnce(d, "0603550403", "0603805503")],
  ])("says 'not sure' about %s, which OpenSSL refuses", async (_name, edit) => {
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: "01", name: "CN=x", keys: await newKeys(), signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    });
    const der = fixLengths(edit(Buffer.from(cert.rawData)));
    expect(opensslParses(der)).toBe(false);
    expect(surelyParsesWithOpenssl(der)).toBe(false);
  });
});

/** Replace the first occurrence of a hex pattern. */
function replaceOnce(der: Buffer, from: string, to: string): Buffer {
  const hex = der.toString("hex");
  const at = hex.indexOf(from);
  if (at < 0 || at % 2) throw new Error(`pattern ${from} not found`);
  return Buffer.from(hex.slice(0, at) + to + hex.slice(at + from.length), "hex");
}

/** Re-encodes the outer SEQUENCE lengths after an edit that changed the size by a few bytes. */
function fixLengths(der: Buffer): Uint8Array {
  // Certificate ::= SEQUENCE { tbs SEQUENCE, alg, sig }: rebuild both outer headers.
  const tlv = (tag: number, body: Buffer) => {
    const n = body.length;
    const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
    return Buffer.concat([Buffer.from([tag, ...len]), body]);
  };
  const header = (at: number) => (der[at + 1] < 0x80 ? 2 : 2 + (der[at + 1] & 0x7f));
  const outerHeader = header(0);
  const tbsHeader = header(outerHeader);
  // The edited tbs runs up to the signature AlgorithmIdentifier, found from the end.
  const sigAlgAndSig = findTail(der);
  const tbsBody = der.subarray(outerHeader + tbsHeader, der.length - sigAlgAndSig.length);
  return new Uint8Array(tlv(0x30, Buffer.concat([tlv(0x30, tbsBody), sigAlgAndSig])));
}

/** The signatureAlgorithm and signature TLVs at the end of a certificate. */
function findTail(der: Buffer): Buffer {
  for (let at = der.length - 2; at > 0; at--) {
    if (der[at] !== 0x30) continue;
    try {
      const alg = readTlvAt(der, at);
      const sig = readTlvAt(der, alg.end);
      if (der[alg.end] === 0x03 && sig.end === der.length) return der.subarray(at);
    } catch {
      // keep looking
    }
  }
  throw new Error("no signature found");
}

function readTlvAt(der: Buffer, at: number): { end: number } {
  let length = der[at + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i];
    header += count;
  }
  if (at + header + length > der.length) throw new Error("overrun");
  return { end: at + header + length };
}

describe("registration with the model and OpenSSL together", () => {
  it("still names the certificate OpenSSL refuses when the model is not sure", () => {
    const bad = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00);
    const root = new Uint8Array(fixture("root.der"));
    const result = parseCodexBundle(new TextEncoder().encode(pemWrap("CERTIFICATE", root) + pemWrap("CERTIFICATE", bad)));
    expect(result.error).toEqual({ stage: "register", detail: "builder error", certificateIndex: 2 });
  });

  it("large sets are shared with worker threads and every verdict lands on its certificate", async () => {
    const root = new Uint8Array(fixture("root.der"));
    const broken = root.slice(0, root.length - 20);
    const ders = Array.from({ length: PARALLEL_THRESHOLD + 301 }, (_, i) => (i % 97 === 13 ? broken : root));
    const verdicts = await opensslVerdicts(ders, ders.map((_, i) => i % 5 === 0));
    expect(verdicts).toHaveLength(ders.length);
    verdicts.forEach((v, i) => {
      expect(v.parses, `#${i}`).toBe(i % 97 !== 13);
      expect(v.selfSigned, `#${i}`).toBe(i % 97 !== 13 && i % 5 === 0);
    });
  });
});
