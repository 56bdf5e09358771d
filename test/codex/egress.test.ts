// The egress child on its own, against a lab origin on 127.0.0.1 (its leaf covers the loopback
// address): Node trusts the chain only through NODE_EXTRA_CA_CERTS in the child's environment, the
// child inherits nothing from the doctor, a run is bounded by its timeout and the AbortSignal, a slow
// start-up does not eat the probe's timeout, and the child never outlives the doctor.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childArgs, runEgressProbe } from "../../src/net/egress.js";
import { PREBUILT_CHILD_VAR } from "../../src/net/egress-protocol.js";
import { makeTempDir } from "../helpers/tmp.js";
import { probeTcp } from "../../src/net/connect.js";
import { mintIntermediate, mintLeaf, mintRoot, startOrigin, startProxy, type LabServer, type Origin } from "../lab/index.js";
import { closedPort, openPort } from "./harness.js";

let origin: Origin;
let hang: LabServer;
let dir: string;
let rootFile: string;
const signal = () => new AbortController().signal;

beforeAll(async () => {
  const root = await mintRoot({ cn: "Egress Lab Root", o: "Lab" });
  const int = await mintIntermediate(root, { cn: "Egress Lab Issuing CA", o: "Lab" });
  origin = await startOrigin({ cert: await mintLeaf(int, { dnsNames: ["api.openai.com"] }), chain: [int] });
  hang = await startProxy({ mode: "hang" });
  dir = makeTempDir("codex-doctor-egress-");
  rootFile = join(dir, "root.pem");
  writeFileSync(rootFile, root.certPem);
});

afterAll(async () => {
  await Promise.all([origin.close(), hang.close()]);
});

/** A NODE_OPTIONS preload that holds node's start-up for `ms` without using the CPU. */
function slowStart(ms: number): string {
  const file = join(dir, `slow-start-${ms}.cjs`);
  writeFileSync(file, `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});\n`);
  return `--require ${file}`;
}

const url = () => `https://127.0.0.1:${origin.port}/v1/models`;

