// One measured child process: wall time from spawn to exit, exit code, stdout, and (for Node
// children started with `peakRss`) the peak resident set size.
//
// Peak RSS of a child: Node's spawn/spawnSync return no rusage, /proc/<pid>/status (VmHWM) is gone
// by the time the parent sees the exit (polling it misses the peak), and /usr/bin/time is not on
// every machine. So the Node child reports its own ru_maxrss at exit through a `-r` preload
// (max-rss.cjs) on an extra pipe (fd 3). Both sides of the RSS ratio are Node processes with the
// same preload, and timed runs never carry it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export type ChildEnv = Record<string, string>;

export interface Command {
  /** Label used in the report. */
  name: string;
  file: string;
  args: string[];
  env: ChildEnv;
  /** Node children only: inject the max-rss preload and collect ru_maxrss. */
  peakRss?: boolean;
  /** Returns a reason when the run did not do what the measurement assumes (wrong exit, bad JSON). */
  validate?: (run: ChildRun) => string | undefined;
}

export interface ChildRun {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** KiB, only with `peakRss`. */
  maxRssKb?: number;
}

const PRELOAD = fileURLToPath(new URL("./max-rss.cjs", import.meta.url));

/** Hard stop for one child, so a hanging CLI fails the bench instead of hanging it. */
const CHILD_LIMIT_MS = 600_000;

export function runChild(cmd: Command): Promise<ChildRun> {
  const args = cmd.peakRss ? ["-r", PRELOAD, ...cmd.args] : cmd.args;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ended = 0;
    const child = spawn(cmd.file, args, {
      env: cmd.env,
      stdio: cmd.peakRss ? ["ignore", "pipe", "pipe", "pipe"] : ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let rss = "";
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    if (cmd.peakRss) (child.stdio[3] as NodeJS.ReadableStream).on("data", (c: Buffer) => (rss += c.toString()));
    const limit = setTimeout(() => child.kill("SIGKILL"), CHILD_LIMIT_MS);
    child.once("error", (e) => {
      clearTimeout(limit);
      reject(new Error(`${cmd.name}: cannot start ${cmd.file}: ${e.message}`));
    });
    // The process's end is the measurement; 'close' follows once its pipes are drained.
    child.once("exit", () => (ended = performance.now()));
    child.once("close", (code, signal) => {
      clearTimeout(limit);
      resolve({
        ms: (ended || performance.now()) - started,
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        maxRssKb: cmd.peakRss ? Number(rss) || undefined : undefined,
      });
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Runs every command once untimed (warm file cache, lab leaf cache, validation), then `rounds`
 * rounds in which each command runs once, the order rotating per round so no command always
 * follows the same neighbour. Same machine, same minutes: the ratios of the medians hold up under
 * background load far better than any absolute time.
 */
export async function measure(cmds: Command[], rounds: number): Promise<Map<string, ChildRun[]>> {
  const samples = new Map<string, ChildRun[]>(cmds.map((c) => [c.name, []]));
  for (const cmd of cmds) check(cmd, await runChild(cmd));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cmds.length; k++) {
      const cmd = cmds[(r + k) % cmds.length]!;
      const run = await runChild(cmd);
      check(cmd, run);
      samples.get(cmd.name)!.push(run);
    }
  }
  return samples;
}

function check(cmd: Command, run: ChildRun): void {
  const reason = run.signal ? `killed by ${run.signal}` : cmd.validate?.(run);
  if (reason) {
    const tail = run.stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`${cmd.name}: ${reason}${tail ? `\n${tail}` : ""}`);
  }
}
