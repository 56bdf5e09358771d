// Runbook step 1: verify the PEM bundle. Counts and lists what Codex will load from the selected
// file and fails exactly when Codex would refuse it, naming the real cause and the command to fix it.
import { defineCheck, type Finding } from "../src/check.js";
import type { Table } from "../src/report/model.js";
import type { CheckContext } from "../src/context.js";
import type { BundleReport } from "../src/ca/loader.js";
import type { CertSummary } from "../src/ca/certinfo.js";
import { CA_CERT_HINT } from "../src/ca/codex-bundle.js";
import { formatBytes, MAX_CA_FILE_BYTES } from "../src/ca/file.js";
import { unsetStep } from "../src/codex/dotenv.js";
import { certificateTable, isWeakKey, validityProblems } from "../src/ca/lint.js";
import { isCorporateOnly } from "../src/ca/public-roots.js";
import { join } from "node:path";
import { freshPath } from "../src/ca/pem-out.js";

const codes = {
  CA_NOT_CONFIGURED: {
    level: "info",
    message: "No CA bundle is selected: Codex trusts the system roots ({base}).",
    hint: "Behind a TLS-inspecting proxy, export CODEX_CA_CERTIFICATE=/path/to/corporate-root.pem (it adds to the system roots).",
  },
  CA_LOADED: {
    level: "info",
    message: "Codex will load {count} certificate(s) from {path} (selected by {var}).",
  },
  CA_FILE_MISSING: {
    level: "error",
    message: "{var} points to {path}, which does not exist.",
    hint: "Fix the path, or drop the variable: {unset:text}",
  },
  CA_FILE_IS_DIRECTORY: {
    level: "error",
    message: "{var} points to the directory {path}; Codex needs a PEM file.",
    hint: "Point {var} at a PEM file (for example cat {path:sh}/*.pem > ~/corp-ca.pem). A c_rehash directory belongs in SSL_CERT_DIR.",
  },
  CA_FILE_UNREADABLE: {
    level: "error",
    message: "{path} (from {var}) cannot be read: {detail}.",
    hint: "Make it readable by your user (chmod a+r {path:sh}) or copy it somewhere you own and point {var} there.",
  },
  CA_FILE_NOT_REGULAR: {
    level: "error",
    message: "{path} (from {var}) is not a regular file (a FIFO, socket or device){hang}.",
    hint: "Point {var} at a regular PEM file.",
  },
  CA_FILE_TOO_LARGE: {
    level: "error",
    message: "{path} (from {var}) is {size}, far larger than any CA bundle: codex-doctor did not read it (its own {limit} limit; Codex reads the whole file).",
    hint: "Check that {var} points at the CA bundle and not at some other file.",
  },
  CA_FILE_EMPTY: {
    level: "error",
    message: "{path} (from {var}) is empty.",
    hint: "Export the corporate root as PEM into it, or drop the variable: {unset:text}",
  },
  CA_NO_CERTIFICATES: {
    level: "error",
    message: "{path} (from {var}) contains no PEM CERTIFICATE block Codex can see.",
    hint: "It must contain -----BEGIN CERTIFICATE----- blocks, each starting at the beginning of a line.",
  },
  CA_DER_ENCODED: {
    level: "error",
    message: "{path} is a binary DER certificate, not PEM: Codex finds no certificates in it.",
    hint: "Convert it: openssl x509 -inform der -in {path:sh} -out {pemPath:sh}\nthen: export {var:sh}={pemPath:sh}",
  },
  CA_PKCS7: {
    level: "error",
    message: "{path} is a PKCS#7 (.p7b) container: Codex only reads PEM CERTIFICATE blocks.",
    hint: "Extract the certificates: openssl pkcs7 {inform}-print_certs -in {path:sh} -out {pemPath:sh}\nthen: export {var:sh}={pemPath:sh}",
  },
  CA_PKCS12: {
    level: "error",
    message: "{path} is a PKCS#12 (.p12/.pfx) archive: Codex only reads PEM CERTIFICATE blocks.",
    hint: "Extract the CA certificates: openssl pkcs12 -in {path:sh} -nokeys -cacerts -out {pemPath:sh}\nthen: export {var:sh}={pemPath:sh}",
  },
  CA_UTF16: {
    level: "error",
    message: "{path} is UTF-16 text (as saved by PowerShell's Out-File or >): Codex sees no PEM in it.",
    hint: "Re-encode it as UTF-8: iconv -f UTF-16 -t UTF-8 {path:sh} > {pemPath:sh}\nthen: export {var:sh}={pemPath:sh}",
  },
  CA_UTF8_BOM: {
    level: "warn",
    message: "{path} starts with a UTF-8 byte-order mark: Codex does not see the first certificate block.",
    hint: "Drop the 3 BOM bytes: tail -c +4 {path:sh} > {pemPath:sh}\nthen: export {var:sh}={pemPath:sh}",
  },
  CA_UTF8_BOM_ONLY_CERT: {
    level: "error",
    message: "{path} starts with a UTF-8 byte-order mark that hides its only certificate: Codex finds none.",
    hint: "Drop the 3 BOM bytes: tail -c +4 {path:sh} > {pemPath:sh}\nthen: export {var:sh}={pemPath:sh}",
  },
  CA_INDENTED_PEM: {
    level: "warn",
    message: "{path} has indented BEGIN lines (line {lines}): Codex ignores those blocks.",
    hint: "Remove the leading whitespace: sed -i.bak 's/^[[:space:]]*-----/-----/' {path:sh}",
  },
  CA_CRLF: {
    level: "info",
    message: "{path} uses Windows (CRLF) line endings; Codex reads that fine.",
    hint: "Nothing to do for Codex; if another tool chokes on it: sed -i.bak 's/\\r$//' {path:sh}",
  },
  CA_PEM_MISSING_END: {
    level: "error",
    message: "The {label} block that starts on line {line} of {path} has no matching END line: Codex refuses the whole file.",
    hint: "Add the missing line \"-----END {label}-----\" (or remove the truncated block), then re-run.",
  },
  CA_PEM_ILLEGAL_BEGIN: {
    level: "error",
    message: "Line {line} of {path} is a malformed BEGIN line (it must end with exactly five dashes): Codex refuses the whole file.",
    hint: "Fix that line so it reads -----BEGIN CERTIFICATE----- (five dashes on each side).",
  },
  CA_PEM_BAD_BASE64: {
    level: "error",
    message: "The {label} block on line {line} of {path} has invalid base64 ({detail}): Codex refuses the whole file.",
    hint: "Re-export that certificate; a copy-paste often breaks the base64 body.",
  },
  CA_MALFORMED_CRL: {
    level: "error",
    message: "The X509 CRL block on line {line} of {path} is malformed ({detail}): Codex refuses the whole file, certificates included.",
    hint: "Remove the CRL block from the bundle; Codex ignores CRLs anyway.",
  },
  CA_TRUSTED_DER_LENGTH: {
    level: "error",
    message: "{path} holds TRUSTED CERTIFICATE blocks, and a certificate block's DER length is invalid: Codex refuses the file.",
    hint: "Re-export as plain PEM: openssl x509 -in {path:sh} -out {pemPath:sh}",
  },
  CA_CERT_UNPARSEABLE: {
    level: "error",
    message: "Certificate #{index} in {path} is not a valid X.509 certificate: Codex refuses the file.",
    hint: "Remove or re-export certificate #{index} (openssl x509 -in cert -out cert.pem).",
  },
  CA_CERT_RUSTLS_REFUSED: {
    level: "error",
    message: "Certificate #{index} in {path} parses for OpenSSL but not as a rustls trust anchor (extra bytes after it, or an unsupported critical extension): Codex refuses the bundle.",
    hint: "Re-encode it cleanly: openssl x509 -in {path:sh} -out {pemPath:sh} (repeat per certificate for a bundle).",
  },
  CA_CODEX_REFUSES_WITH_CREDENTIALS: {
    level: "warn",
    message: "Codex refuses this bundle: `codex login` would fail with: {codexMessage} and every start reports it. Codex already holds credentials ({auth}), so model traffic carries on with the base roots only ({base}): that works unless a proxy intercepts (the proxy check tells).",
    hint: CA_CERT_HINT,
  },
  CA_CODEX_REFUSES: {
    level: "error",
    message: "Codex refuses this bundle. `codex login` fails with: {codexMessage} Model traffic carries on with the base roots only ({base}), so it fails too behind an intercepting proxy, with just \"error sending request\".",
    hint: CA_CERT_HINT,
  },
  CA_CRLS_SKIPPED: {
    level: "info",
    message: "{count} well-formed X509 CRL block(s) are skipped by Codex.",
    hint: "Nothing to do; to keep only certificates: sed -i.bak '/-----BEGIN X509 CRL-----/,/-----END X509 CRL-----/d' {path:sh}",
  },
  CA_TRUSTED_NORMALISED: {
    level: "info",
    message: "TRUSTED CERTIFICATE blocks are relabelled and cut to the certificate by Codex (Node's NODE_EXTRA_CA_CERTS ignores them silently).",
    hint: "For Node and other tools, write a plain PEM copy: openssl x509 -in {path:sh} -out {pemPath:sh}",
  },
  CA_PRIVATE_KEY: {
    level: "warn",
    message: "{path} contains a private key ({label}, line {line}). Codex skips it, but a CA bundle must never carry a key.",
    hint: "Remove the key block and keep the key private; rotate it if the file was shared.",
  },
  CA_MORE_FINDINGS: {
    level: "info",
    message: "{count} more {code} findings for this bundle are not listed (the first {shown} are).",
    hint: "Run with --json and look at the bundle check's data, or inspect the bundle with: openssl storeutl -noout -text -certs {path:sh}",
  },
  CA_DUPLICATE_CERT: {
    level: "info",
    message: "Certificate #{index} duplicates #{first} ({subject}).",
    hint: "Harmless; delete the second copy (certificate #{index}) from {path:sh} to keep the bundle tidy.",
  },
  CA_LEAF_CERT: {
    level: "warn",
    message: "Certificate #{index} ({subject}) is not a CA certificate. Codex trusts it only as an exact anchor; it will not validate chains issued by your proxy.",
    hint: "Export the proxy's ROOT (or issuing) CA certificate instead of a server certificate.",
  },
  CA_INTERMEDIATE_ONLY: {
    level: "info",
    message: "Certificate #{index} ({subject}) is an intermediate whose issuer ({issuer}) is not in the bundle. Codex accepts it as a trust anchor; Node and Python ≤3.12 do not.",
    hint: "For the other tools, append the root: cat root.pem >> {path:sh}",
  },
  CA_EXPIRED: {
    level: "warn",
    message: "Certificate #{index} ({subject}) expired on {date}. Codex ignores an anchor's dates; curl, Node and Python reject it.",
    hint: "Get the current root from your IT team or export it again from the system store.",
  },
  CA_NOT_YET_VALID: {
    level: "warn",
    message: "Certificate #{index} ({subject}) is not valid before {date}. Codex ignores an anchor's dates; other tools reject it.",
    hint: "Check the system clock, or export the root again.",
  },
  CA_EXPIRING_SOON: {
    level: "warn",
    message: "Certificate #{index} ({subject}) expires on {date}, in {days} day(s).",
    hint: "Ask your IT team for the replacement root before it expires.",
  },
  CA_DATES_SUMMARY: {
    level: "info",
    message: "{count} certificates in this large bundle are expired, not yet valid or expiring soon (Codex ignores an anchor's dates), e.g.: {first}",
  },
  CA_WEAK_KEY: {
    level: "warn",
    message: "Certificate #{index} ({subject}) has a weak key ({key}).",
    hint: "Inspection CAs should use RSA ≥ 2048 or ECDSA P-256/P-384; ask your IT team to reissue it.",
  },
  CA_SHA1_SIGNATURE: {
    level: "warn",
    message: "Certificate #{index} ({subject}) is signed with SHA-1. Harmless on a self-signed root; rustls rejects SHA-1 on any certificate it must verify.",
    hint: "If this is an intermediate your proxy sends, ask your IT team to reissue it with SHA-256.",
  },
  CA_CORPORATE_ONLY_REPLACES_ROOTS: {
    level: "warn",
    message: "SSL_CERT_FILE={path} REPLACES the system roots for Codex, and it holds only {count} non-public certificate(s): every host your proxy does not intercept (bypass lists, pinned sites) will fail with UnknownIssuer.",
    hint: "Use CODEX_CA_CERTIFICATE (it ADDS to the system roots): export CODEX_CA_CERTIFICATE={path:sh}; {unset:text}\nor make SSL_CERT_FILE a combined bundle: cat {systemBundle:sh} {path:sh} > {combined:sh}",
  },
} as const;

