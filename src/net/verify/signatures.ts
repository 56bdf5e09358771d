// Signature verification with the algorithm list of rustls's CryptoProvider (webpki signed_data.rs).
import type { webcrypto } from "node:crypto";
import { Failure, WebpkiErrorName } from "./errors.js";
import { Cert } from "./cert.js";
import { Context, parseFailure } from "./chain.js";
import { DerReader, Tag, bitStringBytes, oidToString, readSingle, toHex } from "./der.js";

// ---------------------------------------------------------------------------------------------
// Signatures (webpki signed_data.rs + the algorithm list of rustls's CryptoProvider)
// ---------------------------------------------------------------------------------------------

export type Hash = "SHA-256" | "SHA-384" | "SHA-512";

export interface SignatureAlgorithm {
  name: string;
  /** Hex of AlgorithmIdentifier contents; webpki matches these bytes exactly. */
  signatureAlgId: string;
  publicKeyAlgId: string;
  verify(spki: Uint8Array, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

export const HASH_OID: Record<Hash, string> = {
  "SHA-256": "608648016503040201",
  "SHA-384": "608648016503040202",
  "SHA-512": "608648016503040203",
};
export const HASH_BYTES: Record<Hash, number> = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

export const ALG_ID = {
  ecP256: "06072a8648ce3d020106082a8648ce3d030107",
  ecP384: "06072a8648ce3d020106052b81040022",
  ecP521: "06072a8648ce3d020106052b81040023",
  ecdsaSha256: "06082a8648ce3d040302",
  ecdsaSha384: "06082a8648ce3d040303",
  ecdsaSha512: "06082a8648ce3d040304",
  rsaEncryption: "06092a864886f70d0101010500",
  ed25519: "06032b6570",
} as const;

export const RSA_PKCS1_OID: Record<Hash, string> = {
  "SHA-256": "06092a864886f70d01010b",
  "SHA-384": "06092a864886f70d01010c",
  "SHA-512": "06092a864886f70d01010d",
};

/** webpki's RSA-PSS identifiers: MGF1 with the same hash and salt length = hash length, nothing else. */
export function rsaPssAlgId(hash: Hash): string {
  const hashAlg = `300d0609${HASH_OID[hash]}0500`;
  const salt = HASH_BYTES[hash].toString(16).padStart(2, "0");
  return `06092a864886f70d01010a3034a00f${hashAlg}a11c301a06092a864886f70d010108${hashAlg}a2030201${salt}`;
}

export type EcCurve = "P-256" | "P-384" | "P-521";
export const CURVE_BYTES: Record<EcCurve, number> = { "P-256": 32, "P-384": 48, "P-521": 66 };

export function ecdsa(curve: EcCurve, hash: Hash): SignatureAlgorithm {
  const keyId = curve === "P-256" ? ALG_ID.ecP256 : curve === "P-384" ? ALG_ID.ecP384 : ALG_ID.ecP521;
  const sigId = hash === "SHA-256" ? ALG_ID.ecdsaSha256 : hash === "SHA-384" ? ALG_ID.ecdsaSha384 : ALG_ID.ecdsaSha512;
  return {
    name: `ECDSA_${curve.replace("-", "")}_${hash.replace("-", "")}`,
    signatureAlgId: sigId,
    publicKeyAlgId: keyId,
    async verify(spki, publicKey, message, signature) {
      // ring only accepts uncompressed points and strict DER (r, s).
      const raw = ecdsaDerToRaw(signature, CURVE_BYTES[curve]);
      if (!raw || publicKey[0] !== 0x04) return false;
      const key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: curve }, false, ["verify"]);
      return crypto.subtle.verify({ name: "ECDSA", hash }, key, raw, message);
    },
  };
}

export function rsaPkcs1(hash: Hash, absentParams: boolean): SignatureAlgorithm {
  return {
    name: `RSA_PKCS1_2048_8192_${hash.replace("-", "")}${absentParams ? "_ABSENT_PARAMS" : ""}`,
    signatureAlgId: RSA_PKCS1_OID[hash] + (absentParams ? "" : "0500"),
    publicKeyAlgId: ALG_ID.rsaEncryption,
    async verify(spki, _publicKey, message, signature) {
      const key = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["verify"]);
      if (!rsaSizeOk(key)) return false;
      return crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, key, signature, message);
    },
  };
}

export function rsaPss(hash: Hash): SignatureAlgorithm {
  return {
    name: `RSA_PSS_2048_8192_${hash.replace("-", "")}_LEGACY_KEY`,
    signatureAlgId: rsaPssAlgId(hash),
    publicKeyAlgId: ALG_ID.rsaEncryption,
    async verify(spki, _publicKey, message, signature) {
      const key = await crypto.subtle.importKey("spki", spki, { name: "RSA-PSS", hash }, false, ["verify"]);
      if (!rsaSizeOk(key)) return false;
      return crypto.subtle.verify({ name: "RSA-PSS", saltLength: HASH_BYTES[hash] }, key, signature, message);
    },
  };
}

