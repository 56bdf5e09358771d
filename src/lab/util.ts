// Small shared helpers: loopback listening and socket bookkeeping so close() never hangs.
import type { Server } from "node:net";
import type { Duplex } from "node:stream";

export const LOOPBACK = "127.0.0.1";

/** Common shape of every lab server. */
export interface LabServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Bind to 127.0.0.1 on an ephemeral port (never a fixed one). */
export function listenLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      server.off("error", reject);
      const addr = server.address();
      if (addr === null || typeof addr === "string") reject(new Error("no TCP address"));
      else resolve(addr.port);
    });
  });
}

/**
 * Remembers live sockets. server.close() waits for open connections, and a test that
 * leaves a tunnel or WebSocket open would otherwise hang afterAll.
 */
export class SocketTracker {
  private readonly live = new Set<Duplex>();

  track<T extends Duplex>(socket: T): T {
    this.live.add(socket);
    socket.once("close", () => this.live.delete(socket));
    // A destroyed peer must not surface as an uncaught 'error' in the test process.
    socket.on("error", () => {});
    return socket;
  }

  destroyAll(): void {
    for (const s of this.live) s.destroy();
    this.live.clear();
  }
}

/** Destroy tracked sockets, then wait for the listener to go away. */
export function closeServer(server: Server, sockets: SocketTracker): Promise<void> {
  return new Promise((resolve) => {
    sockets.destroyAll();
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

export function basicAuth(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
}
