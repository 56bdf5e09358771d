// The PEM section iterator as it was (one line at a time), kept as the reference the faster
// byte-range parser in src/ca/pem.ts is compared with.
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
  return Buffer.from(data).toString("latin1");
}

interface OpenSection {
  label: Uint8Array;
  endMarker: Uint8Array;
  beginLine: number;
}

/**
 * Iterate the sections of `input` exactly as pki-types does: lines end at the first `\n` or `\r`,
 * a final unterminated line still counts, BEGIN must start the line and end with exactly five
 * dashes (spaces/CR ignored), END only has to start the line, and the base64 buffer is NOT reset
 * when a second BEGIN appears inside an open section.
 */
export function parsePem(input: Uint8Array): PemParse {
  const blocks: PemBlock[] = [];
  let section: OpenSection | undefined;
  let b64: Uint8Array[] = [];
  let offset = 0;
  let lineNo = 0;
  let nextHumanLine = 1;

  for (;;) {
    let line: Uint8Array | undefined;
    if (offset < input.length) {
      const end = nextLineEnd(input, offset);
      line = input.subarray(offset, end);
      lineNo = nextHumanLine;
      // Human line numbers count "\n" and lone "\r"; pki-types itself also sees the empty line
      // between the "\r" and "\n" of a CRLF pair, which is harmless.
      if (input[end] === 0x0a || (input[end] === 0x0d && input[end + 1] !== 0x0a)) nextHumanLine++;
      offset = end + 1;
    }

    if (line === undefined) {
      if (section) {
        return {
          blocks,
          error: {
            kind: "missing-end",
            display: `missing section end marker: ${rustDebugBytes(section.endMarker)}`,
            line: section.beginLine,
            label: latin1(section.label),
          },
        };
      }
      return { blocks };
    }

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
            resumeOffset: Math.min(offset, input.length),
          },
        };
      }
      const label = line.slice(BEGIN.length, pos);
      section = { label, endMarker: concat(bytes("-----END "), label, bytes("-----")), beginLine: lineNo };
      continue;
    }

    if (section && startsWith(line, section.endMarker)) {
      const labelText = latin1(section.label);
      const kind = (RECOGNISED_LABELS as Record<string, SectionKind>)[labelText];
      if (kind === undefined) {
        blocks.push({ label: labelText, beginLine: section.beginLine, endLine: lineNo });
      } else {
        const decoded = decodeBase64(concat(...b64));
        if (!decoded.ok) {
          return {
            blocks,
            error: {
              kind: "base64",
              display: `base64 decode error: ${decoded.error}`,
              line: section.beginLine,
              label: labelText,
              resumeOffset: Math.min(offset, input.length),
            },
          };
        }
        blocks.push({ label: labelText, kind, der: decoded.data, beginLine: section.beginLine, endLine: lineNo });
      }
      section = undefined;
      b64 = [];
      continue;
    }

    if (section) b64.push(line);
  }
}

/** Index of the next "\n" or "\r" at or after `from` (input.length when none). */
function nextLineEnd(input: Uint8Array, from: number): number {
  let end = from;
  while (end < input.length && input[end] !== 0x0a && input[end] !== 0x0d) end++;
  return end;
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

const FAST_WHITESPACE = /[\t\n\v\f\r ]+/g;
const FAST_SHAPE = /^[A-Za-z0-9+/]*(={0,2})$/;

/**
 * Well-formed input (the common case) decodes with Buffer; the rules above give the same bytes for
 * it: padding only at the very end and then a whole quantum, or no padding and not 4n+1 symbols.
 * Anything else takes the exact path, which also names the error as pki-types does.
 */
export function decodeBase64(input: Uint8Array): Base64Result {
  const compact = Buffer.from(input.buffer, input.byteOffset, input.length).toString("latin1").replace(FAST_WHITESPACE, "");
  const shape = FAST_SHAPE.exec(compact);
  if (shape) {
    const padded = shape[1].length > 0;
    if (padded ? compact.length % 4 === 0 : compact.length % 4 !== 1) {
      const data = Buffer.from(compact, "base64");
      return { ok: true, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
    }
  }
  return decodeBase64Exact(input);
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
