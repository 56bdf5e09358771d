// Codex's custom_ca.rs loader on top of the pki-types iterator: TRUSTED CERTIFICATE relabel and
// DER cut, CRLs, keys, the "no certificates" rule, BOM/DER/UTF-16/PKCS#7/PKCS#12 shapes, the
// register stage, and Codex's exact error messages.
import { describe, expect, it } from "vitest";
import {
  CA_CERT_HINT,
  codexErrorMessage,
  derItemLength,
  firstDerItem,
  parseCodexBundle,
} from "../../src/ca/codex-bundle.js";
import { AUX_TRAILER, BOM, fixture, pemWrap, trustedPem } from "../helpers/certs.js";

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const ROOT_DER = new Uint8Array(fixture("root.der"));
const ROOT_PEM = fixture("root.pem").toString("utf8");
const EXPIRED_PEM = fixture("expired.pem").toString("utf8");
const CRL_PEM = fixture("crl.pem").toString("utf8");
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const KEY_PEM = pemWrap("PRIVATE KEY", Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x00]));

describe("parseCodexBundle: plain CERTIFICATE bundles", () => {
  it("loads every certificate, DER passed as-is", () => {
    const result = parseCodexBundle(enc(ROOT_PEM + EXPIRED_PEM));
    expect(result.error).toBeUndefined();
    expect(result.certificates).toHaveLength(2);
    expect(same(result.certificates[0], ROOT_DER)).toBe(true);
    expect(result.trustedNormalised).toBe(false);
    expect(result.crlCount).toBe(0);
  });

  it("does not cut trailing bytes after a certificate when no TRUSTED block is present", () => {
    const padded = Buffer.concat([Buffer.from(ROOT_DER), Buffer.from(AUX_TRAILER)]);
    const result = parseCodexBundle(enc(pemWrap("CERTIFICATE", padded)));
    expect(result.trustedNormalised).toBe(false);
    expect(result.certificates[0].length).toBe(padded.length);
  });
});

describe("parseCodexBundle: TRUSTED CERTIFICATE", () => {
  it("relabels the block and cuts the DER to its first item (drops the X509_AUX trailer)", () => {
    const result = parseCodexBundle(enc(trustedPem(ROOT_DER)));
    expect(result.error).toBeUndefined();
    expect(result.trustedNormalised).toBe(true);
    expect(result.certificates).toHaveLength(1);
    expect(same(result.certificates[0], ROOT_DER)).toBe(true);
    expect(result.blocks[0].label).toBe("CERTIFICATE");
  });

  it("in TRUSTED mode cuts EVERY certificate block, plain ones included", () => {
    const padded = Buffer.concat([Buffer.from(ROOT_DER), Buffer.from(AUX_TRAILER)]);
    const text = trustedPem(ROOT_DER) + pemWrap("CERTIFICATE", padded);
    const result = parseCodexBundle(enc(text));
    expect(result.error).toBeUndefined();
    expect(result.certificates).toHaveLength(2);
    expect(same(result.certificates[1], ROOT_DER)).toBe(true);
  });

  it("the words TRUSTED CERTIFICATE anywhere (even a comment) switch TRUSTED mode on", () => {
    const padded = Buffer.concat([Buffer.from(ROOT_DER), Buffer.from(AUX_TRAILER)]);
    const result = parseCodexBundle(enc(`# was a TRUSTED CERTIFICATE once\n${pemWrap("CERTIFICATE", padded)}`));
    expect(result.trustedNormalised).toBe(true);
    expect(same(result.certificates[0], ROOT_DER)).toBe(true);
  });

  it.each([
    ["a long-form length that runs past the data", [0x30, 0x82, 0xff, 0xff, 0x01, 0x02]],
    ["an indefinite length", [0x30, 0x80, 0x01, 0x02, 0x00, 0x00]],
    ["a short-form length that runs past the data", [0x30, 0x10, 0x01]],
    ["a single byte", [0x30]],
    ["a zero-octet long form", [0x30, 0x80]],
  ])("refuses %s: invalid DER length", (_name, bytes) => {
    const result = parseCodexBundle(enc(ROOT_PEM + pemWrap("TRUSTED CERTIFICATE", Uint8Array.from(bytes))));
    expect(result.error).toEqual({
      stage: "parse",
      detail: "failed to extract certificate data from TRUSTED CERTIFICATE: invalid DER length",
    });
    expect(result.certificates).toEqual([]);
  });

  it("a failed cut is reported before a PEM error further down the file (file order)", () => {
    const text = pemWrap("TRUSTED CERTIFICATE", Uint8Array.from([0x30, 0x82, 0xff, 0xff])) + "-----BEGIN CERTIFICATE-----\nAAAA\n";
    const result = parseCodexBundle(enc(text));
    expect(result.error?.detail).toBe("failed to extract certificate data from TRUSTED CERTIFICATE: invalid DER length");
    expect(result.error?.pemError).toBeUndefined();
  });
});