describe.concurrent("runEgressProbe", () => {
  it("trusts the chain when NODE_EXTRA_CA_CERTS in the child's environment holds the root", async () => {
    const r = await runEgressProbe({ url: url(), env: { NODE_EXTRA_CA_CERTS: rootFile }, timeoutMs: 3000, signal: signal() });
    expect(r.outcome).toBe("trusted");
    expect(r.report).toMatchObject({ via: null, outcome: "trusted" });
    expect(typeof r.report?.status).toBe("number");
  });

  it("does not trust it without (Node's bundled roots only)", async () => {
    const r = await runEgressProbe({ url: url(), env: {}, timeoutMs: 3000, signal: signal() });
    expect(r.outcome).toBe("untrusted");
    expect(r.report?.code).toBe("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
  });

  it("inherits nothing from the doctor's own environment", async () => {
    const saved = { proxy: process.env.HTTPS_PROXY, ca: process.env.NODE_EXTRA_CA_CERTS };
    process.env.HTTPS_PROXY = `http://127.0.0.1:${await closedPort()}`;
    process.env.NODE_EXTRA_CA_CERTS = rootFile;
    try {
      const r = await runEgressProbe({ url: url(), env: {}, timeoutMs: 3000, signal: signal() });
      // Neither the parent's proxy (it would fail to connect) nor its CA (it would trust) reached the child.
      expect(r.outcome).toBe("untrusted");
      expect(r.report?.via).toBeNull();
    } finally {
      if (saved.proxy === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved.proxy;
      if (saved.ca === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved.ca;
    }
  });

  it("honours NO_PROXY in the child's environment", async () => {
    const env = { HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}`, NO_PROXY: "127.0.0.1", NODE_EXTRA_CA_CERTS: rootFile };
    const r = await runEgressProbe({ url: url(), env, timeoutMs: 3000, signal: signal() });
    expect(r.outcome).toBe("trusted");
    expect(r.report?.bypassedBy).toContain("NO_PROXY");
  });

  it("an abort ends the run at once and kills the child", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = runEgressProbe({ url: "https://api.openai.com/v1/models", env: { HTTPS_PROXY: hang.url }, timeoutMs: 30_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const r = await pending;
    expect(r.outcome).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe("runEgressProbe start-up", () => {
  it("the probe's timeout starts when the child is ready, not when it is spawned", async () => {
    // 6 s of start-up (a loaded machine, tsx, a preload) against a 1 s probe timeout: the old fixed
    // start-up slack (1.5 s compiled, 4 s under tsx) reported a timeout here.
    const env = { NODE_EXTRA_CA_CERTS: rootFile, NODE_OPTIONS: slowStart(6000) };
    const r = await runEgressProbe({ url: url(), env, timeoutMs: 1000, signal: signal() });
    expect(r.outcome).toBe("trusted");
    expect(r.durationMs).toBeGreaterThanOrEqual(6000);
  });

  it("a start-up that never ends is capped on its own and reported as a child failure, not a probe timeout", async () => {
    const started = performance.now();
    const env = { NODE_OPTIONS: slowStart(60_000) };
    const r = await runEgressProbe({ url: url(), env, timeoutMs: 30_000, startupCapMs: 1500, signal: signal() });
    expect(r).toMatchObject({ outcome: "child-failed", exitCode: null, stderr: "node did not start within 1.5 s" });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("from source without the prebuilt child, the TS source runs under tsx", async () => {
    const { [PREBUILT_CHILD_VAR]: _prebuilt, ...env } = process.env;
    const args = childArgs(env);
    expect(args[0]).toBe("--import");
    expect(args[2]).toMatch(/egress-child\.ts$/);
    // The prebuilt file is what the tests use otherwise (test/setup/global.ts).
    expect(childArgs()[0]).toBe(process.env[PREBUILT_CHILD_VAR]);
    const saved = process.env[PREBUILT_CHILD_VAR];
    delete process.env[PREBUILT_CHILD_VAR];
    try {
      const r = await runEgressProbe({ url: url(), env: { NODE_EXTRA_CA_CERTS: rootFile }, timeoutMs: 3000, signal: signal() });
      expect(r.outcome).toBe("trusted");
    } finally {
      process.env[PREBUILT_CHILD_VAR] = saved;
    }
  });
});

describe("the egress child never outlives the doctor", () => {
  /** Live (not zombie) processes whose parent is `ppid`, with their command lines. */
  function childrenOf(ppid: number): { pid: number; cmd: string }[] {
    const out: { pid: number; cmd: string }[] = [];
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(parent) === ppid && state !== "Z") out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ") });
      } catch {
        /* gone meanwhile */
      }
    }
    return out;
  }
  function alive(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return false;
    }
  }
  async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
    const deadline = performance.now() + ms;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it.skipIf(process.platform !== "linux")("SIGINT to the doctor alone: its egress child is gone within 3 s", async () => {
    // The real CLI, sandbox check only, with network allowed so the egress proof runs, through a
    // proxy that accepts CONNECT and never answers; the probe would wait 60 s.
    const home = join(dir, "orphan-codex-home");
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, "config.toml"), 'sandbox_mode = "workspace-write"\n\n[sandbox_workspace_write]\nnetwork_access = true\n');
    const bin = fileURLToPath(new URL("../../src/bin.ts", import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const env = { PATH: process.env.PATH ?? "", HOME: dir, HTTPS_PROXY: hang.url, [PREBUILT_CHILD_VAR]: process.env[PREBUILT_CHILD_VAR] ?? "" };
    const doctor = spawn(process.execPath, ["--import", tsx, bin, "tls", "--only", "sandbox", "--timeout", "60000", "--codex-home", home, "--no-color"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    doctor.stdout.on("data", (c: Buffer) => (output += c.toString()));
    doctor.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => doctor.once("exit", () => resolve()));
    try {
      const child = await until("the egress child to start", 25_000, () => childrenOf(doctor.pid!).find((c) => c.cmd.includes("egress-child")));
      doctor.kill("SIGINT");
      await exited;
      await until(`egress child ${child.pid} to exit (doctor output: ${output.slice(0, 200)})`, 3000, () => (alive(child.pid) ? undefined : true));
    } finally {
      if (doctor.exitCode === null && doctor.signalCode === null) doctor.kill("SIGKILL");
    }
  });
});

describe("probeTcp", () => {
  it("refused, listening, and bounded", async () => {
    expect(await probeTcp("127.0.0.1", await closedPort(), 1000, signal())).toEqual({ ok: false, code: "ECONNREFUSED" });
    const open = await openPort();
    try {
      expect(await probeTcp("127.0.0.1", open.port, 1000, signal())).toEqual({ ok: true });
    } finally {
      await open.close();
    }
    const aborted = new AbortController();
    aborted.abort();
    // 192.0.2.1 (TEST-NET-1) never answers; the pre-aborted signal must end it immediately.
    const started = performance.now();
    const r = await probeTcp("192.0.2.1", 9, 5000, aborted.signal);
    expect(r.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
