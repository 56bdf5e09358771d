// Error vocabulary for src/net/verify.ts: the webpki error variants we can produce, how webpki ranks
// them when several candidate paths fail (rustls/webpki src/error.rs `Error::rank` and
// `most_specific`), which ones stop path building (`is_fatal`), and how each maps onto the doctor's
// public codes and onto an OpenSSL-style reason for people used to `openssl s_client`.

/** Public, stable codes (what the rest of codex-doctor switches on). */
export type VerifyErrorCode =
  | "UnknownIssuer"
  | "Expired"
  | "NotValidYet"
  | "CertNotValidForName"
  | "CaUsedAsEndEntity"
  | "EndEntityUsedAsCa"
  | "InvalidSignatureForPublicKey"
  | "RequiredEkuNotFound"
  | "PathLenConstraintViolated"
  | "BadEncoding"
  | "UnsupportedSignatureAlgorithm"
  | "NameConstraintViolation"
  | "MaximumPathDepthExceeded";

/** The webpki `Error` variants this reimplementation can raise (names as in webpki's error.rs). */
export type WebpkiErrorName =
  | "BadDer"
  | "BadDerTime"
  | "TrailingData"
  | "CaUsedAsEndEntity"
  | "CertExpired"
  | "CertNotValidForName"
  | "CertNotValidYet"
  | "EndEntityUsedAsCa"
  | "ExtensionValueInvalid"
  | "InvalidCertValidity"
  | "InvalidNetworkMaskConstraint"
  | "InvalidSignatureForPublicKey"
  | "MalformedDnsIdentifier"
  | "MalformedNameConstraint"
  | "MaximumNameConstraintComparisonsExceeded"
  | "MaximumPathBuildCallsExceeded"
  | "MaximumPathDepthExceeded"
  | "MaximumSignatureChecksExceeded"
  | "NameConstraintViolation"
  | "PathLenConstraintViolated"
  | "RequiredEkuNotFound"
  | "SignatureAlgorithmMismatch"
  | "UnknownIssuer"
  | "UnsupportedCertVersion"
  | "UnsupportedCriticalExtension"
  | "UnsupportedNameType"
  | "UnsupportedSignatureAlgorithm"
  | "UnsupportedSignatureAlgorithmForPublicKey";

/** One rejected candidate: what webpki would say, about which presented certificate. */
export interface Failure {
  kind: WebpkiErrorName;
  /** Index into the presented list (0 = leaf). */
  certIndex: number;
  detail: string;
}

/** Thrown by the DER/certificate parsers; converted to a `Failure` where the cert index is known. */
export class PkiError extends Error {
  constructor(
    readonly kind: WebpkiErrorName,
    message: string = kind,
  ) {
    super(message);
  }
}

// webpki error.rs `rank()`: when every candidate path fails, the highest-ranked error is reported.
const RANK: Record<WebpkiErrorName, number> = {
  CertNotValidYet: 290,
  CertExpired: 290,
  CertNotValidForName: 280,
  InvalidSignatureForPublicKey: 260,
  SignatureAlgorithmMismatch: 250,
  RequiredEkuNotFound: 240,
  NameConstraintViolation: 230,
  PathLenConstraintViolated: 220,
  CaUsedAsEndEntity: 210,
  EndEntityUsedAsCa: 210,
  InvalidCertValidity: 190,
  InvalidNetworkMaskConstraint: 180,
  UnsupportedSignatureAlgorithmForPublicKey: 150,
  UnsupportedSignatureAlgorithm: 140,
  UnsupportedCriticalExtension: 130,
  UnsupportedCertVersion: 130,
  UnsupportedNameType: 95,
  MaximumPathDepthExceeded: 61,
  MalformedDnsIdentifier: 60,
  MalformedNameConstraint: 50,
  TrailingData: 40,
  ExtensionValueInvalid: 30,
  BadDerTime: 20,
  BadDer: 10,
  MaximumSignatureChecksExceeded: 0,
  MaximumPathBuildCallsExceeded: 0,
  MaximumNameConstraintComparisonsExceeded: 0,
  UnknownIssuer: 0,
};

/** webpki `Error::most_specific`: ties keep the error seen first. */
export function mostSpecific(current: Failure, candidate: Failure): Failure {
  return RANK[current.kind] >= RANK[candidate.kind] ? current : candidate;
}

/** webpki `Error::is_fatal`: budget exhaustion aborts the whole search instead of trying other paths. */
export function isFatal(kind: WebpkiErrorName): boolean {
  return (
    kind === "MaximumSignatureChecksExceeded" ||
    kind === "MaximumPathBuildCallsExceeded" ||
    kind === "MaximumNameConstraintComparisonsExceeded"
  );
}

