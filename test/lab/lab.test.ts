// Proves the TLS lab behaves like the networks it imitates, using only node core clients with
// certificate verification on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TLSSocket } from "node:tls";
import {
  BLOCK_PAGE_HTML,
  mintCorporateChain,
  mintIntermediate,
  mintLeaf,
  mintRoot,
  openTunnel,
  readAll,
  requestOver,
  startOrigin,
  startPlainHttpServer,
  startProxy,
  startRefusedPort,
  startResetServer,
  startSilentServer,
  tlsHandshake,
  wsUpgradeOver,
  x509,
  ZSCALER_HINTS,
  type CorporateChain,
  type Minted,
  type Origin,
  type ProxyOptions,
  type LabProxy,
} from "./index.js";

const API = "api.openai.com";
const closers: Array<() => Promise<void>> = [];
const openSockets: TLSSocket[] = [];

let publicRoot: Minted;
let corp: CorporateChain;
let origin: Origin;

/** Starts a proxy that is closed in afterAll. */
async function proxy(opts: ProxyOptions): Promise<LabProxy> {
  const p = await startProxy(opts);
  closers.push(p.close);
  return p;
}

/** Intercepting proxy in front of the lab origin, signing with the corporate intermediate. */
function interceptProxy(extra: Partial<ProxyOptions> & { chain?: Minted[]; leafOpts?: { expired?: boolean; wrongHost?: boolean } } = {}): Promise<LabProxy> {
  const { chain = [corp.intermediate], leafOpts, ...rest } = extra;
  return proxy({
    mode: "intercept",
    interceptWith: { issuer: corp.intermediate, chain, leafOpts },
    upstream: { host: "127.0.0.1", port: origin.port, ca: [publicRoot.certPem] },
    ...rest,
  });
}

/** CONNECT to api.openai.com:443 through `p`, then a verified TLS handshake trusting `ca`. */
async function tlsVia(p: LabProxy, ca: string[]): Promise<TLSSocket> {
  const t = await openTunnel(p.port, `${API}:443`);
  expect(t.status).toBe(200);
  const s = await tlsHandshake({ socket: t.socket, servername: API, ca });
  openSockets.push(s);
  return s;
}

const errorCode = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code,
  );

beforeAll(async () => {
  publicRoot = await mintRoot({ cn: "Lab Public Root", o: "Lab" });
  corp = await mintCorporateChain({ vendor: "zscaler" });
  const leaf = await mintLeaf(publicRoot, { dnsNames: [API, "chatgpt.com"] });
  origin = await startOrigin({ cert: leaf });
  closers.push(origin.close);
});

afterAll(async () => {
  for (const s of openSockets) s.destroy();
  await Promise.all(closers.map((c) => c()));
});

