// A mutual-TLS probe of an OTLP collector, the way Codex's exporter connects: the route Codex
// would take (the caller decides: through the proxy for otlp-http, direct for gRPC), a TLS
// handshake that offers the configured client identity, then OUR webpki-style verification of the collector's chain against the
// exporter's own trust anchors (not Codex's CA bundle). Only after that verification passed is one
// harmless request sent — an empty OTLP export — because a collector that rejects the client
// certificate under TLS 1.3 only says so (with an alert) after the client's handshake finished,
// i.e. on the first read.
//
// The connection is establish()'s (route, handshake with the client identity, verification before
// any application byte). (The client certificate is part of the handshake, so it is sent before
// that verification, exactly as any TLS client sends it; it is public, and the private key never
// leaves the process.)
import * as http2 from "node:http2";
import type * as tls from "node:tls";
import { probeSignal, SocketBag } from "./connect.js";
import { establish, type EstablishFailure, type EstablishSuccess, type FailureStage, type PresentedChain } from "./establish.js";
import type { ProxyDecision } from "./proxy.js";
import type { TrustAnchor, VerifyResult } from "./verify.js";

export interface MtlsIdentity {
  /** Client chain, leaf first, PEM. */
  certPem: string;
  /** PEM private key. Never logged, never put in results. */
  keyPem: string;
}

export type CollectorProtocol = "http" | "grpc";

export interface CollectorProbeInput {
  url: URL;
  route: ProxyDecision;
  anchors: TrustAnchor[];
  identity?: MtlsIdentity;
  protocol: CollectorProtocol;
  /** Request path (with query) for the empty export. */
  path: string;
  timeoutMs: number;
  signal: AbortSignal;
  now: Date;
  userAgent: string;
}

/** Where a probe stopped: before/inside the handshake, at our verification, or on the request. */
export type ProbePhase = "connect" | "verify" | "request";

export interface CollectorFailure extends EstablishFailure {
  phase: ProbePhase;
  /** The TLS alert the peer sent, e.g. "certificate required", "unknown ca". */
  alert?: string;
}

export type CollectorProbe =
  | {
      ok: true;
      route: ProxyDecision;
      chain: PresentedChain;
      verify: VerifyResult;
      tlsVersion: string | null;
      alpn: string | false | null;
      /** HTTP status of the empty export (for gRPC: the :status of the response). */
      status: number;
      grpcStatus?: string;
    }
  | { ok: false; route: ProxyDecision; failure: CollectorFailure };

/** "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" → "certificate required" (decided by code, not text). */
export function alertFromCode(code: string | undefined): string | undefined {
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(code ?? "");
  return m ? m[1].toLowerCase().replace(/_/g, " ") : undefined;
}

/** Alerts a server sends about the CLIENT's certificate (or its absence). */
export const CLIENT_CERT_ALERTS: ReadonlySet<string> = new Set([
  "certificate required",
  "bad certificate",
  "unsupported certificate",
  "certificate revoked",
  "certificate expired",
  "certificate unknown",
  "unknown ca",
  "access denied",
  "decrypt error",
]);

function fail(stage: FailureStage, phase: ProbePhase, code: string, message: string, extra: Partial<CollectorFailure> = {}): CollectorFailure {
  return { ok: false, stage, phase, code, message, alert: alertFromCode(code), ...extra };
}

type RequestOutcome = { ok: true; status: number; grpcStatus?: string } | { ok: false; code: string; message: string };

