import { describeName } from "../ca/dn.js";
import { countWork } from "../ca/work.js";
import type { webcrypto } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import {
  type Failure,
  PkiError,
  type VerifyErrorCode,
  type WebpkiErrorName,
  isFatal,
  mostSpecific,
  opensslReason,
  publicCode,
} from "./verify-errors.js";

// Server-certificate verification with rustls/webpki semantics, so codex-doctor predicts exactly
// what the Codex CLI (reqwest + rustls + webpki) accepts. It deliberately does NOT behave like
// OpenSSL/Node: trust anchors are only (subject, SPKI, name constraints); there is no AIA fetching;
// the subject CN is never used for names; errors are ranked the way webpki ranks them.
//
// Reference (behaviour re-derived, not copied): rustls/webpki src/verify_cert.rs, src/cert.rs,
// src/x509.rs, src/signed_data.rs, src/end_entity.rs, src/subject_name/{mod,dns_name,ip_address}.rs,
// src/error.rs, src/trust_anchor.rs; rustls rustls/src/webpki/{server_verifier,verify,mod}.rs.


export type { VerifyErrorCode } from "./verify-errors.js";

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface TrustAnchor {
  /** DER of the subject Name (the full SEQUENCE). */
  subjectDer: Uint8Array;
  /** DER of the SubjectPublicKeyInfo (the full SEQUENCE). */
  spkiDer: Uint8Array;
  /** Human subject, e.g. "CN=Corp Root CA". */
  label?: string;
  /** Where the anchor came from, e.g. "CODEX_CA_CERTIFICATE". */
  source?: string;
  /** DER of the anchor certificate's NameConstraints SEQUENCE, if it has one (webpki enforces it). */
  nameConstraintsDer?: Uint8Array;
}

export interface VerifyInput {
  /** DER certificates, leaf first, exactly as sent by the server. */
  presented: Uint8Array[];
  anchors: TrustAnchor[];
  /** DNS name or IP literal (IPv6 may be bracketed). */
  serverName: string;
  now: Date;
  /**
   * Which rustls CryptoProvider's signature algorithms to accept. reqwest 0.12's `rustls-tls`
   * uses *ring* (the default here); aws-lc-rs additionally verifies ECDSA P-521.
   */
  cryptoProvider?: "ring" | "aws-lc-rs";
}

export interface VerifyResult {
  ok: boolean;
  error?: {
    code: VerifyErrorCode;
    /** Which presented certificate (0 = leaf). */
    certIndex: number;
    /** Human sentence explaining the failure. */
    detail: string;
    /** The exact webpki `Error` variant, e.g. "UnsupportedCriticalExtension". */
    webpkiError: WebpkiErrorName;
  };
  /** On success: the presented certificates used (leaf first) and the anchor reached. */
  path?: { presentedIndexes: number[]; anchor: TrustAnchor };
  /** On UnknownIssuer: the issuer name (human string) that was needed but not found anywhere. */
  missingIssuer?: string;
  /** OpenSSL-style reason, e.g. "unable to get local issuer certificate", "ok". */
  opensslStyle: string;
}

/**
 * Builds a trust anchor from a CA certificate the way webpki's `anchor_from_trusted_cert` does:
 * validity and CA flag are ignored; v1 certificates are accepted; any other parse failure
 * (including an unsupported critical extension) makes the certificate unusable as an anchor.
 */
export function anchorFromCertificateDer(der: Uint8Array, source?: string): TrustAnchor | undefined {
  countWork("anchor");
  try {
    const cert = parseCert(der, -1);
    return makeAnchor(cert.subject, cert.spki, cert.ext.nameConstraints?.whole, source);
  } catch (err) {
    if (err instanceof PkiError && err.kind === "UnsupportedCertVersion") return anchorFromV1Cert(der, source);
    return undefined;
  }
}

/** Whether webpki accepts this certificate as a trust anchor (what rustls's root store needs). */
export function isWebpkiAnchor(der: Uint8Array): boolean {
  countWork("anchor");
  try {
    parseCert(der, -1);
    return true;
  } catch (err) {
    if (err instanceof PkiError && err.kind === "UnsupportedCertVersion") return anchorFromV1Cert(der) !== undefined;
    return false;
  }
}

/** Predicts rustls's `WebPkiServerVerifier` verdict for this certificate chain and server name. */
export async function verifyServerChain(input: VerifyInput): Promise<VerifyResult> {
  const leafDer = input.presented[0];
  if (!leafDer) return failed({ kind: "BadDer", certIndex: 0, detail: "the server sent no certificate" }, {});

  // rustls parses the end-entity first (ParsedCertificate::try_from); a parse error ends it there.
  let leaf: Cert;
  try {
    leaf = parseCert(leafDer, 0);
  } catch (err) {
    return failed(parseFailure(err, 0), {});
  }

  const ctx = newContext(input, leaf);
  const outcome = await buildChain(ctx, [leaf], 0);
  if (!outcome.ok) return failedPath(outcome.failure, ctx);

  // rustls checks the server name only after the path verified (server_verifier.rs).
  const nameFailure = verifyServerName(leaf, input.serverName);
  if (nameFailure) return failed(nameFailure, { serverNameIsIp: parseServerName(input.serverName)?.kind === "ip" });

  return {
    ok: true,
    path: { presentedIndexes: outcome.path.map((c) => c.index), anchor: outcome.anchor },
    opensslStyle: "ok",
  };
}

// ---------------------------------------------------------------------------------------------
// DER reading (strict, like webpki's `der` module: definite minimal lengths, low tag numbers)
// ---------------------------------------------------------------------------------------------

const Tag = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Oid: 0x06,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  Sequence: 0x30,
  Ctx0: 0xa0,
  Ctx1: 0xa1,
  Ctx3: 0xa3,
} as const;

interface Tlv {
  tag: number;
  /** Contents only. */
  value: Uint8Array;
  /** Tag, length and contents. */
  whole: Uint8Array;
}

/** A TLV whose `whole` view is made only when asked: most are read for their contents only. */
class ReadTlv implements Tlv {
  constructor(
    readonly tag: number,
    readonly value: Uint8Array,
    private readonly input: Uint8Array,
    private readonly start: number,
  ) {}

