// Certificates as webpki parses them (cert.rs + x509.rs), trust anchors, and the checks that
// need no issuer (validity, basicConstraints, EKU).
import { Failure, PkiError } from "./errors.js";
import { TrustAnchor } from "./types.js";
import { parseFailure } from "./chain.js";
import { DerReader, Tag, Tlv, bitStringBytes, bytesEqual, describeName, isoSeconds, latin1, oidToString, readOptionalBoolean, readSingle, readSmallUnsigned } from "./der.js";

// ---------------------------------------------------------------------------------------------
// Certificates (webpki cert.rs + x509.rs)
// ---------------------------------------------------------------------------------------------

export interface Extensions {
  keyUsage?: Tlv;
  subjectAltName?: Tlv;
  basicConstraints?: Tlv;
  nameConstraints?: Tlv;
  crlDistributionPoints?: Tlv;
  eku?: Tlv;
}

export interface Cert {
  /** Index in the presented list; -1 for certificates that only serve as anchors. */
  index: number;
  /** tbsCertificate TLV: the bytes the issuer signed. */
  tbs: Uint8Array;
  /** Contents of the outer signatureAlgorithm AlgorithmIdentifier. */
  signatureAlgorithm: Uint8Array;
  signature: Uint8Array;
  /** Full Name TLVs. webpki compares issuer/subject as raw bytes, no normalisation. */
  issuer: Uint8Array;
  subject: Uint8Array;
  /** Full SubjectPublicKeyInfo TLV. */
  spki: Uint8Array;
  /** Contents of the Validity SEQUENCE; parsed only when checked, as webpki does. */
  validity: Uint8Array;
  ext: Extensions;
  label: string;
}

// id-ce (2.5.29.x) extensions webpki understands; any other critical extension rejects the cert.
export const KNOWN_EXTENSIONS: Readonly<Record<number, keyof Extensions>> = {
  15: "keyUsage",
  17: "subjectAltName",
  19: "basicConstraints",
  30: "nameConstraints",
  31: "crlDistributionPoints",
  37: "eku",
};

export function parseCert(der: Uint8Array, index: number): Cert {
  const outer = new DerReader(der);
  const certificate = outer.expect(Tag.Sequence);
  outer.finish("TrailingData");

  const signed = new DerReader(certificate.value);
  const tbs = signed.expect(Tag.Sequence);
  const signatureAlgorithm = signed.expect(Tag.Sequence).value;
  const signature = bitStringBytes(signed.expect(Tag.BitString));
  signed.finish("TrailingData");

  const fields = new DerReader(tbs.value);
  expectVersion3(fields);
  fields.expect(Tag.Integer); // serial: webpki is lenient about its size and sign
  // webpki compares the two AlgorithmIdentifiers byte for byte (no NULL-parameter normalisation).
  if (!bytesEqual(fields.expect(Tag.Sequence).value, signatureAlgorithm)) {
    throw new PkiError("SignatureAlgorithmMismatch", "tbsCertificate.signature differs from signatureAlgorithm");
  }
  const issuer = fields.expect(Tag.Sequence).whole;
  const validity = fields.expect(Tag.Sequence).value;
  const subject = fields.expect(Tag.Sequence).whole;
  const spki = fields.expect(Tag.Sequence).whole;
  // issuerUniqueID / subjectUniqueID are not accepted: only [3] extensions may follow.
  const ext = fields.atEnd() ? {} : parseExtensions(fields.expect(Tag.Ctx3).value);
  fields.finish("TrailingData");

  return new ParsedCert(index, tbs.whole, signatureAlgorithm, signature, issuer, subject, spki, validity, ext);
}

/**
 * A parsed certificate whose `label` (the subject as text) is computed on first read: most
 * certificates are never named in a message, and formatting thousands of names is the slow part.
 */
class ParsedCert implements Cert {
  private cachedLabel: string | undefined;

  constructor(
    readonly index: number,
    readonly tbs: Uint8Array,
    readonly signatureAlgorithm: Uint8Array,
    readonly signature: Uint8Array,
    readonly issuer: Uint8Array,
    readonly subject: Uint8Array,
    readonly spki: Uint8Array,
    readonly validity: Uint8Array,
    readonly ext: Extensions,
  ) {}

