// A small DER reader for certificate summaries: one pass, no recursion, no copies, every length
// checked against the bytes that hold it. Accepts long-form lengths that are not minimal (as
// BER readers do) but never indefinite ones. Throws DerError on anything malformed.

export class DerError extends Error {}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
  ctx0: 0xa0,
  ctx1: 0xa1,
  ctx2: 0xa2,
  ctx3: 0xa3,
} as const;

export interface Tlv {
  tag: number;
  /** Tag, length and contents. */
  whole: Uint8Array;
  /** Contents only. */
  value: Uint8Array;
}

/**
 * Reads consecutive TLVs of `input[start, end)`. After `read()` the element's tag and offsets are
 * on the reader itself (tag, start, valueStart, end), so walking a certificate allocates nothing
 * but the sub-readers it descends into and the fields it keeps.
 */
export class DerReader {
  private pos: number;
  tag = 0;
  /** Offsets of the element last read. */
  start = 0;
  valueStart = 0;
  end = 0;

  constructor(
    readonly input: Uint8Array,
    from = 0,
    private readonly limit = input.length,
  ) {
    this.pos = from;
  }

  atEnd(): boolean {
    return this.pos >= this.limit;
  }

  peekTag(): number | undefined {
    return this.pos < this.limit ? this.input[this.pos] : undefined;
  }

  read(): this {
    const input = this.input;
    const start = this.pos;
    if (start + 2 > this.limit) throw new DerError("DER data ends early");
    const tag = input[start];
    if ((tag & 0x1f) === 0x1f) throw new DerError("high-numbered tags are not supported");
    let at = start + 1;
    let length = input[at++];
    if (length >= 0x80) {
      const count = length & 0x7f;
      // Indefinite lengths are BER only; more than 4 length bytes cannot describe a certificate.
      if (count === 0 || count > 4) throw new DerError("unsupported length encoding");
      if (at + count > this.limit) throw new DerError("DER data ends early");
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + input[at++];
    }
    const end = at + length;
    if (end > this.limit) throw new DerError("a length runs past the end of the data");
    this.tag = tag;
    this.start = start;
    this.valueStart = at;
    this.end = end;
    this.pos = end;
    return this;
  }

  expect(tag: number): this {
    this.read();
    if (this.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${this.tag.toString(16)}`);
    return this;
  }

  /** Reads the next element when it has this tag; false (nothing consumed) otherwise. */
  optional(tag: number): boolean {
    if (this.peekTag() !== tag) return false;
    this.read();
    return true;
  }

  /** A reader over the contents of the element last read. */
  inner(): DerReader {
    return new DerReader(this.input, this.valueStart, this.end);
  }

  /** The contents of the element last read. */
  value(): Uint8Array {
    return this.input.subarray(this.valueStart, this.end);
  }

  /** The element last read, tag and length included. */
  whole(): Uint8Array {
    return this.input.subarray(this.start, this.end);
  }

  tlv(): Tlv {
    return { tag: this.tag, whole: this.whole(), value: this.value() };
  }
}

/** Dotted-decimal text of an OBJECT IDENTIFIER's contents (`value[start, end)`). */
export function oidText(value: Uint8Array, start = 0, end = value.length): string {
  if (end <= start) throw new DerError("empty OBJECT IDENTIFIER");
  let text = "";
  let first = true;
  let acc = 0;
  let big: bigint | undefined;
  for (let i = start; i < end; i++) {
    const byte = value[i];
    if (big !== undefined) big = big * 128n + BigInt(byte & 0x7f);
    else {
      acc = acc * 128 + (byte & 0x7f);
      // Past 2^46 another 7 bits would lose digits: carry on in BigInt.
      if (acc > Number.MAX_SAFE_INTEGER / 128) big = BigInt(acc);
    }
    if (byte & 0x80) {
      if (i === end - 1) throw new DerError("truncated OBJECT IDENTIFIER");
      continue;
    }
    const n = big ?? acc;
    if (first) {
      if (n < 40) text = `0.${n}`;
      else if (n < 80) text = `1.${Number(n) - 40}`;
      else text = `2.${typeof n === "bigint" ? n - 80n : n - 80}`;
      first = false;
    } else {
      text += `.${n}`;
    }
    acc = 0;
    big = undefined;
  }
  return text;
}

/** Dotted-decimal text of the OBJECT IDENTIFIER last read. */
export function readOid(reader: DerReader): string {
  return oidText(reader.input, reader.valueStart, reader.end);
}

/** The bytes of the BIT STRING last read (after its unused-bits octet). */
export function bitStringBytes(reader: DerReader): Uint8Array {
  if (reader.end === reader.valueStart) throw new DerError("empty BIT STRING");
  return reader.input.subarray(reader.valueStart + 1, reader.end);
}

/** Bit length of an unsigned big-endian INTEGER's contents (leading zero bytes ignored). */
export function unsignedBitLength(value: Uint8Array): number {
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  if (i === value.length) return 0;
  return (value.length - i - 1) * 8 + (32 - Math.clz32(value[i]));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