  get whole(): Uint8Array {
    return this.input.subarray(this.start, this.value.byteOffset - this.input.byteOffset + this.value.length);
  }
}

class DerReader {
  private pos = 0;

  constructor(private readonly input: Uint8Array) {}

  atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  peek(tag: number): boolean {
    return !this.atEnd() && this.input[this.pos] === tag;
  }

  read(): Tlv {
    const start = this.pos;
    const tag = this.byte();
    if ((tag & 0x1f) === 0x1f) throw new PkiError("BadDer", "high-numbered DER tags are not supported");
    const length = this.length();
    const end = this.pos + length;
    if (end > this.input.length) throw new PkiError("BadDer", "a DER length runs past the end of the data");
    const value = this.input.subarray(this.pos, end);
    this.pos = end;
    return new ReadTlv(tag, value, this.input, start);
  }

  expect(tag: number): Tlv {
    const tlv = this.read();
    if (tlv.tag !== tag) throw new PkiError("BadDer", `expected DER tag 0x${hexByte(tag)}, found 0x${hexByte(tlv.tag)}`);
    return tlv;
  }

  /** webpki `read_all`: leftover bytes are an error of the given kind. */
  finish(kind: WebpkiErrorName = "BadDer"): void {
    if (!this.atEnd()) throw new PkiError(kind, "unexpected trailing data after a DER value");
  }

  private byte(): number {
    const b = this.input[this.pos];
    if (b === undefined) throw new PkiError("BadDer", "DER data ends early");
    this.pos++;
    return b;
  }

  private length(): number {
    const first = this.byte();
    if (first < 0x80) return first;
    const count = first & 0x7f;
    // Indefinite lengths are BER, not DER; >4 length bytes cannot describe a certificate.
    if (count === 0 || count > 4) throw new PkiError("BadDer", "unsupported DER length encoding");
    let length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + this.byte();
    // DER requires the shortest length form.
    const minimum = count === 1 ? 0x80 : 2 ** (8 * (count - 1));
    if (length < minimum) throw new PkiError("BadDer", "non-minimal DER length");
    return length;
  }
}

/** Reads `bytes` as exactly one TLV with `tag`. */
function readSingle(bytes: Uint8Array, tag: number): Tlv {
  const reader = new DerReader(bytes);
  const tlv = reader.expect(tag);
  reader.finish();
  return tlv;
}

/** webpki `bool::from_der`: an absent BOOLEAN means FALSE; only 0xFF and 0x00 are accepted. */
function readOptionalBoolean(reader: DerReader): boolean {
  if (!reader.peek(Tag.Boolean)) return false;
  const { value } = reader.read();
  if (value.length === 1 && value[0] === 0xff) return true;
  if (value.length === 1 && value[0] === 0x00) return false;
  throw new PkiError("BadDer", "malformed DER BOOLEAN");
}

/** webpki `u8::from_der`: a non-negative, minimally encoded INTEGER no larger than 255. */
function readSmallUnsigned(reader: DerReader): number {
  const { value } = reader.expect(Tag.Integer);
  const [first, second] = value;
  if (first === undefined) throw new PkiError("BadDer", "empty INTEGER");
  if (first === 0x00 && value.length === 1) return 0;
  if (first === 0x00 && value.length === 2 && second !== undefined && second >= 0x80) return second;
  if (value.length === 1 && first < 0x80) return first;
  throw new PkiError("BadDer", "INTEGER is negative, non-minimal or larger than 255");
}

/** webpki `bit_string_with_no_unused_bits`. */
function bitStringBytes(tlv: Tlv): Uint8Array {
  if (tlv.value[0] !== 0x00) throw new PkiError("BadDer", "BIT STRING has unused bits");
  return tlv.value.subarray(1);
}

// ---------------------------------------------------------------------------------------------
// Certificates (webpki cert.rs + x509.rs)
// ---------------------------------------------------------------------------------------------

interface Extensions {
  keyUsage?: Tlv;
  subjectAltName?: Tlv;
  basicConstraints?: Tlv;
  nameConstraints?: Tlv;
  crlDistributionPoints?: Tlv;
  eku?: Tlv;
}

