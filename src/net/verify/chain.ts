// Path building (webpki verify_cert.rs `build_chain_inner`) and turning its outcome into a result.
import { Failure, PkiError, WebpkiErrorName, isFatal, mostSpecific, opensslReason, publicCode } from "./errors.js";
import { TrustAnchor, VerifyInput, VerifyResult } from "./types.js";
import { Cert, Role, checkIssuerIndependent, parseCert } from "./cert.js";
import { Tag, bytesEqual, describeName, readSingle } from "./der.js";
import { NameConstraints, checkCertsAgainstConstraints, parseNameConstraints } from "./names.js";
import { PROVIDER_ALGORITHMS, SignatureAlgorithm, WEAK_DIGEST_OIDS, parseSpki, signatureOid, verifySignedData } from "./signatures.js";

// ---------------------------------------------------------------------------------------------
// Path building (webpki verify_cert.rs `build_chain_inner`)
// ---------------------------------------------------------------------------------------------

// webpki MAX_SUB_CA_COUNT: at most 6 intermediates between the leaf and the anchor.
export const MAX_SUB_CA_COUNT = 6;

export interface Budget {
  signatures: number;
  buildChainCalls: number;
  nameConstraintComparisons: number;
}

export interface DeadEnd {
  cert: Cert;
  depth: number;
}

export interface Context {
  anchors: readonly TrustAnchor[];
  /** Every presented certificate, parsed once (webpki re-parses each time; same outcome). */
  presented: ReadonlyArray<Cert | Failure>;
  /** `presented` minus the leaf: what rustls hands webpki as `intermediates`. */
  intermediates: ReadonlyArray<Cert | Failure>;
  now: number;
  algorithms: readonly SignatureAlgorithm[];
  budget: Budget;
  /** Deepest certificate whose issuer name matched nothing: the diagnosis for UnknownIssuer. */
  deadEnd?: DeadEnd;
}

export type Outcome = { ok: true; anchor: TrustAnchor; path: Cert[] } | { ok: false; failure: Failure };

export function newContext(input: VerifyInput, leaf: Cert): Context {
  const intermediates = input.presented.slice(1).map((der, i): Cert | Failure => {
    try {
      return parseCert(der, i + 1);
    } catch (err) {
      return parseFailure(err, i + 1);
    }
  });
  return {
    anchors: input.anchors.map(normaliseAnchor),
    presented: [leaf, ...intermediates],
    intermediates,
    now: Math.floor(input.now.getTime() / 1000),
    algorithms: PROVIDER_ALGORITHMS[input.cryptoProvider ?? "ring"],
    // webpki Budget::default().
    budget: { signatures: 100, buildChainCalls: 200_000, nameConstraintComparisons: 250_000 },
  };
}

/**
 * One step of the depth-first search. `path[0]` is the leaf, the last element the current head.
 * Anchors are tried before presented intermediates; the first complete path wins; otherwise the
 * most specific error (webpki ranking) is returned.
 */
export async function buildChain(ctx: Context, path: Cert[], subCaCount: number): Promise<Outcome> {
  const head = path[path.length - 1] as Cert;
  const role: Role = path.length === 1 ? "EndEntity" : "Issuer";
  // Checked before any issuer is considered: an expired leaf is Expired even if its issuer is unknown.
  const own = checkIssuerIndependent(head, role, subCaCount, ctx.now);
  if (own) return { ok: false, failure: own };

  let best: Failure = { kind: "UnknownIssuer", certIndex: head.index, detail: "" };
  let issuerNameSeen = false;

  for (const anchor of ctx.anchors) {
    if (!bytesEqual(anchor.subjectDer, head.issuer)) continue;
    issuerNameSeen = true;
    const failure = (await checkSignedChain(ctx, path, anchor)) ?? checkChainNameConstraints(ctx, path, anchor);
    if (!failure) return { ok: true, anchor, path };
    if (isFatal(failure.kind)) return { ok: false, failure };
    best = mostSpecific(best, failure);
  }

  for (const candidate of ctx.intermediates) {
    if (!isCert(candidate)) {
      best = mostSpecific(best, candidate); // an unparseable presented cert still counts (webpki parses each time)
      continue;
    }
    if (!bytesEqual(candidate.subject, head.issuer)) continue;
    // RFC 4158 5.2 loop prevention: the same subject+key may not appear twice in a path.
    if (path.some((c) => bytesEqual(c.spki, candidate.spki) && bytesEqual(c.subject, candidate.subject))) continue;
    issuerNameSeen = true;
    if (--ctx.budget.buildChainCalls < 0) {
      return { ok: false, failure: { kind: "MaximumPathBuildCallsExceeded", certIndex: candidate.index, detail: "path building gave up after 200000 attempts" } };
    }
    if (path.length - 1 >= MAX_SUB_CA_COUNT) {
      best = mostSpecific(best, { kind: "MaximumPathDepthExceeded", certIndex: candidate.index, detail: `a path would need more than ${MAX_SUB_CA_COUNT} intermediates` });
      continue;
    }
    const nextSubCaCount = role === "EndEntity" ? subCaCount : subCaCount + 1;
    const outcome = await buildChain(ctx, [...path, candidate], nextSubCaCount);
    if (outcome.ok || isFatal(outcome.failure.kind)) return outcome;
    best = mostSpecific(best, outcome.failure);
  }

  if (!issuerNameSeen) recordDeadEnd(ctx, head, path.length);
  return { ok: false, failure: best };
}

