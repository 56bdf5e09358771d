// Everything one connection to a host:port tells us, gathered once: the route, how far it got, the
// chain presented, Codex's verdict (webpki) and OpenSSL's, whether it is intercepted (and by which
// vendor), and where the missing issuer sits on disk. Facts only: the checks turn them into findings.
import type { EstablishFailure, EstablishResult, PresentedChain } from "./establish.js";
import type { ProxyDecision } from "./proxy.js";
import { verifyServerChain, type TrustAnchor, type VerifyResult } from "./verify.js";
import { vendorFromNames, type Vendor } from "./vendors.js";
import type { FoundCertificate } from "./locate.js";

export interface Interception {
  /** Subject of the top certificate's issuer: the CA the proxy re-signs with. */
  issuer: string;
  vendor?: Vendor;
}

export interface ConnectionFacts {
  /** host:port */
  host: string;
  url: URL;
  route: ProxyDecision;
  ok: boolean;
  /** Present when the connection failed (its socket, if any, is already closed). */
  failure?: EstablishFailure;
  chain?: PresentedChain;
  /** Codex's (webpki's) verdict on the chain, when one was presented. */
  verify?: VerifyResult;
  /** What OpenSSL would have said of the same chain ("ok" when Codex accepted it). */
  openssl: string | null;
  /** Set when no public root vouches for the chain: somebody re-signs TLS on the way. */
  interception?: Interception;
  /** Where the certificate the chain is missing (its top issuer) is on this machine. */
  missingIssuerFound: FoundCertificate[];
}

export interface GatherInput {
  url: URL;
  route: ProxyDecision;
  /** Opens and verifies the connection the way Codex would (see establish()). */
  connect: () => Promise<EstablishResult>;
  /** The platform store: what "a public root" means on this machine. */
  publicAnchors: TrustAnchor[];
  now: Date;
  locate: (issuerDer: Uint8Array) => Promise<FoundCertificate[]>;
}

export function hostKey(url: URL): string {
  return `${url.hostname}:${url.port || 443}`;
}

/** Names on the chain, for vendor fingerprints. */
export function chainNames(chain: PresentedChain): string[] {
  return chain.summaries.flatMap((s) => (s ? [s.subject, s.issuer] : []));
}

/** Whether no public root vouches for a chain (so something between us and the server re-signs it). */
export async function interceptionOf(chain: PresentedChain, publicAnchors: TrustAnchor[], serverName: string, now: Date): Promise<Interception | undefined> {
  if (publicAnchors.length === 0 || chain.der.length === 0) return undefined;
  const viaPublic = await verifyServerChain({ presented: chain.der, anchors: publicAnchors, serverName, now });
  if (viaPublic.ok || viaPublic.error?.code !== "UnknownIssuer") return undefined;
  const top = chain.summaries[chain.summaries.length - 1];
  return { issuer: top?.issuer ?? "?", vendor: vendorFromNames(chainNames(chain)) };
}

export async function gatherConnection(input: GatherInput): Promise<ConnectionFacts> {
  const result = await input.connect();
  const host = hostKey(input.url);
  const chain = result.chain;
  const interception = chain ? await interceptionOf(chain, input.publicAnchors, input.url.hostname, input.now) : undefined;
  if (result.ok) {
    result.socket.destroy();
    return { host, url: input.url, route: input.route, ok: true, chain, verify: result.verify, openssl: "ok", interception, missingIssuerFound: [] };
  }
  const top = chain?.summaries[chain.summaries.length - 1];
  const missingIssuerFound =
    result.stage === "verify" && result.code === "UnknownIssuer" && top ? await input.locate(top.issuerDer) : [];
  return {
    host,
    url: input.url,
    route: input.route,
    ok: false,
    failure: result,
    chain,
    verify: result.verify,
    openssl: result.verify?.opensslStyle ?? null,
    interception,
    missingIssuerFound,
  };
}
