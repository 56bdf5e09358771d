// One walk over a certificate's DER that yields every field the doctor shows or lints: names,
// serial, validity, key, signature algorithm, basicConstraints, keyUsage, extendedKeyUsage.
// Cheap (no crypto, no copies) so a 10,000-certificate bundle costs milliseconds, not seconds.
import { DerError, DerReader, TAG, bitStringBytes, readOid } from "./der.js";

export interface AlgorithmId {
  oid: string;
  /** The parameters TLV, when present and not NULL. */
  params?: Uint8Array;
}

export interface CertFields {
  /** 0 for v1, 2 for v3. */
  version: number;
  /** Contents of the serialNumber INTEGER. */
  serial: Uint8Array;
  /** The outer signatureAlgorithm (what the issuer signed with). */
  signatureAlgorithm: AlgorithmId;
  /** Full Name TLVs. */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Full SubjectPublicKeyInfo TLV. */
  spki: Uint8Array;
  keyAlgorithm: AlgorithmId;
  /** The subjectPublicKey BIT STRING's bytes. */
  publicKey: Uint8Array;
  basicConstraints?: { ca: boolean };
  /** keyUsage bits, first byte first (digitalSignature is 0x80 of byte 0). */
  keyUsage?: Uint8Array;
  extendedKeyUsage?: string[];
}

const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_KEY_USAGE = "2.5.29.15";
const OID_EXT_KEY_USAGE = "2.5.29.37";

/** The AlgorithmIdentifier SEQUENCE last read by `reader`. */
function algorithmId(reader: DerReader): AlgorithmId {
  const inner = reader.inner();
  const oid = readOid(inner.expect(TAG.oid));
  if (inner.atEnd() || inner.read().tag === TAG.null) return { oid };
  return { oid, params: inner.whole() };
}

/** Two ASCII digits at `at`, or NaN. */
function digits2(bytes: Uint8Array, at: number): number {
  const a = bytes[at] - 0x30;
  const b = bytes[at + 1] - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * UTCTime (YYMMDDHHMMSSZ, years 50–99 are 19xx) or GeneralizedTime (YYYYMMDDHHMMSS[.fff]Z), the
 * forms certificates use, read as asn1js read them.
 */
export function readTime(reader: DerReader): Date {
  const bytes = reader.input;
  let at = reader.valueStart;
  const end = reader.end;
  let year: number;
  if (reader.tag === TAG.utcTime) {
    if (end - at !== 13) throw new DerError("unsupported UTCTime");
    year = digits2(bytes, at);
    year += year >= 50 ? 1900 : 2000;
    at += 2;
  } else if (reader.tag === TAG.generalizedTime) {
    if (end - at < 15) throw new DerError("unsupported GeneralizedTime");
    year = digits2(bytes, at) * 100 + digits2(bytes, at + 2);
    at += 4;
  } else {
    throw new DerError("not a time");
  }
  const month = digits2(bytes, at);
  const day = digits2(bytes, at + 2);
  const hour = digits2(bytes, at + 4);
  const minute = digits2(bytes, at + 6);
  const second = digits2(bytes, at + 8);
  at += 10;
  let ms = 0;
  if (reader.tag === TAG.generalizedTime && bytes[at] === 0x2e) {
    // Fractional seconds: milliseconds from the first three digits.
    let scale = 100;
    at++;
    const first = at;
    while (at < end - 1 && bytes[at] >= 0x30 && bytes[at] <= 0x39) {
      if (at - first < 3) ms += (bytes[at] - 0x30) * scale;
      scale /= 10;
      at++;
    }
    if (at === first) throw new DerError("empty fraction");
  }
  if (at !== end - 1 || bytes[at] !== 0x5a) throw new DerError("time without Z");
  const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (Number.isNaN(time)) throw new DerError("malformed time");
  const date = new Date(time);
  // Date.UTC maps years 0–99 to 19xx; set the year explicitly.
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

function anyNonZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return true;
  return false;
}

function readExtensions(explicit: DerReader, fields: CertFields): void {
  const list = explicit.inner().expect(TAG.sequence).inner();
  while (!list.atEnd()) {
    const item = list.expect(TAG.sequence).inner();
    const oid = readOid(item.expect(TAG.oid));
    item.optional(TAG.boolean);
    const value = item.expect(TAG.octetString).inner();
    // The first occurrence wins, as a lookup by type does.
    try {
      if (oid === OID_BASIC_CONSTRAINTS && !fields.basicConstraints) {
        const bc = value.expect(TAG.sequence).inner();
        // asn1js reads any non-zero octet as TRUE.
        fields.basicConstraints = { ca: bc.optional(TAG.boolean) && anyNonZero(bc.input, bc.valueStart, bc.end) };
      } else if (oid === OID_KEY_USAGE && !fields.keyUsage) {
        fields.keyUsage = bitStringBytes(value.expect(TAG.bitString));
      } else if (oid === OID_EXT_KEY_USAGE && !fields.extendedKeyUsage) {
        const seq = value.expect(TAG.sequence).inner();
        const usages: string[] = [];
        while (!seq.atEnd()) usages.push(readOid(seq.expect(TAG.oid)));
        fields.extendedKeyUsage = usages;
      }
    } catch (err) {
      // A malformed extension value leaves that fact out; the certificate is still summarised.
      if (!(err instanceof DerError)) throw err;
    }
  }
}

/** The certificate's fields, or undefined when its structure is not a certificate. */
export function certFields(der: Uint8Array): CertFields | undefined {
  try {
    return walk(der);
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}

function walk(der: Uint8Array): CertFields {
  const cert = new DerReader(der).expect(TAG.sequence).inner();
  const tbs = cert.expect(TAG.sequence).inner();
  const signatureAlgorithm = algorithmId(cert.expect(TAG.sequence));
  cert.expect(TAG.bitString);

  let version = 0;
  if (tbs.optional(TAG.ctx0)) {
    const v = tbs.inner().expect(TAG.integer);
    version = v.end - v.valueStart === 1 ? der[v.valueStart] : -1;
  }
  const serial = tbs.expect(TAG.integer).value();
  tbs.expect(TAG.sequence); // tbsCertificate.signature
  const issuer = tbs.expect(TAG.sequence).whole();
  const validity = tbs.expect(TAG.sequence).inner();
  const notBefore = readTime(validity.read());
  const notAfter = readTime(validity.read());
  const subject = tbs.expect(TAG.sequence).whole();
  tbs.expect(TAG.sequence);
  const spki = tbs.whole();
  const key = tbs.inner();
  const keyAlgorithm = algorithmId(key.expect(TAG.sequence));
  const publicKey = bitStringBytes(key.expect(TAG.bitString));

  const fields: CertFields = {
    version,
    serial,
    signatureAlgorithm,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    keyAlgorithm,
    publicKey,
  };
  tbs.optional(0x81); // issuerUniqueID
  tbs.optional(0x82); // subjectUniqueID
  if (tbs.optional(TAG.ctx3)) readExtensions(tbs, fields);
  return fields;
}

/** Modulus size of an RSAPublicKey (SEQUENCE { modulus, publicExponent }), or undefined. */
export function rsaModulusBits(publicKey: Uint8Array): number | undefined {
  try {
    const key = new DerReader(publicKey).expect(TAG.sequence).inner();
    key.expect(TAG.integer);
    let at = key.valueStart;
    while (at < key.end && publicKey[at] === 0) at++;
    if (at === key.end) return undefined;
    return (key.end - at - 1) * 8 + (32 - Math.clz32(publicKey[at]));
  } catch (err) {
    if (err instanceof DerError) return undefined;
    throw err;
  }
}
