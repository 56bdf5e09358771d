// Human summaries of certificates (subject, issuer, validity, CA flag, key, signature, fingerprint)
// for tables, findings and JSON. Everything comes from one DER walk (cert-fields.ts); the only
// crypto is a self-signature check, done once by OpenSSL and only for self-issued certificates.
// The texts match what @peculiar/x509 printed before (golden reports depend on them).
import * as crypto from "node:crypto";
import { createHash } from "node:crypto";
import { certFields, rsaModulusBits, type AlgorithmId, type CertFields } from "./cert-fields.js";
import { DerError, DerReader, TAG, bytesEqual, readOid } from "./der.js";
import { nameToString } from "./dn.js";
import { countWork } from "./work.js";
import { opensslVerdict } from "./openssl-check.js";

export interface CertSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  isCA: boolean;
  keyType: string;
  keyBits?: number;
  signatureAlgorithm: string;
  sha256: string;
  selfIssued: boolean;
  selfSigned: boolean;
  /** DER of the subject Name and SubjectPublicKeyInfo: what makes a trust anchor. */
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  issuerDer: Uint8Array;
}

const digests = new WeakMap<Uint8Array, string>();
// crypto.hash (Node ≥ 20.12) hashes without building a Hash object: much cheaper for 10,000 DERs.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array) => string }).hash;

/** Lower-case hex SHA-256 of a DER, computed once per certificate object and shared. */
export function sha256Of(der: Uint8Array): string {
  let digest = digests.get(der);
  if (digest === undefined) {
    digest = oneShotHash ? oneShotHash("sha256", der) : createHash("sha256").update(der).digest("hex");
    digests.set(der, digest);
  }
  return digest;
}

/** "AB:CD:…", as fingerprints are usually shown (written byte by byte: 10,000 of them add up). */
export function sha256Hex(der: Uint8Array): string {
  const hex = sha256Of(der);
  const pairs = hex.length / 2;
  const out = Buffer.allocUnsafe(pairs * 3 - 1);
  for (let i = 0; i < pairs; i++) {
    const hi = hex.charCodeAt(2 * i);
    const lo = hex.charCodeAt(2 * i + 1);
    out[3 * i] = hi >= 0x61 ? hi - 0x20 : hi; // a-f to A-F
    out[3 * i + 1] = lo >= 0x61 ? lo - 0x20 : lo;
    if (i < pairs - 1) out[3 * i + 2] = 0x3a;
  }
  return out.toString("latin1");
}

// ---- algorithm names, as WebCrypto-style {name, hash, namedCurve}

interface WebAlgorithm {
  name: string;
  hash?: string;
  namedCurve?: string;
}

const OID_RSA = "1.2.840.113549.1.1.1";
const OID_RSA_PSS = "1.2.840.113549.1.1.10";
const OID_EC = "1.2.840.10045.2.1";
const OID_SHA1 = "1.3.14.3.2.26";

const SIMPLE: Record<string, WebAlgorithm> = {
  [OID_RSA]: { name: "RSASSA-PKCS1-v1_5" },
  "1.2.840.113549.1.1.5": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" },
  "1.2.840.113549.1.1.11": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  "1.2.840.113549.1.1.12": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  "1.2.840.113549.1.1.13": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  "1.2.840.10045.4.1": { name: "ECDSA", hash: "SHA-1" },
  "1.2.840.10045.4.3.2": { name: "ECDSA", hash: "SHA-256" },
  "1.2.840.10045.4.3.3": { name: "ECDSA", hash: "SHA-384" },
  "1.2.840.10045.4.3.4": { name: "ECDSA", hash: "SHA-512" },
  [OID_SHA1]: { name: "SHA-1" },
  "2.16.840.1.101.3.4.2.1": { name: "SHA-256" },
  "2.16.840.1.101.3.4.2.2": { name: "SHA-384" },
  "2.16.840.1.101.3.4.2.3": { name: "SHA-512" },
  "1.3.101.112": { name: "Ed25519" },
  "1.3.101.113": { name: "EdDSA", namedCurve: "Ed448" },
  "1.3.101.110": { name: "X25519" },
  "1.3.101.111": { name: "ECDH-ES", namedCurve: "X448" },
  "2.16.840.1.101.3.4.3.17": { name: "ML-DSA-44" },
  "2.16.840.1.101.3.4.3.18": { name: "ML-DSA-65" },
  "2.16.840.1.101.3.4.3.19": { name: "ML-DSA-87" },
  "2.16.840.1.101.3.4.3.20": { name: "SLH-DSA-SHA2-128s" },
  "2.16.840.1.101.3.4.3.21": { name: "SLH-DSA-SHA2-128f" },
  "2.16.840.1.101.3.4.3.22": { name: "SLH-DSA-SHA2-192s" },
  "2.16.840.1.101.3.4.3.23": { name: "SLH-DSA-SHA2-192f" },
  "2.16.840.1.101.3.4.3.24": { name: "SLH-DSA-SHA2-256s" },
  "2.16.840.1.101.3.4.3.25": { name: "SLH-DSA-SHA2-256f" },
  "2.16.840.1.101.3.4.3.26": { name: "SLH-DSA-SHAKE-128s" },
  "2.16.840.1.101.3.4.3.27": { name: "SLH-DSA-SHAKE-128f" },
  "2.16.840.1.101.3.4.3.28": { name: "SLH-DSA-SHAKE-192s" },
  "2.16.840.1.101.3.4.3.29": { name: "SLH-DSA-SHAKE-192f" },
  "2.16.840.1.101.3.4.3.30": { name: "SLH-DSA-SHAKE-256s" },
  "2.16.840.1.101.3.4.3.31": { name: "SLH-DSA-SHAKE-256f" },
};