describe("derItemLength / firstDerItem", () => {
  it("reads short and long length forms", () => {
    expect(derItemLength(Uint8Array.from([0x30, 0x00]))).toBe(2);
    expect(derItemLength(Uint8Array.from([0x30, 0x01, 0x05, 0xff]))).toBe(3);
    expect(derItemLength(Uint8Array.from([0x30, 0x81, 0x01, 0x05]))).toBe(4);
    expect(derItemLength(ROOT_DER)).toBe(ROOT_DER.length);
    expect([...firstDerItem(Uint8Array.from([0x30, 0x01, 0x05, 0x30, 0x00]))!]).toEqual([0x30, 0x01, 0x05]);
    expect(firstDerItem(Uint8Array.from([0x30, 0x80, 0x00, 0x00]))).toBeUndefined();
  });
});

describe("parseCodexBundle: CRLs, keys and other blocks", () => {
  it("skips a well-formed CRL and counts it", () => {
    const result = parseCodexBundle(enc(CRL_PEM + ROOT_PEM + CRL_PEM));
    expect(result.error).toBeUndefined();
    expect(result.certificates).toHaveLength(1);
    expect(result.crlCount).toBe(2);
  });

  it("skips a CRL whose base64 is fine even if its DER is not a CRL (never parsed)", () => {
    const result = parseCodexBundle(enc(pemWrap("X509 CRL", Uint8Array.from([1, 2, 3])) + ROOT_PEM));
    expect(result.error).toBeUndefined();
    expect(result.crlCount).toBe(1);
  });

  it("a malformed CRL (bad base64) fails the whole file, certificates included", () => {
    const result = parseCodexBundle(enc(ROOT_PEM + "-----BEGIN X509 CRL-----\nMIIB*\n-----END X509 CRL-----\n"));
    expect(result.certificates).toEqual([]);
    expect(result.error?.stage).toBe("parse");
    expect(result.error?.detail).toBe("failed to parse PEM file: base64 decode error: InvalidCharacter(42)");
    expect(result.error?.pemError?.label).toBe("X509 CRL");
  });

  it("skips a private key block (decoded, then dropped)", () => {
    const result = parseCodexBundle(enc(KEY_PEM + ROOT_PEM));
    expect(result.error).toBeUndefined();
    expect(result.certificates).toHaveLength(1);
    expect(result.blocks.map((b) => b.kind)).toEqual(["private-key", "certificate"]);
  });

  it("a good certificate followed by an unterminated block fails the whole file", () => {
    const result = parseCodexBundle(enc(`${ROOT_PEM}-----BEGIN CERTIFICATE-----\nMIIB\n`));
    expect(result.certificates).toEqual([]);
    expect(result.error?.detail).toBe(
      "failed to parse PEM file: missing section end marker: [45, 45, 45, 45, 45, 69, 78, 68, 32, 67, 69, 82, 84, 73, 70, 73, 67, 65, 84, 69, 45, 45, 45, 45, 45]",
    );
  });
});

