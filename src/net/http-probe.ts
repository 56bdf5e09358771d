// An HTTP request over a connection made and verified by establish(): undici drives HTTP, but its
// sockets come only from our connector, so trust and proxy are exactly Codex's.
// undici is imported when a probe runs, not at start-up: offline runs and --version never need it.
import type { Target } from "../codex/endpoints.js";
import type { EstablishFailure, EstablishResult, EstablishSuccess } from "./establish.js";
import type { ProxyDecision } from "./proxy.js";
import { probeSignal } from "./connect.js";
import { VERSION } from "../version.js";

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** First 4 KiB of the body, for block-page detection. */
  body: string;
}

export type HttpProbe =
  | { ok: true; route: ProxyDecision; tls: EstablishSuccess; answer: HttpAnswer }
  | { ok: false; route: ProxyDecision; failure: EstablishFailure };

/** A body that is syntactically a token request but can never succeed: no code, no credentials. */
const HARMLESS_TOKEN_BODY = "grant_type=authorization_code&code=codex-doctor-probe&client_id=codex-doctor-probe";

class ConnectFailed extends Error {
  constructor(readonly failure: EstablishFailure) {
    super(failure.message);
  }
}

export interface ProbeInput {
  target: Target;
  route: ProxyDecision;
  /** Opens the verified connection (the caller's trust set and timeout). */
  connect: () => Promise<EstablishResult>;
  timeoutMs: number;
  signal: AbortSignal;
}

export async function probeHttp({ target, route, connect, timeoutMs, signal: runSignal }: ProbeInput): Promise<HttpProbe> {
  // undici listens on the request's signal for the whole request: give it this probe's own.
  const signal = probeSignal(runSignal);
  const url = new URL(target.url);
  // undici is CommonJS: take its exports from `default`, which is module.exports both under Node and
  // in the esbuild bundle (dist/lazy/undici.js, reached through a shim; test/tools/build.ts).
  const { Agent, request } = (await import("undici")).default;
  let tlsInfo: EstablishSuccess | undefined;
  const dispatcher = new Agent({
    connections: 1,
    pipelining: 0,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: (_opts, callback) => {
      connect().then(
        (result) => {
          if (result.ok) {
            tlsInfo = result;
            callback(null, result.socket);
          } else {
            callback(new ConnectFailed(result), null);
          }
        },
        (err: Error) => callback(err, null),
      );
    },
  });
  try {
    const response = await request(url, {
      dispatcher,
      method: target.method,
      signal,
      headers: {
        "user-agent": `codex-doctor/${VERSION}`,
        accept: "application/json",
        ...(target.method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: target.method === "POST" ? HARMLESS_TOKEN_BODY : undefined,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= 4096) break;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : String(v ?? "");
    if (!tlsInfo) throw new Error("undici answered without our connector");
    return { ok: true, route, tls: tlsInfo, answer: { status: response.statusCode, headers, body: Buffer.concat(chunks).subarray(0, 4096).toString("utf8") } };
  } catch (err) {
    const cause = findConnectFailure(err);
    if (cause) return { ok: false, route, failure: cause };
    const e = err as NodeJS.ErrnoException;
    const timedOut = e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT" || signal.aborted;
    return {
      ok: false,
      route,
      failure: timedOut
        ? { ok: false, stage: "timeout", code: "ETIMEDOUT", message: `no HTTP answer within ${timeoutMs} ms` }
        : { ok: false, stage: "tcp", code: e.code ?? "ERROR", message: e.message },
    };
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
}

function findConnectFailure(err: unknown): EstablishFailure | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof ConnectFailed) return e.failure;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