const PUBLIC_CODE: Record<WebpkiErrorName, VerifyErrorCode> = {
  BadDer: "BadEncoding",
  BadDerTime: "BadEncoding",
  TrailingData: "BadEncoding",
  ExtensionValueInvalid: "BadEncoding",
  SignatureAlgorithmMismatch: "BadEncoding",
  UnsupportedCertVersion: "BadEncoding",
  UnsupportedCriticalExtension: "BadEncoding",
  MalformedDnsIdentifier: "BadEncoding",
  MalformedNameConstraint: "BadEncoding",
  InvalidNetworkMaskConstraint: "BadEncoding",
  // rustls maps InvalidCertValidity (notBefore > notAfter) to CertificateError::Expired.
  CertExpired: "Expired",
  InvalidCertValidity: "Expired",
  CertNotValidYet: "NotValidYet",
  CertNotValidForName: "CertNotValidForName",
  UnsupportedNameType: "CertNotValidForName",
  CaUsedAsEndEntity: "CaUsedAsEndEntity",
  EndEntityUsedAsCa: "EndEntityUsedAsCa",
  InvalidSignatureForPublicKey: "InvalidSignatureForPublicKey",
  RequiredEkuNotFound: "RequiredEkuNotFound",
  PathLenConstraintViolated: "PathLenConstraintViolated",
  NameConstraintViolation: "NameConstraintViolation",
  UnknownIssuer: "UnknownIssuer",
  UnsupportedSignatureAlgorithm: "UnsupportedSignatureAlgorithm",
  UnsupportedSignatureAlgorithmForPublicKey: "UnsupportedSignatureAlgorithm",
  MaximumPathDepthExceeded: "MaximumPathDepthExceeded",
  MaximumSignatureChecksExceeded: "MaximumPathDepthExceeded",
  MaximumPathBuildCallsExceeded: "MaximumPathDepthExceeded",
  MaximumNameConstraintComparisonsExceeded: "MaximumPathDepthExceeded",
};

export function publicCode(kind: WebpkiErrorName): VerifyErrorCode {
  return PUBLIC_CODE[kind];
}

/** Extra facts the OpenSSL wording depends on. */
export interface OpensslContext {
  /** For UnknownIssuer: the certificate where the chain stops is self-signed. */
  deadEndSelfSigned?: boolean;
  /** For name mismatches: the server name was an IP literal. */
  serverNameIsIp?: boolean;
  /** For signature algorithm failures: the algorithm is a weak digest (SHA-1/MD5). */
  weakDigest?: boolean;
}

/** The reason `openssl verify`/`s_client` would most likely print for the same defect. */
export function opensslReason(failure: Failure | undefined, ctx: OpensslContext = {}): string {
  if (!failure) return "ok";
  switch (failure.kind) {
    case "UnknownIssuer":
      if (!ctx.deadEndSelfSigned) return "unable to get local issuer certificate";
      return failure.certIndex === 0 ? "self-signed certificate" : "self-signed certificate in certificate chain";
    case "CertExpired":
      return "certificate has expired";
    case "InvalidCertValidity":
      return "format error in certificate's notAfter field";
    case "CertNotValidYet":
      return "certificate is not yet valid";
    case "CertNotValidForName":
    case "UnsupportedNameType":
      return ctx.serverNameIsIp ? "IP address mismatch" : "Hostname mismatch";
    case "CaUsedAsEndEntity":
    case "RequiredEkuNotFound":
      return "unsupported certificate purpose";
    case "EndEntityUsedAsCa":
      return "invalid CA certificate";
    case "PathLenConstraintViolated":
      return "path length constraint exceeded";
    case "InvalidSignatureForPublicKey":
      return "certificate signature failure";
    case "UnsupportedSignatureAlgorithm":
    case "UnsupportedSignatureAlgorithmForPublicKey":
      return ctx.weakDigest ? "CA signature digest algorithm too weak" : "certificate signature failure";
    case "NameConstraintViolation":
      return "permitted subtree violation";
    case "MaximumPathDepthExceeded":
    case "MaximumSignatureChecksExceeded":
    case "MaximumPathBuildCallsExceeded":
    case "MaximumNameConstraintComparisonsExceeded":
      return "certificate chain too long";
    case "UnsupportedCriticalExtension":
      return "unhandled critical extension";
    case "BadDerTime":
      return "format error in certificate's notBefore field";
    default:
      return "unable to decode certificate";
  }
}
