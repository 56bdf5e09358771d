// Certificate summaries from one DER walk (src/ca/certinfo.ts, cert-fields.ts, dn.ts) against the
// @peculiar/x509 summaries they replace (test/ca/reference/certinfo-peculiar.ts): every field,
// on minted certificates of every key type and shape, the fixtures and the machine's own roots.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { summarise, type CertSummary } from "../../src/ca/certinfo.js";
import { describeName, nameToString } from "../../src/ca/dn.js";
import { certificateBlocks, parsePem } from "../../src/ca/pem.js";
import { clientCertFacts } from "../../src/net/client-identity.js";
import { anchorFromCertificateDer } from "../../src/net/verify.js";
import { workCounts } from "../../src/ca/work.js";
import { certificateTable } from "../../src/ca/lint.js";
import { x509 } from "../../src/lab/pki.js";
import { summarise as peculiarSummarise } from "./reference/certinfo-peculiar.js";
import { ed25519Keys, EKU_CLIENT_AUTH, EKU_SERVER_AUTH, mint, newKeys, rawExtension, rsaKeys, type Minted } from "../net/mint.js";
import { FIXTURES } from "../helpers/certs.js";

const FIELDS: (keyof CertSummary)[] = [
  "subject", "issuer", "serial", "notBefore", "notAfter", "isCA", "keyType", "keyBits",
  "signatureAlgorithm", "sha256", "selfIssued", "selfSigned", "subjectDer", "spkiDer", "issuerDer",
];

/** The summary as plain data (the new one is a class with a lazy getter). */
function plain(s: CertSummary | undefined): Record<string, unknown> | undefined {
  if (!s) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) out[k] = s[k] instanceof Uint8Array ? Buffer.from(s[k] as Uint8Array).toString("hex") : s[k];
  return out;
}

async function expectSameAsPeculiar(der: Uint8Array): Promise<void> {
  expect(plain(summarise(der))).toEqual(plain(await peculiarSummarise(der)));
}

const RSA_PKCS1 = (hash: string) => ({ name: "RSASSA-PKCS1-v1_5", hash });