/** Signatures from the anchor down to the leaf (webpki `check_signed_chain`). */
export async function checkSignedChain(ctx: Context, path: Cert[], anchor: TrustAnchor): Promise<Failure | undefined> {
  let issuerSpki = anchor.spkiDer;
  let issuerLabel = anchor.label ?? describeName(anchor.subjectDer);
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as Cert;
    const failure = await verifySignedData(ctx, issuerSpki, issuerLabel, cert);
    if (failure?.kind === "InvalidSignatureForPublicKey" && i === path.length - 1) {
      // The classic re-signing-proxy defect: the trusted copy has the right name but another key.
      failure.detail += ` (a trusted root${anchor.source ? ` from ${anchor.source}` : ""} has that name but a different key: is the trusted copy stale or from another proxy?)`;
    }
    if (failure) return failure;
    issuerSpki = cert.spki;
    issuerLabel = cert.label;
  }
  return undefined;
}

/** The anchor's constraints bind the whole path; each intermediate's bind everything below it. */
export function checkChainNameConstraints(ctx: Context, path: Cert[], anchor: TrustAnchor): Failure | undefined {
  let encoded = anchor.nameConstraintsDer;
  let owner = anchor.label ?? describeName(anchor.subjectDer);
  let ownerIndex = -1;
  for (let i = path.length - 1; i >= 0; i--) {
    if (encoded) {
      let constraints: NameConstraints;
      try {
        constraints = parseNameConstraints(readSingle(encoded, Tag.Sequence).value, owner);
      } catch (err) {
        return parseFailure(err, Math.max(ownerIndex, 0));
      }
      const failure = checkCertsAgainstConstraints(path.slice(0, i + 1).reverse(), constraints, ctx.budget);
      if (failure) return failure;
    }
    const cert = path[i] as Cert;
    encoded = cert.ext.nameConstraints?.whole;
    owner = cert.label;
    ownerIndex = cert.index;
  }
  return undefined;
}

export function isCert(entry: Cert | Failure): entry is Cert {
  return "tbs" in entry;
}

export function recordDeadEnd(ctx: Context, cert: Cert, depth: number): void {
  if (!ctx.deadEnd || depth > ctx.deadEnd.depth) ctx.deadEnd = { cert, depth };
}

/** Anchors built elsewhere may carry Name/SPKI contents without the outer SEQUENCE; accept both. */
export function normaliseAnchor(anchor: TrustAnchor): TrustAnchor {
  const subjectDer = isSingleTlv(anchor.subjectDer, Tag.Sequence) ? anchor.subjectDer : wrapSequence(anchor.subjectDer);
  const spkiDer = isSpkiTlv(anchor.spkiDer) ? anchor.spkiDer : wrapSequence(anchor.spkiDer);
  if (subjectDer === anchor.subjectDer && spkiDer === anchor.spkiDer) return anchor;
  // A spread copies own properties only: carry the (possibly lazy) label over explicitly.
  const label = anchor.label;
  return label === undefined ? { ...anchor, subjectDer, spkiDer } : { ...anchor, subjectDer, spkiDer, label };
}

export function isSingleTlv(bytes: Uint8Array, tag: number): boolean {
  try {
    readSingle(bytes, tag);
    return true;
  } catch {
    return false;
  }
}

export function isSpkiTlv(bytes: Uint8Array): boolean {
  try {
    parseSpki(bytes);
    return true;
  } catch {
    return false;
  }
}

export function wrapSequence(contents: Uint8Array): Uint8Array {
  const n = contents.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Uint8Array.from([Tag.Sequence, ...length, ...contents]);
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

export function failedPath(failure: Failure, ctx: Context): VerifyResult {
  if (failure.kind !== "UnknownIssuer") {
    const cert = ctx.presented[failure.certIndex];
    const weakDigest = cert !== undefined && isCert(cert) && WEAK_DIGEST_OIDS.has(signatureOid(cert.signatureAlgorithm) ?? "");
    return failed(failure, { weakDigest });
  }
  const deadEnd = ctx.deadEnd?.cert;
  if (!deadEnd) {
    return failed({ ...failure, detail: "no chain to a trusted root could be built from the certificates the server sent" }, {});
  }
  const issuer = describeName(deadEnd.issuer);
  const selfSigned = bytesEqual(deadEnd.issuer, deadEnd.subject);
  const detail = selfSigned
    ? `the chain ends at the self-signed '${deadEnd.label}', which is not a trusted root (no trust anchor has that name)`
    : `the chain ends at '${issuer}' (issuer of '${deadEnd.label}') and no trusted root or presented intermediate has that name`;
  return {
    ...failed({ kind: "UnknownIssuer", certIndex: deadEnd.index, detail }, { deadEndSelfSigned: selfSigned }),
    missingIssuer: issuer,
  };
}

export function failed(failure: Failure, openssl: Parameters<typeof opensslReason>[1]): VerifyResult {
  return {
    ok: false,
    error: { code: publicCode(failure.kind), certIndex: failure.certIndex, detail: failure.detail || failure.kind, webpkiError: failure.kind },
    opensslStyle: opensslReason(failure, openssl),
  };
}

export const STRUCTURAL_ERRORS: ReadonlySet<WebpkiErrorName> = new Set<WebpkiErrorName>([
  "BadDer",
  "BadDerTime",
  "TrailingData",
  "ExtensionValueInvalid",
  "SignatureAlgorithmMismatch",
  "UnsupportedCertVersion",
  "UnsupportedCriticalExtension",
]);

/** Converts a thrown `PkiError` into a `Failure` about presented certificate `certIndex`. */
export function parseFailure(err: unknown, certIndex: number): Failure {
  if (!(err instanceof PkiError)) throw err;
  const detail = STRUCTURAL_ERRORS.has(err.kind) ? `presented certificate #${certIndex} is rejected by webpki: ${err.message}` : err.message;
  return { kind: err.kind, certIndex, detail };
}
