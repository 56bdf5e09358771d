// The real bin in a real process, under a real pseudo-terminal (util-linux `script`): a terminal
// that reports 0 columns (at start or after a resize) never makes the spinner loop, SIGTERM and
// SIGINT end the run promptly with a report of what finished, and the cursor is shown again.
import { spawn, type ChildProcess } from "node:child_process";
import { promises as fs, readFileSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "../helpers/doctor.js";

const REPO = new URL("../..", import.meta.url).pathname;
const BIN = join(REPO, "src", "bin.ts");
/** What the old spinner wrote forever on a 0-column terminal: cursor up + erase line. */
const UP_ERASE = "\u001b[1A\u001b[0K";
const HIDE_CURSOR = "\u001b[?25l";
const SHOW_CURSOR = "\u001b[?25h";
/** Far above any report; the old 0-column loop passed it within a second. */
const MAX_OUTPUT = 256 * 1024;

const ws = new Workspace();
let home: string;
/** Accepts TCP and never answers, so a run stays busy until its probe timeout or a signal. */
let silent: net.Server;
let silentPort: number;
let connections = 0;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  home = await ws.scenarioDir();
  await fs.mkdir(join(home, "codex"), { recursive: true });
  silent = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
  ws.cleanup();
});

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

interface Ran {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** `script -qec "<setup>; exec node bin ..."`: the doctor's stdin/stdout/stderr are a pty. */
function runInPty(setup: string, args: string[], hardLimitMs: number): Ran {
  const command = `${setup}; exec ${quote(process.execPath)} --import tsx ${quote(BIN)} ${args.map(quote).join(" ")}`;
  return run("script", ["-qec", command, "/dev/null"], hardLimitMs);
}

function run(file: string, args: string[], hardLimitMs: number): Ran {
  const started = performance.now();
  const child = spawn(file, args, {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CODEX_HOME: join(home, "codex"), TERM: "xterm" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let size = 0;
  const take = (chunk: Buffer) => {
    size += chunk.length;
    if (out.length < MAX_OUTPUT * 2) out += chunk.toString("utf8");
    if (size > MAX_OUTPUT * 4) child.kill("SIGKILL"); // an unbounded writer: stop it, the test fails on size
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const hard = setTimeout(() => child.kill("SIGKILL"), hardLimitMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(hard);
      resolve({ code, signal, ms: performance.now() - started });
    });
  });
  return { child, output: () => out, exited };
}

/** The node process `script` started (its shell exec'd node), found through /proc. */
async function doctorPid(scriptPid: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const children = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, "utf8").trim();
    if (children) {
      const pid = Number(children.split(/\s+/)[0]);
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("bin.ts")) return pid;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the doctor process did not start");
}

async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every hide-cursor is followed, eventually, by a show-cursor. */
function cursorShownAtEnd(out: string): boolean {
  const hidden = out.lastIndexOf(HIDE_CURSOR);
  return hidden === -1 || out.lastIndexOf(SHOW_CURSOR) > hidden;
}

describe("spinner on odd terminals", () => {
  it.each([0, 10])("a %i-column terminal: no spinner, the report, exit 0, bounded output", async (cols) => {
    const r = runInPty(`stty cols ${cols}`, ["tls", "--offline", "--no-color"], 40_000);
    const { code, ms } = await r.exited;
    const out = r.output();
    expect(out.length).toBeLessThan(MAX_OUTPUT);
    expect(code).toBe(0);
    expect(out).not.toContain(UP_ERASE);
    expect(out).not.toContain("Gathering facts");
    expect(out).toMatch(/\d+ passed, \d+ warnings?, \d+ failed, \d+ skipped/);
    expect(ms).toBeLessThan(40_000);
  }, 60_000);

  it("an 80-column terminal shows the spinner (so the cases above mean something) and restores the cursor", async () => {
    const r = runInPty("stty cols 80", ["tls", "--offline", "--no-color"], 40_000);
    const { code } = await r.exited;
    expect(code).toBe(0);
    expect(r.output()).toContain("Gathering facts");
    expect(cursorShownAtEnd(r.output())).toBe(true);
  }, 60_000);

  it("a terminal resized to 0 columns mid-run: the spinner stops, the run finishes", async () => {
    const before = connections;
    const r = runInPty("stty cols 80", ["tls", "--no-color", "--only", "https", "--target", `https://127.0.0.1:${silentPort}/`, "--timeout", "3000"], 50_000);
    const pid = await doctorPid(r.child.pid!);
    await until("the probe to reach the silent server", () => connections > before, 40_000);
    await until("the spinner to draw", () => r.output().includes("Gathering facts") || r.output().includes("HTTPS"), 5_000);
    // TIOCSWINSZ on the doctor's terminal: the kernel sends it SIGWINCH, Node updates columns.
    const tty = await fs.readlink(`/proc/${pid}/fd/2`);
    await new Promise<void>((resolve, reject) => {
      const stty = spawn("stty", ["-F", tty, "cols", "0"], { stdio: "ignore" });
      stty.on("close", (c) => (c === 0 ? resolve() : reject(new Error(`stty exited ${c}`))));
    });
    const { code } = await r.exited;
    const out = r.output();
    expect(out.length).toBeLessThan(MAX_OUTPUT);
    expect(code).toBe(1); // the silent server: TLS timeout, a failed https check
    expect(out).toContain("https");
    expect(cursorShownAtEnd(out)).toBe(true);
  }, 60_000);
});

describe("signals", () => {
  it("SIGTERM mid-run on a terminal: exit 143 within a moment, the report of what finished, cursor shown", async () => {
    const before = connections;
    const r = runInPty("stty cols 80", ["tls", "--no-color", "--target", `https://127.0.0.1:${silentPort}/`, "--timeout", "30000"], 50_000);
    const pid = await doctorPid(r.child.pid!);
    await until("the probe to reach the silent server", () => connections > before, 40_000);
    const sent = performance.now();
    process.kill(pid, "SIGTERM");
    const { code } = await r.exited;
    expect(performance.now() - sent).toBeLessThan(5_000);
    expect(code).toBe(143);
    const out = r.output();
    expect(out).toMatch(/https\s+stopped by SIGTERM/);
    expect(out).toMatch(/\d+ passed, \d+ warnings?, \d+ failed, \d+ skipped/);
    expect(cursorShownAtEnd(out)).toBe(true);
  }, 60_000);

  it("SIGINT with --json (no terminal): exit 130 and still exactly one JSON report", async () => {
    const before = connections;
    const r = run(process.execPath, ["--import", "tsx", BIN, "tls", "--json", "--only", "https", "--only", "bundle", "--target", `https://127.0.0.1:${silentPort}/`, "--timeout", "30000"], 50_000);
    await until("the probe to reach the silent server", () => connections > before, 40_000);
    const sent = performance.now();
    r.child.kill("SIGINT");
    const { code } = await r.exited;
    expect(performance.now() - sent).toBeLessThan(5_000);
    expect(code).toBe(130);
    const report = JSON.parse(r.output()) as { ok: boolean; exitCode: number; checks: { id: string; status: string; findings: { code: string }[] }[] };
    // The report says what the process exits with.
    expect(report.exitCode).toBe(130);
    const https = report.checks.find((c) => c.id === "https")!;
    expect(https.status).toBe("skip");
    expect(https.findings.map((f) => f.code)).toEqual(["INTERRUPTED"]);
    expect(report.checks.find((c) => c.id === "bundle")!.status).not.toBe("skip");
  }, 60_000);
});
