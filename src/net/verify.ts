// Server-certificate verification with rustls/webpki semantics, so codex-doctor predicts exactly
// what the Codex CLI (reqwest + rustls + webpki) accepts. It deliberately does NOT behave like
// OpenSSL/Node: trust anchors are only (subject, SPKI, name constraints); there is no AIA fetching;
// the subject CN is never used for names; errors are ranked the way webpki ranks them.
//
// Reference (behaviour re-derived, not copied): rustls/webpki src/verify_cert.rs, src/cert.rs,
// src/x509.rs, src/signed_data.rs, src/end_entity.rs, src/subject_name/{mod,dns_name,ip_address}.rs,
// src/error.rs, src/trust_anchor.rs; rustls rustls/src/webpki/{server_verifier,verify,mod}.rs.
import { PkiError } from "./verify/errors.js";
import { countWork } from "../ca/work.js";
import type { TrustAnchor, VerifyInput, VerifyResult } from "./verify/types.js";
import { Cert, anchorFromV1Cert, makeAnchor, parseCert } from "./verify/cert.js";
import { buildChain, failed, failedPath, newContext, parseFailure } from "./verify/chain.js";
import { parseServerName, verifyServerName } from "./verify/names.js";

export type { VerifyErrorCode } from "./verify/errors.js";

// The public API; the machinery lives in ./verify/ (der, cert, signatures, names, chain, errors).
export type { TrustAnchor, VerifyInput, VerifyResult } from "./verify/types.js";

/**
 * Builds a trust anchor from a CA certificate the way webpki's `anchor_from_trusted_cert` does:
 * validity and CA flag are ignored; v1 certificates are accepted; any other parse failure
 * (including an unsupported critical extension) makes the certificate unusable as an anchor.
 */
export function anchorFromCertificateDer(der: Uint8Array, source?: string): TrustAnchor | undefined {
  countWork("anchor");
  try {
    const cert = parseCert(der, -1);
    return makeAnchor(cert.subject, cert.spki, cert.ext.nameConstraints?.whole, source);
  } catch (err) {
    if (err instanceof PkiError && err.kind === "UnsupportedCertVersion") return anchorFromV1Cert(der, source);
    return undefined;
  }
}

/** Whether webpki accepts this certificate as a trust anchor (what rustls's root store needs). */
export function isWebpkiAnchor(der: Uint8Array): boolean {
  countWork("anchor");
  try {
    parseCert(der, -1);
    return true;
  } catch (err) {
    if (err instanceof PkiError && err.kind === "UnsupportedCertVersion") return anchorFromV1Cert(der) !== undefined;
    return false;
  }
}

/** Predicts rustls's `WebPkiServerVerifier` verdict for this certificate chain and server name. */
export async function verifyServerChain(input: VerifyInput): Promise<VerifyResult> {
  const leafDer = input.presented[0];
  if (!leafDer) return failed({ kind: "BadDer", certIndex: 0, detail: "the server sent no certificate" }, {});

  // rustls parses the end-entity first (ParsedCertificate::try_from); a parse error ends it there.
  let leaf: Cert;
  try {
    leaf = parseCert(leafDer, 0);
  } catch (err) {
    return failed(parseFailure(err, 0), {});
  }

  const ctx = newContext(input, leaf);
  const outcome = await buildChain(ctx, [leaf], 0);
  if (!outcome.ok) return failedPath(outcome.failure, ctx);

  // rustls checks the server name only after the path verified (server_verifier.rs).
  const nameFailure = verifyServerName(leaf, input.serverName);
  if (nameFailure) return failed(nameFailure, { serverNameIsIp: parseServerName(input.serverName)?.kind === "ip" });

  return {
    ok: true,
    path: { presentedIndexes: outcome.path.map((c) => c.index), anchor: outcome.anchor },
    opensslStyle: "ok",
  };
}

