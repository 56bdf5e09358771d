// One verified TLS connection, the way Codex makes it: route (direct or CONNECT through the proxy
// Codex would pick), TLS handshake, then OUR rustls/webpki-style verification of the presented
// chain against the trust set from the shared CA loader. Nothing is written to the server before
// that verification passed; on failure the socket is destroyed and the chain kept for diagnosis.
import * as net from "node:net";
import type * as tls from "node:tls";
import type { Duplex } from "node:stream";
import { openStream, probeSignal, SocketBag, type ProxyRefusal, type SecureProxy } from "./connect.js";
import type { ProxyDecision } from "./proxy.js";
import { verifyServerChain, type TrustAnchor, type VerifyResult } from "./verify.js";
import { summarise, type CertSummary } from "../ca/certinfo.js";
import { RUSTLS_TLS_OPTIONS } from "./rustls-profile.js";

export type FailureStage = "dns" | "proxy-tcp" | "proxy-tls" | "proxy-connect" | "tcp" | "tls" | "verify" | "timeout";

export interface PresentedChain {
  der: Uint8Array[];
  summaries: (CertSummary | undefined)[];
}

export interface EstablishFailure {
  ok: false;
  stage: FailureStage;
  /** Node's err.code, PROXY_REFUSED, or a webpki error code for stage "verify". */
  code: string;
  message: string;
  refusal?: ProxyRefusal;
  chain?: PresentedChain;
  verify?: VerifyResult;
}

export interface EstablishSuccess {
  ok: true;
  socket: tls.TLSSocket;
  chain: PresentedChain;
  verify: VerifyResult;
  protocol: string | null;
  alpn: string | false | null;
  /**
   * An error or close that arrived after the handshake, while the chain was being verified (under
   * TLS 1.3 a server's verdict on a client certificate arrives just then, as an alert).
   */
  early(): { code: string; message: string } | undefined;
}

export type EstablishResult = EstablishSuccess | EstablishFailure;

export interface EstablishInput {
  url: URL;
  route: ProxyDecision;
  anchors: TrustAnchor[];
  timeoutMs: number;
  signal: AbortSignal;
  now: Date;
  alpn?: string[];
  /** A client certificate to offer (OTLP mTLS). Public; the key never leaves the process. */
  identity?: { certPem: string; keyPem: string };
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME"]);

function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" || url.protocol === "wss:" ? 443 : 80;
}

