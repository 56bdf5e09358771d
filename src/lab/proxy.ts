// HTTP CONNECT proxy with the failure modes corporate networks produce: auth walls, block
// pages, hangs, resets and TLS interception with a corporate CA.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { mintLeaf, type Minted } from "./pki.js";
import { pemBundle, refuseUpgrade, WEAK_CHAIN_CIPHERS } from "./origin.js";
import { basicAuth, closeServer, listenLoopback, LOOPBACK, SocketTracker, type LabServer } from "./util.js";

export type ProxyMode = "tunnel" | "intercept" | "blockpage-tls" | "block" | "hang" | "reset";

export interface Upstream {
  host: string;
  port: number;
  /** PEMs trusted for the upstream leg (intercept modes verify the origin). */
  ca?: string[];
  /** Name checked against the origin certificate; defaults to `host` (an IP SAN on loopback). */
  servername?: string;
}

export interface InterceptOptions {
  /** CA that signs the on-the-fly leaves (usually the corporate intermediate). */
  issuer: Minted;
  /** Sent after the leaf: [intermediate], [] for a short chain, or [intermediate, root]. */
  chain: Minted[];
  leafOpts?: { expired?: boolean; wrongHost?: boolean };
  /** Needed when `chain` contains SHA-1 signed certificates. */
  allowWeakChain?: boolean;
}

export interface ProxyOptions {
  mode: ProxyMode;
  auth?: { user: string; pass: string; scheme?: "Basic" };
  /**
   * tunnel: if set, every CONNECT is spliced here regardless of the requested host (so tests can
   * CONNECT to api.openai.com:443 and stay on loopback); otherwise only loopback targets are allowed.
   * intercept/blockpage-tls: the origin that decrypted traffic is relayed to (required for intercept).
   */
  upstream?: Upstream;
  /** Required for intercept and blockpage-tls. */
  interceptWith?: InterceptOptions;
  /** intercept: strip the Upgrade headers and forward a plain request (the origin answers 404). */
  stripUpgrade?: boolean;
  /** Makes this an https:// proxy presenting this certificate (and chain) to its clients. */
  serverCert?: Minted;
  serverChain?: Minted[];
  /** block: extra response headers on the 403, e.g. ZSCALER_HINTS. */
  blockHeaders?: Record<string, string>;
}

export interface ConnectRecord {
  /** host:port from the CONNECT line. */
  target: string;
  /** Passed the auth gate (always true without `auth`). */
  authorized: boolean;
  /** A Proxy-Authorization header was present (its value is never stored). */
  sentProxyAuthorization: boolean;
}

export interface InterceptedRequest {
  method: string;
  path: string;
  host: string | undefined;
  upgrade: boolean;
}

export interface LabProxy extends LabServer {
  connects: ConnectRecord[];
  /** Requests seen in clear text by the intercepting modes. */
  intercepted: InterceptedRequest[];
  /** TLS errors on the client-facing leg, e.g. the client rejected our minted leaf. */
  tlsErrors: string[];
}

/** Vendor hints a Zscaler block response carries; pass as `blockHeaders`. */
export const ZSCALER_HINTS: Record<string, string> = {
  Server: "Zscaler/6.2",
  "X-Zscaler-Request-Id": "lab-0000000000000000",
};

export const BLOCK_PAGE_HTML =
  "<!DOCTYPE html><html><head><title>Access Denied</title></head>" +
  "<body><h1>Access Denied</h1><p>Your organization's policy blocks this site.</p></body></html>";

const isLoopbackHost = (h: string): boolean => ["127.0.0.1", "localhost", "::1", "[::1]"].includes(h);

