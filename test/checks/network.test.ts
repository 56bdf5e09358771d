// Table-driven cases for the proxy, https and websocket checks against the in-process lab (real
// sockets on 127.0.0.1, CAs minted at test time, verification never switched off).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mintCorporateChain,
  mintIntermediate,
  mintLeaf,
  mintRoot,
  startOrigin,
  startPlainHttpServer,
  startProxy,
  startRefusedPort,
  startResetServer,
  daysFromNow,
  ZSCALER_HINTS,
  type CorporateChain,
  type LabServer,
  type Minted,
  type Origin,
  type ProxyOptions,
} from "../lab/index.js";
import { proxyCheck } from "../../checks/proxy.js";
import { httpsCheck } from "../../checks/https.js";
import { websocketCheck } from "../../checks/websocket.js";
import type { Check, Status } from "../../src/check.js";
import { runNetwork, tempDir, writePem, type NetworkRun } from "./network-harness.js";
import { NET_CODES, diagnoseFailure } from "../../checks/lib/net-findings.js";
import { buildContext } from "../../src/context.js";
import { resolveProxy } from "../../src/net/proxy.js";
import type { EstablishFailure } from "../../src/net/establish.js";

/** Every code any row or unit test produced; the meta-test compares it with the code tables. */
const produced = new Set<string>();

const CHECKS = [proxyCheck, httpsCheck, websocketCheck] as Check[];
const NAMES = ["api.openai.com", "auth.openai.com", "chatgpt.com"];
const FAKE_TARGETS = [
  "https://auth.openai.com/oauth/token",
  "https://api.openai.com/v1/models",
  "wss://api.openai.com/v1/responses",
];

let publicRoot: Minted;
let origin: Origin;
let zscaler: CorporateChain;
let plainCorp: CorporateChain;
const servers: LabServer[] = [];

beforeAll(async () => {
  publicRoot = await mintRoot({ cn: "Lab Public Root", o: "Lab Trust Services" });
  const publicInt = await mintIntermediate(publicRoot, { cn: "Lab Public Issuing CA", o: "Lab Trust Services" });
  origin = await startOrigin({ cert: await mintLeaf(publicInt, { dnsNames: NAMES }), chain: [publicInt] });
  zscaler = await mintCorporateChain({ vendor: "zscaler" });
  plainCorp = await mintCorporateChain({ vendor: "plain" });
});

afterAll(async () => {
  await Promise.all([origin.close(), ...servers.map((s) => s.close())]);
});

async function proxy(opts: Omit<ProxyOptions, "upstream"> & { chainOf?: CorporateChain }): Promise<string> {
  const p = await startProxy({
    ...opts,
    upstream: { host: "127.0.0.1", port: origin.port, ca: [publicRoot.certPem], servername: "api.openai.com" },
  });
  servers.push(p);
  return p.url;
}

function intercept(corp: CorporateChain, extra: Partial<ProxyOptions> = {}): Promise<string> {
  return proxy({ mode: "intercept", interceptWith: { issuer: corp.intermediate, chain: [corp.intermediate] }, ...extra });
}

interface Expect {
  status: Partial<Record<"proxy" | "https" | "websocket", Status>>;
  codes?: Partial<Record<"proxy" | "https" | "websocket", string[]>>;
  absent?: string[];
}

interface Row {
  name: string;
  setup: (dir: string) => Promise<{ env: Record<string, string>; targets?: string[]; timeoutMs?: number; searchPaths?: string[]; systemWithCorp?: boolean }>;
  expect: Expect;
  /** The pasteable fix must contain these strings ({dir} is the row's temp dir). */
  hintContains?: string[];
  /** …and must not contain these. */
  hintLacks?: string[];
  /** Verification fails: not one request may reach the origin (checked on the shared origin). */
  nothingSent?: boolean;
}

const direct = () => [`https://127.0.0.1:${origin.port}/v1/models`, `wss://127.0.0.1:${origin.port}/v1/responses`];