const CURVES: Record<string, string> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.10": "K-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
  ...Object.fromEntries(
    ["160r1", "160t1", "192r1", "192t1", "224r1", "224t1", "256r1", "256t1", "320r1", "320t1", "384r1", "384t1", "512r1", "512t1"].map(
      (suffix, i) => [`1.3.36.3.3.2.8.1.1.${i + 1}`, `brainpoolP${suffix}`],
    ),
  ),
};

/** The WebCrypto view of an AlgorithmIdentifier; unknown algorithms are named by their OID. */
function webAlgorithm(alg: AlgorithmId): WebAlgorithm {
  const simple = SIMPLE[alg.oid];
  if (simple) return simple;
  if (alg.oid === OID_EC) {
    const curve = alg.params?.[0] === TAG.oid ? CURVES[readOid(new DerReader(alg.params).expect(TAG.oid))] : undefined;
    return curve ? { name: "ECDSA", namedCurve: curve } : { name: alg.oid };
  }
  if (alg.oid === OID_RSA_PSS) {
    if (!alg.params) return { name: "RSA-PSS" };
    return { name: "RSA-PSS", hash: pssHash(alg.params) };
  }
  return { name: alg.oid };
}

/** RSASSA-PSS-params hashAlgorithm ([0], SHA-1 when absent). */
function pssHash(params: Uint8Array): string | undefined {
  try {
    const seq = new DerReader(params).expect(TAG.sequence).inner();
    if (!seq.optional(TAG.ctx0)) return "SHA-1";
    const hashAlg = seq.inner().expect(TAG.sequence).inner();
    return webAlgorithm({ oid: readOid(hashAlg.expect(TAG.oid)) }).name;
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}

const EC_KEY_TYPES: Record<string, string> = Object.fromEntries(Object.values(CURVES).map((c) => [c, `EC ${c}`]));

function describeKey(fields: CertFields): { keyType: string; keyBits?: number } {
  const alg = webAlgorithm(fields.keyAlgorithm);
  if (alg.name === "ECDSA") return { keyType: alg.namedCurve ? EC_KEY_TYPES[alg.namedCurve] ?? `EC ${alg.namedCurve}` : "EC" };
  if (alg.name.startsWith("RSA")) {
    return { keyType: "RSA", keyBits: rsaKeyBits(fields) };
  }
  return { keyType: alg.name };
}

function rsaKeyBits(fields: CertFields): number | undefined {
  if (fields.keyAlgorithm.oid === OID_RSA) {
    // WebCrypto's modulusLength here was the modulus' byte length × 8.
    const bits = rsaModulusBits(fields.publicKey);
    return bits === undefined ? undefined : Math.ceil(bits / 8) * 8;
  }
  // RSA-PSS keys: OpenSSL's exact bit count. Any other OID under an RSA name has no usable key.
  return fields.keyAlgorithm.oid === OID_RSA_PSS ? rsaModulusBits(fields.publicKey) : undefined;
}

const SIGNATURE_NAMES = new Map<string, string>();

function signatureName(fields: CertFields): string {
  const alg = webAlgorithm(fields.signatureAlgorithm);
  const text = alg.hash ? `${alg.name} with ${alg.hash}` : alg.name;
  // One string per distinct name, not one per certificate.
  let interned = SIGNATURE_NAMES.get(text);
  if (interned === undefined) SIGNATURE_NAMES.set(text, (interned = text));
  return interned;
}

// ---- self-signature

const WEBCRYPTO_CURVES = new Set(["P-256", "P-384", "P-521"]);

/**
 * Whether a WebCrypto verifier could check this signature at all: the summary's notion of
 * "self-signed" has always been "verifies under WebCrypto", which knows fewer algorithms than
 * OpenSSL (no MD5, no SHA-224, no brainpool curves, no Ed448 under the name EdDSA).
 */
function webCryptoCanVerify(fields: CertFields): boolean {
  const sig = webAlgorithm(fields.signatureAlgorithm);
  const key = webAlgorithm(fields.keyAlgorithm);
  switch (sig.name) {
    case "RSASSA-PKCS1-v1_5":
    case "RSA-PSS":
      return sig.hash !== undefined && ["SHA-1", "SHA-256", "SHA-384", "SHA-512"].includes(sig.hash) && key.name.startsWith("RSA");
    case "ECDSA":
      return sig.hash !== undefined && key.name === "ECDSA" && WEBCRYPTO_CURVES.has(key.namedCurve ?? "");
    case "Ed25519":
      return key.name === "Ed25519";
    default:
      return false;
  }
}

function checkSelfSigned(der: Uint8Array): boolean {
  return opensslVerdict(der, true).selfSigned;
}

function hexUpper(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex").toUpperCase();
}

/** The displayed serial: the INTEGER's bytes without the sign-padding zero. */
function serialText(serial: Uint8Array): string {
  const trimmed = serial.length > 1 && serial[0] === 0x00 && serial[1] > 0x7f ? serial.subarray(1) : serial;
  return hexUpper(trimmed);
}

/**
 * The summary of one certificate, or undefined when it is not one. `selfSigned` is checked by
 * OpenSSL on first read, and only for self-issued certificates: the one OpenSSL parse such a
 * certificate costs is paid only when a finding or the caller needs the answer.
 */
export function summarise(der: Uint8Array): CertSummary | undefined {
  countWork("summary");
  const fields = certFields(der);
  if (!fields) return undefined;
  return summariseFields(der, fields);
}

export function summariseFields(der: Uint8Array, fields: CertFields): CertSummary | undefined {
  const selfIssued = bytesEqual(fields.subject, fields.issuer);
  let subject: string;
  let issuer: string;
  try {
    subject = nameToString(fields.subject);
    issuer = selfIssued ? subject : nameToString(fields.issuer);
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
  return new Summary(der, fields, subject, issuer, selfIssued);
}

class Summary implements CertSummary {
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly isCA: boolean;
  readonly keyType: string;
  readonly keyBits?: number;
  readonly signatureAlgorithm: string;
  readonly sha256: string;
  readonly subjectDer: Uint8Array;
  readonly spkiDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  /** undefined until asked; false without asking when WebCrypto could not verify it anyway. */
  private checkedSelfSignature: boolean | undefined;

  constructor(
    private readonly der: Uint8Array,
    fields: CertFields,
    readonly subject: string,
    readonly issuer: string,
    readonly selfIssued: boolean,
  ) {
    this.serial = serialText(fields.serial);
    this.notBefore = fields.notBefore.toISOString();
    this.notAfter = fields.notAfter.toISOString();
    this.isCA = fields.basicConstraints?.ca ?? false;
    const key = describeKey(fields);
    this.keyType = key.keyType;
    if (key.keyBits !== undefined) this.keyBits = key.keyBits;
    this.signatureAlgorithm = signatureName(fields);
    this.sha256 = sha256Hex(der);
    this.subjectDer = fields.subject;
    this.spkiDer = fields.spki;
    this.issuerDer = fields.issuer;
    // The fields are not kept (thousands of summaries live until the report is printed).
    if (!selfIssued || !webCryptoCanVerify(fields)) this.checkedSelfSignature = false;
  }

  /** Verifies under its own key (as WebCrypto would judge it); checked once, on first read. */
  get selfSigned(): boolean {
    this.checkedSelfSignature ??= checkSelfSigned(this.der);
    return this.checkedSelfSignature;
  }
}