type Code = keyof typeof codes;

/** Per-certificate findings of one code beyond this many are counted, not listed. */
const SHOWN_FINDINGS = 20;

function capRepeats(findings: Finding[], more: (code: string, count: number) => Finding): Finding[] {
  const seen = new Map<string, number>();
  const out: Finding[] = [];
  for (const f of findings) {
    const n = (seen.get(f.code) ?? 0) + 1;
    seen.set(f.code, n);
    if (n <= SHOWN_FINDINGS) out.push(f);
  }
  for (const [code, n] of seen) if (n > SHOWN_FINDINGS) out.push(more(code, n - SHOWN_FINDINGS));
  return out;
}

/** Rows of a bundle's table and block list that go into the report (the rest are counted). */
const SHOWN_ROWS = 200;

function shownRows(table: Table): Table {
  if (table.rows.length <= SHOWN_ROWS) return table;
  const more = table.rows.length - SHOWN_ROWS;
  return { ...table, rows: [...table.rows.slice(0, SHOWN_ROWS), [`…`, `${more} more certificates not listed`]] };
}

/** Above this many certificates the bundle is a system-style bundle: date findings are summarised. */
const LARGE_BUNDLE = 10;
type Emit = (code: Code, vars?: Record<string, string | number | undefined>) => Finding;

