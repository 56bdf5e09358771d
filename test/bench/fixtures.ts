// Bench fixtures: CA bundles of N DISTINCT self-signed CA certificates, minted at bench time.
// Minting 10,000 certificates through @peculiar/x509 would take minutes, so one certificate is
// minted by the lab and used as a DER template: for each copy the serial, the subject/issuer CN,
// the public key and the key identifiers are patched in place (same lengths, so no DER length
// changes inside the TBS), and the TBS is signed again with node:crypto. Every copy has its own
// EC P-256 key (≈0.1 ms to generate) and a valid self-signature: a realistic bundle of roots.
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from "node:crypto";
import { mintRoot, x509 } from "../../src/lab/index.js";

const CN_WIDTH = 6;
const cnFor = (i: number): string => `Bench CA ${String(i).padStart(CN_WIDTH, "0")}`;

interface Tlv {
  /** Offset of the tag byte. */
  start: number;
  /** Offset just past the value. */
  end: number;
}

/** One DER TLV at `offset` (definite lengths only, which DER guarantees). */
function readTlv(der: Buffer, offset: number): Tlv & { valueStart: number } {
  let p = offset + 1;
  let len = der[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[p++]!;
  }
  return { start: offset, valueStart: p, end: p + len };
}

function derLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);

/** Replaces every occurrence of `from` in `buf` with `to` (same length); throws if there is none. */
function patchAll(buf: Buffer, from: Buffer, to: Buffer): void {
  if (from.length !== to.length) throw new Error("patch must keep the length");
  let at = buf.indexOf(from);
  if (at < 0) throw new Error("template does not contain the patched bytes");
  while (at >= 0) {
    to.copy(buf, at);
    at = buf.indexOf(from, at + to.length);
  }
}

interface Template {
  tbs: Buffer;
  sigAlg: Buffer;
  serial: Buffer;
  cn: Buffer;
  spki: Buffer;
  keyId: Buffer;
}

async function makeTemplate(): Promise<Template> {
  const minted = await mintRoot({ cn: cnFor(0), o: "codex-doctor bench" });
  const der = minted.certDer;
  const outer = readTlv(der, 0);
  const tbsTlv = readTlv(der, outer.valueStart);
  const sigAlgTlv = readTlv(der, tbsTlv.end);
  const cert = new X509Certificate(der);
  const keyId = minted.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (!keyId) throw new Error("template has no subjectKeyIdentifier");
  return {
    tbs: Buffer.from(der.subarray(tbsTlv.start, tbsTlv.end)),
    sigAlg: Buffer.from(der.subarray(sigAlgTlv.start, sigAlgTlv.end)),
    serial: Buffer.from(cert.serialNumber, "hex"),
    cn: Buffer.from(cnFor(0), "latin1"),
    spki: cert.publicKey.export({ type: "spki", format: "der" }),
    keyId: Buffer.from(keyId, "hex"),
  };
}

function mintCopy(t: Template, i: number): Buffer {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const serial = randomBytes(t.serial.length);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, no leading zero byte: same DER length
  const tbs = Buffer.from(t.tbs);
  patchAll(tbs, t.serial, serial);
  patchAll(tbs, t.cn, Buffer.from(cnFor(i), "latin1"));
  patchAll(tbs, t.spki, spki);
  // RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (the uncompressed point, the last 65 bytes).
  patchAll(tbs, t.keyId, createHash("sha1").update(spki.subarray(spki.length - 65)).digest());
  const signature = sign("sha256", tbs, privateKey);
  const bitString = tlv(0x03, Buffer.concat([Buffer.from([0]), signature]));
  return tlv(0x30, Buffer.concat([tbs, t.sigAlg, bitString]));
}

function toPem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A PEM bundle of `count` distinct, validly self-signed EC P-256 CA certificates. */
export async function mintBundle(count: number): Promise<string> {
  const template = await makeTemplate();
  const parts: string[] = [];
  for (let i = 1; i <= count; i++) parts.push(toPem(mintCopy(template, i)));
  return parts.join("");
}
