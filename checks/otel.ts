// OTLP exporters with a `tls` table (`[otel.exporter."otlp-http".tls]`, also `trace_exporter` and
// `metrics_exporter`, and `otlp-grpc`): the files exist and parse the way Codex's exporter reads
// them, the key belongs to the certificate, the client certificate is in date and usable for
// client auth; then a real mTLS handshake with the collector using exactly those files, through the
// proxy Codex would pick, verified against the EXPORTER's trust — which is separate from
// CODEX_CA_CERTIFICATE — and one empty export to catch a collector that rejects the client
// certificate after the handshake (TLS 1.3). The file checks run offline; only the handshake is
// skipped with --offline, so this check is not marked `network`.
import { resolve as resolvePath } from "node:path";
import { defineCheck, fillTemplate, type Finding, type FindingSpec, type Vars } from "../src/check.js";
import type { CheckContext } from "../src/context.js";
import { isTable, type TomlTable } from "../src/codex/config.js";
import { readBoundedFile } from "../src/ca/file.js";
import { NET_CODES, diagnoseFailure } from "./lib/net-findings.js";
import { displayUrl, resolveProxy, type ProxyDecision } from "../src/net/proxy.js";
import { tomlType } from "../src/codex/toml.js";
import { verifyServerChain, type TrustAnchor } from "../src/net/verify.js";
import { baseAnchors, codexAnchors } from "../src/net/anchors.js";
import { vendorFromNames } from "../src/net/vendors.js";
import { chainData } from "../src/net/chain-table.js";
import {
  OID_CLIENT_AUTH,
  clientCertFacts,
  keyMatchesCertificate,
  loadPrivateKey,
  parseCollectorCa,
  parseIdentity,
  toPem,
} from "../src/net/client-identity.js";
import { CLIENT_CERT_ALERTS, probeCollector, type CollectorFailure, type CollectorProbe } from "../src/net/mtls.js";
import { VERSION } from "../src/version.js";

const EXPORTER_EXAMPLE = [
  '[otel.exporter."otlp-http"]',
  'endpoint = "https://collector.example:4318/v1/logs"',
  'protocol = "binary"',
  '[otel.exporter."otlp-http".tls]',
  'ca-certificate = "collector-ca.pem"',
  'client-certificate = "client.pem"',
  'client-private-key = "client.key"',
].join("\n");