describe("summaries match @peculiar/x509 field for field", () => {
  const cases: [string, () => Promise<Minted>][] = [
    ["EC P-256 self-signed CA", async () => mint({ subject: "CN=EC Root, O=Corp, C=US", ca: true })],
    ["EC P-384 CA with pathLen", async () => mint({ subject: "CN=P384", ca: true, pathLength: 2, keys: await newKeys("P-384"), hash: "SHA-384" })],
    ["EC P-521", async () => mint({ subject: "CN=P521", ca: true, keys: await newKeys("P-521"), hash: "SHA-384" })],
    ["ECDSA with SHA-1", async () => mint({ subject: "CN=Old EC", ca: true, hash: "SHA-1" })],
    ["no extensions at all", async () => mint({ subject: "CN=Bare" })],
    ["basicConstraints CA:FALSE leaf with SAN and EKU", async () => {
      const root = await mint({ subject: "CN=Issuer", ca: true });
      return mint({ subject: "CN=leaf.example", issuer: root, ca: false, dns: ["leaf.example"], ips: ["10.0.0.1"], eku: [EKU_SERVER_AUTH, EKU_CLIENT_AUTH] });
    }],
    ["RSA-2048 PKCS#1 SHA-256", async () => {
      const keys = await rsaKeys(2048);
      return mint({ subject: "CN=RSA Root", ca: true, keys, signingAlgorithm: RSA_PKCS1("SHA-256") });
    }],
    ["RSA-1024 (weak) with SHA-1", async () => {
      const keys = await rsaKeys(1024);
      return mint({ subject: "CN=Weak", ca: true, keys, signingAlgorithm: RSA_PKCS1("SHA-1") });
    }],
    ["RSA-3072 with SHA-384", async () => {
      const keys = await rsaKeys(3072);
      return mint({ subject: "CN=Big", ca: true, keys, signingAlgorithm: RSA_PKCS1("SHA-384") });
    }],
    ["RSA-PSS signature and RSA-PSS key", async () => {
      const keys = await rsaKeys(2048, "RSA-PSS");
      return mint({ subject: "CN=PSS", ca: true, keys, signingAlgorithm: { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 } });
    }],
    ["Ed25519", async () => {
      const keys = await ed25519Keys();
      return mint({ subject: "CN=Edwards", ca: true, keys, signingAlgorithm: { name: "Ed25519" } });
    }],
    ["EC leaf signed by an RSA root (not self-issued)", async () => {
      const rootKeys = await rsaKeys(2048);
      const root = await mint({ subject: "CN=RSA Issuer", ca: true, keys: rootKeys, signingAlgorithm: RSA_PKCS1("SHA-256") });
      return mint({ subject: "CN=ec leaf", issuer: root, signingAlgorithm: RSA_PKCS1("SHA-384") });
    }],
    ["self-issued but signed by another key (not self-signed)", async () => {
      const other = await mint({ subject: "CN=Same Name", ca: true });
      return mint({ subject: "CN=Same Name", issuer: other, ca: true, keys: await newKeys() });
    }],
    ["names that need escaping, multi-valued RDNs, e-mail and DC", async () => mint({
      subject: 'CN=a\\,b\\+c, O=Quote \\"Q\\" \\<x\\>\\; Inc, OU=\\#hash, OU=\\ lead, E=ops@example.com, DC=example, DC=com, L=Zürich, ST=Île, SN=Ünïcödé, T=Chief, G=Given, I=II',
      ca: true,
    })],
    ["unknown attribute types and a multi-valued RDN", async () => mint({ subject: "2.5.4.5=12345+CN=multi, 1.2.3.4.5=odd value", ca: true })],
    ["string types: BMP, IA5, universal, printable, hex value", async () => {
      const name = new x509.Name([
        { CN: [{ bmpString: "BMP Ω name" }] },
        { O: [{ ia5String: "ia5 org" }] },
        { OU: [{ universalString: "univ" }] },
        { C: [{ printableString: "DE" }] },
        { "2.5.4.45": ["#1203313233"] }, // a NumericString, shown as hex
      ]);
      const keys = await newKeys();
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: "00ff01", name, keys, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
        notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2060-06-30T12:34:56Z"),
        extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
      });
      return { cert, der: new Uint8Array(cert.rawData), keys, subject: name.toString() } as Minted;
    }],
    ["dates before 2000 and after 2050 (UTCTime and GeneralizedTime)", async () => mint({
      subject: "CN=Old and long", ca: true, notBefore: new Date("1999-12-31T23:59:59Z"), notAfter: new Date("2051-01-01T00:00:00Z"),
    })],
    ["an unknown non-critical extension and keyUsage", async () => mint({
      subject: "CN=Ext", ca: true,
      extensions: [rawExtension("1.3.6.1.4.1.99999.7", false), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign)],
    })],
  ];

  it.each(cases)("%s", async (_name, make) => {
    const m = await make();
    await expectSameAsPeculiar(m.der);
  });

  it("the committed PEM fixtures", async () => {
    for (const file of ["root.pem", "expired.pem"]) {
      for (const der of certificateBlocks(parsePem(readFileSync(`${FIXTURES}pem/${file}`)))) await expectSameAsPeculiar(der);
    }
  });

  const system = "/etc/ssl/certs/ca-certificates.crt";
  it.runIf(existsSync(system))("every root of this machine's CA bundle (real-world variety)", async () => {
    const ders = certificateBlocks(parsePem(readFileSync(system)));
    expect(ders.length).toBeGreaterThan(10);
    for (const der of ders) await expectSameAsPeculiar(der);
  });

  it("a certificate OpenSSL cannot parse is summarised, but not called self-signed (Codex refuses it anyway)", async () => {
    // An OCTET STRING is no attribute value OpenSSL's X509_NAME accepts; WebCrypto never looked.
    const name = new x509.Name([{ CN: ["odd"] }, { "2.5.4.45": ["#0403010203"] }]);
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: "01", name, keys, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } });
    const der = new Uint8Array(cert.rawData);
    const ours = plain(summarise(der));
    const theirs = plain(await peculiarSummarise(der));
    expect(theirs?.selfSigned).toBe(true);
    expect(ours).toEqual({ ...theirs, selfSigned: false });
  });

  it("garbage is no certificate for either", async () => {
    for (const der of [new Uint8Array(), Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), Uint8Array.of(0x30, 0x80)]) {
      expect(summarise(der)).toBeUndefined();
      expect(await peculiarSummarise(der)).toBeUndefined();
    }
  });
});

