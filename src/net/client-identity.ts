// The files of an OTLP exporter's `tls` table as Codex's exporter reads them: the collector CA
// (`ca-certificate`) and the client identity (`client-certificate` + `client-private-key`).
//
// Codex (codex-rs/otel/src/otlp.rs, http-client telemetry_client.rs):
// - otlp-http: `reqwest::Certificate::from_pem(ca)` and `reqwest::Identity::from_pem(cert ++ key)`:
//   the two files are CONCATENATED byte for byte before parsing (so a certificate file without a
//   final newline glues its END line to the key's BEGIN line), all CERTIFICATE blocks become the
//   chain, the LAST key block is the key, and any other recognised block (CRL, CSR, public key)
//   makes reqwest refuse the identity.
// - otlp-grpc: tonic's `Identity::from_pem(cert, key)` reads the two files separately.
// PEM sections are read with the same pki-types iterator model the CA loader uses.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { certificateBlocks, parsePem, type PemBlock, type SectionKind } from "../ca/pem.js";
import { certFields } from "../ca/cert-fields.js";
import { nameToString } from "../ca/dn.js";
import { anchorFromCertificateDer, type TrustAnchor } from "./verify.js";
import { toPem } from "../ca/pem-out.js";

/** PEM text of DER blocks, for handing an identity to node:tls. */
export { toPem };

export const KEY_KINDS: ReadonlySet<SectionKind> = new Set<SectionKind>(["private-key", "rsa-private-key", "ec-private-key"]);

const KEY_TYPE: Record<string, "pkcs8" | "pkcs1" | "sec1"> = {
  "private-key": "pkcs8",
  "rsa-private-key": "pkcs1",
  "ec-private-key": "sec1",
};

export const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

export interface CollectorCaParse {
  certificates: Uint8Array[];
  anchors: TrustAnchor[];
  /** Why the exporter could not use the file (no certificate, broken PEM, unusable anchor). */
  error?: string;
}

/** The collector CA file, as reqwest's rustls backend adds it: every CERTIFICATE block. */
export function parseCollectorCa(bytes: Uint8Array, source: string): CollectorCaParse {
  const parsed = parsePem(bytes);
  if (parsed.error) return { certificates: [], anchors: [], error: `invalid certificate encoding: ${parsed.error.display} (line ${parsed.error.line})` };
  const certificates = certificateBlocks(parsed);
  if (certificates.length === 0) {
    return { certificates, anchors: [], error: `no CERTIFICATE block${describeOthers(parsed.blocks)}` };
  }
  const anchors: TrustAnchor[] = [];
  for (let i = 0; i < certificates.length; i++) {
    const anchor = anchorFromCertificateDer(certificates[i], source);
    if (!anchor) return { certificates, anchors: [], error: `certificate #${i + 1} cannot be parsed as a trust anchor` };
    anchors.push(anchor);
  }
  return { certificates, anchors };
}

function describeOthers(blocks: PemBlock[]): string {
  if (blocks.length === 0) return " (no PEM block at all: DER, PKCS#12 or an empty file?)";
  return ` (found: ${[...new Set(blocks.map((b) => b.label))].join(", ")})`;
}

export type IdentityMode = "concatenated" | "separate";

export interface IdentityParse {
  /** The client chain, leaf first. */
  certificates: Uint8Array[];
  key?: { der: Uint8Array; kind: SectionKind; label: string };
  /** Why Codex would refuse the identity (its exporter then fails to build). */
  error?: string;
  /** What went wrong, in a word, for the finding: which file to look at. */
  problem?: "certificate" | "key";
}

