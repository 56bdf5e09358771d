// Long-running helper processes (squid, tinyproxy): started in the foreground, output kept in a
// file for the failure message, ready when their port accepts, stopped by their own pid.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface Daemon {
  name: string;
  /** The last lines of its output and of any extra log files, for failure messages. */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

function tailOf(path: string, lines: number): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function startDaemon(opts: {
  name: string;
  command: string;
  args: string[];
  /** stdout+stderr go here. */
  outputFile: string;
  /** Extra logs worth showing when it fails (squid's cache.log). */
  logs?: string[];
  ports: number[];
  readyTimeoutMs?: number;
}): Promise<Daemon> {
  const out = openSync(opts.outputFile, "a");
  const child = spawn(opts.command, opts.args, { stdio: ["ignore", out, out] });
  closeSync(out);
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const tail = (lines = 15): string =>
    [opts.outputFile, ...(opts.logs ?? [])].map((f) => `--- ${f}\n${tailOf(f, lines)}`).join("\n");
  const daemon: Daemon = {
    name: opts.name,
    tail,
    async stop() {
      if (exited(child)) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const killed = await Promise.race([gone.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        child.kill("SIGKILL");
        await gone;
      }
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    const failed = await Promise.race([spawnError, sleep(200).then(() => undefined)]);
    if (failed) throw new Error(`${opts.name} could not start (${opts.command}): ${failed.message}`);
    if (exited(child)) throw new Error(`${opts.name} exited during start-up (code ${child.exitCode}):\n${tail()}`);
    const ready = await Promise.all(opts.ports.map(accepts));
    if (ready.every(Boolean)) return daemon;
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`${opts.name} did not listen on ${opts.ports.join(", ")} within ${opts.readyTimeoutMs ?? 30_000} ms:\n${tail()}`);
    }
  }
}