/** An extra origin for one row (closed in afterAll). */
async function originWith(opts: Partial<Parameters<typeof startOrigin>[0]> & { leaf?: Minted }): Promise<Origin> {
  const leaf = opts.leaf ?? (await mintLeaf(publicRoot, { dnsNames: NAMES }));
  const o = await startOrigin({ cert: leaf, ...opts });
  servers.push(o);
  return o;
}

const wsRow = (name: string, upgrade: "refuse-401" | "refuse-426" | "bad-101" | "hang", status: Status, code: string): Row => ({
  name,
  setup: async () => {
    const o = await originWith({ upgrade });
    return { env: {}, targets: [`wss://127.0.0.1:${o.port}/v1/responses`], timeoutMs: 800 };
  },
  expect: {
    status: { websocket: status },
    codes: { websocket: status === "warn" ? [code, "WS_FAILS_HTTPS_WORKS"] : [code], https: ["NO_TARGETS"] },
  },
});

const rows: Row[] = [
  {
    name: "no proxy, public chain trusted by the system store",
    setup: async () => ({ env: {}, targets: direct() }),
    expect: {
      status: { proxy: "pass", https: "pass", websocket: "pass" },
      codes: { proxy: ["TLS_VERIFIED"], https: ["ORIGIN_ANSWERED"], websocket: ["WS_UPGRADED"] },
      absent: ["TLS_INTERCEPTED"],
    },
  },
  {
    name: "intercepted, no CA configured",
    nothingSent: true,
    setup: async () => ({ env: { HTTPS_PROXY: await intercept(zscaler) } }),
    expect: {
      status: { proxy: "fail", https: "skip", websocket: "skip" },
      codes: { proxy: ["TLS_UNKNOWN_ISSUER"], https: ["DEPENDENCY_NOT_MET"], websocket: ["DEPENDENCY_NOT_MET"] },
    },
  },
  {
    name: "intercepted, root in CODEX_CA_CERTIFICATE (vendor detected)",
    setup: async (dir) => ({
      env: { HTTPS_PROXY: await intercept(zscaler), CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]) },
    }),
    expect: {
      status: { proxy: "pass", https: "pass", websocket: "pass" },
      codes: { proxy: ["TLS_VERIFIED", "TLS_INTERCEPTED"], https: ["ORIGIN_ANSWERED"], websocket: ["WS_UPGRADED"] },
    },
  },
  {
    name: "missing root found in another tool's CA variable: the fix points Codex at that file",
    setup: async (dir) => ({ env: { HTTPS_PROXY: await intercept(zscaler), NODE_EXTRA_CA_CERTS: writePem(dir, "node-extra.pem", [zscaler.root]) } }),
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_UNKNOWN_ISSUER"] } },
    hintContains: ["export CODEX_CA_CERTIFICATE={dir}/node-extra.pem"],
  },
  {
    name: "a copy of the root that Codex cannot load (DER) is never suggested as the fix",
    setup: async (dir) => {
      const { mkdirSync, writeFileSync } = await import("node:fs");
      mkdirSync(`${dir}/ca-certificates`);
      writeFileSync(`${dir}/ca-certificates/zscaler-root.cer`, zscaler.root.certDer);
      return { env: { HTTPS_PROXY: await intercept(zscaler) }, searchPaths: [`${dir}/ca-certificates`] };
    },
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_UNKNOWN_ISSUER"] } },
    // Not the DER copy, and no placeholder path: capture the root on Codex's route instead.
    hintContains: ["codex-doctor export-ca --out ", "export CODEX_CA_CERTIFICATE="],
    hintLacks: ["/path/to/", "zscaler-root.cer"],
  },
  {
    name: "the selected bundle is the root in DER: the fix converts THAT file, to a new name",
    setup: async (dir) => {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${dir}/root.der`, zscaler.root.certDer);
      writeFileSync(`${dir}/root.pem`, "an unrelated file the fix must not overwrite\n");
      return { env: { HTTPS_PROXY: await intercept(zscaler), CODEX_CA_CERTIFICATE: `${dir}/root.der` } };
    },
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_UNKNOWN_ISSUER"] } },
    hintContains: ["openssl x509 -inform der -in {dir}/root.der -out {dir}/root-2.pem", "export CODEX_CA_CERTIFICATE={dir}/root-2.pem"],
    hintLacks: ["/path/to/"],
  },
  {
    name: "missing root found in a vendor install directory",
    setup: async (dir) => {
      const { mkdirSync } = await import("node:fs");
      mkdirSync(`${dir}/ca-certificates`);
      writePem(`${dir}/ca-certificates`, "zscaler-root.crt", [zscaler.root]);
      return { env: { HTTPS_PROXY: await intercept(zscaler) }, searchPaths: [`${dir}/ca-certificates`] };
    },
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_UNKNOWN_ISSUER"] } },
    hintContains: ["export CODEX_CA_CERTIFICATE={dir}/ca-certificates/zscaler-root.crt"],
  },
  {
    name: "root in the system store, but SSL_CERT_FILE replaces it: the fix is to unset it",
    setup: async (dir) => ({ env: { HTTPS_PROXY: await intercept(zscaler), SSL_CERT_FILE: writePem(dir, "public-only.pem", [publicRoot]) }, systemWithCorp: true }),
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_UNKNOWN_ISSUER"] } },
    hintContains: ["unset SSL_CERT_FILE SSL_CERT_DIR"],
  },
  {
    name: "root only in SSL_CERT_FILE",
    setup: async (dir) => ({ env: { HTTPS_PROXY: await intercept(zscaler), SSL_CERT_FILE: writePem(dir, "corp.pem", [zscaler.root]) } }),
    expect: { status: { proxy: "pass", https: "pass", websocket: "pass" } },
  },
  {
    name: "wrong root configured",
    nothingSent: true,
    setup: async (dir) => ({ env: { HTTPS_PROXY: await intercept(zscaler), CODEX_CA_CERTIFICATE: writePem(dir, "other.pem", [plainCorp.root]) } }),
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_UNKNOWN_ISSUER"] } },
  },
  {
    name: "expired root passes (Codex ignores anchor dates)",
    setup: async (dir) => {
      const corp = await mintCorporateChain({ vendor: "plain", rootExpired: true });
      return { env: { HTTPS_PROXY: await intercept(corp), CODEX_CA_CERTIFICATE: writePem(dir, "expired-root.pem", [corp.root]) } };
    },
    expect: { status: { proxy: "pass", https: "pass" } },
  },
  {
    name: "CA:FALSE root passes (an anchor is only a name and a key)",
    setup: async (dir) => {
      const corp = await mintCorporateChain({ vendor: "plain", rootCaFalse: true });
      return { env: { HTTPS_PROXY: await intercept(corp), CODEX_CA_CERTIFICATE: writePem(dir, "cafalse-root.pem", [corp.root]) } };
    },
    expect: { status: { proxy: "pass", https: "pass" } },
  },
  {
    name: "intermediate-only bundle passes",
    setup: async (dir) => ({ env: { HTTPS_PROXY: await intercept(zscaler), CODEX_CA_CERTIFICATE: writePem(dir, "int.pem", [zscaler.intermediate]) } }),
    expect: { status: { proxy: "pass", https: "pass" } },
  },
  {
    name: "proxy sends the leaf only, bundle holds only the root: short chain",
    nothingSent: true,
    setup: async (dir) => ({
      env: {
        HTTPS_PROXY: await proxy({ mode: "intercept", interceptWith: { issuer: zscaler.intermediate, chain: [] } }),
        CODEX_CA_CERTIFICATE: writePem(dir, "root.pem", [zscaler.root]),
      },
    }),
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_SHORT_CHAIN"] } },
    // The missing certificate is the intermediate that signed the leaf, and the fix says so.
    hintContains: ['the intermediate "CN=Zscaler Intermediate Root CA'],
    hintLacks: ["export-ca", "intermediate.pem >>"],
  },
  {
    // Found by the e2e: the leaf's issuer is a root of the system store that SSL_CERT_FILE replaced.
    name: "leaf only, issued by a system-store root that SSL_CERT_FILE replaces: not a short chain",
    setup: async (dir) => {
      const o = await originWith({ leaf: await mintLeaf(publicRoot, { dnsNames: NAMES }), chain: [] });
      return { env: { SSL_CERT_FILE: writePem(dir, "corp.pem", [zscaler.root]) }, targets: [`https://127.0.0.1:${o.port}/v1/models`] };
    },
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_UNKNOWN_ISSUER"] }, absent: ["TLS_SHORT_CHAIN"] },
    hintContains: ["unset SSL_CERT_FILE SSL_CERT_DIR"],
  },
  {
    name: "407 without credentials",
    setup: async (dir) => ({
      env: {
        HTTPS_PROXY: await proxy({ mode: "intercept", auth: { user: "alice", pass: "pa55word" }, interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate] } }),
        CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]),
      },
    }),
    expect: { status: { proxy: "fail", https: "skip", websocket: "skip" }, codes: { proxy: ["PROXY_AUTH_REQUIRED"] } },
  },
  {
    name: "407 with wrong credentials",
    setup: async (dir) => {
      const url = new URL(await proxy({ mode: "intercept", auth: { user: "alice", pass: "pa55word" }, interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate] } }));
      url.username = "alice";
      url.password = "wrong-pass";
      return { env: { HTTPS_PROXY: url.href, CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]) } };
    },
    expect: { status: { proxy: "fail" }, codes: { proxy: ["PROXY_AUTH_REQUIRED"] } },
  },
  {
    name: "right credentials pass",
    setup: async (dir) => {
      const url = new URL(await proxy({ mode: "intercept", auth: { user: "alice", pass: "pa55word" }, interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate] } }));
      url.username = "alice";
      url.password = "pa55word";
      return { env: { HTTPS_PROXY: url.href, CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]) } };
    },
    expect: { status: { proxy: "pass", https: "pass", websocket: "pass" } },
  },
  {
    name: "CONNECT refused with a 403 block",
    setup: async () => ({ env: { HTTPS_PROXY: await proxy({ mode: "block", blockHeaders: ZSCALER_HINTS }) } }),
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["PROXY_BLOCKED"], https: ["DEPENDENCY_NOT_MET"] } },
  },
  {
    name: "block page inside the intercepted tunnel",
    setup: async (dir) => ({
      env: {
        HTTPS_PROXY: await proxy({ mode: "blockpage-tls", interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate] } }),
        CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]),
      },
      targets: FAKE_TARGETS.slice(0, 2),
    }),
    expect: { status: { proxy: "pass", https: "fail" }, codes: { https: ["PROXY_BLOCK_PAGE"] } },
  },
  {
    name: "proxy not listening",
    setup: async () => ({ env: { HTTPS_PROXY: `http://127.0.0.1:${await startRefusedPort()}` } }),
    expect: { status: { proxy: "fail", https: "skip", websocket: "skip" }, codes: { proxy: ["PROXY_UNREACHABLE"] } },
  },
  {
    name: "proxy silent: a coded timeout within the bound",
    setup: async () => ({ env: { HTTPS_PROXY: await proxy({ mode: "hang" }) }, timeoutMs: 800 }),
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["NET_TIMEOUT"], https: ["DEPENDENCY_NOT_MET"] } },
  },
  {
    name: "server resets mid-handshake",
    setup: async () => {
      const s = await startResetServer();
      servers.push(s);
      return { env: {}, targets: [`https://127.0.0.1:${s.port}/v1/models`] };
    },
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_RESET"] } },
  },
  {
    name: "plain HTTP on the TLS port",
    setup: async () => {
      const s = await startPlainHttpServer();
      servers.push(s);
      return { env: {}, targets: [`https://127.0.0.1:${s.port}/v1/models`] };
    },
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_NOT_TLS"] } },
  },
  {
    name: "wrong host name",
    nothingSent: true,
    setup: async (dir) => ({
      env: {
        HTTPS_PROXY: await intercept(zscaler, { interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate], leafOpts: { wrongHost: true } } }),
        CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]),
      },
    }),
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_WRONG_HOST"] } },
  },
  {
    name: "expired leaf",
    nothingSent: true,
    setup: async (dir) => ({
      env: {
        HTTPS_PROXY: await intercept(zscaler, { interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate], leafOpts: { expired: true } } }),
        CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]),
      },
    }),
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_CERT_EXPIRED"] } },
  },
  {
    name: "NO_PROXY bypasses a dead proxy",
    setup: async () => ({ env: { HTTPS_PROXY: `http://127.0.0.1:${await startRefusedPort()}`, NO_PROXY: "localhost,127.0.0.1" }, targets: direct() }),
    expect: { status: { proxy: "pass", https: "pass", websocket: "pass" } },
  },
  {
    name: "HTTP_PROXY alone is not used for https",
    setup: async () => ({ env: { HTTP_PROXY: `http://127.0.0.1:${await startRefusedPort()}` }, targets: direct() }),
    expect: { status: { proxy: "pass", https: "pass", websocket: "pass" } },
  },
  {
    name: "upgrade stripped by the proxy: websocket warns, the run stays ok",
    setup: async (dir) => ({
      env: { HTTPS_PROXY: await intercept(zscaler, { stripUpgrade: true }), CODEX_CA_CERTIFICATE: writePem(dir, "corp.pem", [zscaler.root]) },
    }),
    expect: { status: { proxy: "pass", https: "pass", websocket: "warn" }, codes: { websocket: ["WS_UPGRADE_REFUSED"] } },
  },
  {
    name: "direct connection refused",
    setup: async () => ({ env: {}, targets: [`https://127.0.0.1:${await startRefusedPort()}/v1/models`] }),
    expect: { status: { proxy: "fail", https: "skip", websocket: "skip" }, codes: { proxy: ["NET_REFUSED"], websocket: ["DEPENDENCY_NOT_MET"] } },
  },
  {
    name: "self-signed server certificate nobody trusts",
    setup: async () => {
      const self = await mintRoot({ cn: "127.0.0.1 self-signed", ca: false });
      const o = await originWith({ leaf: self });
      return { env: {}, targets: [`https://127.0.0.1:${o.port}/v1/models`] };
    },
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_SELF_SIGNED"] } },
  },
  {
    name: "a CA certificate served as the server certificate (webpki CaUsedAsEndEntity)",
    setup: async (dir) => {
      const self = await mintRoot({ cn: "127.0.0.1 self-signed CA" });
      const o = await originWith({ leaf: self });
      return { env: { CODEX_CA_CERTIFICATE: writePem(dir, "self.pem", [self]) }, targets: [`https://127.0.0.1:${o.port}/v1/models`] };
    },
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_VERIFY_FAILED"] } },
  },
  {
    name: "server certificate not yet valid",
    setup: async () => {
      const leaf = await mintLeaf(publicRoot, { dnsNames: NAMES, notBefore: daysFromNow(5), notAfter: daysFromNow(60) });
      const o = await originWith({ leaf });
      return { env: {}, targets: [`https://127.0.0.1:${o.port}/v1/models`] };
    },
    expect: { status: { proxy: "fail" }, codes: { proxy: ["TLS_CERT_NOT_YET_VALID"] } },
  },
  {
    name: "server that only offers a TLS 1.2 CBC suite (OpenSSL would connect; rustls cannot)",
    setup: async () => {
      const leaf = await mintLeaf(publicRoot, { dnsNames: NAMES });
      const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem, maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-SHA" }, (_q, r) => r.end());
      const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
      servers.push({ port, url: "", close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
      return { env: {}, targets: [`https://127.0.0.1:${port}/v1/models`] };
    },
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["TLS_HANDSHAKE_FAILED"] } },
  },
  {
    name: "the real server's own 403 page saying 'blocked' is the origin answering, not a proxy block page",
    setup: async () => {
      const leaf = await mintLeaf(publicRoot, { dnsNames: NAMES });
      const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_q, r) =>
        r.writeHead(403, { "content-type": "text/html" }).end("<!doctype html><title>Attention Required</title>Sorry, you have been blocked"),
      );
      const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
      servers.push({ port, url: "", close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
      return { env: {}, targets: [`https://127.0.0.1:${port}/v1/models`] };
    },
    expect: { status: { https: "pass" }, codes: { https: ["ORIGIN_ANSWERED"] }, absent: ["PROXY_BLOCK_PAGE"] },
  },
  {
    name: "proxy that drops the connection on CONNECT",
    setup: async () => {
      const s = await startResetServer();
      servers.push(s);
      return { env: { HTTPS_PROXY: `http://127.0.0.1:${s.port}` } };
    },
    expect: { status: { proxy: "fail", https: "skip" }, codes: { proxy: ["PROXY_BAD_RESPONSE"] } },
  },
  {
    name: "login fails on a refused bundle even when the endpoint answers",
    setup: async () => ({ env: { CODEX_CA_CERTIFICATE: "/nonexistent/corp.pem" }, targets: [`https://127.0.0.1:${origin.port}/oauth/token`] }),
    expect: { status: { proxy: "pass", https: "fail" }, codes: { https: ["LOGIN_BUNDLE_REFUSED", "ORIGIN_ANSWERED"] } },
  },
  {
    // Observed with the real CLI: with saved credentials `codex exec` still works on the base roots.
    name: "a refused bundle only warns when Codex already holds credentials and the base roots verify",
    setup: async () => ({
      env: { CODEX_CA_CERTIFICATE: "/nonexistent/corp.pem", OPENAI_API_KEY: "sk-lab-0123456789abcdef" },
      targets: [`https://127.0.0.1:${origin.port}/oauth/token`],
    }),
    expect: { status: { proxy: "pass", https: "warn" }, codes: { https: ["LOGIN_AFFECTED_BY_BUNDLE", "ORIGIN_ANSWERED"] }, absent: ["LOGIN_BUNDLE_REFUSED"] },
  },
  {
    name: "https:// proxy whose certificate Codex trusts",
    setup: async () => {
      const cert = await mintLeaf(publicRoot, { dnsNames: ["proxy.lab"] });
      return { env: { HTTPS_PROXY: await proxy({ mode: "tunnel", serverCert: cert }) } };
    },
    expect: { status: { proxy: "pass", https: "pass", websocket: "pass" }, absent: ["TLS_INTERCEPTED"] },
  },
  {
    name: "https:// proxy whose certificate Codex does not trust",
    setup: async () => {
      const untrusted = await mintRoot({ cn: "Unknown Proxy CA" });
      const cert = await mintLeaf(untrusted, { dnsNames: ["proxy.lab"] });
      return { env: { HTTPS_PROXY: await proxy({ mode: "tunnel", serverCert: cert }) } };
    },
    expect: { status: { proxy: "fail", https: "skip", websocket: "skip" }, codes: { proxy: ["PROXY_TLS_FAILED"] } },
  },
  wsRow("upgrade answered 401 by the origin: fine without credentials", "refuse-401", "pass", "WS_ORIGIN_ANSWERED"),
  wsRow("upgrade refused with 426: websocket warns", "refuse-426", "warn", "WS_UPGRADE_REFUSED"),
  wsRow("mangled 101: websocket warns", "bad-101", "warn", "WS_UPGRADE_STRIPPED"),
  wsRow("upgrade never answered: websocket warns", "hang", "warn", "WS_NO_ANSWER"),
];

