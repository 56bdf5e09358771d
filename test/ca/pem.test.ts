// The rustls-pki-types PEM section iterator model (src/ca/pem.ts): every line-level rule Codex
// inherits from `pem.rs`, with pki-types' exact error Display texts.
import { describe, expect, it } from "vitest";
import { decodeBase64, parsePem, rustDebugBytes, RECOGNISED_LABELS } from "../../src/ca/pem.js";
import { fixture, pemWrap } from "../helpers/certs.js";

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const ROOT_DER = new Uint8Array(fixture("root.der"));
const ROOT_PEM = fixture("root.pem").toString("latin1");
const CERT_BODY = ROOT_PEM.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));

/** The exact bytes of "-----END CERTIFICATE-----", as Rust's {:?} prints a Vec<u8>. */
const END_CERTIFICATE_BYTES =
  "[45, 45, 45, 45, 45, 69, 78, 68, 32, 67, 69, 82, 84, 73, 70, 73, 67, 65, 84, 69, 45, 45, 45, 45, 45]";

function certPem(eol = "\n"): string {
  return ["-----BEGIN CERTIFICATE-----", ...CERT_BODY, "-----END CERTIFICATE-----", ""].join(eol);
}

describe("parsePem: CERTIFICATE blocks", () => {
  it("decodes one block to the certificate's DER, with BEGIN/END line numbers", () => {
    const result = parsePem(enc(certPem()));
    expect(result.error).toBeUndefined();
    expect(result.blocks).toHaveLength(1);
    const [block] = result.blocks;
    expect(block.label).toBe("CERTIFICATE");
    expect(block.kind).toBe("certificate");
    expect(Buffer.from(block.der!).equals(Buffer.from(ROOT_DER))).toBe(true);
    expect(block.beginLine).toBe(1);
    expect(block.endLine).toBe(CERT_BODY.length + 2);
  });

  it("decodes every block of a multi-certificate bundle, text between blocks ignored", () => {
    const text = `# corporate bundle\nsubject=CN = Fixture\n\n${certPem()}\nissuer=whatever\n${certPem()}trailing words\n`;
    const result = parsePem(enc(text));
    expect(result.error).toBeUndefined();
    expect(result.blocks.map((b) => b.kind)).toEqual(["certificate", "certificate"]);
    expect(result.blocks[1].beginLine).toBe(CERT_BODY.length + 3 + 4 + 1);
  });

  it("parses a final END line that has no newline after it", () => {
    const text = certPem().replace(/\n$/, "");
    expect(text.endsWith("-----END CERTIFICATE-----")).toBe(true);
    const result = parsePem(enc(text));
    expect(result.error).toBeUndefined();
    expect(result.blocks).toHaveLength(1);
    expect(Buffer.from(result.blocks[0].der!).equals(Buffer.from(ROOT_DER))).toBe(true);
  });

  it("accepts CRLF line endings (same DER, same human line numbers)", () => {
    const result = parsePem(enc(certPem("\r\n")));
    expect(result.error).toBeUndefined();
    expect(Buffer.from(result.blocks[0].der!).equals(Buffer.from(ROOT_DER))).toBe(true);
    expect(result.blocks[0].endLine).toBe(CERT_BODY.length + 2);
  });

  it("accepts lone CR line endings (classic Mac)", () => {
    const result = parsePem(enc(certPem("\r")));
    expect(result.error).toBeUndefined();
    expect(Buffer.from(result.blocks[0].der!).equals(Buffer.from(ROOT_DER))).toBe(true);
    expect(result.blocks[0].endLine).toBe(CERT_BODY.length + 2);
  });

  it("ignores whitespace inside the base64 (spaces, tabs, VT, FF)", () => {
    const body = CERT_BODY.map((line, i) => (i % 2 ? ` ${line.slice(0, 10)}\t${line.slice(10)}  ` : `${line}\x0b\x0c`));
    const text = ["-----BEGIN CERTIFICATE-----", ...body, "-----END CERTIFICATE-----", ""].join("\n");
    const result = parsePem(enc(text));
    expect(result.error).toBeUndefined();
    expect(Buffer.from(result.blocks[0].der!).equals(Buffer.from(ROOT_DER))).toBe(true);
  });

  it("accepts base64 in one long line or in short lines", () => {
    for (const width of [4, 76, 100_000]) {
      const result = parsePem(enc(pemWrap("CERTIFICATE", ROOT_DER, { width })));
      expect(result.error).toBeUndefined();
      expect(Buffer.from(result.blocks[0].der!).equals(Buffer.from(ROOT_DER))).toBe(true);
    }
  });

  it("finds nothing (and no error) in empty input or plain text", () => {
    expect(parsePem(enc(""))).toEqual({ blocks: [] });
    expect(parsePem(enc("just some text\nno pem here\n"))).toEqual({ blocks: [] });
  });
});

