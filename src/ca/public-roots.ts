// Does a root set contain public roots? Decided by fingerprint against the platform store, the
// only list of "public" roots this machine has.
import type { CaReport } from "./loader.js";
import { sha256Of } from "./certinfo.js";

/** Shared with the summaries: each certificate is hashed once per run. */
const fingerprint = sha256Of;

export function fingerprints(certs: Uint8Array[]): Set<string> {
  return new Set(certs.map(fingerprint));
}

/**
 * When SSL_CERT_FILE/SSL_CERT_DIR replace the system roots: how many certificates they hold and
 * whether none of them is a platform (public) root. undefined when nothing is replaced, when the
 * replacement holds public roots, or when the platform store is unknown.
 */
export function isCorporateOnly(ca: CaReport): { count: number; systemBundle: string } | undefined {
  const base = ca.baseRoots;
  if (base.origin !== "env") return undefined;
  const platform = ca.platformRoots;
  if (platform.certificates.length === 0) {
    // No platform store to compare with: a handful of certificates cannot be the public set.
    return base.certificates.length > 0 && base.certificates.length < 20
      ? { count: base.certificates.length, systemBundle: "/etc/ssl/certs/ca-certificates.crt" }
      : undefined;
  }
  const publicSet = fingerprints(platform.certificates);
  const anyPublic = base.certificates.some((c) => publicSet.has(fingerprint(c)));
  return anyPublic ? undefined : { count: base.certificates.length, systemBundle: platform.description };
}
