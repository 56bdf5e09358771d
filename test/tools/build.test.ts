// The shipped bin: the esbuild bundles, built into a temp dir with no node_modules anywhere above
// it, must run on their own (every dependency bundled), start from cli.js and its code cache with
// undici, ws, https-proxy-agent, ora, the lab and node:http2 off the start-up path, and still load
// each of those (and find the egress child) when a run needs them.
import { spawn } from "node:child_process";
import { accessSync, constants, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBin, type Built } from "./build.js";
import { LOOPBACK, mintCorporateChain, mintLeaf, mintRoot, startOrigin, startProxy, type LabServer } from "../lab/index.js";

const REPO = resolve(new URL("../..", import.meta.url).pathname);
const LAZY = /node_modules\/(undici|ws|https-proxy-agent|agent-base)\//;

let dir: string;
let out: string;
let built: Built;
const servers: LabServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "codex-doctor-build-"));
  out = join(dir, "dist");
  built = await buildBin(out);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

type Output = Metafile["outputs"][string];

/** esbuild's outputs keyed by their path inside the output dir (the metafile's are repo-relative). */
function outputs(): Map<string, Output> {
  return new Map(Object.entries(built.metafile.outputs).map(([k, v]) => [relative(out, resolve(REPO, k)), v]));
}

/** What every run loads: bin.js, and cli.js, which bin.js compiles with the code cache (src/code-cache.ts). */
const STARTUP_FILES = ["bin.js", "cli.js"];

/** `node bin args`, or with `direct` the program `bin` itself. */
function run(bin: string, args: string[], env: Record<string, string>, direct = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(direct ? bin : process.execPath, direct ? args : [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", fail);
    child.once("close", (code) => done({ code, stdout, stderr }));
  });
}

function home(name: string, config?: string): Record<string, string> {
  const h = join(dir, name);
  mkdirSync(join(h, ".codex"), { recursive: true });
  if (config !== undefined) writeFileSync(join(h, ".codex", "config.toml"), config);
  return { PATH: process.env.PATH ?? "", HOME: h, CODEX_HOME: join(h, ".codex") };
}

interface JsonCheck {
  id: string;
  status: string;
  findings: { code: string }[];
  data: Record<string, unknown>;
}