describe("structured finding data (scripts match values, never prose)", () => {
  it("an intercepted host's finding names host, proxy, vendor, the top certificate and where its root is on disk", async () => {
    const dir = tempDir();
    const proxyUrl = await intercept(zscaler);
    const vendorDir = join(dir, "Zscaler");
    mkdirSync(vendorDir);
    const rootFile = writePem(vendorDir, "ZscalerRootCertificate-2048-SHA256.crt", [zscaler.root]);
    const run = await runNetwork({ checks: CHECKS, env: { HTTPS_PROXY: proxyUrl }, targets: ["https://api.openai.com/v1/models"], systemRoots: [publicRoot], searchPaths: [vendorDir] });
    const unknown = run.results.proxy.findings.find((f) => f.code === "TLS_UNKNOWN_ISSUER")!;
    expect(unknown.data).toMatchObject({
      host: "api.openai.com:443",
      proxy: proxyUrl,
      vendorName: "Zscaler",
      issuer: expect.stringContaining("Zscaler Root CA"),
      topSubject: expect.stringContaining("Zscaler Intermediate Root CA"),
      topSha256: expect.stringMatching(/^[0-9A-F:]+$/i),
      foundAt: rootFile,
    });
    // Prose we wrote (the whole fix) stays in the hint, not in the data.
    expect(Object.keys(unknown.data!)).not.toContain("caFix");
    const intercepted = run.results.proxy.findings.find((f) => f.code === "TLS_INTERCEPTED")!;
    expect(intercepted.data).toMatchObject({ host: "api.openai.com:443", vendorName: "Zscaler" });
  });
});