describe("parseCodexBundle: no certificates found", () => {
  const NO_CERTS = { stage: "parse", detail: "no certificates found in PEM file" };

  it.each([
    ["an empty file", ""],
    ["whitespace only", " \n\n\t\n"],
    ["plain text", "this is not a certificate\n"],
    ["only a private key", KEY_PEM],
    ["only a CRL", CRL_PEM],
    ["only unknown labels", pemWrap("X509 CERTIFICATE", ROOT_DER) + pemWrap("PKCS7", ROOT_DER)],
    ["an indented certificate", ROOT_PEM.replace("-----BEGIN", "  -----BEGIN")],
  ])("%s", (_name, text) => {
    const result = parseCodexBundle(enc(text));
    expect(result.error).toEqual(NO_CERTS);
    expect(result.certificates).toEqual([]);
  });

  it.each([
    ["DER", "root.der"],
    ["UTF-16LE with BOM", "root-utf16le-bom.pem"],
    ["UTF-16LE without BOM", "root-utf16le.pem"],
    ["PKCS#7 (DER)", "bundle.p7b"],
    ["PKCS#7 (PEM)", "bundle-p7b.pem"],
    ["PKCS#12", "bundle.p12"],
  ])("%s holds no PEM certificate for Codex", (_name, file) => {
    expect(parseCodexBundle(new Uint8Array(fixture(file))).error).toEqual(NO_CERTS);
  });

  it("a UTF-8 BOM hides the only certificate", () => {
    expect(parseCodexBundle(enc(BOM + ROOT_PEM)).error).toEqual(NO_CERTS);
  });

  it("a UTF-8 BOM hides the first block only", () => {
    const result = parseCodexBundle(enc(BOM + EXPIRED_PEM + ROOT_PEM));
    expect(result.error).toBeUndefined();
    expect(result.certificates).toHaveLength(1);
    expect(same(result.certificates[0], ROOT_DER)).toBe(true);
  });

  it("invalid UTF-8 outside the blocks is harmless (lossy decoding)", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x80, 0x0a]), Buffer.from(ROOT_PEM)]);
    const result = parseCodexBundle(new Uint8Array(bytes));
    expect(result.error).toBeUndefined();
    expect(result.certificates).toHaveLength(1);
  });
});

describe("parseCodexBundle: register stage", () => {
  it("a CERTIFICATE block whose DER is not a certificate fails at #n (counting certificates only)", () => {
    const junk = pemWrap("CERTIFICATE", Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x05]));
    const result = parseCodexBundle(enc(CRL_PEM + KEY_PEM + ROOT_PEM + junk + EXPIRED_PEM));
    expect(result.error).toEqual({ stage: "register", detail: "builder error", certificateIndex: 2 });
  });

  it("#1 when the first certificate is junk", () => {
    const result = parseCodexBundle(enc(pemWrap("CERTIFICATE", Uint8Array.from([0xde, 0xad])) + ROOT_PEM));
    expect(result.error?.stage).toBe("register");
    expect(result.error?.certificateIndex).toBe(1);
  });
});

describe("codexErrorMessage: Codex's exact texts", () => {
  const HINT =
    "If you set CODEX_CA_CERTIFICATE or SSL_CERT_FILE, ensure it points to a PEM file containing one or more CERTIFICATE blocks, or unset it to use system roots.";

  it("uses Codex's hint text", () => {
    expect(CA_CERT_HINT).toBe(HINT);
  });

  it("read stage", () => {
    expect(codexErrorMessage({ stage: "read", detail: "No such file or directory (os error 2)" }, "/etc/corp.pem", "CODEX_CA_CERTIFICATE")).toBe(
      `Failed to read CA certificate file /etc/corp.pem selected by CODEX_CA_CERTIFICATE: No such file or directory (os error 2). ${HINT}`,
    );
  });

  it("parse stage", () => {
    expect(codexErrorMessage({ stage: "parse", detail: "no certificates found in PEM file" }, "/tmp/ca.der", "SSL_CERT_FILE")).toBe(
      `Failed to load CA certificates from /tmp/ca.der selected by SSL_CERT_FILE: no certificates found in PEM file. ${HINT}`,
    );
  });

  it("register stage", () => {
    expect(
      codexErrorMessage({ stage: "register", detail: "builder error", certificateIndex: 3 }, "/tmp/b.pem", "CODEX_CA_CERTIFICATE"),
    ).toBe(`Failed to parse certificate #3 from /tmp/b.pem selected by CODEX_CA_CERTIFICATE: builder error. ${HINT}`);
  });
});