interface Cert {
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
const KNOWN_EXTENSIONS: Readonly<Record<number, keyof Extensions>> = {
  15: "keyUsage",
  17: "subjectAltName",
  19: "basicConstraints",
  30: "nameConstraints",
  31: "crlDistributionPoints",
  37: "eku",
};

function parseCert(der: Uint8Array, index: number): Cert {
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
function expectVersion3(fields: DerReader): void {
  if (!fields.peek(Tag.Ctx0)) throw new PkiError("UnsupportedCertVersion", "X.509 v1/v2 certificates are not accepted");
  const version = new DerReader(fields.expect(Tag.Ctx0).value);
  const value = version.expect(Tag.Integer).value;
  version.finish("UnsupportedCertVersion");
  if (value.length !== 1 || value[0] !== 2) throw new PkiError("UnsupportedCertVersion", "only X.509 v3 is accepted");
}

function parseExtensions(explicit: Uint8Array): Extensions {
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

function rememberExtension(ext: Extensions, id: Uint8Array, critical: boolean, value: Uint8Array): void {
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
function anchorFromV1Cert(der: Uint8Array, source?: string): TrustAnchor | undefined {
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

function makeAnchor(subject: Uint8Array, spki: Uint8Array, nameConstraints: Uint8Array | undefined, source?: string): TrustAnchor {
  const anchor = new Anchor(subject.slice(), spki.slice());
  if (source !== undefined) anchor.source = source;
  if (nameConstraints) anchor.nameConstraintsDer = nameConstraints.slice();
  return anchor;
}

// ---------------------------------------------------------------------------------------------
// Issuer-independent checks (webpki verify_cert.rs `check_issuer_independent_properties`)
// Order matters for which error wins: validity, then basicConstraints, then EKU.
// ---------------------------------------------------------------------------------------------

type Role = "EndEntity" | "Issuer";

function checkIssuerIndependent(cert: Cert, role: Role, subCaCount: number, now: number): Failure | undefined {
  try {
    checkValidity(cert, now);
    checkBasicConstraints(cert, role, subCaCount);
    checkServerAuthEku(cert);
    return undefined;
  } catch (err) {
    return parseFailure(err, cert.index);
  }
}

function checkValidity(cert: Cert, now: number): void {
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

function checkBasicConstraints(cert: Cert, role: Role, subCaCount: number): void {
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

const OID_SERVER_AUTH = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01);

/** `KeyUsage::server_auth()` is "required if present", and webpki applies it to every cert in the path. */
function checkServerAuthEku(cert: Cert): void {
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
function readTime(reader: DerReader): number {
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

// ---------------------------------------------------------------------------------------------
// Signatures (webpki signed_data.rs + the algorithm list of rustls's CryptoProvider)
// ---------------------------------------------------------------------------------------------

type Hash = "SHA-256" | "SHA-384" | "SHA-512";

interface SignatureAlgorithm {
  name: string;
  /** Hex of AlgorithmIdentifier contents; webpki matches these bytes exactly. */
  signatureAlgId: string;
  publicKeyAlgId: string;
  verify(spki: Uint8Array, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

const HASH_OID: Record<Hash, string> = {
  "SHA-256": "608648016503040201",
  "SHA-384": "608648016503040202",
  "SHA-512": "608648016503040203",
};
const HASH_BYTES: Record<Hash, number> = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

const ALG_ID = {
  ecP256: "06072a8648ce3d020106082a8648ce3d030107",
  ecP384: "06072a8648ce3d020106052b81040022",
  ecP521: "06072a8648ce3d020106052b81040023",
  ecdsaSha256: "06082a8648ce3d040302",
  ecdsaSha384: "06082a8648ce3d040303",
  ecdsaSha512: "06082a8648ce3d040304",
  rsaEncryption: "06092a864886f70d0101010500",
  ed25519: "06032b6570",
} as const;

const RSA_PKCS1_OID: Record<Hash, string> = {
  "SHA-256": "06092a864886f70d01010b",
  "SHA-384": "06092a864886f70d01010c",
  "SHA-512": "06092a864886f70d01010d",
};

/** webpki's RSA-PSS identifiers: MGF1 with the same hash and salt length = hash length, nothing else. */
function rsaPssAlgId(hash: Hash): string {
  const hashAlg = `300d0609${HASH_OID[hash]}0500`;
  const salt = HASH_BYTES[hash].toString(16).padStart(2, "0");
  return `06092a864886f70d01010a3034a00f${hashAlg}a11c301a06092a864886f70d010108${hashAlg}a2030201${salt}`;
}

type EcCurve = "P-256" | "P-384" | "P-521";
const CURVE_BYTES: Record<EcCurve, number> = { "P-256": 32, "P-384": 48, "P-521": 66 };

function ecdsa(curve: EcCurve, hash: Hash): SignatureAlgorithm {
  const keyId = curve === "P-256" ? ALG_ID.ecP256 : curve === "P-384" ? ALG_ID.ecP384 : ALG_ID.ecP521;
  const sigId = hash === "SHA-256" ? ALG_ID.ecdsaSha256 : hash === "SHA-384" ? ALG_ID.ecdsaSha384 : ALG_ID.ecdsaSha512;
  return {
    name: `ECDSA_${curve.replace("-", "")}_${hash.replace("-", "")}`,
    signatureAlgId: sigId,
    publicKeyAlgId: keyId,
    async verify(spki, publicKey, message, signature) {
      // ring only accepts uncompressed points and strict DER (r, s).
      const raw = ecdsaDerToRaw(signature, CURVE_BYTES[curve]);
      if (!raw || publicKey[0] !== 0x04) return false;
      const key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: curve }, false, ["verify"]);
      return crypto.subtle.verify({ name: "ECDSA", hash }, key, raw, message);
    },
  };
}

function rsaPkcs1(hash: Hash, absentParams: boolean): SignatureAlgorithm {
  return {
    name: `RSA_PKCS1_2048_8192_${hash.replace("-", "")}${absentParams ? "_ABSENT_PARAMS" : ""}`,
    signatureAlgId: RSA_PKCS1_OID[hash] + (absentParams ? "" : "0500"),
    publicKeyAlgId: ALG_ID.rsaEncryption,
    async verify(spki, _publicKey, message, signature) {
      const key = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["verify"]);
      if (!rsaSizeOk(key)) return false;
      return crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, key, signature, message);
    },
  };
}

function rsaPss(hash: Hash): SignatureAlgorithm {
  return {
    name: `RSA_PSS_2048_8192_${hash.replace("-", "")}_LEGACY_KEY`,
    signatureAlgId: rsaPssAlgId(hash),
    publicKeyAlgId: ALG_ID.rsaEncryption,
    async verify(spki, _publicKey, message, signature) {
      const key = await crypto.subtle.importKey("spki", spki, { name: "RSA-PSS", hash }, false, ["verify"]);
      if (!rsaSizeOk(key)) return false;
      return crypto.subtle.verify({ name: "RSA-PSS", saltLength: HASH_BYTES[hash] }, key, signature, message);
    },
  };
}

const ED25519: SignatureAlgorithm = {
  name: "ED25519",
  signatureAlgId: ALG_ID.ed25519,
  publicKeyAlgId: ALG_ID.ed25519,
  async verify(spki, _publicKey, message, signature) {
    const key = await crypto.subtle.importKey("spki", spki, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  },
};

/** ring's RSA verifiers reject moduli outside 2048..8192 bits (a failed verification, not "unsupported"). */
function rsaSizeOk(key: webcrypto.CryptoKey): boolean {
  const bits = (key.algorithm as webcrypto.RsaHashedKeyAlgorithm).modulusLength;
  return bits >= 2048 && bits <= 8192;
}

const COMMON_ALGORITHMS: readonly SignatureAlgorithm[] = [
  ecdsa("P-256", "SHA-256"),
  ecdsa("P-256", "SHA-384"),
  ecdsa("P-384", "SHA-256"),
  ecdsa("P-384", "SHA-384"),
  ED25519,
  rsaPss("SHA-256"),
  rsaPss("SHA-384"),
  rsaPss("SHA-512"),
  rsaPkcs1("SHA-256", false),
  rsaPkcs1("SHA-384", false),
  rsaPkcs1("SHA-512", false),
  rsaPkcs1("SHA-256", true),
  rsaPkcs1("SHA-384", true),
  rsaPkcs1("SHA-512", true),
];

// rustls 0.23 `crypto::ring::SUPPORTED_SIG_ALGS` and `crypto::aws_lc_rs::SUPPORTED_SIG_ALGS`.
// Neither contains any SHA-1 (or MD5) algorithm, so such signatures are UnsupportedSignatureAlgorithm.
const PROVIDER_ALGORITHMS: Record<"ring" | "aws-lc-rs", readonly SignatureAlgorithm[]> = {
  ring: COMMON_ALGORITHMS,
  "aws-lc-rs": [...COMMON_ALGORITHMS, ecdsa("P-521", "SHA-256"), ecdsa("P-521", "SHA-384"), ecdsa("P-521", "SHA-512")],
};

/** webpki `verify_signed_data`: pick by signature AlgorithmIdentifier, then require a matching key type. */
async function verifySignedData(ctx: Context, issuerSpki: Uint8Array, issuerLabel: string, cert: Cert): Promise<Failure | undefined> {
  const fail = (kind: WebpkiErrorName, detail: string): Failure => ({ kind, certIndex: cert.index, detail });
  if (--ctx.budget.signatures < 0) return fail("MaximumSignatureChecksExceeded", "more than 100 signature checks were needed");

  const sigAlgId = toHex(cert.signatureAlgorithm);
  let keyTypeMismatch = false;
  for (const alg of ctx.algorithms) {
    if (alg.signatureAlgId !== sigAlgId) continue;
    let spki: { algorithmId: Uint8Array; publicKey: Uint8Array };
    try {
      spki = parseSpki(issuerSpki);
    } catch (err) {
      return parseFailure(err, cert.index);
    }
    if (alg.publicKeyAlgId !== toHex(spki.algorithmId)) {
      keyTypeMismatch = true;
      continue;
    }
    if (await safeVerify(alg, issuerSpki, spki.publicKey, cert)) return undefined;
    return fail("InvalidSignatureForPublicKey", `the signature on '${cert.label}' does not verify with the public key of '${issuerLabel}'`);
  }
  const algName = signatureAlgorithmName(cert.signatureAlgorithm);
  return keyTypeMismatch
    ? fail("UnsupportedSignatureAlgorithmForPublicKey", `'${cert.label}' is signed with ${algName}, which does not fit the key type of '${issuerLabel}' (or that curve/key type is not supported)`)
    : fail("UnsupportedSignatureAlgorithm", `'${cert.label}' is signed with ${algName}, which rustls/webpki does not accept`);
}

async function safeVerify(alg: SignatureAlgorithm, spki: Uint8Array, publicKey: Uint8Array, cert: Cert): Promise<boolean> {
  try {
    return await alg.verify(spki, publicKey, cert.tbs, cert.signature);
  } catch {
    // A key WebCrypto cannot import is a key ring cannot use either: the signature fails.
    return false;
  }
}

function parseSpki(spki: Uint8Array): { algorithmId: Uint8Array; publicKey: Uint8Array } {
  const reader = new DerReader(readSingle(spki, Tag.Sequence).value);
  const algorithmId = reader.expect(Tag.Sequence).value;
  const publicKey = bitStringBytes(reader.expect(Tag.BitString));
  reader.finish();
  return { algorithmId, publicKey };
}

/** DER Ecdsa-Sig-Value -> fixed-width r||s as WebCrypto wants; undefined if not strict DER. */
function ecdsaDerToRaw(signature: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const reader = new DerReader(readSingle(signature, Tag.Sequence).value);
    const r = positiveInteger(reader.expect(Tag.Integer).value, size);
    const s = positiveInteger(reader.expect(Tag.Integer).value, size);
    reader.finish();
    if (!r || !s) return undefined;
    const raw = new Uint8Array(size * 2);
    raw.set(r, size - r.length);
    raw.set(s, size * 2 - s.length);
    return raw;
  } catch {
    return undefined;
  }
}

function positiveInteger(value: Uint8Array, size: number): Uint8Array | undefined {
  const [first, second] = value;
  if (first === undefined || first >= 0x80) return undefined;
  if (first === 0x00 && (second === undefined || second < 0x80)) return undefined; // zero or non-minimal
  const magnitude = first === 0x00 ? value.subarray(1) : value;
  return magnitude.length <= size ? magnitude : undefined;
}

const SIGNATURE_OID_NAMES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.10": "RSASSA-PSS",
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "1.2.840.10040.4.3": "dsa-with-SHA1",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
};
const WEAK_DIGEST_OIDS = new Set(["1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.10040.4.3"]);

function signatureOid(algorithmId: Uint8Array): string | undefined {
  try {
    return oidToString(new DerReader(algorithmId).expect(Tag.Oid).value);
  } catch {
    return undefined;
  }
}

function signatureAlgorithmName(algorithmId: Uint8Array): string {
  const oid = signatureOid(algorithmId);
  if (!oid) return "an unreadable algorithm";
  return SIGNATURE_OID_NAMES[oid] ?? oid;
}

// ---------------------------------------------------------------------------------------------
// Names: DNS / IP matching and name constraints (webpki subject_name/*)
// ---------------------------------------------------------------------------------------------

type GeneralName =
  | { type: "dns"; value: Uint8Array }
  | { type: "directory" }
  | { type: "ip"; value: Uint8Array }
  | { type: "uri"; value: Uint8Array }
  | { type: "unsupported"; tag: number };

function readGeneralName(reader: DerReader): GeneralName {
  const { tag, value } = reader.read();
  switch (tag) {
    case 0x82:
      return { type: "dns", value };
    case 0xa4:
      return { type: "directory" };
    case 0x87:
      return { type: "ip", value };
    case 0x86:
      return { type: "uri", value };
    case 0xa0: // otherName
    case 0x81: // rfc822Name
    case 0xa3: // x400Address
    case 0xa5: // ediPartyName
    case 0x88: // registeredID
      return { type: "unsupported", tag: tag & ~0xa0 };
    default:
      throw new PkiError("BadDer", `unknown GeneralName tag 0x${hexByte(tag)}`);
  }
}

function subjectAltNames(cert: Cert): GeneralName[] {
  if (!cert.ext.subjectAltName) return [];
  const reader = new DerReader(cert.ext.subjectAltName.value);
  const names: GeneralName[] = [];
  while (!reader.atEnd()) names.push(readGeneralName(reader));
  return names;
}

type DnsRole = "Reference" | "Presented" | "NameConstraint";

/** webpki `is_valid_dns_id` (RFC 5280 7.2 + underscores; wildcards only as a whole leftmost '*'). */
function isValidDnsId(id: string, role: DnsRole, allowWildcards: boolean): boolean {
  if (id.length > 253) return false;
  if (role === "NameConstraint" && id.length === 0) return true;
  const isWildcard = allowWildcards && id.startsWith("*");
  let i = 0;
  let dotCount = 0;
  if (isWildcard) {
    if (id[1] !== ".") return false;
    i = 2;
    dotCount = 1;
  }
  if (i >= id.length) return false;
  let labelLength = 0;
  let labelIsAllNumeric = false;
  let labelEndsWithHyphen = false;
  let isFirstByte = !isWildcard;
  for (; i < id.length; i++) {
    const c = id[i] as string;
    if (c === "-") {
      if (labelLength === 0) return false;
      labelIsAllNumeric = false;
      labelEndsWithHyphen = true;
      labelLength++;
    } else if (c >= "0" && c <= "9") {
      if (labelLength === 0) labelIsAllNumeric = true;
      labelEndsWithHyphen = false;
      labelLength++;
    } else if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_") {
      labelIsAllNumeric = false;
      labelEndsWithHyphen = false;
      labelLength++;
    } else if (c === ".") {
      dotCount++;
      if (labelLength === 0 && (role !== "NameConstraint" || !isFirstByte)) return false;
      if (labelEndsWithHyphen) return false;
      labelLength = 0;
    } else {
      return false;
    }
    if (labelLength > 63) return false;
    isFirstByte = false;
  }
  // Only reference IDs may be absolute (trailing dot).
  if (labelLength === 0 && role !== "Reference") return false;
  if (labelEndsWithHyphen || labelIsAllNumeric) return false;
  if (isWildcard) {
    // Like NSS, at least two labels must follow the wildcard label.
    const labelCount = labelLength === 0 ? dotCount : dotCount + 1;
    if (labelCount < 3) return false;
  }
  return true;
}

type DnsMatchRole = "Reference" | "Permitted" | "Excluded";

/**
 * webpki `presented_id_matches_reference_id`. A wildcard is only a whole leftmost "*" label that
 * stands for exactly one non-empty label; wildcards are not expanded against permitted subtrees
 * (RUSTSEC-2026-0099) but are against excluded ones.
 */
function dnsNameMatches(presentedRaw: string, referenceRaw: string, role: DnsMatchRole): boolean {
  if (!isValidDnsId(presentedRaw, "Presented", true)) {
    throw new PkiError("MalformedDnsIdentifier", `malformed DNS name '${presentedRaw}' in the certificate`);
  }
  if (!isValidDnsId(referenceRaw, role === "Reference" ? "Reference" : "NameConstraint", false)) {
    throw new PkiError(role === "Reference" ? "MalformedDnsIdentifier" : "MalformedNameConstraint", `malformed DNS name '${referenceRaw}'`);
  }
  const presented = presentedRaw.toLowerCase();
  const reference = referenceRaw.toLowerCase();
  let p = 0;
  let r = 0;
  if (role !== "Reference" && presented.length > reference.length) {
    if (reference.length === 0) return true; // an empty constraint matches everything
    if (reference.startsWith(".")) {
      p = presented.length - reference.length;
    } else {
      p = presented.length - reference.length - 1;
      if (presented[p] !== ".") return false; // whole labels only: "bigfoo.com" is not under "foo.com"
      p++;
    }
  }
  if (role !== "Permitted" && presented[p] === "*") {
    p++;
    do {
      if (r >= reference.length) return false;
      r++;
    } while (reference[r] !== ".");
  }
  for (;;) {
    if (p >= presented.length || r >= reference.length || presented[p] !== reference[r]) return false;
    p++;
    r++;
    if (p >= presented.length) break;
  }
  if (r < reference.length) {
    // A relative presented name matches an absolute reference name ("example.com.").
    if (role === "Reference") {
      if (reference[r] !== ".") return false;
      r++;
    }
    if (r < reference.length) return false;
  }
  return true;
}

/** webpki `ip_address::presented_id_matches_constraint`: address/mask with a CIDR-shaped mask. */
function ipMatchesConstraint(name: Uint8Array, constraint: Uint8Array): boolean {
  const pair = `${name.length}/${constraint.length}`;
  if (pair === "4/32" || pair === "16/8") return false; // other address family
  if (name.length !== 4 && name.length !== 16) throw new PkiError("BadDer", "IP address SAN has an invalid length");
  if (constraint.length !== name.length * 2) throw new PkiError("InvalidNetworkMaskConstraint", "IP name constraint has an invalid length");
  let seenZeroBit = false;
  for (let i = 0; i < name.length; i++) {
    const address = constraint[i] as number;
    const mask = constraint[i + name.length] as number;
    const leadingOnes = Math.clz32(~(mask << 24));
    const trailingZeros = mask === 0 ? 8 : 31 - Math.clz32(mask & -mask);
    if (leadingOnes + trailingZeros !== 8 || (seenZeroBit && mask !== 0)) {
      throw new PkiError("InvalidNetworkMaskConstraint", "IP name constraint mask is not a CIDR prefix");
    }
    if (mask !== 0xff) seenZeroBit = true;
    if (((name[i] as number) ^ address) & mask) return false;
  }
  return true;
}

type Subtrees = "Permitted" | "Excluded";

/** Compares one name with one constraint of the same form; undefined when the forms differ. */
function matchesConstraint(name: GeneralName, base: GeneralName, subtrees: Subtrees): boolean | undefined {
  if (name.type === "dns" && base.type === "dns") return dnsNameMatches(latin1(name.value), latin1(base.value), subtrees);
  if (name.type === "ip" && base.type === "ip") return ipMatchesConstraint(name.value, base.value);
  // webpki implements neither directoryName nor URI constraints: it fails closed on both.
  if (name.type === "directory" && base.type === "directory") return subtrees === "Excluded";
  if (name.type === "uri" && base.type === "uri") return subtrees === "Excluded";
  if (name.type === "unsupported" && base.type === "unsupported" && name.tag === base.tag) {
    throw new PkiError("NameConstraintViolation", "a name form webpki cannot check is constrained");
  }
  return undefined;
}

interface NameConstraints {
  permitted?: Uint8Array;
  excluded?: Uint8Array;
  ownerLabel: string;
}

function parseNameConstraints(contents: Uint8Array, ownerLabel: string): NameConstraints {
  const reader = new DerReader(contents);
  const permitted = reader.peek(Tag.Ctx0) ? reader.expect(Tag.Ctx0).value : undefined;
  const excluded = reader.peek(Tag.Ctx1) ? reader.expect(Tag.Ctx1).value : undefined;
  reader.finish();
  const constraints: NameConstraints = { ownerLabel };
  if (permitted) constraints.permitted = permitted;
  if (excluded) constraints.excluded = excluded;
  return constraints;
}

function checkNameAgainstConstraints(name: GeneralName, constraints: NameConstraints, budget: Budget): void {
  const groups: Array<[Subtrees, Uint8Array | undefined]> = [
    ["Permitted", constraints.permitted],
    ["Excluded", constraints.excluded],
  ];
  for (const [subtrees, encoded] of groups) {
    if (!encoded) continue;
    let anyMatch = false;
    let anyMismatch = false;
    const reader = new DerReader(encoded);
    while (!reader.atEnd()) {
      if (--budget.nameConstraintComparisons < 0) {
        throw new PkiError("MaximumNameConstraintComparisonsExceeded", "more than 250000 name constraint comparisons");
      }
      // GeneralSubtree: only `base`; minimum/maximum must be absent.
      const subtree = new DerReader(reader.expect(Tag.Sequence).value);
      const base = readGeneralName(subtree);
      subtree.finish();
      const matches = matchesConstraint(name, base, subtrees);
      if (matches === undefined) continue;
      if (subtrees === "Excluded" && matches) {
        throw new PkiError("NameConstraintViolation", `${describeGeneralName(name)} is in an excluded subtree of '${constraints.ownerLabel}'`);
      }
      if (matches) anyMatch = true;
      else anyMismatch = true;
    }
    if (anyMismatch && !anyMatch) {
      throw new PkiError("NameConstraintViolation", `${describeGeneralName(name)} is outside the permitted subtrees of '${constraints.ownerLabel}'`);
    }
  }
}

/** Checks `certs` (the constrained one first, down to the leaf): every SAN plus the subject DN. */
function checkCertsAgainstConstraints(certs: Cert[], constraints: NameConstraints, budget: Budget): Failure | undefined {
  for (const cert of certs) {
    try {
      for (const name of subjectAltNames(cert)) checkNameAgainstConstraints(name, constraints, budget);
      checkNameAgainstConstraints({ type: "directory" }, constraints, budget);
    } catch (err) {
      return parseFailure(err, cert.index);
    }
  }
  return undefined;
}

type ServerName = { kind: "dns"; name: string } | { kind: "ip"; octets: Uint8Array; text: string };

/** rustls-pki-types `ServerName::try_from(&str)`: a valid DNS name first, else an IP address. */
function parseServerName(raw: string): ServerName | undefined {
  const text = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  if (isValidDnsId(text, "Reference", false)) return { kind: "dns", name: text };
  const octets = parseIpAddress(text);
  return octets ? { kind: "ip", octets, text } : undefined;
}

function parseIpAddress(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split(".").map(Number));
  if (!isIPv6(text) || text.includes("%")) return undefined;
  return parseIpv6(text);
}

function parseIpv6(text: string): Uint8Array | undefined {
  const groupsOf = (part: string): number[] => {
    if (part === "") return [];
    const pieces = part.split(":");
    const last = pieces[pieces.length - 1] as string;
    const words = pieces.map((piece) => parseInt(piece, 16));
    if (last.includes(".")) {
      const v4 = last.split(".").map(Number) as [number, number, number, number];
      words.splice(words.length - 1, 1, (v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    }
    return words;
  };
  const [head = "", tail] = text.split("::");
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const zeros = 8 - left.length - right.length;
  const words = [...left, ...new Array<number>(Math.max(zeros, 0)).fill(0), ...right];
  if (words.length !== 8) return undefined;
  return Uint8Array.from(words.flatMap((word) => [word >> 8, word & 0xff]));
}

/** webpki `verify_is_valid_for_subject_name`: SAN entries only, never the subject CN. */
function verifyServerName(leaf: Cert, serverName: string): Failure | undefined {
  const fail = (kind: WebpkiErrorName, detail: string): Failure => ({ kind, certIndex: 0, detail });
  const reference = parseServerName(serverName);
  if (!reference) return fail("CertNotValidForName", `'${serverName}' is neither a valid DNS name nor an IP address, so rustls cannot verify it`);

  let names: GeneralName[];
  try {
    names = subjectAltNames(leaf);
  } catch (err) {
    return parseFailure(err, 0);
  }
  for (const name of names) {
    if (reference.kind === "ip" && name.type === "ip" && bytesEqual(name.value, reference.octets)) return undefined;
    if (reference.kind === "dns" && name.type === "dns" && dnsMatchesQuietly(latin1(name.value), reference.name)) return undefined;
  }
  const presented = names.map(describeGeneralName);
  const listed = presented.length > 0 ? presented.join(", ") : "no subjectAltName entries (the subject CN is ignored)";
  const wanted = reference.kind === "ip" ? `IP address ${reference.text}` : `'${reference.name}'`;
  return fail("CertNotValidForName", `the certificate '${leaf.label}' is not valid for ${wanted}; it names ${listed}`);
}

/** Malformed presented names are skipped, not fatal, when matching the server name. */
function dnsMatchesQuietly(presented: string, reference: string): boolean {
  try {
    return dnsNameMatches(presented, reference, "Reference");
  } catch {
    return false;
  }
}

function describeGeneralName(name: GeneralName): string {
  switch (name.type) {
    case "dns":
      return `DNS:${latin1(name.value)}`;
    case "ip":
      return `IP:${formatIp(name.value)}`;
    case "uri":
      return `URI:${latin1(name.value)}`;
    case "directory":
      return "the subject name";
    case "unsupported":
      return `a GeneralName of type [${name.tag}]`;
  }
}

function formatIp(octets: Uint8Array): string {
  if (octets.length === 4) return Array.from(octets).join(".");
  if (octets.length !== 16) return toHex(octets);
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((octets[i] as number) << 8) | (octets[i + 1] as number)).toString(16));
  return words.join(":");
}

// ---------------------------------------------------------------------------------------------
// Path building (webpki verify_cert.rs `build_chain_inner`)
// ---------------------------------------------------------------------------------------------

// webpki MAX_SUB_CA_COUNT: at most 6 intermediates between the leaf and the anchor.
const MAX_SUB_CA_COUNT = 6;

interface Budget {
  signatures: number;
  buildChainCalls: number;
  nameConstraintComparisons: number;
}

interface DeadEnd {
  cert: Cert;
  depth: number;
}

interface Context {
  anchors: readonly TrustAnchor[];
  /** Every presented certificate, parsed once (webpki re-parses each time; same outcome). */
  presented: ReadonlyArray<Cert | Failure>;
  /** `presented` minus the leaf: what rustls hands webpki as `intermediates`. */
  intermediates: ReadonlyArray<Cert | Failure>;
  now: number;
  algorithms: readonly SignatureAlgorithm[];
  budget: Budget;
  /** Deepest certificate whose issuer name matched nothing: the diagnosis for UnknownIssuer. */
  deadEnd?: DeadEnd;
}

type Outcome = { ok: true; anchor: TrustAnchor; path: Cert[] } | { ok: false; failure: Failure };

function newContext(input: VerifyInput, leaf: Cert): Context {
  const intermediates = input.presented.slice(1).map((der, i): Cert | Failure => {
    try {
      return parseCert(der, i + 1);
    } catch (err) {
      return parseFailure(err, i + 1);
    }
  });
  return {
    anchors: input.anchors.map(normaliseAnchor),
    presented: [leaf, ...intermediates],
    intermediates,
    now: Math.floor(input.now.getTime() / 1000),
    algorithms: PROVIDER_ALGORITHMS[input.cryptoProvider ?? "ring"],
    // webpki Budget::default().
    budget: { signatures: 100, buildChainCalls: 200_000, nameConstraintComparisons: 250_000 },
  };
}

/**
 * One step of the depth-first search. `path[0]` is the leaf, the last element the current head.
 * Anchors are tried before presented intermediates; the first complete path wins; otherwise the
 * most specific error (webpki ranking) is returned.
 */
async function buildChain(ctx: Context, path: Cert[], subCaCount: number): Promise<Outcome> {
  const head = path[path.length - 1] as Cert;
  const role: Role = path.length === 1 ? "EndEntity" : "Issuer";
  // Checked before any issuer is considered: an expired leaf is Expired even if its issuer is unknown.
  const own = checkIssuerIndependent(head, role, subCaCount, ctx.now);
  if (own) return { ok: false, failure: own };

  let best: Failure = { kind: "UnknownIssuer", certIndex: head.index, detail: "" };
  let issuerNameSeen = false;

  for (const anchor of ctx.anchors) {
    if (!bytesEqual(anchor.subjectDer, head.issuer)) continue;
    issuerNameSeen = true;
    const failure = (await checkSignedChain(ctx, path, anchor)) ?? checkChainNameConstraints(ctx, path, anchor);
    if (!failure) return { ok: true, anchor, path };
    if (isFatal(failure.kind)) return { ok: false, failure };
    best = mostSpecific(best, failure);
  }

  for (const candidate of ctx.intermediates) {
    if (!isCert(candidate)) {
      best = mostSpecific(best, candidate); // an unparseable presented cert still counts (webpki parses each time)
      continue;
    }
    if (!bytesEqual(candidate.subject, head.issuer)) continue;
    // RFC 4158 5.2 loop prevention: the same subject+key may not appear twice in a path.
    if (path.some((c) => bytesEqual(c.spki, candidate.spki) && bytesEqual(c.subject, candidate.subject))) continue;
    issuerNameSeen = true;
    if (--ctx.budget.buildChainCalls < 0) {
      return { ok: false, failure: { kind: "MaximumPathBuildCallsExceeded", certIndex: candidate.index, detail: "path building gave up after 200000 attempts" } };
    }
    if (path.length - 1 >= MAX_SUB_CA_COUNT) {
      best = mostSpecific(best, { kind: "MaximumPathDepthExceeded", certIndex: candidate.index, detail: `a path would need more than ${MAX_SUB_CA_COUNT} intermediates` });
      continue;
    }
    const nextSubCaCount = role === "EndEntity" ? subCaCount : subCaCount + 1;
    const outcome = await buildChain(ctx, [...path, candidate], nextSubCaCount);
    if (outcome.ok || isFatal(outcome.failure.kind)) return outcome;
    best = mostSpecific(best, outcome.failure);
  }

  if (!issuerNameSeen) recordDeadEnd(ctx, head, path.length);
  return { ok: false, failure: best };
}

/** Signatures from the anchor down to the leaf (webpki `check_signed_chain`). */
async function checkSignedChain(ctx: Context, path: Cert[], anchor: TrustAnchor): Promise<Failure | undefined> {
  let issuerSpki = anchor.spkiDer;
  let issuerLabel = anchor.label ?? describeName(anchor.subjectDer);
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as Cert;
    const failure = await verifySignedData(ctx, issuerSpki, issuerLabel, cert);
    if (failure?.kind === "InvalidSignatureForPublicKey" && i === path.length - 1) {
      // The classic re-signing-proxy defect: the trusted copy has the right name but another key.
      failure.detail += ` (a trusted root${anchor.source ? ` from ${anchor.source}` : ""} has that name but a different key: is the trusted copy stale or from another proxy?)`;
    }
    if (failure) return failure;
    issuerSpki = cert.spki;
    issuerLabel = cert.label;
  }
  return undefined;
}

/** The anchor's constraints bind the whole path; each intermediate's bind everything below it. */
function checkChainNameConstraints(ctx: Context, path: Cert[], anchor: TrustAnchor): Failure | undefined {
  let encoded = anchor.nameConstraintsDer;
  let owner = anchor.label ?? describeName(anchor.subjectDer);
  let ownerIndex = -1;
  for (let i = path.length - 1; i >= 0; i--) {
    if (encoded) {
      let constraints: NameConstraints;
      try {
        constraints = parseNameConstraints(readSingle(encoded, Tag.Sequence).value, owner);
      } catch (err) {
        return parseFailure(err, Math.max(ownerIndex, 0));
      }
      const failure = checkCertsAgainstConstraints(path.slice(0, i + 1).reverse(), constraints, ctx.budget);
      if (failure) return failure;
    }
    const cert = path[i] as Cert;
    encoded = cert.ext.nameConstraints?.whole;
    owner = cert.label;
    ownerIndex = cert.index;
  }
  return undefined;
}

function isCert(entry: Cert | Failure): entry is Cert {
  return "tbs" in entry;
}

function recordDeadEnd(ctx: Context, cert: Cert, depth: number): void {
  if (!ctx.deadEnd || depth > ctx.deadEnd.depth) ctx.deadEnd = { cert, depth };
}

/** Anchors built elsewhere may carry Name/SPKI contents without the outer SEQUENCE; accept both. */
function normaliseAnchor(anchor: TrustAnchor): TrustAnchor {
  const subjectDer = isSingleTlv(anchor.subjectDer, Tag.Sequence) ? anchor.subjectDer : wrapSequence(anchor.subjectDer);
  const spkiDer = isSpkiTlv(anchor.spkiDer) ? anchor.spkiDer : wrapSequence(anchor.spkiDer);
  if (subjectDer === anchor.subjectDer && spkiDer === anchor.spkiDer) return anchor;
  // A spread copies own properties only: carry the (possibly lazy) label over explicitly.
  const label = anchor.label;
  return label === undefined ? { ...anchor, subjectDer, spkiDer } : { ...anchor, subjectDer, spkiDer, label };
}

function isSingleTlv(bytes: Uint8Array, tag: number): boolean {
  try {
    readSingle(bytes, tag);
    return true;
  } catch {
    return false;
  }
}

function isSpkiTlv(bytes: Uint8Array): boolean {
  try {
    parseSpki(bytes);
    return true;
  } catch {
    return false;
  }
}

function wrapSequence(contents: Uint8Array): Uint8Array {
  const n = contents.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Uint8Array.from([Tag.Sequence, ...length, ...contents]);
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

function failedPath(failure: Failure, ctx: Context): VerifyResult {
  if (failure.kind !== "UnknownIssuer") {
    const cert = ctx.presented[failure.certIndex];
    const weakDigest = cert !== undefined && isCert(cert) && WEAK_DIGEST_OIDS.has(signatureOid(cert.signatureAlgorithm) ?? "");
    return failed(failure, { weakDigest });
  }
  const deadEnd = ctx.deadEnd?.cert;
  if (!deadEnd) {
    return failed({ ...failure, detail: "no chain to a trusted root could be built from the certificates the server sent" }, {});
  }
  const issuer = describeName(deadEnd.issuer);
  const selfSigned = bytesEqual(deadEnd.issuer, deadEnd.subject);
  const detail = selfSigned
    ? `the chain ends at the self-signed '${deadEnd.label}', which is not a trusted root (no trust anchor has that name)`
    : `the chain ends at '${issuer}' (issuer of '${deadEnd.label}') and no trusted root or presented intermediate has that name`;
  return {
    ...failed({ kind: "UnknownIssuer", certIndex: deadEnd.index, detail }, { deadEndSelfSigned: selfSigned }),
    missingIssuer: issuer,
  };
}

function failed(failure: Failure, openssl: Parameters<typeof opensslReason>[1]): VerifyResult {
  return {
    ok: false,
    error: { code: publicCode(failure.kind), certIndex: failure.certIndex, detail: failure.detail || failure.kind, webpkiError: failure.kind },
    opensslStyle: opensslReason(failure, openssl),
  };
}

const STRUCTURAL_ERRORS: ReadonlySet<WebpkiErrorName> = new Set<WebpkiErrorName>([
  "BadDer",
  "BadDerTime",
  "TrailingData",
  "ExtensionValueInvalid",
  "SignatureAlgorithmMismatch",
  "UnsupportedCertVersion",
  "UnsupportedCriticalExtension",
]);

/** Converts a thrown `PkiError` into a `Failure` about presented certificate `certIndex`. */
function parseFailure(err: unknown, certIndex: number): Failure {
  if (!(err instanceof PkiError)) throw err;
  const detail = STRUCTURAL_ERRORS.has(err.kind) ? `presented certificate #${certIndex} is rejected by webpki: ${err.message}` : err.message;
  return { kind: err.kind, certIndex, detail };
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------


function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function hexByte(b: number): string {
  return b.toString(16).padStart(2, "0");
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

function oidToString(value: Uint8Array): string {
  const parts: number[] = [];
  let acc = 0;
  for (const byte of value) {
    acc = acc * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (parts.length === 0) parts.push(acc < 80 ? Math.floor(acc / 40) : 2, acc < 80 ? acc % 40 : acc - 80);
    else parts.push(acc);
    acc = 0;
  }
  return parts.join(".");
}
