// The bundle check, table-driven: every way a CA bundle can be wrong, through the real pipeline.
import { describe, expect, it } from "vitest";
import type { Check } from "../../src/check.js";
import { CA_CERT_HINT } from "../../src/ca/codex-bundle.js";
import { bundleCheck } from "../../checks/bundle.js";
import { BOM, fixture, pemWrap, trustedPem } from "../helpers/certs.js";
import { isRoot } from "../helpers/doctor.js";
import { checkTable, type Row } from "../helpers/table.js";

const CA = { CODEX_CA_CERTIFICATE: "{dir}/ca.pem" };
const REFUSED = (code: string) => ({ status: "fail" as const, codes: [code, "CA_CODEX_REFUSES"] });
const KEY = (label: string) => pemWrap(label, Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x00]));
const CRL_PEM = fixture("crl.pem").toString();

const rows: Row[] = [
  // ---- selection
  { name: "nothing configured: system roots (info)", scenario: () => ({}), expect: { status: "pass", codes: ["CA_NOT_CONFIGURED"] } },
  {
    name: "empty CODEX_CA_CERTIFICATE and SSL_CERT_FILE count as unset",
    scenario: () => ({ env: { CODEX_CA_CERTIFICATE: "", SSL_CERT_FILE: "" } }),
    expect: { status: "pass", codes: ["CA_NOT_CONFIGURED"] },
  },
  {
    name: "one corporate root",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem } }),
    expect: {
      status: "pass",
      codes: ["CA_LOADED"],
      result: (r, run) => {
        expect(r.data).toMatchObject({ selectedBy: "CODEX_CA_CERTIFICATE", path: `${run.dir}/ca.pem`, codexLoads: true, certificates: 1, codexMessage: null, stage: null });
        expect(r.data.blocks).toEqual([{ label: "CERTIFICATE", kind: "certificate", line: 1 }]);
      },
    },
  },
  {
    name: "root + issuing intermediate",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + k.corp.intermediate.certPem } }),
    expect: { status: "pass", codes: ["CA_LOADED"], result: (r) => expect(r.data.certificates).toBe(2) },
  },
  {
    name: "--ca stands in for CODEX_CA_CERTIFICATE",
    scenario: (k) => ({ files: { "cand.pem": k.corp.root.certPem }, options: { ca: "{dir}/cand.pem" } }),
    expect: { status: "pass", codes: ["CA_LOADED"], result: (r) => expect(r.data.selectedBy).toBe("--ca") },
  },

  // ---- the file itself
  {
    // Observed with the real CLI: saved credentials keep `codex exec` working on the base roots.
    name: "a refused bundle only warns when Codex already holds credentials (login is what breaks)",
    scenario: () => ({ env: { ...CA, OPENAI_API_KEY: "sk-test-0123456789abcdef" } }),
    expect: { status: "warn", codes: ["CA_FILE_MISSING", "CA_CODEX_REFUSES_WITH_CREDENTIALS"] },
  },
  {
    // The e2e with the real CLI: a refused SSL_CERT_FILE is also the base root set, so it fails.
    name: "a refused SSL_CERT_FILE fails even with credentials",
    scenario: () => ({ env: { SSL_CERT_FILE: "{dir}/ca.pem", OPENAI_API_KEY: "sk-test-0123456789abcdef" } }),
    expect: { status: "fail", codes: ["CA_FILE_MISSING", "CA_CODEX_REFUSES"] },
  },
  {
    name: "path does not exist",
    scenario: () => ({ env: CA }),
    expect: {
      ...REFUSED("CA_FILE_MISSING"),
      result: (r, run) => {
        expect(r.data).toMatchObject({ codexLoads: false, certificates: 0, stage: "read" });
        expect(r.data.codexMessage).toBe(
          `Failed to read CA certificate file ${run.dir}/ca.pem selected by CODEX_CA_CERTIFICATE: No such file or directory (os error 2). ${CA_CERT_HINT}`,
        );
        expect(r.findings[0].hint).toContain("unset CODEX_CA_CERTIFICATE");
      },
    },
  },
  {
    // A stale SSL_CERT_FILE in $CODEX_HOME/.env overrides the shell on every start: `unset` can't fix it.
    name: "a missing SSL_CERT_FILE that comes from $CODEX_HOME/.env: the fix deletes that line",
    scenario: () => ({ env: {}, dotenv: "# old project\nSSL_CERT_FILE={dir}/gone.pem\n" }),
    expect: {
      ...REFUSED("CA_FILE_MISSING"),
      result: (r) => {
        expect(r.findings[0].hint).toMatch(/delete the SSL_CERT_FILE line \(line 2\) from .*\.env/);
        expect(r.findings[0].hint).not.toContain("unset");
      },
    },
  },
  {
    name: "whitespace-only CODEX_CA_CERTIFICATE is a bogus path, not unset",
    scenario: (k) => ({ env: { CODEX_CA_CERTIFICATE: "  ", SSL_CERT_FILE: "{dir}/ok.pem" }, files: { "ok.pem": k.corp.root.certPem } }),
    expect: REFUSED("CA_FILE_MISSING"),
  },
  { name: "a directory", scenario: () => ({ env: CA, files: { "ca.pem": { dir: true } } }), expect: REFUSED("CA_FILE_IS_DIRECTORY") },
  {
    name: "unreadable: symlink loop",
    scenario: () => ({ env: CA, files: { "ca.pem": { symlink: "loop.pem" }, "loop.pem": { symlink: "ca.pem" } } }),
    expect: REFUSED("CA_FILE_UNREADABLE"),
  },
  {
    name: isRoot ? "chmod 000 (run as root: still readable, as for Codex run as root)" : "unreadable: chmod 000",
    scenario: (k) => ({ env: CA, files: { "ca.pem": { content: k.corp.root.certPem, mode: 0o000 } } }),
    expect: isRoot ? { status: "pass", codes: ["CA_LOADED"] } : REFUSED("CA_FILE_UNREADABLE"),
  },
  {
    name: "a FIFO (must not hang)",
    timeoutMs: 3000,
    scenario: () => ({ env: CA, files: { "ca.pem": { fifo: true } } }),
    // Codex blocks on a FIFO; it prints no message of its own, so the doctor invents none.
    expect: {
      status: "fail",
      codes: ["CA_FILE_NOT_REGULAR"],
      result: (r) => {
        expect(r.findings[0].message).toContain("block forever");
        expect(r.data.codexMessage).toBeNull();
      },
    },
  },
  {
    // Codex reads /dev/null as an empty file (no hang, no certificates).
    name: "a device file (/dev/null reads as empty)",
    scenario: () => ({ env: { CODEX_CA_CERTIFICATE: "/dev/null" } }),
    expect: REFUSED("CA_FILE_EMPTY"),
  },
  {
    name: "too large (17 MB): the doctor declines to read it, and claims no Codex message",
    scenario: () => ({ env: CA, files: { "ca.pem": { sparse: 17 * 1024 * 1024 } } }),
    expect: { status: "fail", codes: ["CA_FILE_TOO_LARGE"], result: (r) => expect(r.data.codexMessage).toBeNull() },
  },
  {
    name: "empty file",
    scenario: () => ({ env: CA, files: { "ca.pem": "" } }),
    expect: {
      ...REFUSED("CA_FILE_EMPTY"),
      result: (r, run) =>
        expect(r.data.codexMessage).toBe(`Failed to load CA certificates from ${run.dir}/ca.pem selected by CODEX_CA_CERTIFICATE: no certificates found in PEM file. ${CA_CERT_HINT}`),
    },
  },
  { name: "whitespace-only file", scenario: () => ({ env: CA, files: { "ca.pem": "\n \n\t\n" } }), expect: REFUSED("CA_FILE_EMPTY") },
  { name: "plain text, no PEM", scenario: () => ({ env: CA, files: { "ca.pem": "subject=CN = Corp Root\n" } }), expect: REFUSED("CA_NO_CERTIFICATES") },
  { name: "only a PUBLIC KEY block", scenario: () => ({ env: CA, files: { "ca.pem": KEY("PUBLIC KEY") } }), expect: REFUSED("CA_NO_CERTIFICATES") },

  // ---- shapes Codex cannot read (static parser-shape fixtures)
  {
    name: "DER certificate",
    scenario: () => ({ env: { CODEX_CA_CERTIFICATE: "{dir}/corp.cer" }, files: { "corp.cer": fixture("root.der") } }),
    expect: { ...REFUSED("CA_DER_ENCODED"), result: (r, run) => expect(r.findings[0].hint).toContain(`openssl x509 -inform der -in ${run.dir}/corp.cer -out ${run.dir}/corp.pem`) },
  },
  {
    name: "DER certificate at a path with a space: the pasteable fix quotes it",
    scenario: () => ({ env: { CODEX_CA_CERTIFICATE: "{dir}/Corp Root.cer" }, files: { "Corp Root.cer": fixture("root.der") } }),
    expect: {
      ...REFUSED("CA_DER_ENCODED"),
      result: (r, run) => expect(r.findings[0].hint).toContain(`-in '${run.dir}/Corp Root.cer' -out '${run.dir}/Corp Root.pem'`),
    },
  },
  {
    name: "PKCS#7 (DER .p7b)",
    scenario: () => ({ env: { CODEX_CA_CERTIFICATE: "{dir}/corp.p7b" }, files: { "corp.p7b": fixture("bundle.p7b") } }),
    expect: { ...REFUSED("CA_PKCS7"), result: (r) => expect(r.findings[0].hint).toContain("openssl pkcs7 -inform der -print_certs") },
  },
  {
    name: "PKCS#7 (PEM -----BEGIN PKCS7-----)",
    scenario: () => ({ env: CA, files: { "ca.pem": fixture("bundle-p7b.pem") } }),
    expect: { ...REFUSED("CA_PKCS7"), result: (r) => expect(r.findings[0].hint).toContain("openssl pkcs7 -print_certs") },
  },
  { name: "PKCS#12", scenario: () => ({ env: CA, files: { "ca.pem": fixture("bundle.p12") } }), expect: REFUSED("CA_PKCS12") },
  {
    name: "UTF-16LE with BOM (the fix never overwrites its own input)",
    scenario: () => ({ env: CA, files: { "ca.pem": fixture("root-utf16le-bom.pem") } }),
    expect: {
      ...REFUSED("CA_UTF16"),
      result: (r, run) => {
        expect(r.findings[0].hint).toContain(`iconv -f UTF-16 -t UTF-8 ${run.dir}/ca.pem > ${run.dir}/ca-converted.pem`);
        expect(r.findings[0].hint).toContain(`export CODEX_CA_CERTIFICATE=${run.dir}/ca-converted.pem`);
      },
    },
  },
  { name: "UTF-16LE without BOM", scenario: () => ({ env: CA, files: { "ca.pem": fixture("root-utf16le.pem") } }), expect: REFUSED("CA_UTF16") },
  {
    name: "UTF-8 BOM hides the only certificate",
    scenario: (k) => ({ env: CA, files: { "ca.pem": BOM + k.corp.root.certPem } }),
    expect: REFUSED("CA_UTF8_BOM_ONLY_CERT"),
  },
  {
    name: "UTF-8 BOM hides the first of two certificates",
    scenario: (k) => ({ env: CA, files: { "ca.pem": BOM + k.corp.root.certPem + k.corp.intermediate.certPem } }),
    // the hidden root leaves the intermediate without its issuer
    expect: { status: "warn", codes: ["CA_LOADED", "CA_UTF8_BOM", "CA_INTERMEDIATE_ONLY"], result: (r) => expect(r.data.certificates).toBe(1) },
  },
  {
    name: "indented PEM: the only block is invisible",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem.replace("-----BEGIN", "    -----BEGIN") } }),
    expect: { status: "fail", codes: ["CA_INDENTED_PEM", "CA_NO_CERTIFICATES", "CA_CODEX_REFUSES"] },
  },
  {
    name: "indented PEM: a second block is invisible",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + k.corp.intermediate.certPem.replace("-----BEGIN", "\t-----BEGIN") } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_INDENTED_PEM"], result: (r) => expect(r.data.certificates).toBe(1) },
  },
  {
    name: "CRLF line endings are fine (info)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem.replace(/\n/g, "\r\n") } }),
    expect: { status: "pass", codes: ["CA_LOADED", "CA_CRLF"] },
  },

  // ---- PEM errors (Codex refuses the whole file)
  {
    name: "missing END line",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem.replace("-----END CERTIFICATE-----\n", "") } }),
    expect: {
      ...REFUSED("CA_PEM_MISSING_END"),
      result: (r) => {
        expect(r.data.codexMessage).toContain(": failed to parse PEM file: missing section end marker: [45, 45, 45, 45, 45, 69, 78, 68, 32, 67,");
        expect(r.findings[0].hint).toContain("-----END CERTIFICATE-----");
      },
    },
  },
  {
    name: "a good certificate followed by an unterminated block",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + "-----BEGIN CERTIFICATE-----\nMIIB\n" } }),
    expect: { ...REFUSED("CA_PEM_MISSING_END"), result: (r) => expect(r.data.certificates).toBe(0) },
  },
  {
    name: "BEGIN line with 4 dashes",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem.replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE----") } }),
    expect: { ...REFUSED("CA_PEM_ILLEGAL_BEGIN"), result: (r) => expect(r.data.codexMessage).toContain("failed to parse PEM file: illegal section start: [45, 45,") },
  },
  {
    name: "bad base64 in a certificate",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem.replace(/\n(.)/, "\n!$1") } }),
    expect: { ...REFUSED("CA_PEM_BAD_BASE64"), result: (r) => expect(r.data.codexMessage).toContain("failed to parse PEM file: base64 decode error: InvalidCharacter(33)") },
  },
  {
    name: "bad base64 in a private key block",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + "-----BEGIN PRIVATE KEY-----\nMIIE%\n-----END PRIVATE KEY-----\n" } }),
    expect: REFUSED("CA_PEM_BAD_BASE64"),
  },
  {
    name: "malformed CRL fails the whole file",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + "-----BEGIN X509 CRL-----\nMIIB*x\n-----END X509 CRL-----\n" } }),
    expect: REFUSED("CA_MALFORMED_CRL"),
  },
  {
    name: "TRUSTED CERTIFICATE with an invalid DER length",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + pemWrap("TRUSTED CERTIFICATE", Uint8Array.from([0x30, 0x82, 0x7f, 0xff, 0x00])) } }),
    expect: {
      status: "fail",
      codes: ["CA_TRUSTED_DER_LENGTH", "CA_TRUSTED_NORMALISED", "CA_CODEX_REFUSES"],
      result: (r) => expect(r.data.codexMessage).toContain(": failed to extract certificate data from TRUSTED CERTIFICATE: invalid DER length. "),
    },
  },
  {
    name: "a certificate followed by stray bytes in its block (build stage: rustls refuses what OpenSSL accepts)",
    scenario: (k) => ({
      env: CA,
      files: { "ca.pem": pemWrap("CERTIFICATE", Uint8Array.from([...k.corp.root.certDer, 0x05, 0x00])) },
    }),
    expect: {
      ...REFUSED("CA_CERT_RUSTLS_REFUSED"),
      result: (r, run) => {
        expect(r.data.stage).toBe("build");
        expect(r.data.codexMessage).toBe(`Failed to build HTTP client while using CA bundle from CODEX_CA_CERTIFICATE (${run.dir}/ca.pem): builder error`);
      },
    },
  },
  {
    name: "a root with an unknown critical extension (OpenSSL parses it, rustls refuses it as an anchor)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": pemWrap("CERTIFICATE", k.criticalExtRoot) } }),
    expect: { ...REFUSED("CA_CERT_RUSTLS_REFUSED"), result: (r) => expect(r.data.stage).toBe("build") },
  },
  {
    name: "a CERTIFICATE block that is not a certificate (register stage, #2)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + pemWrap("CERTIFICATE", Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x07])) } }),
    expect: {
      ...REFUSED("CA_CERT_UNPARSEABLE"),
      result: (r, run) => {
        expect(r.data.stage).toBe("register");
        expect(r.data.codexMessage).toBe(`Failed to parse certificate #2 from ${run.dir}/ca.pem selected by CODEX_CA_CERTIFICATE: builder error. ${CA_CERT_HINT}`);
      },
    },
  },

  // ---- what Codex skips or normalises
  {
    name: "well-formed CRLs are skipped (info)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": CRL_PEM + k.corp.root.certPem + CRL_PEM } }),
    expect: { status: "pass", codes: ["CA_LOADED", "CA_CRLS_SKIPPED"], result: (r) => expect(r.findings[1].message).toMatch(/^2 /) },
  },
  {
    name: "TRUSTED CERTIFICATE is relabelled and cut (info)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": trustedPem(k.corp.root.certDer) } }),
    expect: { status: "pass", codes: ["CA_LOADED", "CA_TRUSTED_NORMALISED"] },
  },
  {
    name: "a private key inside the bundle (warn)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.keyPem + k.corp.root.certPem + KEY("EC PRIVATE KEY") + KEY("RSA PRIVATE KEY") } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_PRIVATE_KEY", "CA_PRIVATE_KEY", "CA_PRIVATE_KEY"] },
  },

  // ---- certificate lints
  {
    name: "the same certificate twice",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + k.corp.intermediate.certPem + k.corp.root.certPem } }),
    expect: { status: "pass", codes: ["CA_LOADED", "CA_DUPLICATE_CERT"] },
  },
  {
    // A system-sized bundle must not become a megabytes-long report (found by the 10k bench).
    name: "230 copies: 20 duplicate findings listed, the rest counted; the table lists 200 rows",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem.repeat(230) } }),
    expect: {
      status: "pass",
      codes: ["CA_LOADED", ...Array<string>(20).fill("CA_DUPLICATE_CERT"), "CA_MORE_FINDINGS"],
      result: (r) => {
        expect(r.findings.at(-1)!.message).toContain("209 more CA_DUPLICATE_CERT findings");
        const table = (r.data.tables as { rows: string[][] }[])[0]!;
        expect(table.rows).toHaveLength(201);
        expect(table.rows.at(-1)![1]).toBe("30 more certificates not listed");
        expect(r.data.blockCount).toBe(230);
        expect(r.data.blocks).toHaveLength(200);
      },
    },
  },
  {
    name: "a leaf (server) certificate instead of a CA",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.leaf.certPem } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_LEAF_CERT"] },
  },
  {
    name: "an intermediate without its root (info)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.intermediate.certPem } }),
    expect: { status: "pass", codes: ["CA_LOADED", "CA_INTERMEDIATE_ONLY"] },
  },
  {
    name: "an expired root (minted in the past)",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.expiredRoot.certPem } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_EXPIRED"] },
  },
  {
    name: "an expired root (static fixture, expired in 2001)",
    scenario: () => ({ env: CA, files: { "ca.pem": fixture("expired.pem") } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_EXPIRED"], result: (r) => expect(r.findings[1].message).toContain("2001-01-01") },
  },
  {
    name: "a root that is not valid yet",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.futureRoot.certPem } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_NOT_YET_VALID"] },
  },
  {
    name: "a root expiring within 30 days",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.expiringRoot.certPem } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_EXPIRING_SOON"] },
  },
  {
    name: "a large bundle summarises its date problems in one info line",
    scenario: (k) => ({ env: CA, files: { "ca.pem": [...k.manyRoots, k.expiredRoot, k.futureRoot].map((m) => m.certPem).join("") } }),
    expect: { status: "pass", codes: ["CA_LOADED", "CA_DATES_SUMMARY"] },
  },
  {
    name: "a large bundle with a single date problem still reports it",
    scenario: (k) => ({ env: CA, files: { "ca.pem": [...k.manyRoots, k.expiredRoot].map((m) => m.certPem).join("") } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_EXPIRED"] },
  },
  {
    name: "an RSA-1024 root",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.weakRoot.certPem } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_WEAK_KEY"], result: (r) => expect(r.findings[1].message).toContain("RSA 1024") },
  },
  {
    name: "a SHA-1-signed intermediate",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem + k.sha1Intermediate.certPem } }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_SHA1_SIGNATURE"] },
  },

  // ---- SSL_CERT_FILE replaces the system roots
  {
    name: "corporate-only bundle in SSL_CERT_FILE (warn: replaces the public roots)",
    scenario: (k) => ({ env: { SSL_CERT_FILE: "{dir}/corp.pem" }, files: { "corp.pem": k.corp.root.certPem } }),
    expect: {
      status: "warn",
      codes: ["CA_LOADED", "CA_CORPORATE_ONLY_REPLACES_ROOTS"],
      result: (r, run) => expect(r.findings[1].hint).toContain(`export CODEX_CA_CERTIFICATE=${run.dir}/corp.pem; unset SSL_CERT_FILE`),
    },
  },
  {
    name: "corporate-only SSL_CERT_FILE and no platform store to compare with",
    scenario: (k) => ({ env: { SSL_CERT_FILE: "{dir}/corp.pem" }, files: { "corp.pem": k.corp.root.certPem }, platformStore: "none/none.pem" }),
    expect: { status: "warn", codes: ["CA_LOADED", "CA_CORPORATE_ONLY_REPLACES_ROOTS"] },
  },
  {
    name: "SSL_CERT_FILE as a combined bundle (public + corporate) is fine",
    scenario: (k) => ({
      env: { SSL_CERT_FILE: "{dir}/combined.pem" },
      files: { "combined.pem": k.publicRoots.map((m) => m.certPem).join("") + k.corp.root.certPem },
    }),
    expect: { status: "pass", codes: ["CA_LOADED"] },
  },
  {
    name: "a corporate-only CODEX_CA_CERTIFICATE adds to the system roots: no warning",
    scenario: (k) => ({ env: CA, files: { "ca.pem": k.corp.root.certPem } }),
    expect: { status: "pass", codes: ["CA_LOADED"] },
  },
];

