// Trust anchors for the verifier, derived once per run from the shared CA loader's trust set.
import type { CaReport } from "../ca/loader.js";
import { anchorFromCertificateDer, type TrustAnchor } from "./verify.js";

const cache = new WeakMap<object, TrustAnchor[]>();

function toAnchors(certs: Uint8Array[], source: string): TrustAnchor[] {
  return certs.map((der) => anchorFromCertificateDer(der, source)).filter((a): a is TrustAnchor => a !== undefined);
}

/** The anchors Codex's HTTP and WebSocket paths trust: exactly the loader's `trust.roots`. */
export function codexAnchors(ca: CaReport): TrustAnchor[] {
  const hit = cache.get(ca);
  if (hit) return hit;
  // trust.roots lists the base roots first, then what the bundle adds; label each by its origin.
  const baseCount = ca.baseRoots.certificates.length;
  const anchors = [
    ...baseAnchors(ca),
    ...toAnchors(ca.trust.roots.slice(baseCount), ca.selection.sourceEnv ?? "bundle"),
  ];
  cache.set(ca, anchors);
  return anchors;
}

/** The base roots alone (what Codex trusts without its bundle; also the OTLP gRPC exporter's base). */
export function baseAnchors(ca: CaReport): TrustAnchor[] {
  const key = ca.baseRoots;
  const hit = cache.get(key);
  if (hit) return hit;
  const anchors = toAnchors(ca.baseRoots.certificates, ca.baseRoots.origin === "env" ? "SSL_CERT_FILE/SSL_CERT_DIR" : "system store");
  cache.set(key, anchors);
  return anchors;
}

/** The platform store's anchors: what "a public root" means on this machine. */
export function platformAnchors(ca: CaReport): TrustAnchor[] {
  const key = ca.platformRoots;
  const hit = cache.get(key);
  if (hit) return hit;
  const anchors = toAnchors(ca.platformRoots.certificates, "system store");
  cache.set(key, anchors);
  return anchors;
}