/** The chain exactly as the server sent it, as far as it links up (Node exposes no raw list). */
function presentedDer(socket: tls.TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<object>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert && cert.raw && !seen.has(cert)) {
    seen.add(cert);
    out.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

interface Handshaken {
  socket: tls.TLSSocket;
  early: EstablishSuccess["early"];
}

async function handshake(
  stream: Duplex,
  servername: string,
  alpn: string[],
  bag: SocketBag,
  identity?: EstablishInput["identity"],
): Promise<Handshaken> {
  // Loaded on the first handshake: an offline run never needs node:tls.
  const { connect } = await import("node:tls");
  return new Promise((resolve, reject) => {
    // Throws synchronously when node:tls cannot load the client identity (key/cert mismatch).
    const socket = bag.add(
      connect({
        socket: stream as net.Socket,
        servername: net.isIP(servername) ? undefined : servername,
        ALPNProtocols: alpn.length > 0 ? alpn : undefined,
        // An empty CA list gives OpenSSL an empty store: the peer chain comes back exactly as sent
        // (nothing filled in from Node's bundle). OpenSSL's verdict is deliberately not used —
        // verifyServerChain decides, with Codex's (webpki) rules, before any byte is sent.
        ca: [],
        rejectUnauthorized: false,
        ...RUSTLS_TLS_OPTIONS,
        ...(identity ? { cert: identity.certPem, key: identity.keyPem } : {}),
      }),
    );
    const onError = (err: Error) => reject(err);
    const onClose = () => reject(Object.assign(new Error("connection closed during the TLS handshake"), { code: "ECONNRESET" }));
    socket.once("secureConnect", () => {
      // Only our own listeners: node:tls keeps internal ones on the socket that must stay.
      socket.off("error", onError);
      socket.off("close", onClose);
      // From here until the caller takes over, record (never throw) what the peer does.
      let early: { code: string; message: string } | undefined;
      socket.on("error", (err: NodeJS.ErrnoException) => {
        early ??= { code: err.code ?? "ERROR", message: err.message };
      });
      const closed = () => {
        early ??= { code: "EOF", message: "the server closed the connection right after the handshake" };
      };
      socket.once("end", closed);
      socket.once("close", closed);
      resolve({ socket, early: () => early ?? (socket.destroyed ? { code: "EOF", message: "the connection is closed" } : undefined) });
    });
    socket.once("error", onError);
    socket.once("close", onClose);
  });
}

/** TLS to an https:// proxy, held to the same trust as the target (Codex uses one rustls config). */
function proxyVerifier(input: EstablishInput, bag: SocketBag): SecureProxy {
  return async (stream, servername) => {
    const { socket } = await handshake(stream, servername, [], bag);
    const verify = await verifyServerChain({ presented: presentedDer(socket), anchors: input.anchors, serverName: servername, now: input.now });
    if (!verify.ok) {
      socket.destroy();
      throw Object.assign(new Error(`the proxy's certificate is not trusted: ${verify.error?.detail ?? verify.opensslStyle}`), {
        code: verify.error?.code ?? "UnknownIssuer",
      });
    }
    return socket;
  };
}

async function attempt(input: EstablishInput, bag: SocketBag): Promise<EstablishResult> {
  const host = input.url.hostname.replace(/^\[|\]$/g, "");
  const port = defaultPort(input.url);
  const opened = await openStream({ host, port }, input.route.proxy, bag, proxyVerifier(input, bag));
  if (!opened.ok) {
    const stage: FailureStage = opened.stage === "tcp" && DNS_CODES.has(opened.code) ? "dns" : opened.stage;
    return { ok: false, stage, code: opened.code, message: opened.message, refusal: "refusal" in opened ? opened.refusal : undefined };
  }
  let handshaken: Handshaken;
  try {
    handshaken = await handshake(opened.socket, host, input.alpn ?? ["http/1.1"], bag, input.identity);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, stage: "tls", code: e.code ?? "TLS_ERROR", message: e.message };
  }
  const { socket, early } = handshaken;
  const der = presentedDer(socket);
  const chain: PresentedChain = { der, summaries: await Promise.all(der.map((d) => summarise(d))) };
  const verify = await verifyServerChain({ presented: der, anchors: input.anchors, serverName: host, now: input.now });
  if (!verify.ok) {
    socket.destroy();
    return {
      ok: false,
      stage: "verify",
      code: verify.error?.code ?? "UnknownIssuer",
      message: verify.error?.detail ?? verify.opensslStyle,
      chain,
      verify,
    };
  }
  return { ok: true, socket, chain, verify, protocol: socket.getProtocol(), alpn: socket.alpnProtocol, early };
}

/** Bounded by timeoutMs and the run's signal; a silent peer ends as stage "timeout", never a hang. */
export async function establish(input: EstablishInput): Promise<EstablishResult> {
  const bag = new SocketBag();
  const signal = probeSignal(input.signal);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const bounded = new Promise<EstablishFailure>((resolve) => {
    const fail = () => resolve({ ok: false, stage: "timeout", code: "ETIMEDOUT", message: `no answer within ${input.timeoutMs} ms` });
    timer = setTimeout(fail, input.timeoutMs);
    onAbort = fail;
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const attempted = attempt(input, bag);
    // After a timeout the attempt may still settle (or throw) on destroyed sockets: ignore it.
    attempted.catch(() => undefined);
    const result = await Promise.race([attempted, bounded]);
    if (!result.ok) bag.destroyAll();
    return result;
  } catch (err) {
    bag.destroyAll();
    const e = err as NodeJS.ErrnoException;
    return { ok: false, stage: "tcp", code: e.code ?? "ERROR", message: e.message };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
