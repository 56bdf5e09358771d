// A conservative model of OpenSSL 3's certificate parser (`d2i_X509`, the ASN.1 template decoder
// in crypto/asn1/tasn_dec.c with the X509_NAME and X509_PUBKEY callbacks). It answers one
// question cheaply: "does OpenSSL surely accept this DER?" — true only for certificates in the
// plain, canonical shape nearly every real certificate has. Anything unusual (other string
// types in names, odd parameters, trailing bytes) is "not sure", and the caller asks OpenSSL.
//
// What d2i_X509 checks, and so what "sure" requires here:
// - the template: Certificate { TBSCertificate { [0] version?, serial, AlgorithmIdentifier, Name,
//   Validity, Name, SubjectPublicKeyInfo, [1]?, [2]?, [3] extensions? }, AlgorithmIdentifier,
//   BIT STRING }, every SEQUENCE and EXPLICIT tag filled exactly;
// - INTEGER: non-empty, no illegal padding; OBJECT IDENTIFIER: non-empty, last octet < 0x80, no
//   sub-identifier starting with 0x80; BOOLEAN: one octet; NULL: empty; BIT STRING: unused-bits
//   octet ≤ 7; UTCTime ≥ 13 and GeneralizedTime ≥ 15 octets;
// - Name values: the types X509_NAME_ENTRY allows, converted to UTF-8 for the canonical form
//   (fails on invalid UTF-8, odd-length BMPString, surrogates, code points above U+10FFFF);
// - the public key is decoded opportunistically: a key OpenSSL cannot decode is not an error.
// The model is stricter than all of that (definite minimal lengths, canonical times, a short
// list of string types), and a differential fuzz test holds it to OpenSSL (test/ca/openssl-model).

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const NULL = 0x05;
const OID = 0x06;
const BOOLEAN = 0x01;
const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
const T61_STRING = 0x14;
const IA5_STRING = 0x16;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const BMP_STRING = 0x1e;

/** Thrown (and caught below) when the certificate leaves the canonical shape. */
class NotSure extends Error {}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A strict DER cursor over `bytes[pos, end)`: low tag numbers, definite minimal lengths. */
class Strict {
  tag = 0;
  valueStart = 0;
  end = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private pos: number,
    private readonly limit: number,
  ) {}

  atEnd(): boolean {
    return this.pos === this.limit;
  }

  peek(): number {
    return this.pos < this.limit ? this.bytes[this.pos] : -1;
  }

  next(tag: number): this {
    const bytes = this.bytes;
    let at = this.pos;
    if (at + 2 > this.limit || bytes[at] !== tag) throw new NotSure();
    at++;
    let length = bytes[at++];
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 3 || at + count > this.limit || bytes[at] === 0) throw new NotSure();
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + bytes[at++];
      if (length < 0x80) throw new NotSure();
    }
    if (at + length > this.limit) throw new NotSure();
    this.tag = tag;
    this.valueStart = at;
    this.end = at + length;
    this.pos = this.end;
    return this;
  }

  inner(): Strict {
    return new Strict(this.bytes, this.valueStart, this.end);
  }

  get length(): number {
    return this.end - this.valueStart;
  }

  byte(offset: number): number {
    return this.bytes[this.valueStart + offset];
  }

  value(): Uint8Array {
    return this.bytes.subarray(this.valueStart, this.end);
  }

  finish(): void {
    if (!this.atEnd()) throw new NotSure();
  }
}

function integer(r: Strict): void {
  r.next(INTEGER);
  const n = r.length;
  if (n === 0) throw new NotSure();
  if (n > 1) {
    const a = r.byte(0);
    const b = r.byte(1);
    if ((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80)) throw new NotSure();
  }
}

function oid(r: Strict): void {
  r.next(OID);
  const n = r.length;
  if (n === 0 || r.byte(n - 1) & 0x80) throw new NotSure();
  for (let i = 0; i < n; i++) {
    if (r.byte(i) === 0x80 && (i === 0 || !(r.byte(i - 1) & 0x80))) throw new NotSure();
  }
}

