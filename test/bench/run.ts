// `npm run bench`: speed and memory as RATIOS against a baseline measured in the same process,
// so the numbers mean the same on a fast laptop and a loaded CI machine.
//
//   1. PEM loading: Codex's loader model (src/ca) over a large bundle vs a naive regex+base64
//      split plus an OpenSSL parse of each certificate (what any OpenSSL-based reader does).
//   2. Offline run: buildContext + the bundle and env checks vs that naive reading of the same files.
//   3. Concurrency: all network checks against silent servers vs ONE silent probe
//      (the bound: the run's wall time stays close to the slowest single probe).
//   4. Memory: heap growth while loading a large bundle, per byte of bundle.
//
// Exits non-zero when a ratio leaves its bound, so a CI run of it can fail.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintRoot, mintIntermediate, startSilentServer, startProxy, type Minted } from "../lab/index.js";
import { parseCodexBundle } from "../../src/ca/codex-bundle.js";
import { buildContext, type RunOptions } from "../../src/context.js";
import { runChecks } from "../../src/runner.js";
import { bundleCheck } from "../../checks/bundle.js";
import { envCheck } from "../../checks/env.js";
import { proxyCheck } from "../../checks/proxy.js";
import { httpsCheck } from "../../checks/https.js";
import { websocketCheck } from "../../checks/websocket.js";
import type { Check } from "../../src/check.js";
import { establish } from "../../src/net/establish.js";
import { resolveProxy } from "../../src/net/proxy.js";

const quick = process.argv.includes("--quick");

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  await fn(); // warm-up: compile and cache before timing, so a cold start does not skew the ratio
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/** Baseline: regex split + base64 + OpenSSL certificate parse, no Codex rules at all. */
function naiveLoad(bytes: Uint8Array): number {
  const text = Buffer.from(bytes).toString("latin1");
  let n = 0;
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    new X509Certificate(Buffer.from(m[1], "base64"));
    n++;
  }
  return n;
}

interface Row {
  name: string;
  ratio: number;
  bound: number;
  detail: string;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "codex-doctor-bench-"));
  const root = await mintRoot({ cn: "Bench Root" });
  const certs: Minted[] = [root];
  for (let i = 0; i < (quick ? 40 : 150); i++) certs.push(await mintIntermediate(root, { cn: `Bench CA ${i}` }));
  const pem = certs.map((c) => c.certPem).join("");
  const big = Buffer.from(pem.repeat(quick ? 5 : 20));
  const bundlePath = join(dir, "bundle.pem");
  writeFileSync(bundlePath, big);
  const rows: Row[] = [];
  const runs = quick ? 9 : 15;

  // 4. Memory per bundle byte, measured first (before other phases leave garbage behind): what a
  // parse RETAINS, garbage collected before and after (`npm run bench` passes --expose-gc).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the bench with node --expose-gc (npm run bench does)");
  // DER bytes live in ArrayBuffers outside the JS heap: count both.
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  gc();
  const before = used();
  const kept = parseCodexBundle(big);
  gc();
  const grown = used() - before;
  rows.push({ name: "heap retained per bundle byte", ratio: Math.max(grown, 0) / big.length, bound: 10, detail: `${(grown / 1048576).toFixed(1)} MiB for ${(big.length / 1048576).toFixed(1)} MiB (${kept.certificates.length} certificates)` });


  // 1. PEM parsing.
  const ours = await time(() => parseCodexBundle(big), runs);
  const naive = await time(() => naiveLoad(big), runs);
  // The model does more than OpenSSL's reader: it also builds a webpki trust anchor per certificate.
  rows.push({ name: "PEM load (Codex model / naive OpenSSL)", ratio: ours / naive, bound: 5, detail: `${ours.toFixed(1)} ms vs ${naive.toFixed(1)} ms for ${(big.length / 1024).toFixed(0)} KiB` });

  // 2. Offline run.
  const options: RunOptions = { offline: true, verbose: false, strict: false, timeoutMs: 1000, targets: [], codexHome: join(dir, "home") };
  const system = { env: { CODEX_CA_CERTIFICATE: join(dir, "small.pem") }, homedir: dir, platform: "linux" as const, now: new Date(), linuxBundleCandidates: [bundlePath], searchPaths: [] };
  writeFileSync(join(dir, "small.pem"), certs.slice(0, 3).map((c) => c.certPem).join(""));
  const offline = await time(async () => {
    const ctx = await buildContext(options, system);
    await runChecks([bundleCheck, envCheck] as Check[], ctx, { offline: true, checkTimeoutMs: 10_000 });
  }, runs);
  const naiveFiles = await time(() => {
    naiveLoad(readFileSync(bundlePath));
    naiveLoad(readFileSync(join(dir, "small.pem")));
  }, runs);
  rows.push({ name: "offline run (doctor / naive OpenSSL load)", ratio: offline / naiveFiles, bound: 5, detail: `${offline.toFixed(1)} ms vs ${naiveFiles.toFixed(1)} ms` });

  // 3. Concurrency against silent peers.
  const timeoutMs = quick ? 300 : 600;
  const silent = await startSilentServer();
  const hang = await startProxy({ mode: "hang" });
  try {
    const single = await time(
      () => establish({ url: new URL(`https://127.0.0.1:${silent.port}/`), route: resolveProxy(`https://127.0.0.1:${silent.port}/`, {}), anchors: [], timeoutMs, signal: new AbortController().signal, now: new Date() }),
      3,
    );
    const all = await time(async () => {
      const ctx = await buildContext(
        { ...options, offline: false, timeoutMs, targets: ["https://auth.openai.com/oauth/token", "https://api.openai.com/v1/models", "https://chatgpt.com/backend-api/codex/models", "wss://chatgpt.com/backend-api/codex/responses"] },
        { ...system, env: { HTTPS_PROXY: hang.url } },
      );
      await runChecks([proxyCheck, httpsCheck, websocketCheck] as Check[], ctx, { offline: false, checkTimeoutMs: timeoutMs * 3 + 2000 });
    }, 3);
    rows.push({ name: "network run, 7 silent probes (all / one)", ratio: all / single, bound: 3, detail: `${all.toFixed(0)} ms vs ${single.toFixed(0)} ms (timeout ${timeoutMs} ms)` });
  } finally {
    await Promise.all([silent.close(), hang.close()]);
  }

  const width = Math.max(...rows.map((r) => r.name.length));
  let failed = 0;
  for (const r of rows) {
    const ok = r.ratio <= r.bound;
    if (!ok) failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${r.name.padEnd(width)}  ratio ${r.ratio.toFixed(2).padStart(8)}  (bound ${r.bound})  ${r.detail}`);
  }
  console.log(`bench: ${rows.length - failed} of ${rows.length} ratios within bounds`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