const codes = {
  // Shared connection codes (DNS, refused, proxy, handshake): spread so diagnoseFailure's verdicts
  // can be reported as they are. Chain verification is NOT diagnosed with them: their CA advice
  // (CODEX_CA_CERTIFICATE) is wrong for an OTel exporter, so verification has its own codes below.
  ...NET_CODES,
  OTEL_NONE: { level: "info", message: "No OTLP exporter with a tls table in {path}: nothing to check." },
  OTEL_CONFIG_UNREADABLE: {
    level: "info",
    message: "config.toml could not be parsed ({detail}), so the OTel exporters are unknown (see the config check).",
  },
  // info: Codex refuses such a file, and the config check says so (as an error, with the fix).
  OTEL_CONFIG_INVALID: {
    level: "info",
    message: "{where}: {detail}. Not checked here; the config check reports it.",
    hint: `Write the exporter as a table (paths relative to $CODEX_HOME), for example:\n${EXPORTER_EXAMPLE}`,
  },
  OTEL_ENDPOINT_INVALID: {
    level: "warn",
    message: "{where} is not an http(s) URL: Codex cannot export to it, so the exporter was not checked.",
    hint: `Write the endpoint as a full URL, for example:\n${EXPORTER_EXAMPLE}`,
  },
  OTEL_NO_TLS: {
    level: "info",
    message: "The {slots} exporter ({kind} → {endpoint}) has no tls table: it uses the default roots and no client certificate; not checked here.",
  },
  OTEL_TRUST_SEPARATE: {
    level: "info",
    message: "The {slots} exporter verifies {host} against {trust}. This trust is separate from Codex's: CODEX_CA_CERTIFICATE does not apply to OTel exporters.",
  },
  OTEL_FILE_MISSING: {
    level: "error",
    message: "{role} = \"{written}\" resolves to {path}, which does not exist: Codex cannot build the {slots} exporter.",
    hint: "Fix the path in config.toml (relative paths resolve against $CODEX_HOME, {codexHome}; \"~/\" is your home directory).",
  },
  OTEL_FILE_NOT_READ: {
    level: "warn",
    message: "{role} {path} was not checked: {detail}.",
    hint: "Check that {path} is the PEM file you meant for the {slots} exporter.",
  },
  OTEL_FILE_UNREADABLE: {
    level: "error",
    message: "{role} {path} cannot be read ({detail}): Codex cannot build the {slots} exporter.",
    hint: "Make the file readable by the user who runs Codex: ls -l {path:sh}",
  },
  OTEL_CA_INVALID: {
    level: "error",
    message: "ca-certificate {path} is not a usable CA file: {detail}. Codex cannot build the {slots} exporter.",
    hint: "ca-certificate must be a PEM file with one or more -----BEGIN CERTIFICATE----- blocks (the CA that issued the collector's certificate). Convert DER with: openssl x509 -inform der -in ca.cer -out ca.pem",
  },
  OTEL_CLIENT_PAIR_INCOMPLETE: {
    level: "error",
    message: "The {slots} exporter sets {present} but not {absent}: Codex refuses it (\"client_certificate and client_private_key must both be provided for mTLS\").",
    hint: 'Set both, or neither:\n[{table}]\nclient-certificate = "/path/to/client.pem"\nclient-private-key = "/path/to/client.key"',
  },
  OTEL_CLIENT_CERT_INVALID: {
    level: "error",
    message: "client-certificate {path} cannot be used: {detail}.",
    hint: "client-certificate must be a PEM file: the client certificate first, then any intermediates. Convert a .p12 with: openssl pkcs12 -in client.p12 -clcerts -nokeys -out client.pem",
  },
  OTEL_CLIENT_KEY_INVALID: {
    level: "error",
    message: "client-private-key {path} cannot be used: {detail}.",
    hint: "client-private-key must be an unencrypted PEM key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY). Decrypt one with: openssl pkey -in encrypted.key -out client.key",
  },
  OTEL_KEY_MISMATCH: {
    level: "error",
    message: "client-private-key {keyPath} does not belong to client-certificate {certPath} (\"{subject}\"): no collector can accept this identity.",
    hint: "Use the key the certificate was issued for. Compare: openssl x509 -in {certPath:sh} -noout -pubkey | openssl sha256; openssl pkey -in {keyPath:sh} -pubout | openssl sha256",
  },
  OTEL_CLIENT_CERT_EXPIRED: {
    level: "error",
    message: "The client certificate \"{subject}\" ({path}) expired on {date}: collectors reject it.",
    hint: "Get a renewed client certificate from whoever issues them (\"{issuer}\") and replace {path}.",
  },
  OTEL_CLIENT_CERT_NOT_YET_VALID: {
    level: "error",
    message: "The client certificate \"{subject}\" ({path}) is not valid before {date}: collectors reject it.",
    hint: "Check this machine's clock (date -u); otherwise wait until {date} or get a certificate valid now.",
  },
  OTEL_CLIENT_CERT_EXPIRES_SOON: {
    level: "warn",
    message: "The client certificate \"{subject}\" ({path}) expires on {date}, in {days} day(s).",
    hint: "Renew it before then with whoever issues them (\"{issuer}\"), or telemetry export stops on {date}.",
  },
  OTEL_CLIENT_CERT_NO_CLIENT_AUTH: {
    level: "error",
    message: "The client certificate \"{subject}\" ({path}) has an extended key usage without clientAuth ({eku}): a verifying collector rejects it.",
    hint: "Ask for a certificate issued for client authentication (EKU clientAuth, 1.3.6.1.5.5.7.3.2). Inspect it with: openssl x509 -in {path:sh} -noout -ext extendedKeyUsage",
  },
  OTEL_CLIENT_CERT_KEY_USAGE: {
    level: "error",
    message: "The client certificate \"{subject}\" ({path}) has a keyUsage without digitalSignature ({usages}): it cannot sign the TLS handshake as a client.",
    hint: "Ask for a certificate with keyUsage digitalSignature. Inspect it with: openssl x509 -in {path:sh} -noout -ext keyUsage",
  },
  OTEL_CLIENT_CERT_OK: {
    level: "info",
    message: "Client identity for the {slots} exporter: \"{subject}\" issued by \"{issuer}\", valid until {date}; the key matches.",
  },
  OTEL_HTTP_ENDPOINT_NO_PATH: {
    level: "warn",
    message: "The {slots} exporter's endpoint {endpoint} has no path: Codex posts to it exactly as written, while OTLP/HTTP collectors listen on /v1/logs, /v1/traces and /v1/metrics.",
    hint: "Write the full signal URL, e.g.: endpoint = \"{suggested}\"",
  },
  OTEL_TLS_UNUSED: {
    level: "warn",
    message: "The {slots} exporter's endpoint {endpoint} is plain http: its tls settings are not used and telemetry travels unencrypted.",
    hint: "Use the collector's https:// endpoint.",
  },
  OTEL_ENDPOINT_NOT_HTTPS: {
    level: "error",
    message: "The {slots} exporter has a client certificate but its endpoint {endpoint} is plain http: Codex's exporter is https-only once a client identity is set, so every export fails.",
    hint: "Use the collector's https:// endpoint.",
  },
  OTEL_OFFLINE: { level: "info", message: "The handshake with {host} was skipped (--offline); the files were checked." },
  OTEL_PROBE_SKIPPED: {
    level: "info",
    message: "No handshake with {host}: Codex cannot build the {slots} exporter until the problems above are fixed.",
  },
  OTEL_COLLECTOR_OK: {
    level: "info",
    message: "{endpoint}: mTLS handshake ({tlsVersion}) {identity}, chain verified against the exporter's roots, empty export answered with {answer}{route}.",
  },
  OTEL_COLLECTOR_UNTRUSTED: {
    level: "error",
    message: "The collector {host} presented a certificate chain that fails verification against {trust}: {detail} (webpki {code}).",
    hint: "{fix:text}",
  },
  OTEL_COLLECTOR_INTERCEPTED: {
    level: "error",
    message: "TLS to the collector {host} is intercepted by the proxy {proxy}{vendor}: the chain ends at \"{issuer}\", not at the collector's CA. A client certificate cannot pass through a TLS-inspecting proxy.",
    hint: "Ask your network team to exempt {hostname} from TLS inspection, or, if the collector is reachable without the proxy, bypass it: export NO_PROXY={hostname:sh}",
  },
  OTEL_CLIENT_CERT_REQUIRED: {
    level: "error",
    message: "The collector {host} requires a client certificate (TLS alert \"{alert}\"), but the {slots} exporter's tls table sets none.",
    hint: 'Add the client identity the collector expects:\n[{table}]\nclient-certificate = "/path/to/client.pem"\nclient-private-key = "/path/to/client.key"',
  },
  OTEL_CLIENT_CERT_REJECTED: {
    level: "error",
    message: "The collector {host} rejected the client certificate \"{subject}\" (TLS alert \"{alert}\"{when}): {why}.",
    hint: "Ask the collector's operators which CA they accept for clients and get a certificate from it (in date, EKU clientAuth). Test by hand: openssl s_client -connect {host:sh} -cert {certPath:sh} -key {keyPath:sh}",
  },
  OTEL_COLLECTOR_CLOSED: {
    level: "error",
    message: "{host} completed the TLS handshake, then closed the connection without answering the test export ({code}){route}{likely}.",
    hint: "Collectors that reject a client certificate without an alert look like this; so does a port that is not an OTLP {protocol} endpoint. Check the collector's logs for TLS errors.",
  },
  OTEL_COLLECTOR_PROTOCOL: {
    level: "error",
    message: "{host} accepted TLS but did not answer as an OTLP {protocol} endpoint ({detail}).",
    hint: "Check the exporter kind and port: otlp-grpc usually listens on 4317 (HTTP/2), otlp-http on 4318 with /v1/<signal> paths.",
  },
} satisfies Record<string, FindingSpec>;