checkTable(bundleCheck as unknown as Check, rows);

// Every bundle problem the issue lists comes with a pasteable hint, at the level the issue names.
const REQUIRED: Record<string, "info" | "warn" | "error"> = {
  CA_NOT_CONFIGURED: "info",
  CA_FILE_MISSING: "error",
  CA_FILE_IS_DIRECTORY: "error",
  CA_FILE_UNREADABLE: "error",
  CA_FILE_NOT_REGULAR: "error",
  CA_FILE_TOO_LARGE: "error",
  CA_FILE_EMPTY: "error",
  CA_NO_CERTIFICATES: "error",
  CA_DER_ENCODED: "error",
  CA_PKCS7: "error",
  CA_PKCS12: "error",
  CA_UTF16: "error",
  CA_UTF8_BOM: "warn",
  CA_UTF8_BOM_ONLY_CERT: "error",
  CA_CRLF: "info",
  CA_PEM_MISSING_END: "error",
  CA_PEM_BAD_BASE64: "error",
  CA_MALFORMED_CRL: "error",
  CA_CRLS_SKIPPED: "info",
  CA_TRUSTED_NORMALISED: "info",
  CA_PRIVATE_KEY: "warn",
  CA_DUPLICATE_CERT: "info",
  CA_MORE_FINDINGS: "info",
  CA_LEAF_CERT: "warn",
  CA_INTERMEDIATE_ONLY: "info",
  CA_EXPIRED: "warn",
  CA_NOT_YET_VALID: "warn",
  CA_EXPIRING_SOON: "warn",
  CA_WEAK_KEY: "warn",
  CA_SHA1_SIGNATURE: "warn",
  CA_CORPORATE_ONLY_REPLACES_ROOTS: "warn",
};

describe("bundle check code table", () => {
  it.each(Object.entries(REQUIRED))("%s is declared at level %s with a hint", (code, level) => {
    const spec = (bundleCheck.codes as Record<string, { level: string; hint?: string }>)[code];
    expect(spec?.level).toBe(level);
    expect(spec?.hint?.trim()).toBeTruthy();
  });
});