/**
 * Where a converted copy goes: never the input itself (`iconv … ca.pem > ca.pem` would empty it),
 * and never another existing file.
 */
function pemTarget(path: string): string {
  const base = path.replace(/\.(der|cer|crt|p7b|p7c|p12|pfx|pem|txt)$/i, "");
  return freshPath(`${base}.pem`.toLowerCase() === path.toLowerCase() ? `${base}-converted.pem` : `${base}.pem`);
}

/** Findings for a file Codex could not read, or whose shape explains "no certificates". */
function fileFindings(bundle: BundleReport, v: Record<string, string>, emit: Emit): Finding[] {
  const f = bundle.readFailure;
  if (f) {
    switch (f.problem) {
      case "missing":
        return [emit("CA_FILE_MISSING", v)];
      case "directory":
        return [emit("CA_FILE_IS_DIRECTORY", v)];
      case "unreadable":
        return [emit("CA_FILE_UNREADABLE", { ...v, detail: f.rustError })];
      case "not-regular":
        return [emit("CA_FILE_NOT_REGULAR", { ...v, hang: f.codexWouldHang ? "; Codex would block forever reading it" : "" })];
      case "too-large":
        return [emit("CA_FILE_TOO_LARGE", { ...v, size: f.size !== undefined ? formatBytes(f.size) : `over ${formatBytes(f.limit ?? MAX_CA_FILE_BYTES)}`, limit: formatBytes(f.limit ?? MAX_CA_FILE_BYTES) })];
      default:
        return [emit("CA_FILE_UNREADABLE", { ...v, detail: f.rustError })];
    }
  }
  const shape = bundle.shape;
  switch (shape?.shape) {
    case "empty":
    case "whitespace-only":
      return [emit("CA_FILE_EMPTY", v)];
    case "der-certificate":
      return [emit("CA_DER_ENCODED", v)];
    case "pkcs7-der":
      return [emit("CA_PKCS7", { ...v, inform: "-inform der " })];
    case "pkcs12":
      return [emit("CA_PKCS12", v)];
    case "utf16":
      return [emit("CA_UTF16", v)];
    default:
      return [];
  }
}