type Code = keyof typeof codes;
type Emit = (code: Code, vars?: Vars) => Finding;

const SLOTS = ["exporter", "trace_exporter", "metrics_exporter"] as const;
type Slot = (typeof SLOTS)[number];
const SIGNAL: Record<Slot, "logs" | "traces" | "metrics"> = { exporter: "logs", trace_exporter: "traces", metrics_exporter: "metrics" };
const GRPC_PATH: Record<Slot, string> = {
  exporter: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
  trace_exporter: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  metrics_exporter: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
};
const TLS_KEYS = ["ca-certificate", "client-certificate", "client-private-key"] as const;
type TlsKey = (typeof TLS_KEYS)[number];
type Kind = "otlp-http" | "otlp-grpc";

interface ExporterSpec {
  slots: Slot[];
  kind: Kind;
  endpoint: string;
  tls: Partial<Record<TlsKey, string>>;
}


/** Reads the exporter slots; anything malformed becomes an OTEL_CONFIG_INVALID finding, never a throw. */
export function readExporters(otel: unknown, finding: Emit): { exporters: ExporterSpec[]; findings: Finding[]; noTls: Finding[] } {
  const findings: Finding[] = [];
  const noTls: Finding[] = [];
  const exporters: ExporterSpec[] = [];
  if (otel === undefined) return { exporters, findings, noTls };
  if (!isTable(otel)) {
    findings.push(finding("OTEL_CONFIG_INVALID", { where: "otel", detail: `is ${tomlType(otel)}, not a table` }));
    return { exporters, findings, noTls };
  }
  for (const slot of SLOTS) {
    const value = otel[slot];
    if (value === undefined) continue;
    const where = `otel.${slot}`;
    if (typeof value === "string") {
      if (value === "otlp-http" || value === "otlp-grpc") {
        findings.push(finding("OTEL_CONFIG_INVALID", { where, detail: `"${value}" needs its settings as a table ([${where}."${value}"] with endpoint = "https://…")` }));
      }
      // "none", "statsig" (no TLS table) and unknown names (the config check's business) end here.
      continue;
    }
    if (!isTable(value)) {
      findings.push(finding("OTEL_CONFIG_INVALID", { where, detail: `is ${tomlType(value)}, not a string or a table` }));
      continue;
    }
    for (const kind of ["otlp-http", "otlp-grpc"] as const) {
      const body = value[kind];
      if (body === undefined) continue;
      const at = `${where}."${kind}"`;
      if (!isTable(body)) {
        findings.push(finding("OTEL_CONFIG_INVALID", { where: at, detail: `is ${tomlType(body)}, not a table` }));
        continue;
      }
      if (typeof body.endpoint !== "string" || body.endpoint.trim() === "") {
        const detail = body.endpoint === undefined ? "has no endpoint" : `endpoint is ${tomlType(body.endpoint)}, not a URL string`;
        findings.push(finding("OTEL_CONFIG_INVALID", { where: at, detail }));
        continue;
      }
      const endpoint = body.endpoint.trim();
      if (body.tls === undefined) {
        noTls.push(finding("OTEL_NO_TLS", { slots: slot, kind, endpoint: displayUrl(endpoint) }));
        continue;
      }
      if (!isTable(body.tls)) {
        findings.push(finding("OTEL_CONFIG_INVALID", { where: `${at}.tls`, detail: `is ${tomlType(body.tls)}, not a table` }));
        continue;
      }
      const tlsTable = body.tls as TomlTable;
      const bad = TLS_KEYS.find((k) => tlsTable[k] !== undefined && typeof tlsTable[k] !== "string");
      if (bad) {
        findings.push(finding("OTEL_CONFIG_INVALID", { where: `${at}.tls`, detail: `${bad} is ${tomlType(tlsTable[bad])}, not a path string` }));
        continue;
      }
      const tls: Partial<Record<TlsKey, string>> = {};
      for (const k of TLS_KEYS) if (typeof tlsTable[k] === "string") tls[k] = tlsTable[k] as string;
      exporters.push({ slots: [slot], kind, endpoint, tls });
    }
  }
  // Slots pointing at the same collector with the same files are checked once.
  const grouped: ExporterSpec[] = [];
  for (const e of exporters) {
    const same = grouped.find((g) => g.kind === e.kind && g.endpoint === e.endpoint && JSON.stringify(g.tls) === JSON.stringify(e.tls));
    if (same) same.slots.push(...e.slots);
    else grouped.push(e);
  }
  return { exporters: grouped, findings, noTls };
}

