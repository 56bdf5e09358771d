// A byte-for-byte model of the PEM section iterator Codex uses (rustls-pki-types `pem.rs`,
// `PemSection::pem_slice_iter`) and its base64 decoder. Reimplemented from the documented
// behaviour so the doctor fails exactly where Codex fails, not where OpenSSL or Node would.

/** The labels pki-types recognises; anything else is skipped without decoding. */
export const RECOGNISED_LABELS = {
  CERTIFICATE: "certificate",
  "PUBLIC KEY": "public-key",
  "RSA PRIVATE KEY": "rsa-private-key",
  "PRIVATE KEY": "private-key",
  "EC PRIVATE KEY": "ec-private-key",
  "X509 CRL": "crl",
  "CERTIFICATE REQUEST": "csr",
  ECHCONFIG: "ech-config",
} as const;

export type SectionKind = (typeof RECOGNISED_LABELS)[keyof typeof RECOGNISED_LABELS];

export interface PemBlock {
  /** The label as written between BEGIN and the dashes (decoded as latin1 for display). */
  label: string;
  /** undefined for labels pki-types does not know: those are skipped, never decoded. */
  kind?: SectionKind;
  der?: Uint8Array;
  /** 1-based line numbers of the BEGIN and END lines. */
  beginLine: number;
  endLine: number;
}

export type PemErrorKind = "missing-end" | "illegal-start" | "base64";

export interface PemError {
  kind: PemErrorKind;
  /** pki-types' Display text, e.g. `missing section end marker: [45, 45, ...]`. */
  display: string;
  /** 1-based line where the problem is (the BEGIN line for missing-end). */
  line: number;
  label?: string;
  /**
   * Byte offset right after the line that raised the error: where a reader-based iterator
   * (rustls-native-certs loading SSL_CERT_FILE/SSL_CERT_DIR) carries on. Absent at EOF.
   */
  resumeOffset?: number;
}

export interface PemParse {
  blocks: PemBlock[];
  /** The first error stops Codex's iteration; blocks after it are never seen. */
  error?: PemError;
}