describe("names", () => {
  it("nameToString is x509.Name#toString for DER names of every shape", async () => {
    const names = [
      "CN=Plain",
      "CN=a\\,b, O=x\\+y",
      "CN= leading and trailing ",
      "CN=\\#not hex",
      'CN=quote\\"d',
      "E=a@b.example, DC=corp, DC=example",
      "CN=multi+O=valued, C=US",
      "1.2.840.113549.1.9.2=unstructured",
    ];
    for (const text of names) {
      const der = new Uint8Array(new x509.Name(text).toArrayBuffer());
      expect(nameToString(der), text).toBe(new x509.Name(der).toString());
    }
    const jsonName = new x509.Name([{ CN: [{ bmpString: "tab\there\nand\rmore" }] }, { O: [{ utf8String: "ünï\u0000code" }] }]);
    const der = new Uint8Array(jsonName.toArrayBuffer());
    expect(nameToString(der)).toBe(new x509.Name(der).toString());
  });

  it("an empty name and an unparseable one are labelled, never thrown", () => {
    expect(describeName(Uint8Array.of(0x30, 0x00))).toBe("(empty name)");
    expect(describeName(Uint8Array.of(0x31, 0x05, 0x01))).toMatch(/^\(unparseable name 310501…\)$/);
  });
});

describe("laziness: work is done when shown", () => {
  it("a trust anchor formats its label only when read", async () => {
    const m = await mint({ subject: "CN=Lazy Root, O=Corp", ca: true });
    const before = workCounts().name;
    const anchor = anchorFromCertificateDer(m.der, "test");
    expect(workCounts().name).toBe(before);
    expect(anchor?.label).toBe("CN=Lazy Root, O=Corp");
    expect(workCounts().name).toBe(before + 1);
    expect(anchor?.label).toBe("CN=Lazy Root, O=Corp");
    expect(workCounts().name).toBe(before + 1);
  });

  it("the self-signature is checked by OpenSSL only when read, once", async () => {
    const m = await mint({ subject: "CN=Self", ca: true });
    const before = workCounts().opensslParse;
    const s = summarise(m.der)!;
    expect(workCounts().opensslParse).toBe(before);
    expect(s.selfSigned).toBe(true);
    expect(s.selfSigned).toBe(true);
    expect(workCounts().opensslParse).toBe(before + 1);
    const other = await mint({ subject: "CN=Leafy", issuer: m });
    expect(summarise(other.der)!.selfSigned).toBe(false);
    expect(workCounts().opensslParse).toBe(before + 1); // not self-issued: nothing to ask
  });

  it("the certificate table marks self-issued certificates without checking signatures", async () => {
    const other = await mint({ subject: "CN=Rollover", ca: true });
    const rollover = await mint({ subject: "CN=Rollover", issuer: other, ca: true, keys: await newKeys() });
    const before = workCounts().opensslParse;
    const table = certificateTable("t", [summarise(rollover.der)]);
    expect(table.rows[0][2]).toBe("(self-signed)");
    expect(workCounts().opensslParse).toBe(before);
  });
});

describe("client certificate facts from the DER walk", () => {
  it("match what @peculiar/x509 read: names, dates, EKU, digitalSignature", async () => {
    const root = await mint({ subject: "CN=Client Issuer", ca: true });
    const withUsages = await mint({
      subject: "CN=client, O=Corp", issuer: root, eku: [EKU_CLIENT_AUTH, "1.3.6.1.5.5.7.3.4"],
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyEncipherment)],
    });
    const facts = clientCertFacts(withUsages.der)!;
    const cert = new x509.X509Certificate(withUsages.der);
    expect(facts).toEqual({
      subject: cert.subject,
      issuer: cert.issuer,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      eku: cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages.map(String),
      digitalSignature: false,
    });
    const signing = await mint({ subject: "CN=signer", issuer: root, extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature)] });
    expect(clientCertFacts(signing.der)).toMatchObject({ digitalSignature: true });
    expect(clientCertFacts(signing.der)).not.toHaveProperty("eku");
    expect(clientCertFacts(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });
});