/** One empty OTLP/HTTP export over the verified socket; reads only the status line. */
function http1Export(socket: tls.TLSSocket, input: CollectorProbeInput, early: EstablishSuccess["early"]): Promise<RequestOutcome> {
  return new Promise((resolve) => {
    const before = early();
    if (before) return resolve({ ok: false, ...before });
    let buffer = Buffer.alloc(0);
    const done = (outcome: RequestOutcome) => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const lineEnd = buffer.indexOf("\r\n");
      if (lineEnd < 0) {
        if (buffer.length > 8192) done({ ok: false, code: "NOT_HTTP", message: "no HTTP status line in the first 8 KiB" });
        return;
      }
      const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(buffer.subarray(0, lineEnd).toString("latin1"));
      done(m ? { ok: true, status: Number(m[1]) } : { ok: false, code: "NOT_HTTP", message: `not an HTTP response: ${JSON.stringify(buffer.subarray(0, Math.min(lineEnd, 40)).toString("latin1"))}` });
    };
    const onError = (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? "ERROR", message: err.message });
    const onEnd = () => done({ ok: false, code: "EOF", message: "the collector closed the connection without answering" });
    socket.on("data", onData);
    socket.once("error", onError);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    const host = input.url.host;
    socket.write(
      `POST ${input.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${input.userAgent}\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
  });
}

/** An empty gRPC export (a zero-length message) over HTTP/2 on the verified socket. */
function grpcExport(socket: tls.TLSSocket, input: CollectorProbeInput, bag: SocketBag, early: EstablishSuccess["early"]): Promise<RequestOutcome> {
  return new Promise((resolve) => {
    const before = early();
    if (before) return resolve({ ok: false, ...before });
    let settled = false;
    let session: http2.ClientHttp2Session | undefined;
    const done = (outcome: RequestOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    // Errors may surface on the TLS socket (an alert), the session, or the stream.
    const onError = (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? "ERROR", message: err.message });
    socket.once("error", onError);
    try {
      session = bag.add(http2.connect(`https://${input.url.host}`, { createConnection: () => socket }));
    } catch (err) {
      onError(err as NodeJS.ErrnoException);
      return;
    }
    session.on("error", onError);
    session.once("close", () => done({ ok: false, code: "EOF", message: "the collector closed the HTTP/2 session without answering" }));
    const stream = session.request({
      ":method": "POST",
      ":path": input.path,
      "content-type": "application/grpc",
      te: "trailers",
      "user-agent": input.userAgent,
    });
    stream.on("error", (err: NodeJS.ErrnoException) => {
      // A stream error caused by the socket is reported better by the socket's own error.
      setImmediate(() => onError(err));
    });
    stream.once("response", (headers) => {
      const status = Number(headers[":status"] ?? 0);
      const grpc = headers["grpc-status"];
      done({ ok: true, status, grpcStatus: grpc === undefined ? undefined : String(grpc) });
    });
    // A gRPC frame: not compressed, length 0 (an empty Export request).
    stream.end(Buffer.alloc(5));
  });
}

/** Races `work` (which must not reject) against timeoutMs and the run's signal. */
function bounded<T>(work: Promise<T>, ms: number, runSignal: AbortSignal, onTimeout: () => T): Promise<T> {
  const signal = probeSignal(runSignal);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
      resolve(value);
    };
    const abort = () => finish(onTimeout());
    const timer = setTimeout(abort, ms);
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    void work.then(finish);
  });
}

/**
 * Connect, verify and send one empty export. The connection phase and the request phase are each
 * bounded by timeoutMs and the run's signal; every socket is destroyed before this returns.
 */
export async function probeCollector(input: CollectorProbeInput): Promise<CollectorProbe> {
  const bag = new SocketBag();
  const route = input.route;
  const timeout = (phase: ProbePhase) => () =>
    fail("timeout", phase, "ETIMEDOUT", phase === "request" ? `no answer to the test export within ${input.timeoutMs} ms` : `no answer within ${input.timeoutMs} ms`);
  try {
    const connected = await establish({
      url: input.url,
      route,
      anchors: input.anchors,
      timeoutMs: input.timeoutMs,
      signal: input.signal,
      now: input.now,
      alpn: input.protocol === "grpc" ? ["h2"] : ["http/1.1"],
      identity: input.identity,
    });
    if (!connected.ok) {
      const phase: ProbePhase = connected.stage === "verify" ? "verify" : "connect";
      return { ok: false, route, failure: { ...connected, phase, alert: alertFromCode(connected.code) } };
    }
    const { socket, chain, verify, early } = connected;
    bag.add(socket);
    const work = input.protocol === "grpc" ? grpcExport(socket, input, bag, early) : http1Export(socket, input, early);
    const answered = await bounded<RequestOutcome | CollectorFailure>(work, input.timeoutMs, input.signal, timeout("request"));
    if ("phase" in answered) return { ok: false, route, failure: { ...answered, chain, verify } };
    if (!answered.ok) {
      return { ok: false, route, failure: fail("tls", "request", answered.code, answered.message, { chain, verify }) };
    }
    return {
      ok: true,
      route,
      chain,
      verify,
      tlsVersion: socket.getProtocol(),
      alpn: socket.alpnProtocol,
      status: answered.status,
      grpcStatus: answered.grpcStatus,
    };
  } finally {
    bag.destroyAll();
  }
}
