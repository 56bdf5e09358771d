// What Codex's custom-CA loader (`custom_ca.rs`, `ConfiguredCaBundle::parse_certificates`) does
// with the bytes of the selected file: lossy UTF-8, TRUSTED CERTIFICATE label rewrite, the
// pki-types section iterator, first-DER-item cut, and the "no certificates" rule.
import { X509Certificate } from "node:crypto";
import { isUtf8 } from "node:buffer";
import { parsePem, type PemBlock, type PemError } from "./pem.js";
import { isWebpkiAnchor } from "../net/verify.js";
import { countWork } from "./work.js";
import { surelyParsesWithOpenssl } from "./openssl-model.js";

export const CA_CERT_HINT =
  "If you set CODEX_CA_CERTIFICATE or SSL_CERT_FILE, ensure it points to a PEM file containing one or more CERTIFICATE blocks, or unset it to use system roots.";

export type CodexLoadStage = "read" | "parse" | "register" | "build";

export interface CodexLoadError {
  stage: CodexLoadStage;
  /** The `{detail}` / `{source}` part of Codex's message. */
  detail: string;
  /** 1-based certificate index for the register stage. */
  certificateIndex?: number;
  pemError?: PemError;
}

export interface CodexBundleParse {
  /** DER of every certificate Codex registers, in file order (after the TRUSTED cut). */
  certificates: Uint8Array[];
  /** Every BEGIN..END block the iterator got through, unknown labels included. */
  blocks: PemBlock[];
  trustedNormalised: boolean;
  crlCount: number;
  error?: CodexLoadError;
}

const TRUSTED = "TRUSTED CERTIFICATE";

/** Codex's verdict on a bundle, registration included (one OpenSSL parse per certificate, in order). */
export function parseCodexBundle(fileBytes: Uint8Array): CodexBundleParse {
  const result = scanCodexBundle(fileBytes);
  if (!result.error) register(result, (i) => opensslParses(result.certificates[i]));
  return result;
}

/**
 * Everything before registration: lossy UTF-8, the TRUSTED rewrite and cut, the PEM iterator,
 * "no certificates". The caller registers the certificates (`register`) with OpenSSL's verdicts.
 */
export function scanCodexBundle(fileBytes: Uint8Array): CodexBundleParse {
  // Codex parses `String::from_utf8_lossy(bytes)`: invalid UTF-8 becomes U+FFFD, a BOM stays.
  // Valid UTF-8 (the usual case) is already what Codex sees: no decode/encode round trip.
  let bytes = fileBytes;
  const valid = isUtf8(fileBytes);
  let text = valid ? undefined : new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(fileBytes);
  const trustedNormalised = text !== undefined ? text.includes(TRUSTED) : Buffer.from(fileBytes.buffer, fileBytes.byteOffset, fileBytes.byteLength).includes(TRUSTED);
  if (trustedNormalised) {
    text ??= Buffer.from(fileBytes.buffer, fileBytes.byteOffset, fileBytes.byteLength).toString("utf8");
    text = text
      .replaceAll("BEGIN TRUSTED CERTIFICATE", "BEGIN CERTIFICATE")
      .replaceAll("END TRUSTED CERTIFICATE", "END CERTIFICATE");
  }
  if (text !== undefined) bytes = new TextEncoder().encode(text);
  const parsed = parsePem(bytes);
  const result: CodexBundleParse = {
    certificates: [],
    blocks: parsed.blocks,
    trustedNormalised,
    crlCount: parsed.blocks.filter((b) => b.kind === "crl").length,
  };

  // Codex walks sections in file order and stops at the first problem: a certificate whose
  // TRUSTED cut fails before a later PEM error reports the cut, so the blocks the iterator got
  // through are cut first, and the PEM error (which sits after all of them) comes second.
  for (const block of parsed.blocks) {
    if (block.kind !== "certificate" || !block.der) continue;
    // In TRUSTED mode every certificate block (not only the relabelled ones) is cut to its first
    // DER item, dropping OpenSSL's X509_AUX trailer.
    const der = trustedNormalised ? firstDerItem(block.der) : block.der;
    if (!der) {
      result.error = {
        stage: "parse",
        detail: "failed to extract certificate data from TRUSTED CERTIFICATE: invalid DER length",
      };
      result.certificates = [];
      return result;
    }
    result.certificates.push(der);
  }

  // Certificates before a PEM error never get registered.
  if (parsed.error) {
    result.certificates = [];
    result.error = { stage: "parse", detail: `failed to parse PEM file: ${parsed.error.display}`, pemError: parsed.error };
    return result;
  }

  if (result.certificates.length === 0) {
    result.error = { stage: "parse", detail: "no certificates found in PEM file" };
  }
  return result;
}