describe("network checks against the lab", () => {
  for (const row of rows) {
    it(row.name, async () => {
      const dir = tempDir();
      const { env, targets, timeoutMs, searchPaths, systemWithCorp } = await row.setup(dir);
      const requestsBefore = origin.requests.length;
      const run: NetworkRun = await runNetwork({
        checks: CHECKS,
        env,
        targets: targets ?? FAKE_TARGETS,
        // systemWithCorp: the corporate root is in the machine's store (installed by IT).
        systemRoots: systemWithCorp ? [publicRoot, zscaler.root] : [publicRoot],
        timeoutMs,
        searchPaths,
      });
      if (row.nothingSent) expect(origin.requests.length).toBe(requestsBefore);
      for (const unwanted of row.hintLacks ?? []) {
        const hints = run.results.proxy.findings.map((f) => f.hint ?? "").join("\n");
        expect(hints).not.toContain(unwanted.replaceAll("{dir}", dir));
      }
      for (const wanted of row.hintContains ?? []) {
        const hints = run.results.proxy.findings.map((f) => f.hint ?? "").join("\n");
        expect(hints).toContain(wanted.replaceAll("{dir}", dir));
      }
      for (const codes of Object.values(run.codes)) for (const c of codes) produced.add(c);
      for (const [id, status] of Object.entries(row.expect.status)) {
        expect({ id, status: run.results[id].status, codes: run.codes[id] }).toMatchObject({ id, status });
      }
      for (const [id, codes] of Object.entries(row.expect.codes ?? {})) {
        for (const code of codes) expect(run.codes[id]).toContain(code);
      }
      // One verdict per cause: when the route or TLS fails, only the proxy check fails; the checks
      // layered on it are skipped with a pointer instead of repeating the same error.
      if (row.expect.status.proxy === "fail") {
        expect(Object.values(run.results).filter((r) => r.status === "fail").map((r) => r.id)).toEqual(["proxy"]);
        // Hosts failing with the same cause and fix are one finding (a different host in the fix is a different cause).
        const errors = run.results.proxy.findings.filter((f) => f.level === "error").map((f) => `${f.code} ${f.hint ?? ""}`);
        expect(new Set(errors).size).toBe(errors.length);
        const cause = run.results.proxy.findings.find((f) => f.level === "error")!.code;
        for (const id of ["https", "websocket"]) {
          if (run.results[id].status === "skip" && run.codes[id].includes("DEPENDENCY_NOT_MET")) {
            expect(run.results[id].summary).toBe(`skipped: see proxy (${[...new Set(run.results.proxy.findings.filter((f) => f.level === "error").map((f) => f.code))].join(", ")})`);
            expect(run.results[id].findings[0].message).toContain(cause);
          }
        }
      }
      for (const code of row.expect.absent ?? []) {
        for (const id of Object.keys(run.codes)) expect(run.codes[id]).not.toContain(code);
      }
      // Probes run concurrently: a silent peer costs about one timeout, not one per probe.
      if (timeoutMs) expect(run.elapsedMs).toBeLessThan(timeoutMs * 2 + 1500);
    });
  }
});

