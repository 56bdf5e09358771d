// The summaries as @peculiar/x509 produced them before (src/ca/certinfo.ts at the start of this
// change), kept as the reference the DER walk is compared with.
// Human summaries of certificates (subject, issuer, validity, CA flag, key, signature, fingerprint)
// for tables, findings and JSON.
import { createHash, createPublicKey } from "node:crypto";
import { x509 } from "../../../src/lab/pki.js";

export interface CertSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  isCA: boolean;
  keyType: string;
  keyBits?: number;
  signatureAlgorithm: string;
  sha256: string;
  selfIssued: boolean;
  selfSigned: boolean;
  /** DER of the subject Name and SubjectPublicKeyInfo: what makes a trust anchor. */
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  issuerDer: Uint8Array;
}

export function sha256Hex(der: Uint8Array): string {
  return createHash("sha256")
    .update(der)
    .digest("hex")
    .toUpperCase()
    .replace(/(..)(?!$)/g, "$1:");
}

function describeKey(cert: x509.X509Certificate): { keyType: string; keyBits?: number } {
  const alg = cert.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  if (alg.name === "ECDSA" || alg.name === "ECDH") return { keyType: `EC ${alg.namedCurve ?? ""}`.trim() };
  if (alg.name.startsWith("RSA")) {
    const bits = alg.modulusLength ?? rsaBitsFromSpki(cert.publicKey.rawData);
    return { keyType: "RSA", keyBits: bits };
  }
  return { keyType: alg.name };
}

/** Modulus size from a SubjectPublicKeyInfo when WebCrypto did not report it. */
function rsaBitsFromSpki(spki: ArrayBuffer): number | undefined {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).asymmetricKeyDetails?.modulusLength;
  } catch {
    return undefined;
  }
}

function signatureName(cert: x509.X509Certificate): string {
  const alg = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
  return alg.hash ? `${alg.name} with ${alg.hash.name}` : alg.name;
}

export async function summarise(der: Uint8Array): Promise<CertSummary | undefined> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(Buffer.from(der));
  } catch {
    return undefined;
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const selfIssued = Buffer.from(cert.subjectName.toArrayBuffer()).equals(Buffer.from(cert.issuerName.toArrayBuffer()));
  let selfSigned = false;
  if (selfIssued) {
    try {
      selfSigned = await cert.verify({ signatureOnly: true });
    } catch {
      selfSigned = false;
    }
  }
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber.toUpperCase(),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    isCA: bc?.ca ?? false,
    ...describeKey(cert),
    signatureAlgorithm: signatureName(cert),
    sha256: sha256Hex(der),
    selfIssued,
    selfSigned,
    subjectDer: new Uint8Array(cert.subjectName.toArrayBuffer()),
    spkiDer: new Uint8Array(cert.publicKey.rawData),
    issuerDer: new Uint8Array(cert.issuerName.toArrayBuffer()),
  };
}