/** `explained`: a file-level finding (DER, UTF-16, empty, …) already says why there are no certificates. */
function parseFindings(bundle: BundleReport, v: Record<string, string>, emit: Emit, explained: boolean): Finding[] {
  const out: Finding[] = [];
  const parse = bundle.parse;
  const shape = bundle.shape;
  if (!parse || !shape) return out;
  const error = parse.error;
  const noCerts = error?.detail === "no certificates found in PEM file";
  if (shape.bomHidesFirstBlock) out.push(emit(noCerts ? "CA_UTF8_BOM_ONLY_CERT" : "CA_UTF8_BOM", v));
  if (shape.indentedBeginLines.length > 0) out.push(emit("CA_INDENTED_PEM", { ...v, lines: shape.indentedBeginLines.join(", ") }));
  if (shape.pkcs7PemBlocks > 0 && noCerts) out.push(emit("CA_PKCS7", { ...v, inform: "" }));
  if (shape.crlf) out.push(emit("CA_CRLF", v));

  if (error?.pemError) {
    const pe = error.pemError;
    const vars = { ...v, line: pe.line, label: pe.label ?? "?", detail: pe.display.replace(/^base64 decode error: /, "") };
    if (pe.kind === "missing-end") out.push(emit("CA_PEM_MISSING_END", vars));
    else if (pe.kind === "illegal-start") out.push(emit("CA_PEM_ILLEGAL_BEGIN", vars));
    else if (pe.label === "X509 CRL") out.push(emit("CA_MALFORMED_CRL", vars));
    else out.push(emit("CA_PEM_BAD_BASE64", vars));
  } else if (error?.detail.startsWith("failed to extract certificate data")) {
    out.push(emit("CA_TRUSTED_DER_LENGTH", v));
  } else if (error?.stage === "register") {
    out.push(emit("CA_CERT_UNPARSEABLE", { ...v, index: error.certificateIndex }));
  } else if (error?.stage === "build") {
    out.push(emit("CA_CERT_RUSTLS_REFUSED", { ...v, index: error.certificateIndex }));
  } else if (noCerts && !explained && !out.some((f) => f.level === "error")) {
    out.push(emit("CA_NO_CERTIFICATES", v));
  }

  if (parse.crlCount > 0 && !error?.pemError) out.push(emit("CA_CRLS_SKIPPED", { ...v, count: parse.crlCount }));
  if (parse.trustedNormalised) out.push(emit("CA_TRUSTED_NORMALISED", v));
  for (const block of parse.blocks) {
    if (block.kind === "private-key" || block.kind === "rsa-private-key" || block.kind === "ec-private-key") {
      out.push(emit("CA_PRIVATE_KEY", { ...v, label: block.label, line: block.beginLine }));
    }
  }
  return out;
}