describe("pki", () => {
  it("mints a Zscaler-looking chain with proper CA extensions", async () => {
    expect(corp.root.cert.subject).toContain("CN=Zscaler Root CA");
    expect(corp.root.cert.subject).toContain("E=support@zscaler.com");
    expect(corp.intermediate.cert.issuer).toBe(corp.root.cert.subject);
    expect(await corp.intermediate.cert.verify({ publicKey: corp.root.cert.publicKey, signatureOnly: true })).toBe(true);

    const bc = corp.root.cert.getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
    const ski = corp.root.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(corp.intermediate.cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(ski);
    expect(corp.root.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(corp.root.certDer[0]).toBe(0x30);
    expect(parseInt(corp.root.cert.serialNumber.slice(0, 2), 16) & 0x80).toBe(0);
  });

  it("supports expired and CA:FALSE roots, plain vendor and RSA", async () => {
    const bad = await mintCorporateChain({ vendor: "plain", rootExpired: true, rootCaFalse: true });
    expect(bad.root.cert.subject).toBe("CN=Corp Root CA, O=Example Corp");
    expect(bad.root.cert.notAfter.getTime()).toBeLessThan(Date.now());
    expect(bad.root.cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    const rsa = await mintRoot({ cn: "RSA Root", alg: "rsa", sigHash: "SHA-1" });
    expect(rsa.cert.signatureAlgorithm).toMatchObject({ name: "RSASSA-PKCS1-v1_5", hash: { name: "SHA-1" } });
  });
});

describe("origin", () => {
  it("is trusted via its own CA and answers the Codex endpoints", async () => {
    const call = async (method: string, path: string) => {
      const s = await tlsHandshake({ port: origin.port, servername: API, ca: [publicRoot.certPem] });
      openSockets.push(s);
      return requestOver(s, { method, path, host: API });
    };
    const token = await call("POST", "/oauth/token");
    expect(token.status).toBe(400);
    expect(JSON.parse(token.body)).toEqual({ error: "invalid_request" });
    expect((await call("POST", "/api/accounts/deviceauth/usercode")).status).toBe(400);
    expect((await call("GET", "/v1/models")).status).toBe(401);
    expect((await call("GET", "/backend-api/codex/models")).status).toBe(401);
    expect((await call("GET", "/nope")).status).toBe(404);
    expect(origin.requests.some((r) => r.method === "POST" && r.path === "/oauth/token")).toBe(true);
  });

  it("is rejected by a client that does not trust its CA, and records nothing", async () => {
    const before = origin.requests.length;
    const handshakes = origin.handshakes;
    const code = await errorCode(tlsHandshake({ port: origin.port, servername: API, ca: [corp.root.certPem] }));
    expect(code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(origin.requests.length).toBe(before);
    expect(origin.handshakes).toBe(handshakes);
  });

  it("accepts WebSocket upgrades on */responses and can refuse them", async () => {
    const s = await tlsHandshake({ port: origin.port, servername: API, ca: [publicRoot.certPem] });
    openSockets.push(s);
    const ok = await wsUpgradeOver(s, { path: "/backend-api/codex/responses", host: "chatgpt.com" });
    expect(ok).toMatchObject({ upgraded: true, firstMessage: "lab-origin: hello" });

    const refusing = await startOrigin({ cert: await mintLeaf(publicRoot, { dnsNames: [API] }), upgrade: "refuse-426" });
    closers.push(refusing.close);
    const s2 = await tlsHandshake({ port: refusing.port, servername: API, ca: [publicRoot.certPem] });
    openSockets.push(s2);
    expect(await wsUpgradeOver(s2, { path: "/v1/responses", host: API })).toMatchObject({ upgraded: false, status: 426 });
  });
});

describe("defective corporate chains", () => {
  /** Origin serving leaf + intermediate from `chain`, probed by a client trusting only its root. */
  async function probe(chain: CorporateChain, allowWeakChain = false): Promise<string | undefined> {
    const o = await startOrigin({ cert: await mintLeaf(chain.intermediate, { dnsNames: [API] }), chain: [chain.intermediate], allowWeakChain });
    closers.push(o.close);
    return errorCode(tlsHandshake({ port: o.port, servername: API, ca: [chain.root.certPem] }));
  }

  it("expired root, CA:FALSE root and SHA-1 intermediate fail with OpenSSL's codes", async () => {
    expect(await probe(await mintCorporateChain({ rootExpired: true }))).toBe("CERT_HAS_EXPIRED");
    expect(await probe(await mintCorporateChain({ rootCaFalse: true }))).toBe("INVALID_PURPOSE");
    const root = await mintRoot({ cn: "Old Root", alg: "rsa" });
    const intermediate = await mintIntermediate(root, { cn: "Old Issuing CA", alg: "rsa", sigHash: "SHA-1" });
    // Node 20 has no name for X509_V_ERR_CA_MD_TOO_WEAK, hence the odd code.
    expect(await probe({ root, intermediate }, true)).toBe("UNSPECIFIED");
  });
});

describe("broken servers", () => {
  it("plain HTTP, reset, silent and refused ports fail the way real ones do", async () => {
    const plain = await startPlainHttpServer();
    const reset = await startResetServer();
    const silent = await startSilentServer();
    closers.push(plain.close, reset.close, silent.close);
    const hs = (port: number, timeoutMs?: number) =>
      errorCode(tlsHandshake({ port, servername: API, ca: [publicRoot.certPem], timeoutMs }));

    expect(await hs(plain.port)).toMatch(/^ERR_SSL_/);
    expect(await hs(reset.port)).toBe("ECONNRESET");
    expect(await hs(silent.port, 300)).toBe("ETIMEDOUT");
    expect(await hs(await startRefusedPort())).toBe("ECONNREFUSED");
  });
});

describe("proxy: tunnel and auth", () => {
  it("tunnels CONNECT to the origin, which is still trusted end to end", async () => {
    const p = await proxy({ mode: "tunnel", upstream: { host: "127.0.0.1", port: origin.port } });
    const s = await tlsVia(p, [publicRoot.certPem]);
    expect(s.getPeerX509Certificate()?.issuer).toContain("CN=Lab Public Root");
    expect((await requestOver(s, { method: "GET", path: "/v1/models", host: API })).status).toBe(401);
    expect(p.connects).toEqual([{ target: `${API}:443`, authorized: true, sentProxyAuthorization: false }]);
  });

  it("without an upstream only tunnels to loopback", async () => {
    const p = await proxy({ mode: "tunnel" });
    expect((await openTunnel(p.port, `${API}:443`)).status).toBe(502);
    expect((await openTunnel(p.port, `127.0.0.1:${await startRefusedPort()}`)).status).toBe(502);
    const t = await openTunnel(p.port, `127.0.0.1:${origin.port}`);
    expect(t.status).toBe(200);
    const s = await tlsHandshake({ socket: t.socket, servername: API, ca: [publicRoot.certPem] });
    openSockets.push(s);
    expect(s.authorized).toBe(true);
  });

  it("demands Basic proxy auth with 407", async () => {
    const p = await proxy({ mode: "tunnel", upstream: { host: "127.0.0.1", port: origin.port }, auth: { user: "alice", pass: "s3cret" } });
    const none = await openTunnel(p.port, `${API}:443`);
    expect(none.status).toBe(407);
    expect(none.headers["proxy-authenticate"]).toBe('Basic realm="lab"');
    expect((await openTunnel(p.port, `${API}:443`, { auth: { user: "alice", pass: "wrong" } })).status).toBe(407);
    const ok = await openTunnel(p.port, `${API}:443`, { auth: { user: "alice", pass: "s3cret" } });
    expect(ok.status).toBe(200);
    ok.socket.destroy();
    expect(p.connects.map((c) => [c.authorized, c.sentProxyAuthorization])).toEqual([
      [false, false],
      [false, true],
      [true, true],
    ]);
  });
});

describe("proxy: failure modes", () => {
  it("block answers CONNECT with a 403 HTML page and vendor hints", async () => {
    const p = await proxy({ mode: "block", blockHeaders: ZSCALER_HINTS });
    const t = await openTunnel(p.port, `${API}:443`);
    expect(t.status).toBe(403);
    expect(t.headers["x-zscaler-request-id"]).toBeDefined();
    expect(await readAll(t.socket, t.head)).toBe(BLOCK_PAGE_HTML);
  });

  it("hang never answers; reset drops the connection", async () => {
    const hang = await proxy({ mode: "hang" });
    expect(await errorCode(openTunnel(hang.port, `${API}:443`, { timeoutMs: 300 }))).toBe("ETIMEDOUT");
    const reset = await proxy({ mode: "reset" });
    expect(await errorCode(openTunnel(reset.port, `${API}:443`))).toBe("ECONNRESET");
  });

  it("blockpage-tls intercepts TLS and serves Access Denied itself", async () => {
    const before = origin.requests.length;
    const p = await proxy({ mode: "blockpage-tls", interceptWith: { issuer: corp.intermediate, chain: [corp.intermediate] } });
    const s = await tlsVia(p, [corp.root.certPem]);
    const res = await requestOver(s, { method: "POST", path: "/oauth/token", host: API });
    expect(res.status).toBe(403);
    expect(res.headers.server).toBe("Zscaler/6.2");
    expect(res.body).toContain("<title>Access Denied</title>");
    expect(origin.requests.length).toBe(before);
  });
});

describe("proxy: intercept", () => {
  it("presents a forged api.openai.com leaf + intermediate and relays to the origin", async () => {
    const p = await interceptProxy();
    const s = await tlsVia(p, [corp.root.certPem]);
    const peer = s.getPeerCertificate(true);
    expect(peer.subject.CN).toBe(API);
    expect(peer.issuer.CN).toBe("Zscaler Intermediate Root CA (zscloud.net)");
    expect(peer.issuerCertificate.issuer.CN).toBe("Zscaler Root CA");
    expect(s.getPeerX509Certificate()?.checkHost(API)).toBe(API);

    const res = await requestOver(s, { method: "POST", path: "/oauth/token", host: API, body: "grant_type=x" });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: "invalid_request" });
    expect(p.intercepted).toContainEqual({ method: "POST", path: "/oauth/token", host: API, upgrade: false });
    expect(origin.requests.at(-1)).toMatchObject({ method: "POST", path: "/oauth/token" });
  });

  it("fails verification the way Codex does without the corporate root", async () => {
    const p = await interceptProxy();
    const t = await openTunnel(p.port, `${API}:443`);
    expect(await errorCode(tlsHandshake({ socket: t.socket, servername: API, ca: [publicRoot.certPem] }))).toBe(
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    );
    const full = await interceptProxy({ chain: [corp.intermediate, corp.root] });
    const t2 = await openTunnel(full.port, `${API}:443`);
    expect(await errorCode(tlsHandshake({ socket: t2.socket, servername: API, ca: [publicRoot.certPem] }))).toBe(
      "SELF_SIGNED_CERT_IN_CHAIN",
    );
  });

  it("leaf-only chain needs the intermediate in the client trust store", async () => {
    const p = await interceptProxy({ chain: [] });
    const t = await openTunnel(p.port, `${API}:443`);
    expect(await errorCode(tlsHandshake({ socket: t.socket, servername: API, ca: [corp.root.certPem] }))).toBe(
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    );
    const s = await tlsVia(p, [corp.root.certPem, corp.intermediate.certPem]);
    expect(s.authorized).toBe(true);
  });

  it("can forge expired or wrong-host leaves", async () => {
    const expired = await interceptProxy({ leafOpts: { expired: true } });
    const t = await openTunnel(expired.port, `${API}:443`);
    expect(await errorCode(tlsHandshake({ socket: t.socket, servername: API, ca: [corp.root.certPem] }))).toBe("CERT_HAS_EXPIRED");
    const wrong = await interceptProxy({ leafOpts: { wrongHost: true } });
    const t2 = await openTunnel(wrong.port, `${API}:443`);
    expect(await errorCode(tlsHandshake({ socket: t2.socket, servername: API, ca: [corp.root.certPem] }))).toBe(
      "ERR_TLS_CERT_ALTNAME_INVALID",
    );
  });

  it("relays WebSocket upgrades, unless stripUpgrade is set", async () => {
    const p = await interceptProxy();
    const ws = await wsUpgradeOver(await tlsVia(p, [corp.root.certPem]), { path: "/backend-api/codex/responses", host: "chatgpt.com" });
    expect(ws).toMatchObject({ upgraded: true, firstMessage: "lab-origin: hello" });

    const strip = await interceptProxy({ stripUpgrade: true });
    const before = origin.requests.length;
    const refused = await wsUpgradeOver(await tlsVia(strip, [corp.root.certPem]), { path: "/backend-api/codex/responses", host: "chatgpt.com" });
    // The stripped request reaches the origin as a plain GET, which answers 404 (not 101).
    expect(refused).toMatchObject({ upgraded: false, status: 404 });
    expect(origin.requests.length).toBe(before + 1);
    expect(origin.requests.at(-1)).toMatchObject({ upgrade: false, path: "/backend-api/codex/responses" });
  });
});
