// The file-shape sniffer as it was (a string of the whole file, split into lines), kept as the
// reference the byte-search version in src/ca/sniff.ts is compared with.
// Explains, in human terms, what a CA file really is when Codex finds no PEM certificate in it
// (Codex only says "no certificates found"): DER, PKCS#7, PKCS#12, UTF-16, a BOM, indentation.
import { parsesAsCertificate } from "../../../src/ca/codex-bundle.js";

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

  const text = Buffer.from(data).toString("latin1");
  if (text.trim() === "") return { ...report, shape: "whitespace-only" };
  report.bomHidesFirstBlock = report.utf8Bom && text.startsWith("\xEF\xBB\xBF-----BEGIN ");
  report.crlf = text.includes("\r\n");
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((line, i) => {
    if (/^\s+-----BEGIN /.test(line)) report.indentedBeginLines.push(i + 1);
    if (/^-----BEGIN PKCS7-----/.test(line.trim())) report.pkcs7PemBlocks++;
  });
  return report;
}