/** A Name's DER as a map key (a view, no copy). */
function nameKey(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
}

function certificateFindings(
  certs: (CertSummary | undefined)[],
  ctx: CheckContext,
  v: Record<string, string>,
  emit: Emit,
): Finding[] {
  const out: Finding[] = [];
  const dated: Finding[] = [];
  const seen = new Map<string, number>();
  const subjects = new Set(certs.filter((c): c is CertSummary => !!c).map((c) => nameKey(c.subjectDer)));
  certs.forEach((cert, i) => {
    if (!cert) return;
    const index = i + 1;
    const base = { ...v, index, subject: cert.subject };
    const first = seen.get(cert.sha256);
    if (first !== undefined) {
      out.push(emit("CA_DUPLICATE_CERT", { ...base, first }));
      return;
    }
    seen.set(cert.sha256, index);
    if (!cert.isCA && !cert.selfSigned) out.push(emit("CA_LEAF_CERT", base));
    else if (cert.isCA && !cert.selfIssued && !subjects.has(nameKey(cert.issuerDer))) {
      out.push(emit("CA_INTERMEDIATE_ONLY", { ...base, issuer: cert.issuer }));
    }
    for (const p of validityProblems(cert, ctx.now)) {
      if (p.kind === "expired") dated.push(emit("CA_EXPIRED", { ...base, date: p.date }));
      if (p.kind === "not-yet-valid") dated.push(emit("CA_NOT_YET_VALID", { ...base, date: p.date }));
      if (p.kind === "expiring") dated.push(emit("CA_EXPIRING_SOON", { ...base, date: p.date, days: p.days }));
    }
    const weak = isWeakKey(cert);
    if (weak) out.push(emit("CA_WEAK_KEY", { ...base, key: weak }));
    // SHA-1 on a self-signed root is never checked by anyone; it matters on what gets verified.
    if (/SHA-1/i.test(cert.signatureAlgorithm) && !cert.selfSigned) out.push(emit("CA_SHA1_SIGNATURE", base));
  });
  // A full system bundle used as SSL_CERT_FILE always holds a few expired roots: one line, not forty.
  if (certs.length > LARGE_BUNDLE && dated.length > 1) {
    out.push(emit("CA_DATES_SUMMARY", { ...v, count: dated.length, first: dated[0].message }));
  } else {
    out.push(...dated);
  }
  return out;
}

