import "reflect-metadata";
import * as x509 from "@peculiar/x509";
x509.cryptoProvider.set(globalThis.crypto);

// Certificate minting for the TLS lab. Everything lives in memory; nothing touches disk.
// ECDSA P-256 is the default because RSA-2048 key generation costs ~100 ms per key.
import { isIP } from "node:net";
import { randomBytes, type webcrypto } from "node:crypto";

/** Re-exported so tests use the instance configured above (x509 needs reflect-metadata first). */
export { x509 };

/** Node's types only expose WebCrypto types under `webcrypto`; the DOM lib is not loaded. */
export type LabKeyPair = webcrypto.CryptoKeyPair;

export interface Minted {
  cert: x509.X509Certificate;
  certPem: string;
  certDer: Buffer;
  /** PKCS#8 PEM, directly usable as `key` for node:tls. */
  keyPem: string;
  keys: LabKeyPair;
}

export type KeyAlg = "ec" | "rsa";
export type SigHash = "SHA-256" | "SHA-1";

export interface CaOptions {
  cn: string;
  o?: string;
  ou?: string;
  /** Rendered as `E=` (emailAddress, 1.2.840.113549.1.9.1) in the subject. */
  email?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Default true. false => basicConstraints CA:FALSE (a "root" that must not sign). */
  ca?: boolean;
  alg?: KeyAlg;
  sigHash?: SigHash;
}

export interface LeafOptions {
  /** Defaults to the first DNS name (or "localhost"). */
  cn?: string;
  dnsNames: string[];
  ipAddresses?: string[];
  /** Default true: also cover "localhost" and 127.0.0.1 so loopback clients can verify. */
  loopbackNames?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Shorthand for a validity window that ended yesterday. */
  expired?: boolean;
  alg?: KeyAlg;
}

const DAY = 86_400_000;
export const daysFromNow = (days: number): Date => new Date(Date.now() + days * DAY);

function keyAlgorithm(alg: KeyAlg, hash: SigHash): webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams {
  return alg === "ec"
    ? { name: "ECDSA", namedCurve: "P-256" }
    : { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash };
}

async function generateKeys(alg: KeyAlg, hash: SigHash): Promise<LabKeyPair> {
  // extractable=true so the private key can be exported as PKCS#8 for node:tls.
  return crypto.subtle.generateKey(keyAlgorithm(alg, hash), true, ["sign", "verify"]) as Promise<LabKeyPair>;
}

/**
 * WebCrypto binds the hash into RSA keys, so signing with another hash needs a re-import.
 * ECDSA takes the hash per signature, so EC keys are returned unchanged.
 */
async function signingSetup(signer: LabKeyPair, hash: SigHash): Promise<{ key: webcrypto.CryptoKey; algorithm: webcrypto.Algorithm }> {
  const key = signer.privateKey;
  if (key.algorithm.name === "ECDSA") return { key, algorithm: { name: "ECDSA", hash } as webcrypto.EcdsaParams };
  const keyHash = (key.algorithm as webcrypto.RsaHashedKeyAlgorithm).hash.name;
  if (keyHash === hash) return { key, algorithm: { name: "RSASSA-PKCS1-v1_5" } };
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", key);
  const rehashed = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["sign"]);
  return { key: rehashed, algorithm: { name: "RSASSA-PKCS1-v1_5" } };
}

/** 16 random bytes with the top bit cleared: DER INTEGER stays positive, never zero. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString("hex");
}

/** x509 name strings are RFC 4514-ish; escape the characters that would split RDNs. */
const esc = (v: string): string => v.replace(/([,+"\\<>;=])/g, "\\$1");

function subjectOf(o: Pick<CaOptions, "cn" | "o" | "ou" | "email">): string {
  const parts = [`CN=${esc(o.cn)}`];
  if (o.ou) parts.push(`OU=${esc(o.ou)}`);
  if (o.o) parts.push(`O=${esc(o.o)}`);
  if (o.email) parts.push(`E=${esc(o.email)}`);
  return parts.join(", ");
}

/** x509 omits the final newline; OpenSSL then rejects concatenated bundles ("bad end line"). */
const withNewline = (pem: string): string => (pem.endsWith("\n") ? pem : `${pem}\n`);

async function finish(cert: x509.X509Certificate, keys: LabKeyPair): Promise<Minted> {
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    cert,
    certPem: withNewline(cert.toString("pem")),
    certDer: Buffer.from(cert.rawData),
    keyPem: withNewline(x509.PemConverter.encode(pkcs8, "PRIVATE KEY")),
    keys,
  };
}

interface IssueParams {
  subject: string;
  keys: LabKeyPair;
  issuer: Minted | null; // null => self-signed
  notBefore: Date;
  notAfter: Date;
  sigHash: SigHash;
  extensions: x509.Extension[];
}

async function issue(p: IssueParams): Promise<Minted> {
  const signer = p.issuer?.keys ?? p.keys;
  const { key, algorithm } = await signingSetup(signer, p.sigHash);
  const ski = await x509.SubjectKeyIdentifierExtension.create(p.keys.publicKey);
  // AKI must equal the issuer's SKI byte-for-byte, so reuse it rather than recomputing.
  const issuerSki = p.issuer
    ? p.issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId
    : ski.keyId;
  const extensions = [...p.extensions, ski];
  if (issuerSki) extensions.push(new x509.AuthorityKeyIdentifierExtension(issuerSki));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: p.subject,
    issuer: p.issuer ? p.issuer.cert.subject : p.subject,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.keys.publicKey,
    signingKey: key,
    signingAlgorithm: algorithm,
    extensions,
  });
  return finish(cert, p.keys);
}