const BEGIN = bytes("-----BEGIN ");
const END = bytes("-----END ");
const DASHES = bytes("-----");
const DASH = 0x2d;

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function startsWith(line: Uint8Array, prefix: Uint8Array): boolean {
  if (line.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (line[i] !== prefix[i]) return false;
  return true;
}

/** The DER of every CERTIFICATE block the iterator got through (before any error). */
export function certificateBlocks(parsed: PemParse): Uint8Array[] {
  return parsed.blocks.filter((b) => b.kind === "certificate" && b.der).map((b) => b.der as Uint8Array);
}

/** Rust's `{:?}` of a Vec<u8>: `[45, 45, 69]`. */
export function rustDebugBytes(data: Uint8Array): string {
  return `[${Array.from(data).join(", ")}]`;
}

function latin1(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
}

interface OpenSection {
  /** A view into the input: no copy per block. */
  label: Uint8Array;
  beginLine: number;
}

/** Does `line` start with "-----END " + label + "-----"? (Compared in place, no marker built.) */
function isEndLine(line: Uint8Array, label: Uint8Array): boolean {
  if (line.length < END.length + label.length + DASHES.length || !startsWith(line, END)) return false;
  let at = END.length;
  for (let i = 0; i < label.length; i++) if (line[at++] !== label[i]) return false;
  for (let i = 0; i < DASHES.length; i++) if (line[at++] !== DASH) return false;
  return true;
}

/** One string per distinct label, not one per block (thousands of blocks keep theirs). */
const labelTexts = new Map<string, string>();
function labelText(label: Uint8Array): string {
  const text = latin1(label);
  const known = labelTexts.get(text);
  if (known !== undefined) return known;
  if (labelTexts.size < 64) labelTexts.set(text, text);
  return text;
}

/**
 * Iterate the sections of `input` exactly as pki-types does: lines end at the first `\n` or `\r`,
 * a final unterminated line still counts, BEGIN must start the line and end with exactly five
 * dashes (spaces/CR ignored), END only has to start the line, and the base64 buffer is NOT reset
 * when a second BEGIN appears inside an open section.
 *
 * Linear and allocation-light: only lines that start with "-----" can be BEGIN or END lines, so
 * the parser jumps from one such line to the next with a native search, counting the line ends
 * in between for the line numbers; a section's base64 is the byte range between its BEGIN and END
 * lines (line ends inside it are whitespace to the decoder), not a list of copied lines.
 */
export function parsePem(input: Uint8Array): PemParse {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const length = buf.length;
  const blocks: PemBlock[] = [];
  let section: OpenSection | undefined;
  // Byte ranges [start, end) holding the open section's base64 (more than one only after a
  // BEGIN inside an open section).
  let segments: number[] = [];
  let bodyStart = -1;
  // Human line numbers count "\n" and lone "\r" (pki-types itself also sees the empty line
  // between the "\r" and "\n" of a CRLF pair, which is harmless): counted up to `countedTo`.
  let humanLine = 1;
  let countedTo = 0;
  // Decoded DER of the whole file shares a few large buffers instead of one per block.
  const slab = new Slab(Math.ceil((length * 3) / 4));

  for (let dashes = buf.indexOf(DASHES); dashes >= 0; ) {
    if (dashes > 0 && buf[dashes - 1] !== 0x0a && buf[dashes - 1] !== 0x0d) {
      dashes = buf.indexOf(DASHES, dashes + 1);
      continue; // not at the start of a line
    }
    const lineStart = dashes;
    let end = lineStart;
    while (end < length && buf[end] !== 0x0a && buf[end] !== 0x0d) end++;
    humanLine += countLineEnds(buf, countedTo, lineStart);
    countedTo = lineStart;
    const lineNo = humanLine;
    const offset = end + 1; // where the next line starts
    dashes = offset < length ? buf.indexOf(DASHES, offset) : -1;

    const line = input.subarray(lineStart, end);
    if (startsWith(line, BEGIN)) {
      let trailer = 0;
      let pos = line.length;
      for (let i = line.length - 1; i >= 0; i--) {
        const b = line[i];
        if (b === DASH) {
          trailer++;
          pos = i;
        } else if (b === 0x0a || b === 0x0d || b === 0x20) {
          continue;
        } else {
          break;
        }
      }
      if (trailer !== 5) {
        return {
          blocks,
          error: {
            kind: "illegal-start",
            display: `illegal section start: ${rustDebugBytes(line)}`,
            line: lineNo,
            resumeOffset: Math.min(offset, length),
          },
        };
      }
      if (section) segments.push(bodyStart, lineStart);
      section = { label: line.subarray(BEGIN.length, pos), beginLine: lineNo };
      bodyStart = Math.min(offset, length);
      continue;
    }

    if (section && isEndLine(line, section.label)) {
      const label = labelText(section.label);
      const kind = (RECOGNISED_LABELS as Record<string, SectionKind>)[label];
      if (kind === undefined) {
        blocks.push({ label, beginLine: section.beginLine, endLine: lineNo });
      } else {
        segments.push(bodyStart, lineStart);
        const decoded = decodeBase64(joinRanges(input, segments), slab);
        if (!decoded.ok) {
          return {
            blocks,
            error: {
              kind: "base64",
              display: `base64 decode error: ${decoded.error}`,
              line: section.beginLine,
              label,
              resumeOffset: Math.min(offset, length),
            },
          };
        }
        blocks.push({ label, kind, der: decoded.data, beginLine: section.beginLine, endLine: lineNo });
      }
      section = undefined;
      segments = [];
      continue;
    }
  }

  if (section) {
    return {
      blocks,
      error: {
        kind: "missing-end",
        display: `missing section end marker: ${rustDebugBytes(concat(END, section.label, DASHES))}`,
        line: section.beginLine,
        label: latin1(section.label),
      },
    };
  }
  return { blocks };
}

/**
 * Line ends ("\n" and lone "\r") in buf[from, to), found with the string's native search (one
 * copy per block, one step per line) rather than a loop over every byte: that loop made parsePem
 * hot enough for V8 to optimise it on another thread, and a run that ends while that 30–70 ms
 * compile is in flight waits for it before exiting. Nothing is kept per line (a file of 16 MiB of
 * blank lines allocates no list). A "\r" at `to - 1` counts: the byte at `to` starts a dash line.
 */
function countLineEnds(buf: Buffer, from: number, to: number): number {
  if (to <= from) return 0;
  const text = buf.toString("latin1", from, to);
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  for (let at = text.indexOf("\r"); at >= 0; at = text.indexOf("\r", at + 1)) if (text.charCodeAt(at + 1) !== 0x0a) count++;
  return count;
}

/** The bytes of the ranges [start, end) listed pairwise, as one array (no copy for one range). */
function joinRanges(input: Uint8Array, ranges: number[]): Uint8Array {
  if (ranges.length === 2) return input.subarray(ranges[0], Math.max(ranges[0], ranges[1]));
  const parts: Uint8Array[] = [];
  for (let i = 0; i < ranges.length; i += 2) parts.push(input.subarray(ranges[i], Math.max(ranges[i], ranges[i + 1])));
  // Buffer.concat takes the array: spreading 125k+ parts into arguments would overflow the stack.
  return Buffer.concat(parts);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- base64, with pki-types' rules: whitespace (\t..\r, space) skipped anywhere, padding only in
// the final quantum, errors named as its Debug output prints them.

const WHITESPACE = -1;
const PAD = -2;
const INVALID = -3;

function codePoint(b: number): number {
  if (b >= 0x41 && b <= 0x5a) return b - 0x41;
  if (b >= 0x61 && b <= 0x7a) return b - 0x61 + 26;
  if (b >= 0x30 && b <= 0x39) return b - 0x30 + 52;
  if (b === 0x2b) return 62;
  if (b === 0x2f) return 63;
  if (b === 0x3d) return PAD;
  if ((b >= 0x09 && b <= 0x0d) || b === 0x20) return WHITESPACE;
  return INVALID;
}

export type Base64Result = { ok: true; data: Uint8Array } | { ok: false; error: string };

const WHITESPACE_RUNS = /[\t\n\v\f\r ]+/g;
const PLAIN_SHAPE = /^[A-Za-z0-9+/]*(={0,2})$/;

/**
 * Well-formed input (the common case) is decoded natively; the rules above give the same bytes for
 * it: padding only at the very end and then a whole quantum, or no padding and not 4n+1 symbols.
 * Anything else takes the exact path, which also names the error as pki-types does. Native
 * regexps and Buffer's decoder keep this fast even before the JIT has warmed up (a 150-root
 * bundle is parsed once, cold).
 */
export function decodeBase64(input: Uint8Array, slab?: Slab): Base64Result {
  const compact = latin1(input).replace(WHITESPACE_RUNS, "");
  const shape = PLAIN_SHAPE.exec(compact);
  if (shape) {
    const padded = shape[1].length > 0;
    if (padded ? compact.length % 4 === 0 : compact.length % 4 !== 1) {
      const size = Math.floor(((compact.length - shape[1].length) * 3) / 4);
      return { ok: true, data: (slab ?? new Slab(size)).decode(compact, size) };
    }
  }
  return decodeBase64Exact(input);
}

/** Decodes into consecutive pieces of large buffers: thousands of small DERs, a handful of allocations. */
export class Slab {
  private buffer = Buffer.alloc(0);
  private used = 0;

  /** `bound`: no more than this is ever needed (3/4 of the base64 input). */
  constructor(private bound: number) {}

  /** `size` bytes decoded from checked base64 `text`, as a Uint8Array view. */
  decode(text: string, size: number): Uint8Array {
    if (this.used + size > this.buffer.length) {
      this.buffer = Buffer.allocUnsafeSlow(Math.max(size, Math.min(this.bound, 1 << 20)));
      this.used = 0;
    }
    this.bound -= size;
    const written = this.buffer.write(text, this.used, size, "base64");
    const piece = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset + this.used, written);
    this.used += size;
    return piece;
  }
}

export function decodeBase64Exact(input: Uint8Array): Base64Result {
  const out: number[] = [];
  // Symbols are gathered in groups of eight (six output bytes), as the reference decoder does;
  // a padding symbol inside a full group is only an error once a further symbol arrives.
  let group: number[] = [];
  let padMask = 0;

  const flush = (values: number[], count: number) => {
    let acc = 0;
    let bits = 0;
    const emitted: number[] = [];
    for (const v of values) {
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        emitted.push((acc >> bits) & 0xff);
      }
    }
    out.push(...emitted.slice(0, count));
  };

  for (const byte of input) {
    const cp = codePoint(byte);
    if (cp === WHITESPACE) continue;
    if (cp === INVALID) return { ok: false, error: `InvalidCharacter(${byte})` };
    if (group.length === 8) {
      if (padMask !== 0) return { ok: false, error: "PrematurePadding" };
      flush(group, 6);
      group = [];
    }
    if (cp === PAD) padMask |= 1 << group.length;
    group.push(cp === PAD ? 0 : cp);
  }

  let used = group.length;
  if (used > 4) {
    if ((padMask & 0b1111) !== 0) return { ok: false, error: "PrematurePadding" };
    flush(group.slice(0, 4), 3);
    group = group.slice(4);
    padMask >>= 4;
    used -= 4;
  }
  if (used === 0 && padMask === 0) {
    // nothing left
  } else if (used === 4 && padMask === 0) {
    flush(group, 3);
  } else if ((used === 4 && padMask === 0b1000) || (used === 3 && padMask === 0)) {
    flush(group, 2);
  } else if ((used === 4 && padMask === 0b1100) || (used === 2 && padMask === 0)) {
    flush(group, 1);
  } else {
    return { ok: false, error: "InvalidTrailingPadding" };
  }
  return { ok: true, data: Uint8Array.from(out) };
}