export const ED25519: SignatureAlgorithm = {
  name: "ED25519",
  signatureAlgId: ALG_ID.ed25519,
  publicKeyAlgId: ALG_ID.ed25519,
  async verify(spki, _publicKey, message, signature) {
    const key = await crypto.subtle.importKey("spki", spki, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  },
};

/** ring's RSA verifiers reject moduli outside 2048..8192 bits (a failed verification, not "unsupported"). */
export function rsaSizeOk(key: webcrypto.CryptoKey): boolean {
  const bits = (key.algorithm as webcrypto.RsaHashedKeyAlgorithm).modulusLength;
  return bits >= 2048 && bits <= 8192;
}

export const COMMON_ALGORITHMS: readonly SignatureAlgorithm[] = [
  ecdsa("P-256", "SHA-256"),
  ecdsa("P-256", "SHA-384"),
  ecdsa("P-384", "SHA-256"),
  ecdsa("P-384", "SHA-384"),
  ED25519,
  rsaPss("SHA-256"),
  rsaPss("SHA-384"),
  rsaPss("SHA-512"),
  rsaPkcs1("SHA-256", false),
  rsaPkcs1("SHA-384", false),
  rsaPkcs1("SHA-512", false),
  rsaPkcs1("SHA-256", true),
  rsaPkcs1("SHA-384", true),
  rsaPkcs1("SHA-512", true),
];

// rustls 0.23 `crypto::ring::SUPPORTED_SIG_ALGS` and `crypto::aws_lc_rs::SUPPORTED_SIG_ALGS`.
// Neither contains any SHA-1 (or MD5) algorithm, so such signatures are UnsupportedSignatureAlgorithm.
export const PROVIDER_ALGORITHMS: Record<"ring" | "aws-lc-rs", readonly SignatureAlgorithm[]> = {
  ring: COMMON_ALGORITHMS,
  "aws-lc-rs": [...COMMON_ALGORITHMS, ecdsa("P-521", "SHA-256"), ecdsa("P-521", "SHA-384"), ecdsa("P-521", "SHA-512")],
};

/** webpki `verify_signed_data`: pick by signature AlgorithmIdentifier, then require a matching key type. */
export async function verifySignedData(ctx: Context, issuerSpki: Uint8Array, issuerLabel: string, cert: Cert): Promise<Failure | undefined> {
  const fail = (kind: WebpkiErrorName, detail: string): Failure => ({ kind, certIndex: cert.index, detail });
  if (--ctx.budget.signatures < 0) return fail("MaximumSignatureChecksExceeded", "more than 100 signature checks were needed");

  const sigAlgId = toHex(cert.signatureAlgorithm);
  let keyTypeMismatch = false;
  for (const alg of ctx.algorithms) {
    if (alg.signatureAlgId !== sigAlgId) continue;
    let spki: { algorithmId: Uint8Array; publicKey: Uint8Array };
    try {
      spki = parseSpki(issuerSpki);
    } catch (err) {
      return parseFailure(err, cert.index);
    }
    if (alg.publicKeyAlgId !== toHex(spki.algorithmId)) {
      keyTypeMismatch = true;
      continue;
    }
    if (await safeVerify(alg, issuerSpki, spki.publicKey, cert)) return undefined;
    return fail("InvalidSignatureForPublicKey", `the signature on '${cert.label}' does not verify with the public key of '${issuerLabel}'`);
  }
  const algName = signatureAlgorithmName(cert.signatureAlgorithm);
  return keyTypeMismatch
    ? fail("UnsupportedSignatureAlgorithmForPublicKey", `'${cert.label}' is signed with ${algName}, which does not fit the key type of '${issuerLabel}' (or that curve/key type is not supported)`)
    : fail("UnsupportedSignatureAlgorithm", `'${cert.label}' is signed with ${algName}, which rustls/webpki does not accept`);
}

export async function safeVerify(alg: SignatureAlgorithm, spki: Uint8Array, publicKey: Uint8Array, cert: Cert): Promise<boolean> {
  try {
    return await alg.verify(spki, publicKey, cert.tbs, cert.signature);
  } catch {
    // A key WebCrypto cannot import is a key ring cannot use either: the signature fails.
    return false;
  }
}

export function parseSpki(spki: Uint8Array): { algorithmId: Uint8Array; publicKey: Uint8Array } {
  const reader = new DerReader(readSingle(spki, Tag.Sequence).value);
  const algorithmId = reader.expect(Tag.Sequence).value;
  const publicKey = bitStringBytes(reader.expect(Tag.BitString));
  reader.finish();
  return { algorithmId, publicKey };
}

/** DER Ecdsa-Sig-Value -> fixed-width r||s as WebCrypto wants; undefined if not strict DER. */
export function ecdsaDerToRaw(signature: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const reader = new DerReader(readSingle(signature, Tag.Sequence).value);
    const r = positiveInteger(reader.expect(Tag.Integer).value, size);
    const s = positiveInteger(reader.expect(Tag.Integer).value, size);
    reader.finish();
    if (!r || !s) return undefined;
    const raw = new Uint8Array(size * 2);
    raw.set(r, size - r.length);
    raw.set(s, size * 2 - s.length);
    return raw;
  } catch {
    return undefined;
  }
}

export function positiveInteger(value: Uint8Array, size: number): Uint8Array | undefined {
  const [first, second] = value;
  if (first === undefined || first >= 0x80) return undefined;
  if (first === 0x00 && (second === undefined || second < 0x80)) return undefined; // zero or non-minimal
  const magnitude = first === 0x00 ? value.subarray(1) : value;
  return magnitude.length <= size ? magnitude : undefined;
}

export const SIGNATURE_OID_NAMES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.10": "RSASSA-PSS",
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "1.2.840.10040.4.3": "dsa-with-SHA1",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
};
export const WEAK_DIGEST_OIDS = new Set(["1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.10040.4.3"]);

export function signatureOid(algorithmId: Uint8Array): string | undefined {
  try {
    return oidToString(new DerReader(algorithmId).expect(Tag.Oid).value);
  } catch {
    return undefined;
  }
}

export function signatureAlgorithmName(algorithmId: Uint8Array): string {
  const oid = signatureOid(algorithmId);
  if (!oid) return "an unreadable algorithm";
  return SIGNATURE_OID_NAMES[oid] ?? oid;
}