function caExtensions(isCa: boolean): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(isCa, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
}

async function mintCa(issuer: Minted | null, opts: CaOptions): Promise<Minted> {
  const sigHash = opts.sigHash ?? "SHA-256";
  return issue({
    subject: subjectOf(opts),
    keys: await generateKeys(opts.alg ?? "ec", sigHash),
    issuer,
    notBefore: opts.notBefore ?? daysFromNow(-1),
    notAfter: opts.notAfter ?? daysFromNow(3650),
    sigHash,
    extensions: caExtensions(opts.ca ?? true),
  });
}

/** Self-signed root CA. */
export function mintRoot(opts: CaOptions): Promise<Minted> {
  return mintCa(null, opts);
}

/** CA certificate signed by `issuer`. */
export function mintIntermediate(issuer: Minted, opts: CaOptions): Promise<Minted> {
  return mintCa(issuer, opts);
}

/** Server certificate (serverAuth) signed by `issuer`. IP-looking dnsNames become IP SANs. */
export async function mintLeaf(issuer: Minted, opts: LeafOptions): Promise<Minted> {
  const loopback = opts.loopbackNames ?? true;
  const names = [...opts.dnsNames, ...(opts.ipAddresses ?? [])];
  if (loopback) names.push("localhost", "127.0.0.1");
  const unique = [...new Set(names)];
  const san = unique.map((value) => ({ type: isIP(value) ? ("ip" as const) : ("dns" as const), value }));
  const notAfter = opts.notAfter ?? (opts.expired ? daysFromNow(-1) : daysFromNow(90));
  const notBefore = opts.notBefore ?? (opts.expired ? daysFromNow(-30) : daysFromNow(-1));
  return issue({
    subject: `CN=${esc(opts.cn ?? opts.dnsNames[0] ?? "localhost")}`,
    keys: await generateKeys(opts.alg ?? "ec", "SHA-256"),
    issuer,
    notBefore,
    notAfter,
    sigHash: "SHA-256",
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(san),
    ],
  });
}

export interface CorporateChainOptions {
  vendor?: "zscaler" | "plain";
  /** Root validity window two years ago .. one year ago. */
  rootExpired?: boolean;
  /** basicConstraints CA:FALSE on the root (OpenSSL: "invalid CA certificate"). */
  rootCaFalse?: boolean;
  alg?: KeyAlg;
}

export interface CorporateChain {
  root: Minted;
  intermediate: Minted;
}

// Subjects modelled on the real Zscaler CAs that TLS-inspecting proxies inject.
const SUBJECTS = {
  zscaler: {
    root: { cn: "Zscaler Root CA", ou: "Zscaler Inc.", o: "Zscaler Inc.", email: "support@zscaler.com" },
    intermediate: { cn: "Zscaler Intermediate Root CA (zscloud.net)", ou: "Zscaler Inc.", o: "Zscaler Inc." },
  },
  plain: {
    root: { cn: "Corp Root CA", o: "Example Corp" },
    intermediate: { cn: "Corp Issuing CA", o: "Example Corp" },
  },
} as const;

/** A corporate root + issuing intermediate, as an inspecting proxy would use. */
export async function mintCorporateChain(opts: CorporateChainOptions = {}): Promise<CorporateChain> {
  const names = SUBJECTS[opts.vendor ?? "zscaler"];
  const root = await mintRoot({
    ...names.root,
    alg: opts.alg,
    ca: !opts.rootCaFalse,
    ...(opts.rootExpired ? { notBefore: daysFromNow(-730), notAfter: daysFromNow(-365) } : {}),
  });
  const intermediate = await mintIntermediate(root, { ...names.intermediate, alg: opts.alg });
  return { root, intermediate };
}