/** What Codex's exporter makes of the client certificate and key files. */
export function parseIdentity(certBytes: Uint8Array, keyBytes: Uint8Array, mode: IdentityMode): IdentityParse {
  const certParse = parsePem(certBytes);
  const keyParse = parsePem(keyBytes);
  const keyAlone = keyParse.blocks.filter((b) => b.kind !== undefined && KEY_KINDS.has(b.kind));
  const encrypted = keyParse.blocks.some((b) => /ENCRYPTED/.test(b.label));
  const noKey = (): string =>
    encrypted
      ? "the key file holds an encrypted key (ENCRYPTED PRIVATE KEY); Codex cannot decrypt it"
      : `no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block in the key file${describeOthers(keyParse.blocks)}`;

  if (mode === "separate") {
    if (certParse.error) return { certificates: [], error: `client certificate: ${certParse.error.display}`, problem: "certificate" };
    const certificates = certificateBlocks(certParse);
    if (certificates.length === 0) return { certificates, error: `no CERTIFICATE block in the certificate file${describeOthers(certParse.blocks)}`, problem: "certificate" };
    if (keyParse.error) return { certificates, error: `private key: ${keyParse.error.display}`, problem: "key" };
    const key = keyAlone[0];
    if (!key?.der || !key.kind) return { certificates, error: noKey(), problem: "key" };
    return { certificates, key: { der: key.der, kind: key.kind, label: key.label } };
  }

  // reqwest: Identity::from_pem(cert_pem ++ key_pem).
  const joined = new Uint8Array(certBytes.length + keyBytes.length);
  joined.set(certBytes, 0);
  joined.set(keyBytes, certBytes.length);
  const parsed = parsePem(joined);
  const problemOf = (line: number): "certificate" | "key" => (line <= countLines(certBytes) ? "certificate" : "key");
  if (parsed.error) return { certificates: [], error: `Invalid identity PEM file: ${parsed.error.display}`, problem: problemOf(parsed.error.line) };
  const other = parsed.blocks.find((b) => b.kind !== undefined && b.kind !== "certificate" && !KEY_KINDS.has(b.kind));
  if (other) {
    return { certificates: [], error: `No valid certificate was found: the identity holds a ${other.label} block, which Codex refuses`, problem: problemOf(other.beginLine) };
  }
  const certificates = certificateBlocks(parsed);
  const keys = parsed.blocks.filter((b) => b.kind !== undefined && KEY_KINDS.has(b.kind) && b.der);
  if (certificates.length === 0) {
    return { certificates, error: `private key or certificate not found: no CERTIFICATE block in the certificate file${describeOthers(certParse.blocks)}`, problem: "certificate" };
  }
  if (keys.length === 0) {
    const glued = keyAlone.length > 0 && certBytes.length > 0 && certBytes[certBytes.length - 1] !== 0x0a && certBytes[certBytes.length - 1] !== 0x0d;
    return {
      certificates,
      error: glued
        ? "private key or certificate not found: the certificate file does not end with a newline, so when Codex appends the key file the key's BEGIN line is glued to the certificate's END line and lost"
        : `private key or certificate not found: ${noKey()}`,
      problem: glued ? "certificate" : "key",
    };
  }
  // reqwest keeps the LAST key it saw.
  const key = keys[keys.length - 1];
  return { certificates, key: { der: key.der as Uint8Array, kind: key.kind as SectionKind, label: key.label } };
}

function countLines(bytes: Uint8Array): number {
  let n = 1;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) n++;
  return n;
}

/** A node:crypto key from the DER block, or why it cannot be loaded. */
export function loadPrivateKey(key: { der: Uint8Array; kind: SectionKind }): { ok: true; key: KeyObject } | { ok: false; detail: string } {
  const type = KEY_TYPE[key.kind];
  if (!type) return { ok: false, detail: `unsupported key block ${key.kind}` };
  try {
    return { ok: true, key: createPrivateKey({ key: Buffer.from(key.der), format: "der", type }) };
  } catch (err) {
    return { ok: false, detail: `the key does not parse (${(err as NodeJS.ErrnoException).code ?? "ERR_INVALID_KEY"})` };
  }
}

/** Whether the private key belongs to the certificate (its public half equals the certificate's). */
export function keyMatchesCertificate(certDer: Uint8Array, key: KeyObject): boolean {
  try {
    return new X509Certificate(Buffer.from(certDer)).checkPrivateKey(key);
  } catch {
    return false;
  }
}

export interface ClientCertFacts {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** EKU OIDs when the extension is present. */
  eku?: string[];
  /** keyUsage digitalSignature when the extension is present. */
  digitalSignature?: boolean;
}

/** The facts a collector judges a client certificate by; undefined when it does not parse. */
export function clientCertFacts(der: Uint8Array): ClientCertFacts | undefined {
  const fields = certFields(der);
  if (!fields) return undefined;
  let subject: string;
  let issuer: string;
  try {
    subject = nameToString(fields.subject);
    issuer = nameToString(fields.issuer);
  } catch {
    return undefined;
  }
  const facts: ClientCertFacts = { subject, issuer, notBefore: fields.notBefore, notAfter: fields.notAfter };
  // A malformed extension is simply absent from the fields: its fact is left out rather than guessed.
  if (fields.extendedKeyUsage) facts.eku = fields.extendedKeyUsage;
  if (fields.keyUsage) facts.digitalSignature = ((fields.keyUsage[0] ?? 0) & 0x80) !== 0;
  return facts;
}