  get label(): string {
    return (this.cachedLabel ??= describeName(this.subject));
  }
}

/** A trust anchor whose `label` is likewise computed only when a message shows it. */
class Anchor implements TrustAnchor {
  private cachedLabel: string | undefined;
  source?: string;
  nameConstraintsDer?: Uint8Array;

  constructor(
    readonly subjectDer: Uint8Array,
    readonly spkiDer: Uint8Array,
  ) {}

  get label(): string {
    return (this.cachedLabel ??= describeName(this.subjectDer));
  }

  set label(value: string) {
    this.cachedLabel = value;
  }
}

/** webpki accepts only v3 certificates for end-entities and intermediates. */
export function expectVersion3(fields: DerReader): void {
  if (!fields.peek(Tag.Ctx0)) throw new PkiError("UnsupportedCertVersion", "X.509 v1/v2 certificates are not accepted");
  const version = new DerReader(fields.expect(Tag.Ctx0).value);
  const value = version.expect(Tag.Integer).value;
  version.finish("UnsupportedCertVersion");
  if (value.length !== 1 || value[0] !== 2) throw new PkiError("UnsupportedCertVersion", "only X.509 v3 is accepted");
}

export function parseExtensions(explicit: Uint8Array): Extensions {
  const ext: Extensions = {};
  // An empty extensions SEQUENCE is tolerated (webpki ALLOW_EMPTY).
  const list = new DerReader(readSingle(explicit, Tag.Sequence).value);
  while (!list.atEnd()) {
    const item = new DerReader(list.expect(Tag.Sequence).value);
    const id = item.expect(Tag.Oid).value;
    const critical = readOptionalBoolean(item);
    const value = item.expect(Tag.OctetString).value;
    item.finish("TrailingData");
    rememberExtension(ext, id, critical, value);
  }
  return ext;
}

export function rememberExtension(ext: Extensions, id: Uint8Array, critical: boolean, value: Uint8Array): void {
  const isIdCe = id.length === 3 && id[0] === 0x55 && id[1] === 0x1d;
  const slot = isIdCe ? KNOWN_EXTENSIONS[id[2] ?? 0] : undefined;
  if (!slot) {
    // RFC 5280: an unrecognised critical extension must reject the certificate; webpki does.
    if (critical) throw new PkiError("UnsupportedCriticalExtension", `critical extension ${oidToString(id)} is not supported by webpki`);
    return;
  }
  // webpki `set_extension_once`: a repeated extension is invalid.
  if (ext[slot]) throw new PkiError("ExtensionValueInvalid", `extension ${oidToString(id)} appears twice`);
  // keyUsage is a BIT STRING; every other remembered extension must be exactly one SEQUENCE.
  ext[slot] = slot === "keyUsage" ? { tag: Tag.BitString, value, whole: value } : readSingle(value, Tag.Sequence);
}

/** webpki `anchor_from_trusted_cert` fallback for v1 roots: subject + SPKI only. */
export function anchorFromV1Cert(der: Uint8Array, source?: string): TrustAnchor | undefined {
  try {
    const outer = new DerReader(der);
    const certificate = new DerReader(outer.expect(Tag.Sequence).value);
    outer.finish();
    const tbs = new DerReader(certificate.expect(Tag.Sequence).value);
    tbs.expect(Tag.Integer);
    tbs.expect(Tag.Sequence); // signature
    tbs.expect(Tag.Sequence); // issuer
    tbs.expect(Tag.Sequence); // validity
    const subject = tbs.expect(Tag.Sequence).whole;
    const spki = tbs.expect(Tag.Sequence).whole;
    tbs.finish();
    certificate.expect(Tag.Sequence);
    certificate.expect(Tag.BitString);
    certificate.finish();
    return makeAnchor(subject, spki, undefined, source);
  } catch {
    return undefined;
  }
}

export function makeAnchor(subject: Uint8Array, spki: Uint8Array, nameConstraints: Uint8Array | undefined, source?: string): TrustAnchor {
  const anchor = new Anchor(subject.slice(), spki.slice());
  if (source !== undefined) anchor.source = source;
  if (nameConstraints) anchor.nameConstraintsDer = nameConstraints.slice();
  return anchor;
}

