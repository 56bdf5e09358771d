// Opening the byte stream Codex would open: a direct TCP connection, or a CONNECT tunnel through an
// http:// or https:// proxy with Basic credentials from the proxy URL. Failures come back as data.
import * as net from "node:net";
import type { Duplex } from "node:stream";
import type { ProxyUrl } from "./proxy.js";

export interface ProxyRefusal {
  status: number;
  reason: string;
  /** The scheme(s) named by Proxy-Authenticate on a 407. */
  authSchemes: string[];
  headers: Record<string, string>;
  /** First bytes of the body (a block page), for vendor detection. */
  body: string;
}

export type ConnectFailure =
  | { ok: false; stage: "proxy-tcp" | "tcp" | "proxy-tls"; code: string; message: string }
  | { ok: false; stage: "proxy-connect"; code: "PROXY_REFUSED"; message: string; refusal: ProxyRefusal }
  | { ok: false; stage: "proxy-connect"; code: string; message: string };

export type ConnectResult = { ok: true; socket: Duplex & { destroy(): void } } | ConnectFailure;

/**
 * A probe's own view of the run's signal. AbortSignal.any() links it to the parent without adding
 * a listener there, so a check that runs twenty probes at once puts their abort listeners on twenty
 * children instead of piling them onto the one signal it shares (MaxListenersExceededWarning).
 */
export function probeSignal(run: AbortSignal): AbortSignal {
  return AbortSignal.any([run]);
}

/** Sockets opened for one probe, so a timeout or abort can tear everything down. */
export class SocketBag {
  private readonly sockets = new Set<{ destroy(): void }>();
  add<T extends { destroy(): void }>(s: T): T {
    this.sockets.add(s);
    return s;
  }
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? "ERROR";
}

function tcp(host: string, port: number, bag: SocketBag): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = bag.add(net.connect({ host, port }));
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Reads an HTTP response head (and what body arrives within a moment) from a raw stream. */
function readResponseHead(socket: Duplex): Promise<{ status: number; reason: string; headers: Record<string, string>; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buffer.length > 64 * 1024) fail(new Error("proxy response head too large"));
        return;
      }
      cleanup();
      const head = buffer.subarray(0, end).toString("latin1").split("\r\n");
      const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(head[0] ?? "");
      if (!match) {
        reject(Object.assign(new Error(`not an HTTP response: ${JSON.stringify(head[0]?.slice(0, 60))}`), { code: "PROXY_BAD_RESPONSE" }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) {
          const name = line.slice(0, colon).trim().toLowerCase();
          headers[name] = headers[name] ? `${headers[name]}, ${line.slice(colon + 1).trim()}` : line.slice(colon + 1).trim();
        }
      }
      resolve({ status: Number(match[1]), reason: match[2], headers, rest: buffer.subarray(end + 4) });
    };
    const onEnd = () => fail(Object.assign(new Error("proxy closed the connection before answering CONNECT"), { code: "ECONNRESET" }));
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", fail);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", fail);
  });
}

function readBodySnippet(socket: Duplex, initial: Buffer, ms = 300): Promise<string> {
  return new Promise((resolve) => {
    let body = initial;
    const done = () => {
      socket.off("data", onData);
      clearTimeout(timer);
      resolve(body.subarray(0, 4096).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      body = Buffer.concat([body, chunk]);
      if (body.length >= 4096) done();
    };
    const timer = setTimeout(done, ms);
    socket.on("data", onData);
    socket.once("end", done);
    socket.once("error", done);
  });
}

function authHeader(proxy: ProxyUrl): string | undefined {
  if (proxy.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ""}`).toString("base64")}`;
}

/** Wraps the TCP stream to an https:// proxy in TLS, verified with the same trust as the target. */
export type SecureProxy = (stream: net.Socket, servername: string) => Promise<Duplex & { destroy(): void }>;

/** Opens host:port directly, or through the proxy with CONNECT. */
export async function openStream(
  target: { host: string; port: number },
  proxy: ProxyUrl | null,
  bag: SocketBag,
  secureProxy?: SecureProxy,
): Promise<ConnectResult> {
  if (!proxy) {
    try {
      return { ok: true, socket: await tcp(target.host, target.port, bag) };
    } catch (err) {
      return { ok: false, stage: "tcp", code: errCode(err), message: (err as Error).message };
    }
  }
  // A value Codex selects but cannot use (see parseProxyUrl): its host would come from the user's
  // credentials, so the doctor reports the failure instead of resolving or dialling it.
  if (proxy.problem === "broken") return { ok: false, stage: "proxy-tcp", code: "PROXY_URL_BROKEN", message: proxy.reason ?? "unusable proxy URL" };
  let stream: Duplex & { destroy(): void };
  try {
    stream = await tcp(proxy.host, proxy.port, bag);
  } catch (err) {
    return { ok: false, stage: "proxy-tcp", code: errCode(err), message: (err as Error).message };
  }
  if (proxy.scheme === "https") {
    if (!secureProxy) return { ok: false, stage: "proxy-tls", code: "NO_PROXY_TLS", message: "no TLS verifier for an https:// proxy" };
    try {
      stream = await secureProxy(stream as net.Socket, proxy.host);
    } catch (err) {
      return { ok: false, stage: "proxy-tls", code: errCode(err), message: (err as Error).message };
    }
  }
  const authority = `${net.isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}`;
  const auth = authHeader(proxy);
  stream.write(
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ""}\r\n`,
  );
  let head;
  try {
    head = await readResponseHead(stream);
  } catch (err) {
    return { ok: false, stage: "proxy-connect", code: errCode(err), message: (err as Error).message };
  }
  if (head.status !== 200) {
    const body = await readBodySnippet(stream, head.rest);
    return {
      ok: false,
      stage: "proxy-connect",
      code: "PROXY_REFUSED",
      message: `proxy answered CONNECT with ${head.status} ${head.reason}`,
      refusal: {
        status: head.status,
        reason: head.reason,
        authSchemes: (head.headers["proxy-authenticate"] ?? "")
          .split(",")
          .map((s) => s.trim().split(/\s+/)[0])
          .filter((s) => /^[A-Za-z-]+$/.test(s) && !s.includes("=")),
        headers: head.headers,
        body,
      },
    };
  }
  if (head.rest.length > 0) stream.unshift(head.rest);
  return { ok: true, socket: stream };
}

/** A quick TCP connect (is anything listening there?), bounded by timeoutMs and the signal. */
export function probeTcp(host: string, port: number, timeoutMs: number, runSignal: AbortSignal): Promise<{ ok: true } | { ok: false; code: string }> {
  const signal = probeSignal(runSignal);
  return new Promise((resolve) => {
    let done = false;
    const socket = net.connect({ host, port });
    // Without an error listener from the start, a refused connect would be an uncaught error.
    const finish = (r: { ok: true } | { ok: false; code: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, code: "ETIMEDOUT" });
    const timer = setTimeout(onAbort, timeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
    socket.once("connect", () => finish({ ok: true }));
    socket.once("error", (err: NodeJS.ErrnoException) => finish({ ok: false, code: err.code ?? "ERROR" }));
  });
}