/** Splits a CONNECT authority "host:port" (IPv6 in brackets). */
function parseAuthority(authority: string): { host: string; port: number } | null {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(authority);
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

function rawResponse(status: number, reason: string, headers: Record<string, string>, body = ""): string {
  const all = { ...headers, "Content-Length": String(Buffer.byteLength(body)), Connection: "close" };
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `HTTP/1.1 ${status} ${reason}\r\n${lines}\r\n${body}`;
}

export async function startProxy(opts: ProxyOptions): Promise<LabProxy> {
  if ((opts.mode === "intercept" || opts.mode === "blockpage-tls") && !opts.interceptWith) {
    throw new Error(`mode ${opts.mode} needs interceptWith`);
  }
  if (opts.mode === "intercept" && !opts.upstream) throw new Error("mode intercept needs upstream");

  const sockets = new SocketTracker();
  const connects: ConnectRecord[] = [];
  const intercepted: InterceptedRequest[] = [];
  const tlsErrors: string[] = [];
  // An https:// proxy: clients speak TLS to the proxy itself before sending CONNECT.
  const server = opts.serverCert
    ? https.createServer({ key: opts.serverCert.keyPem, cert: pemBundle(opts.serverCert, opts.serverChain ?? []) })
    : http.createServer();
  server.on("connection", (s: net.Socket) => sockets.track(s));

  // Only CONNECT is supported; absolute-form proxying of http:// URLs is not needed here.
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(501, { "content-type": "text/plain" }).end("lab proxy: CONNECT only\n");
  });

  const contexts = new LeafCache(opts.interceptWith);
  const mitm = opts.interceptWith ? createMitmServer(opts, intercepted, sockets) : null;

  server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.track(socket);
    const target = req.url ?? "";
    const sent = req.headers["proxy-authorization"];
    const authorized = !opts.auth || sent === basicAuth(opts.auth.user, opts.auth.pass);
    connects.push({ target, authorized, sentProxyAuthorization: sent !== undefined });
    if (!authorized) {
      socket.end(rawResponse(407, "Proxy Authentication Required", { "Proxy-Authenticate": 'Basic realm="lab"' }));
      return;
    }
    const authority = parseAuthority(target);
    if (!authority) return void socket.end(rawResponse(400, "Bad Request", {}));

    switch (opts.mode) {
      case "block":
        return void socket.end(
          rawResponse(403, "Forbidden", { "Content-Type": "text/html", ...opts.blockHeaders }, BLOCK_PAGE_HTML),
        );
      case "hang":
        return; // keep the socket open and silent until close()
      case "reset":
        return void (socket as net.Socket).resetAndDestroy();
      case "tunnel":
        return tunnel(socket, head, authority, opts.upstream, sockets);
      case "intercept":
      case "blockpage-tls":
        return void contexts.get(authority.host).then(
          (ctx) => terminateTls(socket, head, ctx, contexts, mitm!, sockets, tlsErrors),
          (err: Error) => {
            tlsErrors.push(`minting leaf failed: ${err.message}`);
            socket.destroy();
          },
        );
    }
  });

  const port = await listenLoopback(server);
  return {
    port,
    url: `${opts.serverCert ? "https" : "http"}://${LOOPBACK}:${port}`,
    connects,
    intercepted,
    tlsErrors,
    close: () => closeServer(server, sockets),
  };
}

/** Raw TCP splice, loopback only so a misconfigured test can never reach the internet. */
function tunnel(
  client: Duplex,
  head: Buffer,
  target: { host: string; port: number },
  upstream: Upstream | undefined,
  sockets: SocketTracker,
): void {
  const dest = upstream ?? target;
  if (!isLoopbackHost(dest.host)) {
    client.end(rawResponse(502, "Bad Gateway", {}, "lab proxy: only loopback targets\n"));
    return;
  }
  const up = sockets.track(net.connect(dest.port, dest.host === "localhost" ? LOOPBACK : dest.host));
  let established = false;
  up.once("connect", () => {
    established = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length) up.write(head);
    splice(client, up);
  });
  // Before the splice exists, a dial failure (e.g. ECONNREFUSED) becomes a 502 answer.
  up.once("error", () => {
    if (!established) client.end(rawResponse(502, "Bad Gateway", {}));
  });
}

/** Pipe both directions; when either side goes away, take the other down too. */
function splice(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  a.once("close", () => b.destroy());
  b.once("close", () => a.destroy());
}

/** Mints (once per hostname) the leaf an inspecting proxy would forge for that name. */
class LeafCache {
  private readonly cache = new Map<string, Promise<tls.SecureContext>>();
  constructor(private readonly intercept: InterceptOptions | undefined) {}

  get(hostname: string): Promise<tls.SecureContext> {
    let ctx = this.cache.get(hostname);
    if (!ctx) {
      ctx = this.mint(hostname);
      this.cache.set(hostname, ctx);
    }
    return ctx;
  }

  private async mint(hostname: string): Promise<tls.SecureContext> {
    const { issuer, chain, leafOpts, allowWeakChain } = this.intercept!;
    const names = leafOpts?.wrongHost ? ["wrong-host.lab.invalid"] : [hostname];
    // No loopback SANs: the forged leaf should cover exactly what a real proxy would forge.
    const leaf = await mintLeaf(issuer, { dnsNames: names, loopbackNames: false, expired: leafOpts?.expired });
    return tls.createSecureContext({
      key: leaf.keyPem,
      cert: pemBundle(leaf, chain),
      ...(allowWeakChain ? { ciphers: WEAK_CHAIN_CIPHERS } : {}),
    });
  }
}

