// The stand-in for api.openai.com / auth.openai.com: HTTPS + WebSocket on 127.0.0.1:443 (inside the
// e2e network namespace), serving the smallest Responses stream with which Codex completes a turn.
// The reply text is derived from the caller's API key, so a scenario recognises its own turn.
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Minted } from "../../src/lab/pki.js";
import { pemBundle } from "../../src/lab/origin.js";
import { closeServer, SocketTracker } from "../../src/lab/util.js";

/** One model turn the origin answered, and over which transport. */
export interface Turn {
  apiKey: string;
  transport: "sse" | "websocket";
}

export interface ResponsesOrigin {
  turns: Turn[];
  close(): Promise<void>;
}

/** What Codex prints as the assistant's message when it completed a turn with this key. */
export const replyFor = (apiKey: string): string => `e2e turn completed for ${apiKey.slice(-12)}`;

// The events Codex's own SDK tests stream (response.created, one assistant message, completed).
function responseEvents(apiKey: string): Array<Record<string, unknown>> {
  const id = "resp_e2e";
  return [
    { type: "response.created", response: { id } },
    {
      type: "response.output_item.done",
      item: { type: "message", role: "assistant", id: "msg_e2e", content: [{ type: "output_text", text: replyFor(apiKey) }] },
    },
    {
      type: "response.completed",
      response: {
        id,
        usage: { input_tokens: 0, input_tokens_details: null, output_tokens: 0, output_tokens_details: null, total_tokens: 0 },
      },
    },
  ];
}

const bearer = (req: IncomingMessage): string | undefined => /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
const pathOf = (req: IncomingMessage): string => (req.url ?? "/").split("?")[0] ?? "/";

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

export async function startResponsesOrigin(opts: {
  cert: Minted;
  /** Sent after the leaf. */
  chain: Minted[];
  host: string;
  port: number;
}): Promise<ResponsesOrigin> {
  const turns: Turn[] = [];
  const sockets = new SocketTracker();
  const server = https.createServer({ key: opts.cert.keyPem, cert: pemBundle(opts.cert, opts.chain) });
  const wss = new WebSocketServer({ noServer: true });

  server.on("connection", (s) => sockets.track(s));
  server.on("secureConnection", (s) => sockets.track(s));
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // Drain the body first: Codex's request is ~40 KB and must be read before we answer.
    req.resume();
    req.on("end", () => {
      const key = bearer(req);
      const route = `${req.method} ${pathOf(req)}`;
      if (route === "POST /oauth/token") return json(res, 400, { error: "invalid_request" });
      if (route === "GET /v1/models") return json(res, 401, { error: { message: "Missing bearer authentication", code: "invalid_api_key" } });
      if (route !== "POST /v1/responses") return json(res, 404, { error: "not_found" });
      if (key === undefined) return json(res, 401, { error: { message: "Missing bearer authentication" } });
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const event of responseEvents(key)) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      res.end();
      turns.push({ apiKey: key, transport: "sse" });
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.track(socket);
    const key = bearer(req);
    if (pathOf(req) !== "/v1/responses") return refuse(socket, 404, "Not Found");
    if (key === undefined) return refuse(socket, 401, "Unauthorized");
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // Codex sends `response.create` (a prewarm, then the turn); each gets a whole stream.
      ws.on("message", (data) => {
        let type: unknown;
        try {
          type = (JSON.parse(String(data)) as { type?: unknown }).type;
        } catch {
          return ws.close(1003, "not JSON");
        }
        if (type !== "response.create") return;
        for (const event of responseEvents(key)) ws.send(JSON.stringify(event));
        turns.push({ apiKey: key, transport: "websocket" });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    turns,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closeServer(server, sockets);
    },
  };
}
