// Table-driven cases for the otel check: an mTLS collector in the lab (HTTP/1.1 and HTTP/2 on one
// port, client certificates required), client identities minted at test time, and config.toml
// written per row. Verification is never switched off on the doctor's side.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  daysFromNow,
  mintCorporateChain,
  mintIntermediate,
  mintLeaf,
  mintRoot,
  startOrigin,
  startProxy,
  startRefusedPort,
  startSilentServer,
  x509,
  type CorporateChain,
  type LabServer,
  type Minted,
  type Origin,
} from "../lab/index.js";
import { ALERT, EKU, mintClientCert, startCollector, type Collector } from "../lab/collector.js";
import { otelCheck } from "../../checks/otel.js";
import { NET_CODES } from "../../checks/lib/net-findings.js";
import type { Check, Status } from "../../src/check.js";
import { runWithConfig, type ConfigRun, type ConfigScenario } from "./config-harness.js";

const CHECKS = [otelCheck] as Check[];

let collectorRoot: Minted;
let otherRoot: Minted;
let clientCa: Minted;
let strangerCa: Minted;
let good: Minted;
let expired: Minted;
let notYet: Minted;
let soon: Minted;
let serverAuthOnly: Minted;
let noDigitalSignature: Minted;
let stranger: Minted;
let publicRoot: Minted;
let collector: Collector;
let dropper: Collector;
let hanger: Collector;
let alertsUnknownCa: Collector;
let alertsExpired: Collector;
let http1Only: Origin;
let zscaler: CorporateChain;
const servers: LabServer[] = [];
const produced = new Set<string>();