function bitString(r: Strict, tag = BIT_STRING): void {
  r.next(tag);
  if (r.length === 0 || r.byte(0) > 7 || (r.length === 1 && r.byte(0) !== 0)) throw new NotSure();
}

/** AlgorithmIdentifier with no, NULL, OID or SEQUENCE parameters. */
function algorithm(r: Strict): void {
  const a = r.next(SEQUENCE).inner();
  oid(a);
  switch (a.peek()) {
    case -1:
      return;
    case NULL:
      if (a.next(NULL).length !== 0) throw new NotSure();
      break;
    case OID:
      oid(a);
      break;
    case SEQUENCE:
      a.next(SEQUENCE);
      break;
    default:
      throw new NotSure();
  }
  a.finish();
}

function time(r: Strict): void {
  const tag = r.peek();
  if (tag !== UTC_TIME && tag !== GENERALIZED_TIME) throw new NotSure();
  r.next(tag);
  const digits = tag === UTC_TIME ? 12 : 14;
  if (r.length !== digits + 1 || r.byte(digits) !== 0x5a) throw new NotSure();
  for (let i = 0; i < digits; i++) {
    const c = r.byte(i);
    if (c < 0x30 || c > 0x39) throw new NotSure();
  }
}

function nameValue(r: Strict): void {
  const tag = r.peek();
  switch (tag) {
    case PRINTABLE_STRING:
    case T61_STRING:
    case IA5_STRING:
      r.next(tag);
      return;
    case UTF8_STRING:
      r.next(tag);
      try {
        fatalUtf8.decode(r.value());
      } catch {
        throw new NotSure();
      }
      return;
    case BMP_STRING: {
      r.next(tag);
      if (r.length % 2 !== 0) throw new NotSure();
      for (let i = 0; i < r.length; i += 2) {
        const high = r.byte(i);
        if (high >= 0xd8 && high <= 0xdf) throw new NotSure();
      }
      return;
    }
    default:
      throw new NotSure();
  }
}

function name(r: Strict): void {
  const rdns = r.next(SEQUENCE).inner();
  if (r.length > 65_536) throw new NotSure();
  while (!rdns.atEnd()) {
    const set = rdns.next(SET).inner();
    if (set.atEnd()) throw new NotSure();
    while (!set.atEnd()) {
      const atv = set.next(SEQUENCE).inner();
      oid(atv);
      nameValue(atv);
      atv.finish();
    }
  }
}

function extensions(r: Strict): void {
  const explicit = r.next(0xa3).inner();
  const list = explicit.next(SEQUENCE).inner();
  explicit.finish();
  while (!list.atEnd()) {
    const ext = list.next(SEQUENCE).inner();
    oid(ext);
    if (ext.peek() === BOOLEAN && ext.next(BOOLEAN).length !== 1) throw new NotSure();
    ext.next(OCTET_STRING);
    ext.finish();
  }
}

function certificate(der: Uint8Array): void {
  const outer = new Strict(der, 0, der.length);
  const cert = outer.next(SEQUENCE).inner();
  outer.finish();

  const tbs = cert.next(SEQUENCE).inner();
  if (tbs.peek() === 0xa0) {
    const version = tbs.next(0xa0).inner();
    integer(version);
    version.finish();
  }
  integer(tbs); // serialNumber
  algorithm(tbs);
  name(tbs); // issuer
  const validity = tbs.next(SEQUENCE).inner();
  time(validity);
  time(validity);
  validity.finish();
  name(tbs); // subject
  const spki = tbs.next(SEQUENCE).inner();
  algorithm(spki);
  bitString(spki);
  spki.finish();
  if (tbs.peek() === 0x81) bitString(tbs, 0x81);
  if (tbs.peek() === 0x82) bitString(tbs, 0x82);
  if (tbs.peek() === 0xa3) extensions(tbs);
  tbs.finish();

  algorithm(cert);
  bitString(cert);
  cert.finish();
}

/** True when OpenSSL's certificate parser surely accepts `der`; false means "ask OpenSSL". */
export function surelyParsesWithOpenssl(der: Uint8Array): boolean {
  try {
    certificate(der);
    return true;
  } catch (err) {
    if (err instanceof NotSure) return false;
    throw err;
  }
}