// ---------------------------------------------------------------------------------------------
// Issuer-independent checks (webpki verify_cert.rs `check_issuer_independent_properties`)
// Order matters for which error wins: validity, then basicConstraints, then EKU.
// ---------------------------------------------------------------------------------------------

export type Role = "EndEntity" | "Issuer";

export function checkIssuerIndependent(cert: Cert, role: Role, subCaCount: number, now: number): Failure | undefined {
  try {
    checkValidity(cert, now);
    checkBasicConstraints(cert, role, subCaCount);
    checkServerAuthEku(cert);
    return undefined;
  } catch (err) {
    return parseFailure(err, cert.index);
  }
}

export function checkValidity(cert: Cert, now: number): void {
  const reader = new DerReader(cert.validity);
  const notBefore = readTime(reader);
  const notAfter = readTime(reader);
  reader.finish();
  if (notBefore > notAfter) throw new PkiError("InvalidCertValidity", `'${cert.label}' has notBefore after notAfter`);
  // webpki compares whole seconds: valid while notBefore <= now <= notAfter.
  if (now < notBefore) {
    throw new PkiError("CertNotValidYet", `'${cert.label}' is not valid until ${isoSeconds(notBefore)} (checked at ${isoSeconds(now)})`);
  }
  if (now > notAfter) {
    throw new PkiError("CertExpired", `'${cert.label}' expired at ${isoSeconds(notAfter)} (checked at ${isoSeconds(now)})`);
  }
}

export function checkBasicConstraints(cert: Cert, role: Role, subCaCount: number): void {
  let isCa = false;
  let pathLen: number | undefined;
  if (cert.ext.basicConstraints) {
    const reader = new DerReader(cert.ext.basicConstraints.value);
    isCa = readOptionalBoolean(reader);
    // Like mozilla::pkix, a pathLenConstraint on a non-CA cert is tolerated.
    if (!reader.atEnd()) pathLen = readSmallUnsigned(reader);
    reader.finish();
  }
  if (role === "EndEntity" && isCa) {
    throw new PkiError("CaUsedAsEndEntity", `'${cert.label}' is a CA certificate (basicConstraints CA:TRUE) but the server presented it as its own certificate`);
  }
  if (role === "Issuer" && !isCa) {
    throw new PkiError("EndEntityUsedAsCa", `'${cert.label}' is used as an intermediate but is not a CA certificate (no basicConstraints CA:TRUE)`);
  }
  if (role === "Issuer" && pathLen !== undefined && subCaCount > pathLen) {
    throw new PkiError("PathLenConstraintViolated", `'${cert.label}' allows pathLen ${pathLen} but ${subCaCount} intermediate CA(s) sit below it`);
  }
}

export const OID_SERVER_AUTH = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01);

/** `KeyUsage::server_auth()` is "required if present", and webpki applies it to every cert in the path. */
export function checkServerAuthEku(cert: Cert): void {
  if (!cert.ext.eku) return;
  const reader = new DerReader(cert.ext.eku.value);
  const present: string[] = [];
  for (;;) {
    const oid = reader.expect(Tag.Oid).value;
    if (bytesEqual(oid, OID_SERVER_AUTH)) return;
    present.push(oidToString(oid));
    if (reader.atEnd()) {
      throw new PkiError("RequiredEkuNotFound", `'${cert.label}' has extendedKeyUsage without serverAuth (has ${present.join(", ")})`);
    }
  }
}

/** UTCTime (YYMMDDHHMMSSZ, 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), to Unix seconds. */
export function readTime(reader: DerReader): number {
  const tlv = reader.read();
  const text = latin1(tlv.value);
  let match: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === Tag.UtcTime) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    const yy = Number(match?.[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (tlv.tag === Tag.GeneralizedTime) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    year = Number(match?.[1]);
  } else {
    throw new PkiError("BadDer", "validity time is neither UTCTime nor GeneralizedTime");
  }
  if (!match) throw new PkiError("BadDerTime", `malformed time '${text}'`);
  const [month, day, hour, minute, second] = match.slice(2).map(Number) as [number, number, number, number, number];
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(millis);
  const inRange = back.getUTCMonth() === month - 1 && back.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  if (!inRange) throw new PkiError("BadDerTime", `invalid calendar time '${text}'`);
  return millis / 1000;
}