beforeAll(async () => {
  [collectorRoot, otherRoot, clientCa, strangerCa, publicRoot] = await Promise.all([
    mintRoot({ cn: "Lab Collector Root", o: "Lab Observability" }),
    mintRoot({ cn: "Some Other Root", o: "Elsewhere" }),
    mintRoot({ cn: "Lab Client CA", o: "Lab Observability" }),
    mintRoot({ cn: "Stranger Client CA", o: "Elsewhere" }),
    mintRoot({ cn: "Lab Public Root", o: "Lab Trust Services" }),
  ]);
  const collectorInt = await mintIntermediate(collectorRoot, { cn: "Lab Collector Issuing CA", o: "Lab Observability" });
  const collectorLeaf = await mintLeaf(collectorInt, { dnsNames: ["collector.lab.test"] });
  [good, expired, notYet, soon, serverAuthOnly, noDigitalSignature, stranger] = await Promise.all([
    mintClientCert(clientCa, { cn: "codex-laptop" }),
    mintClientCert(clientCa, { cn: "codex-expired", expired: true }),
    mintClientCert(clientCa, { cn: "codex-future", notBefore: daysFromNow(10), notAfter: daysFromNow(100) }),
    mintClientCert(clientCa, { cn: "codex-soon", notAfter: daysFromNow(5) }),
    mintClientCert(clientCa, { cn: "codex-server-eku", eku: [EKU.serverAuth] }),
    mintClientCert(clientCa, { cn: "codex-no-sig", keyUsage: x509.KeyUsageFlags.keyAgreement }),
    mintClientCert(strangerCa, { cn: "codex-stranger" }),
  ]);
  collector = await startCollector({ cert: collectorLeaf, chain: [collectorInt], clientCas: [clientCa] });
  dropper = await startCollector({ cert: collectorLeaf, chain: [collectorInt], clientCas: [clientCa], behaviour: "close-after-handshake" });
  hanger = await startCollector({ cert: collectorLeaf, chain: [collectorInt], clientCas: [clientCa], behaviour: "hang" });
  servers.push(hanger);
  alertsUnknownCa = await startCollector({ cert: collectorLeaf, chain: [collectorInt], clientCas: [clientCa], alertOnClientCert: ALERT.unknownCa });
  alertsExpired = await startCollector({ cert: collectorLeaf, chain: [collectorInt], clientCas: [clientCa], alertOnClientCert: ALERT.certificateExpired });
  servers.push(alertsUnknownCa, alertsExpired);
  http1Only = await startOrigin({ cert: await mintLeaf(publicRoot, { dnsNames: ["origin.lab.test"] }) });
  zscaler = await mintCorporateChain({ vendor: "zscaler" });
  servers.push(collector, dropper, http1Only);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

interface TomlExporter {
  slot?: "exporter" | "trace_exporter" | "metrics_exporter";
  kind?: "otlp-http" | "otlp-grpc";
  endpoint: string;
  ca?: string;
  cert?: string;
  key?: string;
}

function toml(...exporters: TomlExporter[]): string {
  return exporters
    .map((e) => {
      const kind = e.kind ?? "otlp-http";
      const head = `[otel.${e.slot ?? "trace_exporter"}."${kind}"]\nendpoint = "${e.endpoint}"\n${kind === "otlp-http" ? 'protocol = "binary"\n' : ""}`;
      const tls = [
        e.ca !== undefined ? `ca-certificate = "${e.ca}"` : "",
        e.cert !== undefined ? `client-certificate = "${e.cert}"` : "",
        e.key !== undefined ? `client-private-key = "${e.key}"` : "",
      ].filter(Boolean);
      return `${head}${tls.length > 0 ? `[otel.${e.slot ?? "trace_exporter"}."${kind}".tls]\n${tls.join("\n")}\n` : ""}`;
    })
    .join("\n");
}

const traces = (c: LabServer) => `https://127.0.0.1:${c.port}/v1/traces`;
const grpc = (c: LabServer) => `https://127.0.0.1:${c.port}`;

/** Files at absolute paths under the scenario dir: ca.pem, client.pem, client.key. */
function identityFiles(client: Minted | null, ca: Minted | null = collectorRoot, key?: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (ca) files["pki/ca.pem"] = ca.certPem;
  if (client) {
    files["pki/client.pem"] = client.certPem;
    files["pki/client.key"] = key ?? client.keyPem;
  }
  return files;
}
const CA = "{dir}/pki/ca.pem";
const CERT = "{dir}/pki/client.pem";
const KEY = "{dir}/pki/client.key";
const full = (endpoint: string, kind?: TomlExporter["kind"]): TomlExporter => ({ endpoint, kind, ca: CA, cert: CERT, key: KEY });

interface Row {
  name: string;
  scenario: () => Promise<ConfigScenario> | ConfigScenario;
  systemRoots?: () => Minted[];
  status: Status;
  codes?: string[];
  absent?: string[];
  check?: (run: ConfigRun) => void;
}

const rows: Row[] = [
  {
    name: "healthy mTLS over OTLP/HTTP: right client cert, collector CA only",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(good) }),
    status: "pass",
    codes: ["OTEL_TRUST_SEPARATE", "OTEL_CLIENT_CERT_OK", "OTEL_COLLECTOR_OK"],
    check: (run) => {
      expect(collector.requests.some((r) => r.clientCn === "codex-laptop" && r.path === "/v1/traces" && r.method === "POST")).toBe(true);
      const trust = run.results.otel.findings.find((f) => f.code === "OTEL_TRUST_SEPARATE");
      expect(trust?.message).toContain("only ca-certificate");
      expect(trust?.message).toContain("CODEX_CA_CERTIFICATE does not apply");
    },
  },
  {
    name: "relative paths resolve against CODEX_HOME",
    scenario: () => ({
      config: toml({ endpoint: traces(collector), ca: "otel/ca.pem", cert: "otel/client.pem", key: "./otel/../otel/client.key" }),
      files: { "{home}/otel/ca.pem": collectorRoot.certPem, "{home}/otel/client.pem": good.certPem, "{home}/otel/client.key": good.keyPem },
    }),
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
  },
  {
    name: "~/ paths expand to HOME",
    scenario: () => ({
      config: toml({ endpoint: traces(collector), ca: "~/certs/ca.pem", cert: "~/certs/client.pem", key: "~/certs/client.key" }),
      files: { "home/certs/ca.pem": collectorRoot.certPem, "home/certs/client.pem": good.certPem, "home/certs/client.key": good.keyPem },
    }),
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
  },
  {
    name: "wrong key (does not match the certificate): no handshake",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(good, collectorRoot, stranger.keyPem) }),
    status: "fail",
    codes: ["OTEL_KEY_MISMATCH", "OTEL_PROBE_SKIPPED"],
    absent: ["OTEL_COLLECTOR_OK", "OTEL_CLIENT_CERT_OK"],
  },
  {
    name: "expired client cert: flagged from the file; a Node collector hangs up after the handshake",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(expired) }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_EXPIRED", "OTEL_COLLECTOR_CLOSED"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_COLLECTOR_CLOSED")?.message).toContain('refused the client certificate "CN=codex-expired"'),
  },
  {
    name: "expired client cert: a collector that says so with an alert",
    scenario: () => ({ config: toml(full(traces(alertsExpired))), files: identityFiles(expired) }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_EXPIRED", "OTEL_CLIENT_CERT_REJECTED"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_CLIENT_CERT_REJECTED")?.message).toContain('"certificate expired"'),
  },
  {
    name: "client cert not valid yet",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(notYet) }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_NOT_YET_VALID"],
  },
  {
    name: "client cert expiring within 14 days: warn, export still works",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(soon) }),
    status: "warn",
    codes: ["OTEL_CLIENT_CERT_EXPIRES_SOON", "OTEL_COLLECTOR_OK"],
  },
  {
    name: "untrusted server: ca-certificate holds another CA",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(good, otherRoot) }),
    status: "fail",
    codes: ["OTEL_COLLECTOR_UNTRUSTED"],
    absent: ["OTEL_COLLECTOR_OK"],
  },
  {
    name: "collector CA only in CODEX_CA_CERTIFICATE: still untrusted (the exporter's trust is separate)",
    scenario: () => ({
      config: toml(full(traces(collector))),
      files: { ...identityFiles(good, otherRoot), "pki/codex-ca.pem": collectorRoot.certPem },
      env: { CODEX_CA_CERTIFICATE: "{dir}/pki/codex-ca.pem" },
    }),
    status: "fail",
    codes: ["OTEL_COLLECTOR_UNTRUSTED"],
    check: (run) => {
      const f = run.results.otel.findings.find((x) => x.code === "OTEL_COLLECTOR_UNTRUSTED");
      expect(f?.hint).toContain("OTel exporters do not use it");
      expect(f?.hint).toContain("ca-certificate");
    },
  },
  {
    name: "no ca-certificate: the base roots (system store) hold the collector's root",
    scenario: () => ({ config: toml({ endpoint: traces(collector), cert: CERT, key: KEY }), files: identityFiles(good, null) }),
    systemRoots: () => [collectorRoot],
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_TRUST_SEPARATE")?.message).toContain("base roots"),
  },
  {
    name: "no ca-certificate and the collector's root is not among the base roots",
    scenario: () => ({ config: toml({ endpoint: traces(collector), cert: CERT, key: KEY }), files: identityFiles(good, null) }),
    status: "fail",
    codes: ["OTEL_COLLECTOR_UNTRUSTED"],
  },
  {
    name: "client cert from a CA the collector does not trust (alert unknown ca)",
    scenario: () => ({ config: toml(full(traces(alertsUnknownCa))), files: identityFiles(stranger) }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_OK", "OTEL_CLIENT_CERT_REJECTED"],
    check: (run) => {
      const f = run.results.otel.findings.find((x) => x.code === "OTEL_CLIENT_CERT_REJECTED");
      expect(f?.message).toContain("unknown ca");
      expect(f?.message).toContain("does not trust the CA that issued it");
    },
  },
  {
    name: "no client identity, but the collector requires one",
    scenario: () => ({ config: toml({ endpoint: traces(collector), ca: CA }), files: identityFiles(null) }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_REQUIRED"],
  },
  {
    // Go collectors (the OpenTelemetry Collector) accept anyExtendedKeyUsage for client auth.
    name: "client cert with anyExtendedKeyUsage only: not flagged (files only, offline)",
    scenario: async () => ({
      config: toml(full(traces(collector))),
      files: identityFiles(await mintClientCert(clientCa, { cn: "codex-any-eku", eku: ["2.5.29.37.0"] })),
      offline: true,
    }),
    status: "pass",
    codes: ["OTEL_CLIENT_CERT_OK"],
    absent: ["OTEL_CLIENT_CERT_NO_CLIENT_AUTH"],
  },
  {
    name: "client cert with EKU serverAuth only",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(serverAuthOnly) }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_NO_CLIENT_AUTH"],
    absent: ["OTEL_CLIENT_CERT_OK", "OTEL_COLLECTOR_OK"],
  },
  {
    name: "client cert whose keyUsage lacks digitalSignature",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(noDigitalSignature) }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_KEY_USAGE"],
    absent: ["OTEL_CLIENT_CERT_OK"],
  },
  {
    name: "files missing: reported with the resolved path, no handshake",
    scenario: () => ({ config: toml({ endpoint: traces(collector), ca: "nope/ca.pem", cert: CERT, key: KEY }), files: identityFiles(good, null) }),
    status: "fail",
    codes: ["OTEL_FILE_MISSING", "OTEL_PROBE_SKIPPED"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_FILE_MISSING")?.message).toContain(`${run.codexHome}/nope/ca.pem`),
  },
  {
    name: "ca-certificate is a directory",
    scenario: () => ({ config: toml({ ...full(traces(collector)), ca: "{dir}/pki" }), files: identityFiles(good, null) }),
    status: "fail",
    codes: ["OTEL_FILE_UNREADABLE", "OTEL_PROBE_SKIPPED"],
  },
  {
    name: "ca-certificate over the doctor's size cap: not checked (warn), never 'Codex cannot build the exporter'",
    scenario: () => ({ config: toml({ ...full(traces(collector)), ca: "{dir}/pki/huge.pem" }), files: { ...identityFiles(good, null), "pki/huge.pem": "x".repeat(1024 * 1024 + 1) } }),
    status: "warn",
    codes: ["OTEL_FILE_NOT_READ", "OTEL_PROBE_SKIPPED"],
    absent: ["OTEL_FILE_UNREADABLE"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_FILE_NOT_READ")?.message).toContain("its own limit; it is 1.0 MiB (1,048,577 bytes), and Codex reads the whole file"),
  },
  {
    name: "ca-certificate is DER, not PEM",
    scenario: () => ({ config: toml(full(traces(collector))), files: { ...identityFiles(good, null), "pki/ca.pem": collectorRoot.certDer } }),
    status: "fail",
    codes: ["OTEL_CA_INVALID"],
  },
  {
    name: "client-certificate holds only a key",
    scenario: () => ({ config: toml(full(traces(collector))), files: { ...identityFiles(good), "pki/client.pem": good.keyPem } }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_INVALID"],
  },
  {
    name: "client-private-key is encrypted",
    scenario: () => ({
      config: toml(full(traces(collector))),
      files: { ...identityFiles(good), "pki/client.key": good.keyPem.replace(/PRIVATE KEY/g, "ENCRYPTED PRIVATE KEY") },
    }),
    status: "fail",
    codes: ["OTEL_CLIENT_KEY_INVALID"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_CLIENT_KEY_INVALID")?.message).toContain("encrypted"),
  },
  {
    name: "otlp-http: a certificate file without a final newline hides the key (Codex concatenates the files)",
    scenario: () => ({ config: toml(full(traces(collector))), files: { ...identityFiles(good), "pki/client.pem": good.certPem.trimEnd() } }),
    status: "fail",
    codes: ["OTEL_CLIENT_CERT_INVALID"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_CLIENT_CERT_INVALID")?.message).toContain("newline"),
  },
  {
    name: "otlp-grpc reads the two files separately: the same files work",
    scenario: () => ({ config: toml(full(grpc(collector), "otlp-grpc")), files: { ...identityFiles(good), "pki/client.pem": good.certPem.trimEnd() } }),
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
  },
  {
    name: "only client-certificate is set",
    scenario: () => ({ config: toml({ endpoint: traces(collector), ca: CA, cert: CERT }), files: identityFiles(good) }),
    status: "fail",
    codes: ["OTEL_CLIENT_PAIR_INCOMPLETE", "OTEL_PROBE_SKIPPED"],
  },
  {
    name: "offline: the files are checked, the handshake is skipped",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(good), offline: true }),
    status: "pass",
    codes: ["OTEL_CLIENT_CERT_OK", "OTEL_OFFLINE"],
    absent: ["OTEL_COLLECTOR_OK"],
  },
  {
    name: "offline: broken files are still reported",
    scenario: () => ({ config: toml(full(traces(collector))), files: identityFiles(good, collectorRoot, stranger.keyPem), offline: true }),
    status: "fail",
    codes: ["OTEL_KEY_MISMATCH"],
  },
  {
    name: "otlp-grpc over HTTP/2 with the right identity",
    scenario: () => ({ config: toml(full(grpc(collector), "otlp-grpc")), files: identityFiles(good) }),
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
    check: () => expect(collector.requests.some((r) => r.httpVersion === "2.0" && r.path.endsWith("TraceService/Export") && r.clientCn === "codex-laptop")).toBe(true),
  },
  {
    // tonic has no proxy support: Codex's gRPC exporter connects directly, so must the probe.
    name: "otlp-grpc ignores HTTPS_PROXY (even a dead one), as Codex's tonic client does",
    scenario: async () => ({
      config: toml(full(grpc(collector), "otlp-grpc")),
      files: identityFiles(good),
      env: { HTTPS_PROXY: `http://127.0.0.1:${await startRefusedPort()}` },
    }),
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
  },
  {
    name: "otlp-grpc against an HTTP/1.1-only server",
    scenario: () => ({ config: toml({ endpoint: grpc(http1Only), kind: "otlp-grpc", ca: CA }), files: identityFiles(null, publicRoot) }),
    status: "fail",
    codes: ["OTEL_COLLECTOR_PROTOCOL"],
  },
  {
    name: "collector drops the connection right after the handshake",
    scenario: () => ({ config: toml(full(traces(dropper))), files: identityFiles(good) }),
    status: "fail",
    codes: ["OTEL_COLLECTOR_CLOSED"],
  },
  {
    name: "through a tunnelling proxy (the proxy Codex would pick)",
    scenario: async () => {
      const p = await startProxy({ mode: "tunnel" });
      servers.push(p);
      return { config: toml(full(traces(collector))), files: identityFiles(good), env: { HTTPS_PROXY: p.url } };
    },
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_COLLECTOR_OK")?.message).toContain("through http://127.0.0.1:"),
  },
  {
    name: "through an https:// proxy, verified with the exporter's roots",
    scenario: async () => {
      const p = await startProxy({ mode: "tunnel", serverCert: await mintLeaf(collectorRoot, { dnsNames: ["proxy.lab.test"] }) });
      servers.push(p);
      return { config: toml(full(traces(collector))), files: identityFiles(good), env: { HTTPS_PROXY: p.url } };
    },
    status: "pass",
    codes: ["OTEL_COLLECTOR_OK"],
  },
  {
    name: "through an https:// proxy the exporter's roots do not trust",
    scenario: async () => {
      const p = await startProxy({ mode: "tunnel", serverCert: await mintLeaf(otherRoot, { dnsNames: ["proxy.lab.test"] }) });
      servers.push(p);
      return { config: toml(full(traces(collector))), files: identityFiles(good), env: { HTTPS_PROXY: p.url } };
    },
    status: "fail",
    codes: ["PROXY_TLS_FAILED"],
  },
  {
    name: "through a TLS-inspecting proxy: mTLS cannot pass",
    scenario: async () => {
      const p = await startProxy({
        mode: "intercept",
        interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate] },
        upstream: { host: "127.0.0.1", port: collector.port, ca: [collectorRoot.certPem] },
      });
      servers.push(p);
      return { config: toml(full(traces(collector))), files: identityFiles(good), env: { HTTPS_PROXY: p.url } };
    },
    status: "fail",
    codes: ["OTEL_COLLECTOR_INTERCEPTED"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_COLLECTOR_INTERCEPTED")?.hint).toContain("NO_PROXY=127.0.0.1"),
  },
  {
    name: "collector not listening",
    scenario: async () => ({ config: toml(full(`https://127.0.0.1:${await startRefusedPort()}/v1/traces`)), files: identityFiles(good) }),
    status: "fail",
    codes: ["NET_REFUSED"],
  },
  {
    name: "silent collector port: a coded timeout within the bound",
    scenario: async () => {
      const silent = await startSilentServer();
      servers.push(silent);
      return { config: toml(full(traces(silent))), files: identityFiles(good), timeoutMs: 500 };
    },
    status: "fail",
    codes: ["NET_TIMEOUT"],
    check: (run) => expect(run.elapsedMs).toBeLessThan(500 * 3 + 1000),
  },
  {
    name: "collector that never answers the export: a coded timeout within the bound",
    scenario: () => ({ config: toml(full(traces(hanger))), files: identityFiles(good), timeoutMs: 500 }),
    status: "fail",
    codes: ["NET_TIMEOUT"],
    check: (run) => {
      expect(run.elapsedMs).toBeLessThan(500 * 3 + 1000);
      expect(hanger.requests.some((r) => r.clientCn === "codex-laptop")).toBe(true);
    },
  },
  {
    name: "otlp-grpc collector that never answers: a coded timeout within the bound",
    scenario: () => ({ config: toml(full(grpc(hanger), "otlp-grpc")), files: identityFiles(good), timeoutMs: 500 }),
    status: "fail",
    codes: ["NET_TIMEOUT"],
    check: (run) => expect(run.elapsedMs).toBeLessThan(500 * 3 + 1000),
  },
  {
    name: "otlp-http endpoint without a path",
    scenario: () => ({ config: toml(full(grpc(collector))), files: identityFiles(good) }),
    status: "warn",
    codes: ["OTEL_HTTP_ENDPOINT_NO_PATH", "OTEL_COLLECTOR_OK"],
  },
  {
    name: "plain http endpoint with a client identity: https-only, every export fails",
    scenario: () => ({ config: toml(full("http://127.0.0.1:4318/v1/traces")), files: identityFiles(good) }),
    status: "fail",
    codes: ["OTEL_ENDPOINT_NOT_HTTPS"],
  },
  {
    name: "plain http endpoint with only a CA: the tls table is unused",
    scenario: () => ({ config: toml({ endpoint: "http://127.0.0.1:4318/v1/traces", ca: CA }), files: identityFiles(null) }),
    status: "warn",
    codes: ["OTEL_TLS_UNUSED"],
  },
  {
    name: "three slots on the same collector with the same files are checked once",
    scenario: () => ({
      config: toml({ ...full(traces(collector)), slot: "trace_exporter" }, { ...full(traces(collector)), slot: "metrics_exporter" }),
      files: identityFiles(good),
    }),
    status: "pass",
    check: (run) => {
      const ok = run.results.otel.findings.filter((f) => f.code === "OTEL_COLLECTOR_OK");
      expect(ok).toHaveLength(1);
      expect(run.results.otel.findings.find((f) => f.code === "OTEL_TRUST_SEPARATE")?.message).toContain("trace_exporter, metrics_exporter");
    },
  },
  {
    name: "an exporter without a tls table is only noted",
    scenario: () => ({ config: toml({ endpoint: traces(collector) }) }),
    status: "skip",
    codes: ["OTEL_NO_TLS"],
  },
  { name: "no [otel] at all", scenario: () => ({ config: 'model = "gpt-5"\n' }), status: "skip", codes: ["OTEL_NONE"] },
  {
    name: "a named [otel.exporter.corp] table is left to the config check",
    scenario: () => ({ config: '[otel.exporter.corp]\nendpoint = "https://collector.example"\n' }),
    status: "skip",
    codes: ["OTEL_NONE"],
  },
  { name: "config.toml does not parse", scenario: () => ({ config: "[otel\nexporter = " }), status: "skip", codes: ["OTEL_CONFIG_UNREADABLE"] },
  // Malformed types: coded findings, never a crash.
  { name: "otel is a string", scenario: () => ({ config: 'otel = "on"\n' }), status: "skip", codes: ["OTEL_CONFIG_INVALID"] },
  { name: "exporter is a number", scenario: () => ({ config: "[otel]\nexporter = 5\n" }), status: "skip", codes: ["OTEL_CONFIG_INVALID"] },
  { name: 'exporter = "otlp-http" without a table', scenario: () => ({ config: '[otel]\nexporter = "otlp-http"\n' }), status: "skip", codes: ["OTEL_CONFIG_INVALID"] },
  {
    name: '"otlp-http" is a string',
    scenario: () => ({ config: '[otel.exporter]\n"otlp-http" = "https://collector.example/v1/logs"\n' }),
    status: "skip",
    codes: ["OTEL_CONFIG_INVALID"],
  },
  {
    name: "tls is a string",
    scenario: () => ({ config: '[otel.exporter."otlp-http"]\nendpoint = "https://collector.example/v1/logs"\nprotocol = "binary"\ntls = "ca.pem"\n' }),
    status: "skip",
    codes: ["OTEL_CONFIG_INVALID"],
  },
  {
    name: "endpoint is a number",
    scenario: () => ({ config: '[otel.exporter."otlp-grpc"]\nendpoint = 4317\n[otel.exporter."otlp-grpc".tls]\nca-certificate = "ca.pem"\n' }),
    status: "skip",
    codes: ["OTEL_CONFIG_INVALID"],
  },
  {
    name: "ca-certificate is a number",
    scenario: () => ({ config: '[otel.exporter."otlp-grpc"]\nendpoint = "https://c.example:4317"\n[otel.exporter."otlp-grpc".tls]\nca-certificate = 5\n' }),
    status: "skip",
    codes: ["OTEL_CONFIG_INVALID"],
  },
  {
    name: "endpoint is not an http(s) URL",
    scenario: () => ({ config: toml({ endpoint: "collector:4317", kind: "otlp-grpc", ca: CA }), files: identityFiles(null) }),
    status: "warn",
    codes: ["OTEL_ENDPOINT_INVALID"],
  },
];

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/config/${name}`, import.meta.url), "utf8");

// The committed config.toml samples, run offline (no collector needed): parse shapes, path rules.
const fixtureRows: Row[] = [
  {
    name: "fixture otel-mtls-http.toml, files absent: each missing file by its resolved path",
    scenario: () => ({ config: fixture("otel-mtls-http.toml"), offline: true }),
    status: "fail",
    codes: ["OTEL_FILE_MISSING", "OTEL_TRUST_SEPARATE", "OTEL_PROBE_SKIPPED"],
    check: (run) => {
      const missing = run.results.otel.findings.filter((f) => f.code === "OTEL_FILE_MISSING");
      expect(missing.map((f) => f.message.split(" resolves to ")[1]?.split(",")[0])).toEqual([
        `${run.codexHome}/otel/collector-ca.pem`,
        `${run.codexHome}/otel/client.pem`,
        `${run.codexHome}/otel/client.key`,
      ]);
      expect(JSON.stringify(run.results.otel)).not.toContain("do-not-echo");
    },
  },
  {
    name: "fixture otel-mtls-http.toml, files in CODEX_HOME/otel: valid offline",
    scenario: () => ({
      config: fixture("otel-mtls-http.toml"),
      offline: true,
      files: { "{home}/otel/collector-ca.pem": collectorRoot.certPem, "{home}/otel/client.pem": good.certPem, "{home}/otel/client.key": good.keyPem },
    }),
    status: "pass",
    codes: ["OTEL_CLIENT_CERT_OK", "OTEL_TRUST_SEPARATE", "OTEL_OFFLINE"],
  },
  {
    name: "fixture otel-grpc-ca-only.toml: ~/ path, gRPC keeps the base roots",
    scenario: () => ({ config: fixture("otel-grpc-ca-only.toml"), offline: true, files: { "home/certs/collector-ca.pem": collectorRoot.certPem } }),
    status: "pass",
    codes: ["OTEL_TRUST_SEPARATE", "OTEL_OFFLINE"],
    check: (run) => expect(run.results.otel.findings.find((f) => f.code === "OTEL_TRUST_SEPARATE")?.message).toContain("plus the base roots"),
  },
  {
    name: "fixture otel-plain-http.toml: identity on http:// is https-only",
    scenario: () => ({ config: fixture("otel-plain-http.toml"), offline: true }),
    status: "fail",
    codes: ["OTEL_ENDPOINT_NOT_HTTPS"],
  },
  {
    name: "fixture otel-malformed.toml: one coded finding per broken slot",
    scenario: () => ({ config: fixture("otel-malformed.toml"), offline: true }),
    status: "skip",
    check: (run) => expect(run.codes.otel).toEqual(["OTEL_CONFIG_INVALID", "OTEL_CONFIG_INVALID", "OTEL_CONFIG_INVALID"]),
  },
];
rows.push(...fixtureRows);

describe("otel check against the lab collector", () => {
  for (const row of rows) {
    it(row.name, async () => {
      const run = await runWithConfig(CHECKS, await row.scenario(), row.systemRoots?.() ?? [publicRoot]);
      const result = run.results.otel;
      for (const code of run.codes.otel) produced.add(code);
      expect({ status: result.status, codes: run.codes.otel }).toMatchObject({ status: row.status });
      for (const code of row.codes ?? []) expect(run.codes.otel).toContain(code);
      for (const code of row.absent ?? []) expect(run.codes.otel).not.toContain(code);
      expect(run.codes.otel).not.toContain("INTERNAL_ERROR");
      // Never a key in the report.
      expect(JSON.stringify(result)).not.toMatch(/-----BEGIN [A-Z ]+-----(\\n|\s)*[A-Za-z0-9+/]{20}/);
      row.check?.(run);
    });
  }

  it("every code the check declares is produced by some row", () => {
    // NET_CODES are spread into the table for diagnoseFailure's verdicts; test/checks/network.test.ts
    // covers them, so only this check's own codes are required here.
    const own = Object.keys(otelCheck.codes).filter((c) => !(c in NET_CODES));
    expect(own.filter((c) => !produced.has(c))).toEqual([]);
  });
});