/** Codex's AbsolutePathBuf: "~" / "~/" expand to $HOME, relative paths resolve against the config dir. */
export function resolveTlsPath(written: string, ctx: Pick<CheckContext, "codexHome" | "env">): string {
  const home = ctx.env.HOME ?? ctx.env.USERPROFILE;
  let path = written;
  if (home !== undefined && home !== "") {
    if (path === "~") path = home;
    else if (path.startsWith("~/")) path = resolvePath(home, path.slice(2).replace(/^\/+/, ""));
  }
  return resolvePath(ctx.codexHome, path);
}

interface FileRead {
  key: TlsKey;
  path: string;
  bytes?: Uint8Array;
}

async function readTls(
  ctx: CheckContext,
  spec: ExporterSpec,
  key: TlsKey,
  finding: Emit,
  out: Finding[],
): Promise<FileRead | undefined> {
  const written = spec.tls[key];
  if (written === undefined) return undefined;
  const path = resolveTlsPath(written, ctx);
  const read = await readBoundedFile(path, 1024 * 1024);
  const slots = spec.slots.join(", ");
  if (!read.ok) {
    if (read.problem === "missing") out.push(finding("OTEL_FILE_MISSING", { role: key, written, path, slots, codexHome: ctx.codexHome }));
    else out.push(finding(read.problem === "too-large" ? "OTEL_FILE_NOT_READ" : "OTEL_FILE_UNREADABLE", { role: key, path, detail: read.rustError, slots }));
    return { key, path };
  }
  return { key, path, bytes: read.bytes };
}

