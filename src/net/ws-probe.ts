// A WebSocket upgrade the way Codex's Responses WebSocket does it: same proxy, same roots. ws
// drives the handshake, but its socket comes only from establish(), so nothing is sent before our
// verification passed. ws is imported when a probe runs, not at start-up.
import type WebSocket from "ws";
import type { Duplex } from "node:stream";
import type { EstablishFailure, EstablishSuccess } from "./establish.js";
import type { ProxyDecision } from "./proxy.js";
import type { ProbeInput } from "./http-probe.js";
import { probeSignal } from "./connect.js";
import { VERSION } from "../version.js";

export type WsOutcome =
  | { kind: "upgraded" }
  /** The server or a proxy answered the upgrade with a plain HTTP response. */
  | { kind: "http"; status: number; headers: Record<string, string>; body: string }
  /** 101 without a valid Upgrade/Accept: something in the middle mangled the handshake. */
  | { kind: "bad-handshake"; detail: string }
  | { kind: "timeout" };

export type WsProbe =
  | { ok: true; route: ProxyDecision; tls: EstablishSuccess; outcome: WsOutcome }
  | { ok: false; route: ProxyDecision; failure: EstablishFailure };

export async function probeWebSocket({ target, route, connect, timeoutMs, signal: runSignal }: ProbeInput): Promise<WsProbe> {
  const signal = probeSignal(runSignal);
  const url = new URL(target.url);
  const { default: WebSocketClient } = await import("ws");
  let failure: EstablishFailure | undefined;
  let tlsInfo: EstablishSuccess | undefined;

  const outcome = await new Promise<WsOutcome | undefined>((resolve) => {
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs * 2);
    let ws: WebSocket | undefined;
    const finish = (value: WsOutcome | undefined) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      ws?.removeAllListeners();
      ws?.on("error", () => undefined);
      ws?.terminate();
      resolve(value);
    };
    const onAbort = () => finish({ kind: "timeout" });
    signal.addEventListener("abort", onAbort, { once: true });

    ws = new WebSocketClient(url, {
      headers: { "user-agent": `codex-doctor/${VERSION}`, "OpenAI-Beta": "responses_websockets=2026-02-06" },
      // No handshakeTimeout: our own timer below ends a silent upgrade as { kind: "timeout" }.
      perMessageDeflate: false,
      // Node's ClientRequest accepts an async createConnection(options, callback).
      createConnection: ((_opts: unknown, callback: (err: Error | null, socket?: Duplex) => void) => {
        connect().then(
          (result) => {
            if (result.ok) {
              tlsInfo = result;
              callback(null, result.socket);
            } else {
              failure = result;
              callback(new Error(result.message));
            }
          },
          (err: Error) => callback(err),
        );
        return undefined;
      }) as unknown as WebSocket.ClientOptions["createConnection"],
    });
    ws.once("open", () => finish({ kind: "upgraded" }));
    ws.once("unexpected-response", (_req, res) => {
      const chunks: Buffer[] = [];
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : String(v ?? "");
      res.on("data", (c: Buffer) => chunks.push(c));
      const done = () => finish({ kind: "http", status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).subarray(0, 4096).toString("utf8") });
      res.once("end", done);
      res.once("error", done);
      setTimeout(done, 500);
    });
    ws.once("error", (err: Error) => {
      if (failure) return finish(undefined);
      // ws reports a mangled 101 (missing Upgrade or a wrong Sec-WebSocket-Accept) as an error.
      if (tlsInfo) return finish({ kind: "bad-handshake", detail: err.message });
      failure = { ok: false, stage: "tcp", code: (err as NodeJS.ErrnoException).code ?? "ERROR", message: err.message };
      finish(undefined);
    });
  });

  if (!outcome || !tlsInfo) {
    return { ok: false, route, failure: failure ?? { ok: false, stage: "timeout", code: "ETIMEDOUT", message: "no answer" } };
  }
  return { ok: true, route, tls: tlsInfo, outcome };
}