export const bundleCheck = defineCheck({
  id: "bundle",
  title: "CA bundle Codex will load",
  codes,
  async run(ctx, { finding }) {
    const { selection, bundle, baseRoots } = ctx.ca;
    if (!bundle || !selection.path || !selection.sourceEnv) {
      return {
        summary: "no CA bundle selected: Codex uses the system roots",
        findings: [finding("CA_NOT_CONFIGURED", { base: baseRoots.description })],
        data: { selectedBy: null },
      };
    }
    const pemPath = pemTarget(selection.path);
    const v = {
      var: selection.sourceEnv,
      path: selection.path,
      pemPath,
      unset: unsetStep([selection.sourceEnv], ctx.origins, ctx.dotenv),
    };
    const fromFile = fileFindings(bundle, v, finding);
    const findings: Finding[] = [...fromFile, ...parseFindings(bundle, v, finding, fromFile.length > 0)];

    // A refused SSL_CERT_FILE is also where the base roots come from: that is never only a login problem.
    const onlyLoginAffected = !bundle.codexLoads && ctx.auth.credentials && selection.sourceEnv !== "SSL_CERT_FILE";
    if (!bundle.codexLoads) {
      // Observed with the real CLI: with saved credentials `codex exec` works on the base roots; only
      // login (and the error on every start) is affected. Without credentials, login is needed now.
      if (bundle.codexMessage) {
        findings.push(
          onlyLoginAffected
            ? finding("CA_CODEX_REFUSES_WITH_CREDENTIALS", { codexMessage: bundle.codexMessage, base: baseRoots.description, auth: ctx.auth.why })
            : finding("CA_CODEX_REFUSES", { codexMessage: bundle.codexMessage, base: baseRoots.description }),
        );
      }
    } else {
      findings.unshift(finding("CA_LOADED", { ...v, count: bundle.certificates.length }));
      findings.push(...certificateFindings(bundle.certificates, ctx, v, finding));
      const corporate = selection.sourceEnv === "SSL_CERT_FILE" ? isCorporateOnly(ctx.ca) : undefined;
      if (corporate) {
        findings.push(
          finding("CA_CORPORATE_ONLY_REPLACES_ROOTS", {
            ...v,
            count: corporate.count,
            systemBundle: corporate.systemBundle,
            combined: freshPath(join(ctx.homedir, "combined-ca.pem")),
          }),
        );
      }
    }
    const count = bundle.codexLoads ? bundle.certificates.length : 0;
    const listed = capRepeats(findings, (code, count) => finding("CA_MORE_FINDINGS", { code, count, shown: SHOWN_FINDINGS }));
    return {
      ...(onlyLoginAffected ? { status: "warn" as const } : {}),
      summary: bundle.codexLoads
        ? `${count} certificate${count === 1 ? "" : "s"} Codex will load from ${selection.path} (${selection.sourceEnv})`
        : `Codex refuses ${selection.path} (${selection.sourceEnv})${onlyLoginAffected ? ": login is affected, saved credentials still work" : ""}`,
      findings: listed,
      data: {
        selectedBy: selection.selectedBy,
        path: selection.path,
        codexLoads: bundle.codexLoads,
        certificates: count,
        codexMessage: bundle.codexMessage ?? null,
        stage: bundle.error?.stage ?? null,
        // A system-sized bundle must not become a megabytes-long report: the first rows, and the count.
        blockCount: bundle.parse?.blocks.length ?? 0,
        blocks: (bundle.parse?.blocks ?? []).slice(0, SHOWN_ROWS).map((b) => ({ label: b.label, kind: b.kind ?? "skipped", line: b.beginLine })),
        tables: bundle.codexLoads ? [shownRows(certificateTable("Certificates Codex will load", bundle.certificates))] : [],
      },
    };
  },
});