function days(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

const EKU_NAMES: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

interface Checked {
  findings: Finding[];
  /** Codex could not build the exporter: no handshake. */
  blocked: boolean;
  anchors: TrustAnchor[];
  trust: string;
  identity?: { certPem: string; keyPem: string; subject: string; certPath: string; keyPath: string };
  data: Record<string, unknown>;
}

async function checkFiles(ctx: CheckContext, spec: ExporterSpec, finding: Emit): Promise<Checked> {
  const findings: Finding[] = [];
  const slots = spec.slots.join(", ");
  let blocked = false;
  const data: Record<string, unknown> = {};

  // --- the collector's trust anchors ---
  const base = baseAnchors(ctx.ca);
  let anchors: TrustAnchor[] = base;
  let trust = `the base roots (${ctx.ca.baseRoots.description})`;
  const ca = await readTls(ctx, spec, "ca-certificate", finding, findings);
  if (ca) {
    data.caCertificate = ca.path;
    trust = `ca-certificate ${ca.path} (unusable, see above)`;
    if (!ca.bytes) blocked = true;
    else {
      const parsed = parseCollectorCa(ca.bytes, "ca-certificate");
      data.caCertificates = parsed.certificates.length;
      if (parsed.error) {
        findings.push(finding("OTEL_CA_INVALID", { path: ca.path, detail: parsed.error, slots }));
        blocked = true;
      } else if (spec.kind === "otlp-http") {
        // reqwest: tls_built_in_root_certs(false) + add_root_certificate → ONLY this file.
        anchors = parsed.anchors;
        trust = `only ca-certificate ${ca.path} (${parsed.certificates.length} certificate(s))`;
      } else {
        // tonic: ClientTlsConfig::with_enabled_roots() + ca_certificate → the roots plus this file.
        anchors = [...base, ...parsed.anchors];
        trust = `ca-certificate ${ca.path} (${parsed.certificates.length} certificate(s)) plus the base roots (${ctx.ca.baseRoots.description})`;
      }
    }
  }

  // --- the client identity ---
  const certWritten = spec.tls["client-certificate"];
  const keyWritten = spec.tls["client-private-key"];
  if ((certWritten === undefined) !== (keyWritten === undefined)) {
    findings.push(
      finding("OTEL_CLIENT_PAIR_INCOMPLETE", {
        slots,
        table: tlsTableName(spec),
        present: certWritten !== undefined ? "client-certificate" : "client-private-key",
        absent: certWritten !== undefined ? "client-private-key" : "client-certificate",
      }),
    );
    blocked = true;
  }
  let identity: Checked["identity"];
  if (certWritten !== undefined && keyWritten !== undefined) {
    const cert = await readTls(ctx, spec, "client-certificate", finding, findings);
    const key = await readTls(ctx, spec, "client-private-key", finding, findings);
    data.clientCertificate = cert?.path;
    data.clientPrivateKey = key?.path;
    if (!cert?.bytes || !key?.bytes) blocked = true;
    else identity = await checkIdentity(ctx, spec, cert as Required<FileRead>, key as Required<FileRead>, finding, findings);
    if (cert?.bytes && key?.bytes && !identity) blocked = true;
  }
  return { findings, blocked, anchors, trust, identity, data };
}

async function checkIdentity(
  ctx: CheckContext,
  spec: ExporterSpec,
  cert: Required<FileRead>,
  key: Required<FileRead>,
  finding: Emit,
  findings: Finding[],
): Promise<Checked["identity"]> {
  const slots = spec.slots.join(", ");
  const parsed = parseIdentity(cert.bytes, key.bytes, spec.kind === "otlp-http" ? "concatenated" : "separate");
  if (parsed.error || !parsed.key) {
    const detail = parsed.error ?? "no private key";
    if (parsed.problem === "certificate") findings.push(finding("OTEL_CLIENT_CERT_INVALID", { path: cert.path, detail }));
    else findings.push(finding("OTEL_CLIENT_KEY_INVALID", { path: key.path, detail }));
    return undefined;
  }
  const leaf = parsed.certificates[0];
  const facts = clientCertFacts(leaf);
  if (!facts) {
    findings.push(finding("OTEL_CLIENT_CERT_INVALID", { path: cert.path, detail: "the first CERTIFICATE block is not a valid X.509 certificate" }));
    return undefined;
  }
  const loaded = loadPrivateKey(parsed.key);
  if (!loaded.ok) {
    findings.push(finding("OTEL_CLIENT_KEY_INVALID", { path: key.path, detail: loaded.detail }));
    return undefined;
  }
  if (!keyMatchesCertificate(leaf, loaded.key)) {
    findings.push(finding("OTEL_KEY_MISMATCH", { keyPath: key.path, certPath: cert.path, subject: facts.subject }));
    return undefined;
  }
  const base = { subject: facts.subject, issuer: facts.issuer, path: cert.path };
  const now = ctx.now.getTime();
  let usable = true;
  if (now > facts.notAfter.getTime()) {
    findings.push(finding("OTEL_CLIENT_CERT_EXPIRED", { ...base, date: facts.notAfter.toISOString().slice(0, 10) }));
    usable = false;
  } else if (now < facts.notBefore.getTime()) {
    findings.push(finding("OTEL_CLIENT_CERT_NOT_YET_VALID", { ...base, date: facts.notBefore.toISOString().slice(0, 10) }));
    usable = false;
  } else if (facts.notAfter.getTime() - now < 14 * 86_400_000) {
    findings.push(finding("OTEL_CLIENT_CERT_EXPIRES_SOON", { ...base, date: facts.notAfter.toISOString().slice(0, 10), days: days(facts.notAfter.getTime() - now) }));
  }
  // anyExtendedKeyUsage is accepted by Go collectors (the OpenTelemetry Collector) for client auth.
  if (facts.eku && !facts.eku.includes(OID_CLIENT_AUTH) && !facts.eku.includes("2.5.29.37.0")) {
    findings.push(finding("OTEL_CLIENT_CERT_NO_CLIENT_AUTH", { ...base, eku: facts.eku.map((o) => EKU_NAMES[o] ?? o).join(", ") || "empty" }));
    usable = false;
  }
  if (facts.digitalSignature === false) {
    findings.push(finding("OTEL_CLIENT_CERT_KEY_USAGE", { ...base, usages: "no digitalSignature" }));
    usable = false;
  }
  if (usable) findings.push(finding("OTEL_CLIENT_CERT_OK", { slots, subject: facts.subject, issuer: facts.issuer, date: facts.notAfter.toISOString().slice(0, 10) }));
  // Problems with dates or usages do not stop Codex from sending the certificate: the handshake
  // still runs, and shows how the collector reacts.
  const certPem = parsed.certificates.map((d) => toPem("CERTIFICATE", d)).join("");
  const keyPem = loaded.key.export({ format: "pem", type: "pkcs8" }).toString();
  return { certPem, keyPem, subject: facts.subject, certPath: cert.path, keyPath: key.path };
}

function tlsTableName(spec: ExporterSpec): string {
  return `otel.${spec.slots[0]}."${spec.kind}".tls`;
}

function routeText(route: ProxyDecision): string {
  return route.proxy ? ` (through ${route.proxy.display})` : "";
}

async function judgeProbe(
  ctx: CheckContext,
  spec: ExporterSpec,
  url: URL,
  checked: Checked,
  probe: CollectorProbe,
  finding: Emit,
): Promise<Finding> {
  const host = `${url.hostname}:${url.port || 443}`;
  const slots = spec.slots.join(", ");
  const protocol = spec.kind === "otlp-grpc" ? "gRPC (HTTP/2)" : "HTTP";
  if (probe.ok) {
    const answer = probe.grpcStatus !== undefined ? `HTTP ${probe.status}, grpc-status ${probe.grpcStatus}` : `HTTP ${probe.status}`;
    return finding("OTEL_COLLECTOR_OK", {
      endpoint: displayUrl(spec.endpoint),
      tlsVersion: probe.tlsVersion ?? "TLS",
      identity: checked.identity ? `with client certificate "${checked.identity.subject}"` : "without a client certificate",
      answer,
      route: routeText(probe.route),
    });
  }
  const f: CollectorFailure = probe.failure;
  if (f.stage === "verify") return judgeVerify(ctx, spec, url, checked, probe.route, f, finding);
  if (f.alert && CLIENT_CERT_ALERTS.has(f.alert)) {
    if (!checked.identity) return finding("OTEL_CLIENT_CERT_REQUIRED", { host, alert: f.alert, slots, table: tlsTableName(spec) });
    return finding("OTEL_CLIENT_CERT_REJECTED", {
      host,
      alert: f.alert,
      when: f.phase === "request" ? ", sent after the handshake" : "",
      subject: checked.identity.subject,
      why: alertMeaning(f.alert),
      certPath: checked.identity.certPath,
      keyPath: checked.identity.keyPath,
    });
  }
  if (f.alert === "no application protocol") {
    // tonic always offers ALPN "h2" (assume_http2): a server without HTTP/2 refuses the handshake.
    return finding("OTEL_COLLECTOR_PROTOCOL", { host, protocol, detail: `it refused ALPN "${spec.kind === "otlp-grpc" ? "h2" : "http/1.1"}" with the TLS alert "no application protocol"` });
  }
  if (f.phase === "request" && f.stage !== "timeout") {
    if (f.code === "EOF" || f.code === "ECONNRESET" || f.code === "EPIPE") {
      const likely = checked.identity ? `: most likely it refused the client certificate "${checked.identity.subject}" without sending an alert` : "";
      return finding("OTEL_COLLECTOR_CLOSED", { host, code: f.code, route: routeText(probe.route), protocol, likely });
    }
    return finding("OTEL_COLLECTOR_PROTOCOL", { host, protocol, detail: `${f.code}: ${f.message}` });
  }
  const d = await diagnoseFailure(ctx, url, probe.route, f);
  return finding(d.code, d.vars);
}

function alertMeaning(alert: string): string {
  switch (alert) {
    case "unknown ca":
      return "the collector does not trust the CA that issued it";
    case "certificate expired":
      return "the collector considers it expired";
    case "unsupported certificate":
      return "the collector refuses its key usage (it must allow client authentication)";
    case "certificate revoked":
      return "the collector says it has been revoked";
    case "decrypt error":
      return "the handshake signature did not verify (a key that does not match the certificate?)";
    case "access denied":
      return "the certificate is valid but not authorised on this collector";
    default:
      return "the collector refused it";
  }
}

async function judgeVerify(
  ctx: CheckContext,
  spec: ExporterSpec,
  url: URL,
  checked: Checked,
  route: ProxyDecision,
  f: CollectorFailure,
  finding: Emit,
): Promise<Finding> {
  const host = `${url.hostname}:${url.port || 443}`;
  const chain = f.chain ?? { der: [], summaries: [] };
  const top = chain.summaries[chain.summaries.length - 1];
  const issuer = f.verify?.missingIssuer ?? top?.issuer ?? "?";
  const names = chain.summaries.flatMap((s) => (s ? [s.subject, s.issuer] : []));
  let codexTrusts = false;
  if (f.code === "UnknownIssuer" && chain.der.length > 0) {
    const viaCodex = await verifyServerChain({ presented: chain.der, anchors: codexAnchors(ctx.ca), serverName: url.hostname, now: ctx.now });
    codexTrusts = viaCodex.ok;
  }
  if (f.code === "UnknownIssuer" && route.proxy) {
    const vendor = vendorFromNames(names);
    if (vendor || codexTrusts) {
      return finding("OTEL_COLLECTOR_INTERCEPTED", {
        host,
        hostname: url.hostname,
        proxy: route.proxy.display,
        vendor: vendor ? ` (looks like ${vendor.name})` : "",
        issuer,
      });
    }
  }
  const slot = spec.slots[0];
  const caPath = checked.data.caCertificate as string | undefined;
  const lines: string[] = [];
  if (f.code === "UnknownIssuer") {
    const vars = { issuer, caPath };
    if (caPath && spec.kind === "otlp-http") {
      lines.push(fillTemplate(`The chain ends at "{issuer}", which is not in {caPath}. Put the CA that issued the collector's certificate into that file (for otlp-http it replaces every other root):`, vars));
    } else if (caPath) {
      lines.push(fillTemplate(`The chain ends at "{issuer}", which is neither in {caPath} nor among the base roots. Put the CA that issued the collector's certificate into that file.`, vars));
    } else {
      lines.push(fillTemplate(`The chain ends at "{issuer}". Give the exporter the collector's CA:`, vars));
    }
    lines.push(`[otel.${slot}."${spec.kind}".tls]`, `ca-certificate = "/path/to/collector-ca.pem"`);
    if (codexTrusts) lines.push("(Codex's own bundle, CODEX_CA_CERTIFICATE / SSL_CERT_FILE, trusts this chain, but OTel exporters do not use it.)");
  } else {
    lines.push(
      fillTemplate("The collector's certificate itself is the problem ({detail}); its operators must fix it, or the endpoint must use a name the certificate covers.", {
        detail: f.verify?.error?.detail ?? f.code,
      }),
    );
  }
  return finding("OTEL_COLLECTOR_UNTRUSTED", {
    host,
    trust: checked.trust,
    detail: f.verify?.error?.detail ?? f.message,
    code: f.code,
    fix: lines.join("\n"),
  });
}

export const otelCheck = defineCheck({
  id: "otel",
  title: "OTel exporter TLS (collector CA and client certificate)",
  codes,
  async run(ctx, { finding, signal }) {
    if (ctx.config.error) {
      return { status: "skip", summary: "config.toml could not be parsed", findings: [finding("OTEL_CONFIG_UNREADABLE", { detail: ctx.config.error.message })] };
    }
    // Profiles cannot set `otel` (not a ConfigProfile key), so the file's top level is what counts.
    const { exporters, findings: configFindings, noTls } = readExporters(ctx.config.raw.otel, finding);
    if (exporters.length === 0) {
      const findings = [...configFindings, ...noTls];
      if (findings.length === 0) findings.push(finding("OTEL_NONE", { path: ctx.config.path }));
      const invalid = configFindings.length > 0;
      // Settings Codex cannot load are the config check's errors; here there is simply nothing to check.
      return { status: "skip", summary: invalid ? "OTel settings Codex cannot load (see the config check)" : "no OTLP exporter with TLS settings", findings, data: { exporters: [] } };
    }
    const results = await Promise.all(
      exporters.map(async (spec) => {
        const checked = await checkFiles(ctx, spec, finding);
        const findings = [...checked.findings];
        const slots = spec.slots.join(", ");
        let url: URL | undefined;
        try {
          url = new URL(spec.endpoint);
          if (url.protocol !== "https:" && url.protocol !== "http:") url = undefined;
        } catch {
          url = undefined;
        }
        if (!url) {
          findings.push(finding("OTEL_ENDPOINT_INVALID", { where: `otel.${spec.slots[0]}."${spec.kind}".endpoint` }));
        }
        const data: Record<string, unknown> = { slots: spec.slots, kind: spec.kind, endpoint: displayUrl(spec.endpoint), ...checked.data, trust: checked.trust };
        if (!url) return { spec, findings, data };
        const host = `${url.hostname}:${url.port || 443}`;
        if (url.protocol !== "https:") {
          const identityConfigured = spec.tls["client-certificate"] !== undefined && spec.tls["client-private-key"] !== undefined;
          findings.push(finding(identityConfigured && spec.kind === "otlp-http" ? "OTEL_ENDPOINT_NOT_HTTPS" : "OTEL_TLS_UNUSED", { slots, endpoint: displayUrl(spec.endpoint) }));
          return { spec, findings, data };
        }
        if (spec.kind === "otlp-http" && (url.pathname === "/" || url.pathname === "")) {
          findings.push(finding("OTEL_HTTP_ENDPOINT_NO_PATH", { slots, endpoint: displayUrl(spec.endpoint), suggested: `${url.origin}/v1/${SIGNAL[spec.slots[0]]}` }));
        }
        findings.push(finding("OTEL_TRUST_SEPARATE", { slots, host, trust: checked.trust }));
        if (checked.blocked) {
          findings.push(finding("OTEL_PROBE_SKIPPED", { host, slots }));
          return { spec, findings, data };
        }
        if (ctx.options.offline) {
          findings.push(finding("OTEL_OFFLINE", { host }));
          return { spec, findings, data };
        }
        // otlp-http goes through reqwest (proxy variables apply); tonic's gRPC client has no proxy
        // support, so Codex dials the collector directly whatever HTTPS_PROXY says.
        const route: ProxyDecision =
          spec.kind === "otlp-grpc" ? { target: url.href, via: null, proxy: null } : resolveProxy(url.href, ctx.env, ctx.options.proxy);
        const probe = await probeCollector({
          url,
          route,
          anchors: checked.anchors,
          identity: checked.identity ? { certPem: checked.identity.certPem, keyPem: checked.identity.keyPem } : undefined,
          protocol: spec.kind === "otlp-grpc" ? "grpc" : "http",
          // Never the query string: it can hold a credential.
          path: spec.kind === "otlp-grpc" ? GRPC_PATH[spec.slots[0]] : url.pathname,
          timeoutMs: ctx.options.timeoutMs,
          signal,
          now: ctx.now,
          userAgent: `codex-doctor/${VERSION}`,
        });
        findings.push(await judgeProbe(ctx, spec, url, checked, probe, finding));
        data.probe = probe.ok
          ? { ok: true, status: probe.status, grpcStatus: probe.grpcStatus ?? null, tlsVersion: probe.tlsVersion, chain: chainData(probe.chain) }
          : { ok: false, stage: probe.failure.stage, phase: probe.failure.phase, code: probe.failure.code, alert: probe.failure.alert ?? null, chain: chainData(probe.failure.chain) };
        return { spec, findings, data };
      }),
    );
    const findings = [...configFindings, ...noTls, ...results.flatMap((r) => r.findings)];
    const failing = results.filter((r) => r.findings.some((f) => f.level === "error")).map((r) => r.spec.slots.join("+"));
    const summary =
      failing.length > 0
        ? `exporter TLS broken: ${failing.join(", ")}`
        : ctx.options.offline
          ? `${results.length} exporter(s): files valid (handshake skipped offline)`
          : `${results.length} exporter(s): files valid, collector handshake works`;
    return { summary, findings, data: { exporters: results.map((r) => r.data) } };
  },
});