describe("the bundled bin", () => {
  it("is an executable file with a shebang and the package version inlined", async () => {
    accessSync(built.bin, constants.X_OK);
    expect(readFileSync(built.bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
    const r = await run(built.bin, ["--version"], home("h-version"));
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.code).toBe(0);
  });

  it("keeps undici, ws, https-proxy-agent, ora and the lab off the start-up path, each in a bundle of its own", () => {
    const all = outputs();
    const startupInputs = STARTUP_FILES.flatMap((f) => Object.keys(all.get(f)!.inputs));
    expect(startupInputs.filter((i) => LAZY.test(i) || /node_modules\/(ora|@peculiar)\/|src\/lab\//.test(i))).toEqual([]);
    const inputsOf = (file: string) => Object.keys(all.get(file)!.inputs);
    expect(inputsOf("lazy/undici.js").some((i) => i.includes("node_modules/undici/"))).toBe(true);
    expect(inputsOf("lazy/ws.js").some((i) => i.includes("node_modules/ws/"))).toBe(true);
    expect(inputsOf("lazy/https-proxy-agent.js").some((i) => i.includes("node_modules/https-proxy-agent/"))).toBe(true);
    expect(inputsOf("lazy/ora.js").some((i) => i.includes("node_modules/ora/"))).toBe(true);
    expect(inputsOf("lazy/lab.js").some((i) => i.includes("node_modules/@peculiar/x509/"))).toBe(true);
  });

  it("is CommonJS in ASCII with no dynamic import left (vm.Script has none), and ships the code cache", () => {
    const all = outputs();
    for (const file of [...STARTUP_FILES, "egress-child.js"]) {
      const text = readFileSync(join(out, file), "latin1");
      expect(all.get(file)!.imports.filter((i) => i.kind === "dynamic-import"), file).toEqual([]);
      expect(text, file).not.toMatch(/\bimport\(/);
      // src/code-cache.ts reads cli.js as latin1: esbuild's default ASCII output makes that exact.
      expect(/[^\x00-\x7f]/.test(text), file).toBe(false);
      // Strict, as the ES modules they were written as (a directive counts only at the very top).
      expect(text.startsWith(file === "bin.js" ? '#!/usr/bin/env node\n"use strict";' : '"use strict";'), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, "package.json"), "utf8"))).toEqual({ type: "commonjs" });
    const key = readFileSync(join(out, "cli.cache"), "latin1").split("\n", 1)[0];
    expect(key).toMatch(new RegExp(`^codex-doctor code cache 2 ${process.version.replace(/\./g, "\\.")} ${process.arch} [0-9a-f]{64} [0-9a-f]{64}$`));
  });

  it("an offline run starts from the code cache, measures no string, walks up no directory, loads no network built-in", async () => {
    // What the build arranges (test/tools/build.ts): cli.js compiled with the cache V8 accepts;
    // string-width's Segmenter and emoji regex, yargs' package.json walk from the working
    // directory and its node:assert removed; built-ins' lazy getters (WebCrypto, process.report)
    // never run; node:tls, node:child_process and node:http2 only when a probe needs them, and
    // neither node:fs/promises nor node:perf_hooks. A preload watches and reports on fd 3.
    const probe = join(dir, "startup-probe.cjs");
    writeFileSync(
      probe,
      [
        "const fs = require('node:fs'); const vm = require('node:vm');",
        "let segmenters = 0; const Seg = Intl.Segmenter;",
        "Intl.Segmenter = class extends Seg { constructor(...a) { super(...a); segmenters++; } };",
        "const walked = []; const readdirSync = fs.readdirSync;",
        "fs.readdirSync = function (p, ...a) { walked.push(String(p)); return readdirSync.call(this, p, ...a); };",
        "const scripts = []; const Script = vm.Script;",
        "vm.Script = class extends Script { constructor(src, o) { super(src, o);",
        "  scripts.push({ file: require('node:path').basename(o.filename), cached: Boolean(o.cachedData), rejected: this.cachedDataRejected }); } };",
        "process.on('exit', () => fs.writeSync(3, JSON.stringify({ segmenters, walked, scripts,",
        "  lazy: Object.keys(require.cache).filter((f) => /[\\\\/]lazy[\\\\/]/.test(f)),",
        "  modules: process.moduleLoadList.filter((m) => /webcrypto|process\\/report|^NativeModule (assert|http2|perf_hooks|tls|child_process|fs\\/promises)$/.test(m)) })));",
      ].join("\n"),
    );
    const result = await new Promise<{ code: number | null; probe: string }>((done, fail) => {
      const child = spawn(process.execPath, ["-r", probe, built.bin, "tls", "--offline", "--json"], { env: home("h-probe"), cwd: dir, stdio: ["ignore", "ignore", "ignore", "pipe"] });
      let text = "";
      (child.stdio[3] as NodeJS.ReadableStream).on("data", (c: Buffer) => (text += c.toString()));
      child.once("error", fail);
      child.once("close", (code) => done({ code, probe: text }));
    });
    expect([0, 1]).toContain(result.code);
    expect(JSON.parse(result.probe)).toEqual({ segmenters: 0, walked: [], modules: [], lazy: [], scripts: [{ file: "cli.js", cached: true, rejected: false }] });
    // --help still lays out the commands (string-width loads on demand).
    const help = await run(built.bin, ["--help"], home("h-probe"));
    expect(help.stdout).toMatch(/Commands:\n\s+codex-doctor tls /);
  });

  it("runs --version and an offline check with dist/lazy/ and the code cache deleted", async () => {
    const bare = join(dir, "bare");
    cpSync(out, bare, { recursive: true });
    rmSync(join(bare, "lazy"), { recursive: true });
    rmSync(join(bare, "cli.cache"));
    const version = await run(join(bare, "bin.js"), ["--version"], home("h-bare"));
    expect(version.code).toBe(0);
    const offline = await run(join(bare, "bin.js"), ["tls", "--offline", "--json"], home("h-bare"));
    expect([0, 1]).toContain(offline.code);
    expect(JSON.parse(offline.stdout)).toMatchObject({ schemaVersion: 1, command: "tls" });
    expect(offline.stderr).toBe("");
  });

  it("writes --output FILE (mode 600) before it exits, and says so on stderr", async () => {
    const file = join(dir, "report.json");
    const r = await run(built.bin, ["tls", "--offline", "--json", "--output", file], home("h-output"));
    expect([0, 1]).toContain(r.code);
    expect({ stdout: r.stdout, stderr: r.stderr }).toEqual({ stdout: "", stderr: `codex-doctor: report written to ${file}\n` });
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ schemaVersion: 1, command: "tls", exitCode: r.code });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("behind an intercepting proxy, with the fix applied: undici, ws and the egress child (through the proxy) all work", async () => {
    const publicRoot = await mintRoot({ cn: "Build Test Public Root" });
    const origin = await startOrigin({ cert: await mintLeaf(publicRoot, { dnsNames: ["chatgpt.com", "api.openai.com", "auth.openai.com"] }) });
    servers.push(origin);
    const corp = await mintCorporateChain({ vendor: "plain" });
    const proxy = await startProxy({
      mode: "intercept",
      upstream: { host: LOOPBACK, port: origin.port, ca: [publicRoot.certPem], servername: "api.openai.com" },
      interceptWith: { issuer: corp.intermediate, chain: [corp.intermediate] },
    });
    servers.push(proxy);
    const corpRoot = join(dir, "corp-root.pem");
    writeFileSync(corpRoot, corp.root.certPem);
    const systemRoots = join(dir, "system-roots.pem");
    writeFileSync(systemRoots, publicRoot.certPem);
    const env = {
      // Sandboxed commands get the network, so the egress child runs (through the proxy).
      ...home("h-online", 'sandbox_mode = "danger-full-access"\n'),
      SSL_CERT_FILE: systemRoots,
      CODEX_CA_CERTIFICATE: corpRoot,
      NODE_EXTRA_CA_CERTS: corpRoot,
      HTTPS_PROXY: `http://${LOOPBACK}:${proxy.port}`,
    };
    const r = await run(built.bin, ["tls", "--json", "--timeout", "10000"], env);
    const checks = (JSON.parse(r.stdout) as { checks: JsonCheck[] }).checks;
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId.https!.status).toBe("pass");
    expect(byId.websocket!.status).toBe("pass");
    expect(byId.sandbox!.findings.map((f) => f.code), JSON.stringify(byId.sandbox!.findings)).toContain("SANDBOX_EGRESS_TRUSTED");
    expect(r.code).toBe(0);
  }, 60_000);

  it("on a terminal it draws ora's spinner, and `demo` runs on the bundled lab (dist/lazy/ora.js, lab.js)", async () => {
    // util-linux `script` gives the bin a 100-column pseudo-terminal (as test/cli/process.test.ts does).
    const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    const tty = await run("script", ["-qec", `stty cols 100 rows 40; exec ${quote(process.execPath)} ${quote(built.bin)} tls --offline`, "/dev/null"], { ...home("h-tty"), TERM: "xterm" }, true);
    expect(tty.stdout).toContain("Gathering facts");
    expect([0, 1]).toContain(tty.code);
    const demo = await run(built.bin, ["demo"], home("h-demo"));
    expect(demo.stdout).toContain("the fix turned every check green");
    expect(demo.code).toBe(0);
  }, 60_000);
});