describe("diagnosis of failures the lab cannot stage", () => {
  // DNS and routing failures need a real resolver or network; the mapping from the error code is
  // what matters, so feed synthetic failures through the real diagnoseFailure().
  const cases: { failure: EstablishFailure; proxy?: string; code: string; hint?: RegExp }[] = [
    { failure: { ok: false, stage: "dns", code: "ENOTFOUND", message: "" }, code: "NET_DNS" },
    { failure: { ok: false, stage: "tcp", code: "EHOSTUNREACH", message: "" }, code: "NET_UNREACHABLE" },
    { failure: { ok: false, stage: "tcp", code: "ECONNRESET", message: "" }, code: "NET_RESET" },
    { failure: { ok: false, stage: "tls", code: "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", message: "" }, code: "TLS_HANDSHAKE_FAILED" },
    {
      failure: {
        ok: false,
        stage: "proxy-connect",
        code: "PROXY_REFUSED",
        message: "",
        refusal: { status: 407, reason: "Proxy Authentication Required", authSchemes: ["NTLM", "Negotiate"], headers: {}, body: "" },
      },
      proxy: "http://127.0.0.1:3128",
      code: "PROXY_AUTH_REQUIRED",
      hint: /cntlm or px/,
    },
  ];
  for (const c of cases) {
    it(`${c.failure.stage}/${c.failure.code} → ${c.code}`, async () => {
      const home = tempDir();
      const env = c.proxy ? { HTTPS_PROXY: c.proxy } : {};
      const ctx = await buildContext(
        { offline: false, verbose: false, strict: false, timeoutMs: 1000, targets: ["https://api.openai.com/v1/models"], codexHome: home },
        { env, homedir: home, platform: "linux", now: new Date(), linuxBundleCandidates: [], searchPaths: [] },
      );
      const url = new URL("https://api.openai.com/v1/models");
      const d = await diagnoseFailure(ctx, url, resolveProxy(url.href, env), c.failure);
      produced.add(d.code);
      expect(d.code).toBe(c.code);
      if (c.hint) expect(String(d.vars.authFix)).toMatch(c.hint);
    });
  }
});

