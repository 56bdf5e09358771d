// Strict DER reading (webpki's `der` module: definite minimal lengths, low tag numbers) and the
// byte helpers the verifier shares.
import { describeName as describeDerName } from "../../ca/dn.js";
import { PkiError, WebpkiErrorName } from "./errors.js";

// ---------------------------------------------------------------------------------------------
// DER reading (strict, like webpki's `der` module: definite minimal lengths, low tag numbers)
// ---------------------------------------------------------------------------------------------

export const Tag = {
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

export interface Tlv {
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

export class DerReader {
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
export function readSingle(bytes: Uint8Array, tag: number): Tlv {
  const reader = new DerReader(bytes);
  const tlv = reader.expect(tag);
  reader.finish();
  return tlv;
}

/** webpki `bool::from_der`: an absent BOOLEAN means FALSE; only 0xFF and 0x00 are accepted. */
export function readOptionalBoolean(reader: DerReader): boolean {
  if (!reader.peek(Tag.Boolean)) return false;
  const { value } = reader.read();
  if (value.length === 1 && value[0] === 0xff) return true;
  if (value.length === 1 && value[0] === 0x00) return false;
  throw new PkiError("BadDer", "malformed DER BOOLEAN");
}

/** webpki `u8::from_der`: a non-negative, minimally encoded INTEGER no larger than 255. */
export function readSmallUnsigned(reader: DerReader): number {
  const { value } = reader.expect(Tag.Integer);
  const [first, second] = value;
  if (first === undefined) throw new PkiError("BadDer", "empty INTEGER");
  if (first === 0x00 && value.length === 1) return 0;
  if (first === 0x00 && value.length === 2 && second !== undefined && second >= 0x80) return second;
  if (value.length === 1 && first < 0x80) return first;
  throw new PkiError("BadDer", "INTEGER is negative, non-minimal or larger than 255");
}

/** webpki `bit_string_with_no_unused_bits`. */
export function bitStringBytes(tlv: Tlv): Uint8Array {
  if (tlv.value[0] !== 0x00) throw new PkiError("BadDer", "BIT STRING has unused bits");
  return tlv.value.subarray(1);
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** A Name as text (the same format the bundle summaries use); never throws. */
export function describeName(nameDer: Uint8Array): string {
  return describeDerName(nameDer);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function hexByte(b: number): string {
  return b.toString(16).padStart(2, "0");
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

export function oidToString(value: Uint8Array): string {
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
