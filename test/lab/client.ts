// Node-core clients for driving the lab from tests. TLS verification is always on: callers
// pass the PEMs to trust, exactly as a corporate user would via NODE_EXTRA_CA_CERTS.
import http from "node:http";
import tls from "node:tls";
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { basicAuth, LOOPBACK } from "../../src/lab/util.js";

export interface TunnelResult {
  /** Status of the proxy's answer to CONNECT (200 means the tunnel is open). */
  status: number;
  headers: IncomingHttpHeaders;
  socket: Socket;
  /** Bytes the proxy sent after its response head (e.g. the start of a block page). */
  head: Buffer;
}

/** Sends `CONNECT target` to a lab proxy. Rejects on socket errors or after `timeoutMs`. */
export function openTunnel(
  proxyPort: number,
  target: string,
  opts: { auth?: { user: string; pass: string }; timeoutMs?: number } = {},
): Promise<TunnelResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: target };
    if (opts.auth) headers["proxy-authorization"] = basicAuth(opts.auth.user, opts.auth.pass);
    const req = http.request({ host: LOOPBACK, port: proxyPort, method: "CONNECT", path: target, headers, agent: false });
    req.setTimeout(opts.timeoutMs ?? 5_000, () => req.destroy(Object.assign(new Error("CONNECT timed out"), { code: "ETIMEDOUT" })));
    req.once("connect", (res, socket, head) => {
      req.setTimeout(0);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, socket, head });
    });
    req.once("error", reject);
    req.end();
  });
}

/** Reads a socket to EOF (for block pages written after a non-200 CONNECT answer). */
export function readAll(stream: Duplex, initial: Buffer = Buffer.alloc(0)): Promise<string> {
  return new Promise((resolve) => {
    const chunks = [initial];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.once("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

export interface TlsTarget {
  servername: string;
  ca: string[];
  /** Existing transport (a CONNECT tunnel); otherwise dial 127.0.0.1:port. */
  socket?: Duplex;
  port?: number;
  timeoutMs?: number;
}

/** Verified TLS handshake. Rejects with Node's error (err.code e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE). */
export function tlsHandshake(t: TlsTarget): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      ...(t.socket ? { socket: t.socket } : { host: LOOPBACK, port: t.port }),
      servername: t.servername,
      ca: t.ca,
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => s.destroy(Object.assign(new Error("TLS handshake timed out"), { code: "ETIMEDOUT" })), t.timeoutMs ?? 5_000);
    s.once("secureConnect", () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once("error", (err) => {
      clearTimeout(timer);
      s.destroy();
      reject(err);
    });
  });
}

export interface SimpleResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request over an already-established (TLS) socket. */
export function requestOver(
  socket: Duplex,
  req: { method: string; path: string; host: string; headers?: Record<string, string>; body?: string },
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const r = http.request({
      createConnection: () => socket as Socket,
      method: req.method,
      path: req.path,
      headers: { host: req.host, connection: "close", ...req.headers },
    });
    r.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    r.once("error", reject);
    r.end(req.body);
  });
}

export type WsOutcome =
  | { upgraded: true; firstMessage: string; socket: Duplex }
  | { upgraded: false; status: number; headers: IncomingHttpHeaders };

/** Minimal WebSocket handshake over a socket; returns the first text frame from the server. */
export function wsUpgradeOver(socket: Duplex, req: { path: string; host: string }): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const r = http.request({
      createConnection: () => socket as Socket,
      method: "GET",
      path: req.path,
      headers: {
        host: req.host,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": randomBytes(16).toString("base64"),
      },
    });
    r.once("upgrade", (_res, upgraded, head) => {
      readTextFrame(upgraded, head).then((firstMessage) => resolve({ upgraded: true, firstMessage, socket: upgraded }), reject);
    });
    r.once("response", (res) => {
      res.resume();
      resolve({ upgraded: false, status: res.statusCode ?? 0, headers: res.headers });
    });
    r.once("error", reject);
    r.end();
  });
}

/** Parses one unmasked server->client text frame with a payload shorter than 126 bytes. */
function readTextFrame(socket: Duplex, initial: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = initial;
    const tryParse = (): boolean => {
      if (buf.length < 2) return false;
      const len = buf[1]! & 0x7f;
      if ((buf[0]! & 0x0f) !== 1 || len >= 126) {
        reject(new Error(`unexpected WebSocket frame header ${buf.subarray(0, 2).toString("hex")}`));
        return true;
      }
      if (buf.length < 2 + len) return false;
      resolve(buf.subarray(2, 2 + len).toString("utf8"));
      return true;
    };
    if (tryParse()) return;
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      if (tryParse()) socket.off("data", onData);
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error("socket closed before a WebSocket frame arrived")));
  });
}