describe("finding code coverage", () => {
  it("every code the network checks declare is produced by some test", () => {
    const declared = new Set([...Object.keys(proxyCheck.codes), ...Object.keys(httpsCheck.codes), ...Object.keys(websocketCheck.codes), ...Object.keys(NET_CODES)]);
    const missing = [...declared].filter((c) => !produced.has(c)).sort();
    expect(missing).toEqual([]);
  });
});

describe("hints when the proxy came from --proxy", () => {
  it("say to re-run with --proxy, never `export --proxy=`", async () => {
    const home = tempDir();
    const ctx = await buildContext(
      { offline: false, verbose: false, strict: false, timeoutMs: 1000, targets: [], proxy: "http://127.0.0.1:3128", codexHome: home },
      { env: {}, homedir: home, platform: "linux", now: new Date(), linuxBundleCandidates: [], searchPaths: [] },
    );
    const url = new URL("https://api.openai.com/v1/models");
    const route = resolveProxy(url.href, {}, ctx.options.proxy);
    const refusal = { status: 407, reason: "Proxy Authentication Required", authSchemes: ["Basic"], headers: {}, body: "" };
    const auth = await diagnoseFailure(ctx, url, route, { ok: false, stage: "proxy-connect", code: "PROXY_REFUSED", message: "", refusal });
    expect(String(auth.vars.authFix)).toContain("re-run with --proxy http://USER:PASSWORD@127.0.0.1:3128");
    const dead = await diagnoseFailure(ctx, url, route, { ok: false, stage: "proxy-tcp", code: "ECONNREFUSED", message: "" });
    expect(String(dead.vars.proxyFix)).not.toContain("unset --proxy");
  });
});
