// Certificates for the offline tests, minted at test time (so nothing valid rots in the repo) and
// PEM/DER helpers to build every bundle shape byte by byte. x509 comes from the lab, which loads
// reflect-metadata first.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { webcrypto } from "node:crypto";
import {
  x509,
  daysFromNow,
  mintCorporateChain,
  mintIntermediate,
  mintLeaf,
  mintRoot,
  type Minted,
} from "../../src/lab/pki.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/** A committed parser-shape fixture (fixtures/pem/<name>). */
export function fixture(name: string): Buffer {
  return readFileSync(`${FIXTURES}pem/${name}`);
}

/** PEM-wrap DER under any label, with a chosen line length and line ending. */
export function pemWrap(label: string, der: Uint8Array, opts: { eol?: string; width?: number } = {}): string {
  const eol = opts.eol ?? "\n";
  const width = opts.width ?? 64;
  const b64 = Buffer.from(der).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return `-----BEGIN ${label}-----${eol}${lines.join(eol)}${eol}-----END ${label}-----${eol}`;
}

/** A small X509_AUX-like trailer (SEQUENCE { SEQUENCE { OID serverAuth } }), as `-trustout` appends. */
export const AUX_TRAILER = Uint8Array.from([0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]);

/** OpenSSL-style `TRUSTED CERTIFICATE` block: the certificate DER followed by an aux trailer. */
export function trustedPem(der: Uint8Array, trailer: Uint8Array = AUX_TRAILER): string {
  return pemWrap("TRUSTED CERTIFICATE", Buffer.concat([Buffer.from(der), Buffer.from(trailer)]));
}

export const BOM = "\uFEFF";

export interface Kit {
  /** Two public roots: the hermetic "platform store". */
  publicRoots: Minted[];
  corp: { root: Minted; intermediate: Minted };
  /** A second, unrelated corporate root (stale bundle scenarios). */
  otherCorpRoot: Minted;
  leaf: Minted;
  expiredRoot: Minted;
  futureRoot: Minted;
  expiringRoot: Minted;
  /** RSA-1024 self-signed root. */
  weakRoot: Minted;
  /** Intermediate signed by corp.root with SHA-1. */
  sha1Intermediate: Minted;
  /** 12 valid small roots for the "large bundle" rules. */
  manyRoots: Minted[];
  /** DER of a root with an unknown CRITICAL extension: OpenSSL parses it, webpki refuses it. */
  criticalExtRoot: Uint8Array;
}

/** A self-signed CA the lab's mint functions cannot make (an odd key or an odd extension). */
async function mintOddRoot(
  name: string,
  alg: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams,
  extra: x509.Extension[] = [],
): Promise<Minted> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "0a0b0c",
    name,
    notBefore: daysFromNow(-1),
    notAfter: daysFromNow(3650),
    keys,
    signingAlgorithm: { ...alg, hash: "SHA-256" },
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), ...extra],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    cert,
    certPem: cert.toString("pem") + "\n",
    certDer: Buffer.from(cert.rawData),
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n",
    keys,
  };
}

const mintWeakRoot = () =>
  mintOddRoot("CN=Weak RSA-1024 Root, O=Example Corp", {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 1024,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  });

const mintCriticalExtensionRoot = async () =>
  new Uint8Array(
    (
      await mintOddRoot("CN=Critical Extension Root, O=Example Corp", { name: "ECDSA", namedCurve: "P-256" }, [
        new x509.Extension("1.3.6.1.4.1.99999.1", true, Uint8Array.of(0x05, 0x00)),
      ])
    ).certDer,
  );

let kit: Promise<Kit> | undefined;

/** Minted once per test file (module instance) and shared by its rows. */
export function getKit(): Promise<Kit> {
  kit ??= (async () => {
    const corp = await mintCorporateChain({ vendor: "plain" });
    return {
      publicRoots: [await mintRoot({ cn: "Public Root R1", o: "Public Trust" }), await mintRoot({ cn: "Public Root R2", o: "Public Trust" })],
      corp,
      otherCorpRoot: await mintRoot({ cn: "Old Corp Root CA", o: "Old Corp" }),
      leaf: await mintLeaf(corp.intermediate, { dnsNames: ["proxy.corp.example"] }),
      expiredRoot: await mintRoot({ cn: "Expired Corp Root", notBefore: daysFromNow(-730), notAfter: daysFromNow(-365) }),
      futureRoot: await mintRoot({ cn: "Future Corp Root", notBefore: daysFromNow(30), notAfter: daysFromNow(3650) }),
      expiringRoot: await mintRoot({ cn: "Expiring Corp Root", notBefore: daysFromNow(-300), notAfter: daysFromNow(10) }),
      weakRoot: await mintWeakRoot(),
      sha1Intermediate: await mintIntermediate(corp.root, { cn: "Corp SHA-1 Issuing CA", sigHash: "SHA-1" }),
      manyRoots: await Promise.all(Array.from({ length: 12 }, (_, i) => mintRoot({ cn: `Bulk Root ${i + 1}` }))),
      criticalExtRoot: await mintCriticalExtensionRoot(),
    };
  })();
  return kit;
}

export { daysFromNow, mintRoot, type Minted };
