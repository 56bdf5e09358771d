// The shipped bin: the esbuild bundle, built into a temp dir with no node_modules anywhere above it,
// must run on its own (every dependency bundled), keep undici, ws, https-proxy-agent and
// node:http2 off the start-up path, and still load them (and find its egress child) when a
// network run needs them.
import { spawn } from "node:child_process";
import { accessSync, constants, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** Every output file bin.js loads through static imports: what any run pays for at start-up. */
function startupFiles(): string[] {
  const all = outputs();
  const seen = new Set<string>();
  const queue = ["bin.js"];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imp of all.get(file)!.imports) {
      if (imp.kind === "import-statement" && !imp.external) queue.push(relative(out, resolve(REPO, imp.path)));
    }
  }
  return [...seen];
}

function run(bin: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
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

  it("keeps undici, ws, https-proxy-agent and node:http2 off the start-up path, in chunks of their own", () => {
    const all = outputs();
    const files = startupFiles();
    expect(files.flatMap((f) => Object.keys(all.get(f)!.inputs)).filter((i) => LAZY.test(i))).toEqual([]);
    const builtins = files.flatMap((f) => all.get(f)!.imports.filter((i) => i.external && i.kind === "import-statement").map((i) => i.path));
    expect(builtins.filter((b) => /^(node:)?http2$/.test(b))).toEqual([]);
    const bundled = [...all.values()].flatMap((o) => Object.keys(o.inputs));
    for (const pkg of ["undici", "ws", "https-proxy-agent"]) expect(bundled.some((i) => i.includes(`node_modules/${pkg}/`))).toBe(true);
  });

  it("an offline run measures no string, walks up no directory and runs no built-in's lazy getters", async () => {
    // What the build's start-up plugins remove (test/tools/build.ts): string-width's Segmenter and
    // emoji regex, yargs' package.json walk from the working directory, the ESM facades that
    // built WebCrypto and process.report. A preload counts them and reports on fd 3.
    const probe = join(dir, "startup-probe.cjs");
    writeFileSync(
      probe,
      [
        "const fs = require('node:fs');",
        "let segmenters = 0; const Seg = Intl.Segmenter;",
        "Intl.Segmenter = class extends Seg { constructor(...a) { super(...a); segmenters++; } };",
        "const walked = []; const readdirSync = fs.readdirSync;",
        "fs.readdirSync = function (p, ...a) { walked.push(String(p)); return readdirSync.call(this, p, ...a); };",
        "process.on('exit', () => fs.writeSync(3, JSON.stringify({ segmenters, walked,",
        "  modules: process.moduleLoadList.filter((m) => /webcrypto|process\\/report/.test(m)) })));",
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
    expect(JSON.parse(result.probe)).toEqual({ segmenters: 0, walked: [], modules: [] });
    // --help still lays out the commands (string-width loads on demand).
    const help = await run(built.bin, ["--help"], home("h-probe"));
    expect(help.stdout).toMatch(/Commands:\n\s+codex-doctor tls /);
  });

  it("runs --version and an offline check with the network chunks deleted", async () => {
    const bare = join(dir, "bare");
    cpSync(out, bare, { recursive: true });
    const removed = [...outputs()].filter(([, o]) => Object.keys(o.inputs).some((i) => LAZY.test(i))).map(([f]) => f);
    expect(removed.length).toBeGreaterThan(0);
    for (const f of removed) rmSync(join(bare, f));
    const version = await run(join(bare, "bin.js"), ["--version"], home("h-bare"));
    expect(version.code).toBe(0);
    const offline = await run(join(bare, "bin.js"), ["tls", "--offline", "--json"], home("h-bare"));
    expect([0, 1]).toContain(offline.code);
    expect(JSON.parse(offline.stdout)).toMatchObject({ schemaVersion: 1, command: "tls" });
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
});
