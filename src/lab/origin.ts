// Fake OpenAI/ChatGPT origin plus a few deliberately broken servers, all on loopback.
import https from "node:https";
import http from "node:http";
import net from "node:net";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { Minted } from "./pki.js";
import { closeServer, listenLoopback, LOOPBACK, SocketTracker, type LabServer } from "./util.js";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** true when the request arrived as an HTTP Upgrade (WebSocket) attempt. */
  upgrade: boolean;
}

/**
 * accept: 101; refuse-*: a plain HTTP answer; bad-101: a 101 without a valid Sec-WebSocket-Accept
 * (what a mangling middlebox produces); hang: read the upgrade and never answer.
 */
export type UpgradePolicy = "accept" | "refuse-426" | "refuse-404" | "refuse-401" | "bad-101" | "hang";

export interface OriginOptions {
  cert: Minted;
  /** Certificates sent after the leaf (intermediates, optionally the root). */
  chain?: Minted[];
  upgrade?: UpgradePolicy;
  /** First WebSocket message sent after a successful upgrade. */
  wsGreeting?: string;
  /** Let the server load SHA-1 signed chains (OpenSSL refuses them at the default level). */
  allowWeakChain?: boolean;
}

export interface Origin extends LabServer {
  /** Every HTTP request and upgrade attempt that reached the origin, in order. */
  requests: RecordedRequest[];
  /** Completed TLS handshakes (a client that aborts on an untrusted cert never gets here). */
  readonly handshakes: number;
  /** 'tlsClientError' messages, e.g. the client sent an alert for our certificate. */
  tlsErrors: string[];
}

/** Security level 0 lets node:tls load certificates signed with SHA-1 ("ca md too weak"). */
export const WEAK_CHAIN_CIPHERS = "DEFAULT@SECLEVEL=0";

/** Serialises a PEM bundle as node:tls expects: leaf first, then the chain in order. */
export const pemBundle = (leaf: Minted, chain: Minted[] = []): string =>
  [leaf, ...chain].map((m) => m.certPem).join("");

const json = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

const pathOf = (url: string | undefined): string => (url ?? "/").split("?")[0] ?? "/";

/** The handful of endpoints Codex touches; responses mimic "reachable but unauthenticated". */
function route(req: IncomingMessage, res: ServerResponse): void {
  const key = `${req.method} ${pathOf(req.url)}`;
  switch (key) {
    case "POST /oauth/token":
      return json(res, 400, { error: "invalid_request" });
    case "POST /api/accounts/deviceauth/usercode":
      return json(res, 400, { error: "invalid_request" });
    case "GET /v1/models":
    case "GET /backend-api/codex/models":
      return json(res, 401, { error: { message: "Missing bearer authentication", code: "invalid_api_key" } });
    default:
      return json(res, 404, { error: "not_found" });
  }
}

/** Writes a raw HTTP response on an upgrade socket, then closes it. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, extra: Record<string, string> = {}): void {
  const headers = Object.entries({ "Content-Length": "0", Connection: "close", ...extra })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}\r\n`);
}

export async function startOrigin(opts: OriginOptions): Promise<Origin> {
  const sockets = new SocketTracker();
  const server = https.createServer({
    key: opts.cert.keyPem,
    cert: pemBundle(opts.cert, opts.chain),
    ...(opts.allowWeakChain ? { ciphers: WEAK_CHAIN_CIPHERS } : {}),
  });
  const wss = new WebSocketServer({ noServer: true });
  const policy = opts.upgrade ?? "accept";
  const seen = { requests: [] as RecordedRequest[], handshakes: 0, tlsErrors: [] as string[] };
  const record = (req: IncomingMessage, upgrade: boolean): void => {
    seen.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, upgrade });
  };

  server.on("connection", (s: net.Socket) => sockets.track(s));
  server.on("secureConnection", (s) => {
    sockets.track(s);
    seen.handshakes++;
  });
  server.on("tlsClientError", (err) => seen.tlsErrors.push(err.message));
  server.on("request", (req, res) => {
    record(req, false);
    route(req, res);
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    record(req, true);
    sockets.track(socket);
    if (!pathOf(req.url).endsWith("/responses") || policy === "refuse-404") return refuseUpgrade(socket, 404, "Not Found");
    if (policy === "refuse-426") return refuseUpgrade(socket, 426, "Upgrade Required", { Upgrade: "websocket" });
    if (policy === "refuse-401") return refuseUpgrade(socket, 401, "Unauthorized", { "WWW-Authenticate": "Bearer" });
    if (policy === "hang") return;
    if (policy === "bad-101") {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90LXRoZS1yaWdodC1rZXk=\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => ws.send(opts.wsGreeting ?? "lab-origin: hello"));
  });

  const port = await listenLoopback(server);
  const close = async (): Promise<void> => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await closeServer(server, sockets);
  };
  // A getter keeps `handshakes` live; the arrays are shared by reference.
  return {
    port,
    url: `https://${LOOPBACK}:${port}`,
    requests: seen.requests,
    tlsErrors: seen.tlsErrors,
    get handshakes() {
      return seen.handshakes;
    },
    close,
  };
}

/**
 * Plain HTTP listener. Point an https:// client at it to reproduce "plain HTTP on the TLS
 * port": the ClientHello is not HTTP, so Node answers "400 Bad Request" in clear text and the
 * client sees e.g. "wrong version number" / "packet length too long".
 */
export async function startPlainHttpServer(): Promise<LabServer> {
  const sockets = new SocketTracker();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("plain http\n");
  });
  server.on("connection", (s: net.Socket) => sockets.track(s));
  const port = await listenLoopback(server);
  return { port, url: `http://${LOOPBACK}:${port}`, close: () => closeServer(server, sockets) };
}

/** Accepts TCP, then sends RST as soon as the client speaks (reset mid-handshake). */
export async function startResetServer(): Promise<LabServer> {
  const sockets = new SocketTracker();
  const server = net.createServer((s) => {
    sockets.track(s);
    // resetAndDestroy sends a TCP RST, so clients see ECONNRESET rather than a clean EOF.
    s.once("data", () => s.resetAndDestroy());
  });
  const port = await listenLoopback(server);
  return { port, url: `https://${LOOPBACK}:${port}`, close: () => closeServer(server, sockets) };
}

/** Accepts TCP and never answers: the client's handshake/read timeout must fire. */
export async function startSilentServer(): Promise<LabServer> {
  const sockets = new SocketTracker();
  const server = net.createServer((s) => void sockets.track(s));
  const port = await listenLoopback(server);
  return { port, url: `https://${LOOPBACK}:${port}`, close: () => closeServer(server, sockets) };
}