/** Answer "200 Connection Established", then act as the TLS server for the requested host. */
function terminateTls(
  client: Duplex,
  head: Buffer,
  ctx: tls.SecureContext,
  contexts: LeafCache,
  mitm: http.Server,
  sockets: SocketTracker,
  tlsErrors: string[],
): void {
  if (client.destroyed) return;
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length) client.unshift(head);
  const secure = sockets.track(
    new tls.TLSSocket(client, {
      isServer: true,
      secureContext: ctx, // used when the client sends no SNI (e.g. it dialled an IP)
      SNICallback: (servername, cb) => void contexts.get(servername).then((c) => cb(null, c), (e: Error) => cb(e)),
    }),
  );
  secure.on("error", (err) => tlsErrors.push(err.message));
  // The decrypted stream is plain HTTP/1.1; let a listener-less http.Server parse it.
  mitm.emit("connection", secure);
}

/**
 * What a proxy that strips WebSocket upgrades does: it drops the Upgrade headers and forwards a
 * plain request, so the client gets the origin's ordinary answer (a 404 for /responses) instead of 101.
 */
function forwardWithoutUpgrade(req: IncomingMessage, socket: Duplex, upstream: Upstream): void {
  const headers = { ...req.headers };
  for (const name of Object.keys(headers)) {
    if (/^(upgrade|connection|sec-websocket-.*)$/i.test(name)) delete headers[name];
  }
  const up = https.request({ ...upstreamTls(upstream), method: req.method, path: req.url, headers, agent: false });
  up.on("response", (upRes) => {
    const chunks: Buffer[] = [];
    upRes.on("data", (c: Buffer) => chunks.push(c));
    upRes.on("end", () => {
      const body = Buffer.concat(chunks);
      socket.end(
        `HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ""}\r\ncontent-type: ${upRes.headers["content-type"] ?? "text/plain"}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString("utf8")}`,
      );
    });
  });
  up.on("error", () => refuseUpgrade(socket, 502, "Bad Gateway"));
  up.end();
}

/** HTTP server fed with decrypted sockets: relays to the upstream origin or plays block page. */
function createMitmServer(opts: ProxyOptions, seen: InterceptedRequest[], sockets: SocketTracker): http.Server {
  const mitm = http.createServer();
  const record = (req: IncomingMessage, upgrade: boolean): void => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", host: req.headers.host, upgrade });
  };
  mitm.on("clientError", (_err, socket: Duplex) => socket.destroy());

  mitm.on("request", (req: IncomingMessage, res: ServerResponse) => {
    record(req, false);
    if (opts.mode === "blockpage-tls" || !opts.upstream) {
      res.writeHead(403, { "content-type": "text/html", ...ZSCALER_HINTS }).end(BLOCK_PAGE_HTML);
      return;
    }
    const up = https.request({
      ...upstreamTls(opts.upstream),
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: false,
    });
    up.on("response", (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`lab proxy: upstream error: ${err.message}\n`);
    });
    req.pipe(up);
  });

  mitm.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    record(req, true);
    sockets.track(socket);
    if (opts.mode === "blockpage-tls" || !opts.upstream) return refuseUpgrade(socket, 403, "Forbidden", ZSCALER_HINTS);
    if (opts.stripUpgrade) return forwardWithoutUpgrade(req, socket, opts.upstream);
    // Replay the upgrade request verbatim on a fresh verified TLS connection, then splice.
    const up = sockets.track(tls.connect(upstreamTls(opts.upstream)));
    up.once("secureConnect", () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) up.write(head);
      splice(socket, up);
    });
    up.once("error", () => {
      if (!socket.destroyed) refuseUpgrade(socket, 502, "Bad Gateway");
    });
  });
  return mitm;
}

/** Verified TLS options for the upstream leg (rejectUnauthorized stays on). */
function upstreamTls(u: Upstream): tls.ConnectionOptions & { host: string; port: number } {
  return {
    host: u.host,
    port: u.port,
    ca: u.ca,
    rejectUnauthorized: true,
    ...(u.servername ? { servername: u.servername } : {}),
  };
}

/** A port on 127.0.0.1 with nothing listening: bind, note the port, close. */
export async function startRefusedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listenLoopback(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
