// What the verifier takes and returns (re-exported by ../verify.ts).
import type { VerifyErrorCode, WebpkiErrorName } from "./errors.js";

export interface TrustAnchor {
  /** DER of the subject Name (the full SEQUENCE). */
  subjectDer: Uint8Array;
  /** DER of the SubjectPublicKeyInfo (the full SEQUENCE). */
  spkiDer: Uint8Array;
  /** Human subject, e.g. "CN=Corp Root CA". */
  label?: string;
  /** Where the anchor came from, e.g. "CODEX_CA_CERTIFICATE". */
  source?: string;
  /** DER of the anchor certificate's NameConstraints SEQUENCE, if it has one (webpki enforces it). */
  nameConstraintsDer?: Uint8Array;
}

export interface VerifyInput {
  /** DER certificates, leaf first, exactly as sent by the server. */
  presented: Uint8Array[];
  anchors: TrustAnchor[];
  /** DNS name or IP literal (IPv6 may be bracketed). */
  serverName: string;
  now: Date;
  /**
   * Which rustls CryptoProvider's signature algorithms to accept. reqwest 0.12's `rustls-tls`
   * uses *ring* (the default here); aws-lc-rs additionally verifies ECDSA P-521.
   */
  cryptoProvider?: "ring" | "aws-lc-rs";
}

export interface VerifyResult {
  ok: boolean;
  error?: {
    code: VerifyErrorCode;
    /** Which presented certificate (0 = leaf). */
    certIndex: number;
    /** Human sentence explaining the failure. */
    detail: string;
    /** The exact webpki `Error` variant, e.g. "UnsupportedCriticalExtension". */
    webpkiError: WebpkiErrorName;
  };
  /** On success: the presented certificates used (leaf first) and the anchor reached. */
  path?: { presentedIndexes: number[]; anchor: TrustAnchor };
  /** On UnknownIssuer: the issuer name (human string) that was needed but not found anywhere. */
  missingIssuer?: string;
  /** OpenSSL-style reason, e.g. "unable to get local issuer certificate", "ok". */
  opensslStyle: string;
}
