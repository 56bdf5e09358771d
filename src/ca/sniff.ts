// Explains, in human terms, what a CA file really is when Codex finds no PEM certificate in it
// (Codex only says "no certificates found"): DER, PKCS#7, PKCS#12, UTF-16, a BOM, indentation.
import { parsesAsCertificate } from "./codex-bundle.js";

export type FileShape =
  | "empty"
  | "whitespace-only"
  | "utf16"
  | "der-certificate"
  | "pkcs7-der"
  | "pkcs12"
  | "binary"
  | "text";

export interface ShapeReport {
  shape: FileShape;
  utf8Bom: boolean;
  /** The BOM sits right before a BEGIN line, so Codex misses that first block. */
  bomHidesFirstBlock: boolean;
  crlf: boolean;
  /** PEM `-----BEGIN` lines indented by whitespace: Codex does not see them. */
  indentedBeginLines: number[];
  /** `-----BEGIN PKCS7-----` blocks (PEM-wrapped PKCS#7 / .p7b). */
  pkcs7PemBlocks: number;
}

// DER encodings of OID 1.2.840.113549.1.7.2 (signedData) and 1.2.840.113549.1.7.1 (data).
const OID_SIGNED_DATA = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_DATA = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

function indexOf(hay: Uint8Array, needle: number[], limit: number): number {
  const end = Math.min(hay.length - needle.length, limit);
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function looksUtf16(data: Uint8Array): boolean {
  if (data.length >= 2 && ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff))) {
    return true;
  }
  // "-\0-\0-\0..." without a BOM: many NULs at every other position.
  const sample = data.subarray(0, 512);
  let oddNuls = 0;
  let evenNuls = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) (i % 2 ? oddNuls++ : evenNuls++);
  const half = sample.length / 2;
  return sample.length >= 8 && (oddNuls > half * 0.8 || evenNuls > half * 0.8);
}

function isMostlyText(data: Uint8Array): boolean {
  const sample = data.subarray(0, 4096);
  let control = 0;
  for (const b of sample) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) control++;
  return control <= sample.length * 0.01;
}

export function sniffShape(data: Uint8Array): ShapeReport {
  const report: ShapeReport = {
    shape: "text",
    utf8Bom: data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf,
    bomHidesFirstBlock: false,
    crlf: false,
    indentedBeginLines: [],
    pkcs7PemBlocks: 0,
  };
  if (data.length === 0) return { ...report, shape: "empty" };
  if (looksUtf16(data)) return { ...report, shape: "utf16" };
  if (data[0] === 0x30 && !isMostlyText(data)) {
    if (parsesAsCertificate(data)) return { ...report, shape: "der-certificate" };
    if (indexOf(data, OID_SIGNED_DATA, 32) >= 0) return { ...report, shape: "pkcs7-der" };
    // PFX: SEQUENCE { INTEGER 3, ContentInfo { data ... } }
    const version = indexOf(data, [0x02, 0x01, 0x03], 8);
    if (version >= 0 && indexOf(data, OID_DATA, 40) >= 0) return { ...report, shape: "pkcs12" };
    return { ...report, shape: "binary" };
  }
  if (!isMostlyText(data)) return { ...report, shape: "binary" };

  // Byte searches, not a string of the whole file: a 16 MB bundle stays 16 MB.
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!hasNonWhitespace(buf)) return { ...report, shape: "whitespace-only" };
  report.bomHidesFirstBlock = report.utf8Bom && buf.indexOf("-----BEGIN ", 3, "latin1") === 3;
  report.crlf = buf.includes("\r\n", 0, "latin1");
  report.indentedBeginLines = indentedBeginLines(buf);
  if (buf.includes("-----BEGIN PKCS7-----", 0, "latin1")) {
    const text = buf.toString("latin1");
    for (const line of text.split(/\r\n|\n|\r/)) if (/^-----BEGIN PKCS7-----/.test(line.trim())) report.pkcs7PemBlocks++;
  }
  return report;
}

/** JS `\s` within latin1 text: \t \n \v \f \r, space and NBSP. */
function isSpace(b: number): boolean {
  return (b >= 0x09 && b <= 0x0d) || b === 0x20 || b === 0xa0;
}

function hasNonWhitespace(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (!isSpace(buf[i])) return true;
  return false;
}

/**
 * 1-based numbers of the lines (ended by "\r\n", "\n" or "\r") that start with whitespace and
 * then "-----BEGIN ". One pass: each BEGIN is checked backwards to its line start, and line ends
 * are counted only between consecutive BEGINs.
 */
function indentedBeginLines(buf: Buffer): number[] {
  const lines: number[] = [];
  let line = 1;
  let counted = 0;
  for (let at = buf.indexOf("-----BEGIN ", 0, "latin1"); at >= 0; at = buf.indexOf("-----BEGIN ", at + 1, "latin1")) {
    let start = at;
    while (start > 0 && isSpace(buf[start - 1]) && buf[start - 1] !== 0x0a && buf[start - 1] !== 0x0d) start--;
    if (start === at || (start > 0 && buf[start - 1] !== 0x0a && buf[start - 1] !== 0x0d)) continue;
    for (let i = counted; i < start; i++) {
      const c = buf[i];
      if (c === 0x0a) line++;
      else if (c === 0x0d) {
        line++;
        if (buf[i + 1] === 0x0a) i++;
      }
    }
    counted = start;
    lines.push(line);
  }
  return lines;
}