/**
 * Registration, in file order, stopping at the first refusal: reqwest's native-tls
 * `Certificate::from_der` parses each DER with OpenSSL and refuses what it cannot parse
 * (`builder error`); `parses(i)` is OpenSSL's verdict on certificate i (node:crypto is OpenSSL too).
 */
export function register(result: CodexBundleParse, parses: (index: number) => boolean): void {
  for (let i = 0; i < result.certificates.length; i++) {
    const der = result.certificates[i];
    if (!parses(i)) {
      result.error = { stage: "register", detail: "builder error", certificateIndex: i + 1 };
      return;
    }
    // OpenSSL ignores bytes after the certificate and unknown critical extensions; rustls (which
    // Codex forces once a custom CA is set) turns each certificate into a webpki trust anchor and
    // refuses both, so the client build fails.
    if (derItemLength(der) !== der.length || !isWebpkiAnchor(der)) {
      result.error = { stage: "build", detail: "builder error", certificateIndex: i + 1 };
      return;
    }
  }
}

/** OpenSSL's verdict, asked only when the conservative model is not sure (see openssl-model.ts). */
export function opensslParses(der: Uint8Array): boolean {
  return surelyParsesWithOpenssl(der) || parsesAsCertificate(der);
}

export function parsesAsCertificate(der: Uint8Array): boolean {
  countWork("opensslParse");
  try {
    new X509Certificate(Buffer.from(der));
    return true;
  } catch {
    return false;
  }
}

/** Length of the first DER item (short and long length forms; indefinite rejected). */
export function derItemLength(der: Uint8Array): number | undefined {
  if (der.length < 2) return undefined;
  const lengthOctet = der[1];
  if ((lengthOctet & 0x80) === 0) {
    const total = 2 + lengthOctet;
    return total <= der.length ? total : undefined;
  }
  const count = lengthOctet & 0x7f;
  if (count === 0) return undefined;
  const lengthEnd = 2 + count;
  if (lengthEnd > der.length) return undefined;
  let content = 0;
  for (let i = 2; i < lengthEnd; i++) {
    content = content * 256 + der[i];
    if (!Number.isSafeInteger(content)) return undefined;
  }
  const total = lengthEnd + content;
  return total <= der.length ? total : undefined;
}

export function firstDerItem(der: Uint8Array): Uint8Array | undefined {
  const length = derItemLength(der);
  return length === undefined ? undefined : der.subarray(0, length);
}

/** Codex's exact user-facing message for a refused bundle (`BuildCustomCaTransportError`). */
export function codexErrorMessage(error: CodexLoadError, path: string, sourceEnv: string): string {
  switch (error.stage) {
    case "read":
      return `Failed to read CA certificate file ${path} selected by ${sourceEnv}: ${error.detail}. ${CA_CERT_HINT}`;
    case "parse":
      return `Failed to load CA certificates from ${path} selected by ${sourceEnv}: ${error.detail}. ${CA_CERT_HINT}`;
    case "register":
      return `Failed to parse certificate #${error.certificateIndex} from ${path} selected by ${sourceEnv}: ${error.detail}. ${CA_CERT_HINT}`;
    case "build":
      return `Failed to build HTTP client while using CA bundle from ${sourceEnv} (${path}): ${error.detail}`;
  }
}
