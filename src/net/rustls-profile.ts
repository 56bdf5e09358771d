// What Codex's rustls client offers in a handshake, so a server or proxy that only speaks legacy
// TLS (CBC suites, RSA key exchange, TLS 1.0/1.1, SHA-1 signatures) fails here as it fails in Codex
// instead of passing on OpenSSL's wider defaults.
import type { ConnectionOptions } from "node:tls";

export const RUSTLS_TLS_OPTIONS: Pick<ConnectionOptions, "minVersion" | "ciphers" | "sigalgs" | "ecdhCurve"> = {
  minVersion: "TLSv1.2",
  // rustls' default suites: TLS 1.3 AEADs, and TLS 1.2 ECDHE with AES-GCM / ChaCha20 only.
  ciphers: [
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-CHACHA20-POLY1305",
  ].join(":"),
  // The signature schemes rustls (ring provider) can verify.
  sigalgs: [
    "ecdsa_secp384r1_sha384",
    "ecdsa_secp256r1_sha256",
    "ed25519",
    "rsa_pss_rsae_sha512",
    "rsa_pss_rsae_sha384",
    "rsa_pss_rsae_sha256",
    "rsa_pkcs1_sha512",
    "rsa_pkcs1_sha384",
    "rsa_pkcs1_sha256",
  ].join(":"),
  ecdhCurve: "X25519:P-256:P-384",
};