describe("parsePem: BEGIN lines", () => {
  it("refuses a BEGIN line with 4 trailing dashes, printing the line as Rust Debug bytes", () => {
    const result = parsePem(enc("-----BEGIN X----\nAAAA\n-----END X-----\n"));
    expect(result.error).toEqual({
      kind: "illegal-start",
      display: "illegal section start: [45, 45, 45, 45, 45, 66, 69, 71, 73, 78, 32, 88, 45, 45, 45, 45]",
      line: 1,
      // a reader-based iterator (rustls-native-certs) carries on right after the bad line
      resumeOffset: 17,
    });
  });

  it("refuses a CERTIFICATE BEGIN line with 6 trailing dashes", () => {
    const line = "-----BEGIN CERTIFICATE------";
    const result = parsePem(enc(`${line}\n${CERT_BODY.join("\n")}\n-----END CERTIFICATE-----\n`));
    expect(result.error?.kind).toBe("illegal-start");
    expect(result.error?.display).toBe(`illegal section start: [${[...Buffer.from(line)].join(", ")}]`);
    expect(result.error?.display.startsWith("illegal section start: [45, 45, 45, 45, 45, 66, 69, 71, 73, 78, 32, 67,")).toBe(true);
  });

  it("stops at the illegal BEGIN line: earlier blocks are returned, later ones never seen", () => {
    const text = `${certPem()}-----BEGIN CERTIFICATE----\n${certPem()}`;
    const result = parsePem(enc(text));
    expect(result.blocks).toHaveLength(1);
    expect(result.error?.kind).toBe("illegal-start");
    expect(result.error?.line).toBe(CERT_BODY.length + 3);
  });

  it("ignores trailing spaces after the five dashes of a BEGIN line", () => {
    const text = certPem().replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----   ");
    const result = parsePem(enc(text));
    expect(result.error).toBeUndefined();
    expect(result.blocks[0].label).toBe("CERTIFICATE");
  });

  it("refuses text after the dashes of a BEGIN line", () => {
    const result = parsePem(enc(certPem().replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE----- x")));
    expect(result.error?.kind).toBe("illegal-start");
  });

  it("does not recognise an indented BEGIN line (the block is invisible, no error)", () => {
    for (const indent of [" ", "  ", "\t"]) {
      const text = certPem().replace("-----BEGIN", `${indent}-----BEGIN`);
      expect(parsePem(enc(text))).toEqual({ blocks: [] });
    }
  });

  it("keeps the accumulated base64 when a second BEGIN appears inside an open section", () => {
    // pki-types replaces the open section but does NOT clear its base64 buffer.
    const half = Math.floor(CERT_BODY.length / 2);
    const text = [
      "-----BEGIN CERTIFICATE-----",
      ...CERT_BODY.slice(0, half),
      "-----BEGIN CERTIFICATE-----",
      ...CERT_BODY.slice(half),
      "-----END CERTIFICATE-----",
      "",
    ].join("\n");
    const result = parsePem(enc(text));
    expect(result.error).toBeUndefined();
    expect(result.blocks).toHaveLength(1);
    expect(Buffer.from(result.blocks[0].der!).equals(Buffer.from(ROOT_DER))).toBe(true);
    expect(result.blocks[0].beginLine).toBe(half + 2);
  });

  it("a second BEGIN with another label changes the END marker it waits for", () => {
    const text = ["-----BEGIN CERTIFICATE-----", "-----BEGIN X509 CRL-----", ...CERT_BODY, "-----END CERTIFICATE-----", ""].join("\n");
    const result = parsePem(enc(text));
    expect(result.error?.kind).toBe("missing-end");
    expect(result.error?.label).toBe("X509 CRL");
  });
});

describe("parsePem: END lines", () => {
  it("reports a missing END with the exact bytes of the marker it expected", () => {
    const text = `-----BEGIN CERTIFICATE-----\n${CERT_BODY.join("\n")}\n`;
    const result = parsePem(enc(text));
    expect(result.blocks).toEqual([]);
    expect(result.error).toEqual({
      kind: "missing-end",
      display: `missing section end marker: ${END_CERTIFICATE_BYTES}`,
      line: 1,
      label: "CERTIFICATE",
    });
  });

  it("a good certificate followed by an unterminated block: the error wins at EOF", () => {
    const result = parsePem(enc(`${certPem()}-----BEGIN CERTIFICATE-----\n${CERT_BODY[0]}\n`));
    expect(result.blocks).toHaveLength(1);
    expect(result.error?.kind).toBe("missing-end");
    expect(result.error?.line).toBe(CERT_BODY.length + 3);
  });

  it("an END line for another label does not close the section", () => {
    const text = certPem().replace("-----END CERTIFICATE-----", "-----END PRIVATE KEY-----");
    expect(parsePem(enc(text)).error?.display).toBe(`missing section end marker: ${END_CERTIFICATE_BYTES}`);
  });

  it("an END line with too few dashes does not close the section", () => {
    const text = certPem().replace("-----END CERTIFICATE-----", "-----END CERTIFICATE----");
    expect(parsePem(enc(text)).error?.kind).toBe("missing-end");
  });

  it("accepts an END line with trailing garbage (only its start is compared)", () => {
    for (const tail of [" junk", "-", "X", "   \t# comment"]) {
      const text = certPem().replace("-----END CERTIFICATE-----", `-----END CERTIFICATE-----${tail}`);
      const result = parsePem(enc(text));
      expect(result.error, tail).toBeUndefined();
      expect(Buffer.from(result.blocks[0].der!).equals(Buffer.from(ROOT_DER))).toBe(true);
    }
  });

  it("an indented END line does not close the section", () => {
    const text = certPem().replace("-----END", " -----END");
    expect(parsePem(enc(text)).error?.kind).toBe("missing-end");
  });
});

describe("parsePem: labels", () => {
  it("skips unknown labels without decoding them, even with a garbage body", () => {
    const text = `-----BEGIN PKCS7-----\n!!! not base64 at all ***\n-----END PKCS7-----\n${certPem()}`;
    const result = parsePem(enc(text));
    expect(result.error).toBeUndefined();
    expect(result.blocks.map((b) => [b.label, b.kind, b.der])).toEqual([
      ["PKCS7", undefined, undefined],
      ["CERTIFICATE", "certificate", expect.any(Uint8Array)],
    ]);
  });

  it("skips X509 CERTIFICATE, NEW CERTIFICATE REQUEST and lower-case labels as unknown", () => {
    for (const label of ["X509 CERTIFICATE", "NEW CERTIFICATE REQUEST", "certificate", "TRUSTED CERTIFICATE"]) {
      const result = parsePem(enc(pemWrap(label, ROOT_DER)));
      expect(result.error, label).toBeUndefined();
      expect(result.blocks[0].kind, label).toBeUndefined();
    }
  });

  it("still requires the END line of an unknown label", () => {
    const result = parsePem(enc("-----BEGIN PKCS7-----\n!!!\n"));
    expect(result.error).toEqual({
      kind: "missing-end",
      display: "missing section end marker: [45, 45, 45, 45, 45, 69, 78, 68, 32, 80, 75, 67, 83, 55, 45, 45, 45, 45, 45]",
      line: 1,
      label: "PKCS7",
    });
  });

  it("recognises exactly pki-types' labels", () => {
    expect(Object.keys(RECOGNISED_LABELS).sort()).toEqual(
      ["CERTIFICATE", "CERTIFICATE REQUEST", "EC PRIVATE KEY", "ECHCONFIG", "PRIVATE KEY", "PUBLIC KEY", "RSA PRIVATE KEY", "X509 CRL"].sort(),
    );
    for (const [label, kind] of Object.entries(RECOGNISED_LABELS)) {
      const result = parsePem(enc(pemWrap(label, Uint8Array.from([0x30, 0x00]))));
      expect(result.blocks[0].kind).toBe(kind);
      expect([...result.blocks[0].der!]).toEqual([0x30, 0x00]);
    }
  });

  it("fails on bad base64 in a key block (keys are decoded before being dropped)", () => {
    for (const label of ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE REQUEST"]) {
      const result = parsePem(enc(`${certPem()}-----BEGIN ${label}-----\nMIIB!AAA\n-----END ${label}-----\n`));
      expect(result.error, label).toMatchObject({
        kind: "base64",
        display: "base64 decode error: InvalidCharacter(33)",
        line: CERT_BODY.length + 3,
        label,
      });
    }
  });
});

describe("parsePem: base64 errors in a CERTIFICATE block", () => {
  const withBody = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

  it.each([
    ["!", "InvalidCharacter(33)"],
    ["MII.", "InvalidCharacter(46)"],
    ["MIIB-AAA", "InvalidCharacter(45)"],
    ["MII_", "InvalidCharacter(95)"],
  ])("%s -> %s", (body, error) => {
    const input = enc(withBody(body));
    expect(parsePem(input).error).toEqual({
      kind: "base64",
      display: `base64 decode error: ${error}`,
      line: 1,
      label: "CERTIFICATE",
      resumeOffset: input.length, // after the END line
    });
  });

  it("names a non-ASCII byte by its value (é in UTF-8 is 0xC3 0xA9)", () => {
    expect(parsePem(enc(withBody("MIIé"))).error?.display).toBe("base64 decode error: InvalidCharacter(195)");
  });

  it("refuses padding before the final quantum", () => {
    expect(parsePem(enc(withBody("AA==AAAA"))).error?.display).toBe("base64 decode error: PrematurePadding");
    expect(parsePem(enc(withBody("AAAA=AAAAAAA"))).error?.display).toBe("base64 decode error: PrematurePadding");
    // A pad in a full group of eight is only noticed when a ninth symbol arrives.
    expect(parsePem(enc(withBody("AAAAAAA=A"))).error?.display).toBe("base64 decode error: PrematurePadding");
  });

  it("refuses invalid trailing padding / a dangling symbol", () => {
    for (const body of ["AAAAA", "A===", "AA=", "A", "AAAA=", "AAAAA==="]) {
      expect(parsePem(enc(withBody(body))).error?.display, body).toBe("base64 decode error: InvalidTrailingPadding");
    }
  });
});

describe("decodeBase64 (pki-types rules)", () => {
  const ok = (text: string) => {
    const r = decodeBase64(enc(text));
    if (!r.ok) throw new Error(`unexpected ${r.error}`);
    return [...r.data];
  };

  it("decodes with and without padding", () => {
    expect(ok("AA==")).toEqual([0]);
    expect(ok("AA")).toEqual([0]);
    expect(ok("AAA=")).toEqual([0, 0]);
    expect(ok("AAA")).toEqual([0, 0]);
    expect(ok("AAAA")).toEqual([0, 0, 0]);
    expect(ok("")).toEqual([]);
    expect(ok("TWFu")).toEqual([77, 97, 110]);
    expect(ok("TWFuTWFuTWE=")).toEqual([77, 97, 110, 77, 97, 110, 77, 97]);
    expect(ok("TWFuTWE=")).toEqual([77, 97, 110, 77, 97]);
    expect(ok("AAAAAA==")).toEqual([0, 0, 0, 0]);
  });

  it("round-trips arbitrary bytes, whitespace anywhere", () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff));
    const spaced = data.toString("base64").replace(/(.{7})/g, "$1 \r\n\t");
    expect(Buffer.from(ok(spaced)).equals(data)).toBe(true);
  });

  it("reports errors as pki-types' Debug output", () => {
    expect(decodeBase64(enc("A*AA"))).toEqual({ ok: false, error: "InvalidCharacter(42)" });
    expect(decodeBase64(enc("AB=C"))).toEqual({ ok: false, error: "InvalidTrailingPadding" });
    expect(decodeBase64(enc("AAA=AAAAA"))).toEqual({ ok: false, error: "PrematurePadding" });
  });
});

describe("rustDebugBytes", () => {
  it("prints bytes as Rust's {:?} of a Vec<u8>", () => {
    expect(rustDebugBytes(enc("-E"))).toBe("[45, 69]");
    expect(rustDebugBytes(new Uint8Array())).toBe("[]");
  });
});
