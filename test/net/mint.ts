// Test-only certificate minting for test/net/verify.test.ts (ECDSA P-256 unless asked otherwise).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import type { webcrypto } from "node:crypto";

x509.cryptoProvider.set(globalThis.crypto);

type KeyPair = webcrypto.CryptoKeyPair;

export interface Minted {
  cert: x509.X509Certificate;
  der: Uint8Array;
  keys: KeyPair;
  subject: string;
}

export interface MintOptions {
  subject: string;
  /** Signer; omit for a self-signed certificate. */
  issuer?: Minted;
  /** Reuse a key pair (e.g. a re-issued intermediate); default: a fresh P-256 pair. */
  keys?: KeyPair;
  /** basicConstraints: true/false sets CA, undefined omits the extension. */
  ca?: boolean;
  pathLength?: number;
  notBefore?: Date;
  notAfter?: Date;
  dns?: string[];
  ips?: string[];
  /** extendedKeyUsage OIDs; undefined omits the extension. */
  eku?: string[];
  hash?: "SHA-1" | "SHA-256" | "SHA-384";
  /** Full WebCrypto signing algorithm for non-ECDSA issuers (RSA, RSA-PSS, Ed25519). */
  signingAlgorithm?: { name: string; hash?: string; saltLength?: number };
  extensions?: x509.Extension[];
}

const DAY = 86_400_000;
export const NOW = new Date("2025-06-01T12:00:00Z");
export const EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
export const EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

let serial = 1;

export async function newKeys(curve: "P-256" | "P-384" | "P-521" = "P-256"): Promise<KeyPair> {
  return (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign", "verify"])) as KeyPair;
}

export async function rsaKeys(bits: number, name: "RSASSA-PKCS1-v1_5" | "RSA-PSS" = "RSASSA-PKCS1-v1_5"): Promise<KeyPair> {
  const params = { name, modulusLength: bits, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-256" };
  return (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as KeyPair;
}

export async function ed25519Keys(): Promise<KeyPair> {
  return (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as KeyPair;
}

export async function mint(opts: MintOptions): Promise<Minted> {
  const keys = opts.keys ?? (await newKeys());
  const signer = opts.issuer ?? { keys, subject: opts.subject };
  const extensions: x509.Extension[] = [];
  if (opts.ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(opts.ca, opts.pathLength, true));
  const names = [...(opts.dns ?? []).map((value) => ({ type: "dns" as const, value })), ...(opts.ips ?? []).map((value) => ({ type: "ip" as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  if (opts.eku) extensions.push(new x509.ExtendedKeyUsageExtension(opts.eku));
  extensions.push(...(opts.extensions ?? []));

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, "0"),
    subject: opts.subject,
    issuer: signer.subject,
    notBefore: opts.notBefore ?? new Date(NOW.getTime() - 30 * DAY),
    notAfter: opts.notAfter ?? new Date(NOW.getTime() + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: opts.signingAlgorithm ?? { name: "ECDSA", hash: opts.hash ?? "SHA-256" },
    extensions,
  });
  return { cert, der: new Uint8Array(cert.rawData), keys, subject: opts.subject };
}

/** A conventional root -> intermediate -> leaf hierarchy for "api.openai.com". */
export interface Pki {
  root: Minted;
  intermediate: Minted;
  leaf: Minted;
}

export async function standardPki(leafOverrides: Partial<MintOptions> = {}): Promise<Pki> {
  const root = await mint({ subject: "CN=Corp Root CA, O=Corp", ca: true });
  const intermediate = await mint({ subject: "CN=Corp Issuing CA, O=Corp", ca: true, pathLength: 0, issuer: root });
  const leaf = await mint({ subject: "CN=api.openai.com", issuer: intermediate, ca: false, dns: ["api.openai.com"], eku: [EKU_SERVER_AUTH], ...leafOverrides });
  return { root, intermediate, leaf };
}

export function days(n: number): number {
  return n * DAY;
}

/** A NameConstraints extension with permitted dNSName subtrees (DER built by hand). */
export function dnsNameConstraints(permitted: string[], critical = true): x509.Extension {
  const subtrees = permitted.map((name) => tlv(0x30, tlv(0x82, Buffer.from(name, "ascii"))));
  const value = tlv(0x30, tlv(0xa0, Buffer.concat(subtrees)));
  return new x509.Extension("2.5.29.30", critical, value);
}

/** An arbitrary extension (e.g. a critical one webpki does not understand). */
export function rawExtension(oid: string, critical: boolean, value: Uint8Array = Uint8Array.of(0x05, 0x00)): x509.Extension {
  return new x509.Extension(oid, critical, value);
}

function tlv(tag: number, contents: Uint8Array): Buffer {
  const n = contents.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), contents]);
}

/**
 * Re-signs `der` with `signer` after swapping both signature AlgorithmIdentifiers for
 * `algorithmIdentifier` (a full DER SEQUENCE), e.g. to get the exact RSA-PSS encoding webpki wants.
 */
export async function reSign(
  der: Uint8Array,
  algorithmIdentifier: Uint8Array,
  signer: webcrypto.CryptoKey,
  params: { name: string; saltLength?: number },
): Promise<Uint8Array> {
  const [tbs] = splitTlvs(contentsOf(der));
  const fields = splitTlvs(contentsOf(tbs as Uint8Array));
  fields[2] = algorithmIdentifier; // [0] version, serialNumber, signature, ...
  const newTbs = tlv(0x30, Buffer.concat(fields));
  const signature = new Uint8Array(await crypto.subtle.sign(params, signer, newTbs));
  const bitString = tlv(0x03, Buffer.concat([Buffer.of(0), signature]));
  return new Uint8Array(tlv(0x30, Buffer.concat([newTbs, algorithmIdentifier, bitString])));
}

function headerLength(bytes: Uint8Array, at: number): { header: number; length: number } {
  const first = bytes[at + 1] as number;
  if (first < 0x80) return { header: 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[at + 2 + i] as number);
  return { header: 2 + count, length };
}

function contentsOf(tlvBytes: Uint8Array): Uint8Array {
  const { header, length } = headerLength(tlvBytes, 0);
  return tlvBytes.subarray(header, header + length);
}

function splitTlvs(contents: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < contents.length; ) {
    const { header, length } = headerLength(contents, at);
    out.push(contents.subarray(at, at + header + length));
    at += header + length;
  }
  return out;
}
