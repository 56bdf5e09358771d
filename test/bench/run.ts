// `npm run bench`: whole-process speed and memory of the BUILT CLI (the package's bin, started the
// way a user starts it), each as a ratio to a baseline measured alternately in the same minutes:
//
//   startup  offline run, 150-cert bundle ÷ `node -e 0`                                bound 3.0 (goal 2.0)
//            --version                    ÷ `node -e 0`                                bound 2.0
//   10k      offline run, 10k-cert bundle ÷ `openssl storeutl -noout -certs` same file bound 1.0
//            its peak RSS                 ÷ `node -e 0`'s peak RSS                     bound 3.0
//   network  failing run (intercepting proxy, no CA) ÷ passing run (CA configured)     bound 1.3
//   silent   a proxy that accepts and never answers, --timeout 2000: every run ends within 2.5 s
//
// Medians of alternated runs (test/bench/child.ts). Certificates are minted now into a temp dir that
// is removed at the end (test/bench/fixtures.ts). Exits non-zero when a bound is missed or a run
// misbehaves (wrong exit code, no JSON, wrong certificate count).
// `--quick` (CI) takes fewer runs; `--only startup,10k,network,silent` runs some groups and checks
// only their bounds; `--bin PATH` measures another build of the CLI (before/after comparisons).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, relative, resolve } from "node:path";
import { LOOPBACK, mintCorporateChain, mintLeaf, mintRoot, startOrigin, startProxy, type LabServer, type Minted } from "../../src/lab/index.js";
import { measure, median, type ChildEnv, type ChildRun, type Command } from "./child.js";
import { mintBundle } from "./fixtures.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? { startup: 7, big: 3, rss: 3, network: 5, silent: 1 } : { startup: 25, big: 7, rss: 5, network: 9, silent: 3 };
const GROUPS = ["startup", "10k", "network", "silent"] as const;
type Group = (typeof GROUPS)[number];

const SILENT_TIMEOUT_MS = 2000;
const SILENT_BOUND_MS = 2500;

interface Row {
  name: string;
  value: number;
  bound: number;
  goal?: number;
  unit: "x" | "ms";
  detail: string;
}

/** What every group shares: the built bin, a scratch dir, the child environment. */
interface Bench {
  node: string;
  bin: string;
  dir: string;
  /** Nothing inherited: the machine's proxies, CA variables and ~/.codex stay out of the numbers. */
  env: ChildEnv;
  /** Writes a fixture file into the scratch dir and returns its path. */
  write: (name: string, text: string) => string;
  /** The lab's "public" root, which SSL_CERT_FILE (the system store) holds. */
  publicRoot: Minted;
  servers: LabServer[];
}

const repo = resolve(new URL("../..", import.meta.url).pathname);

function builtBin(argv: string[]): string {
  const at = argv.indexOf("--bin");
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { bin: Record<string, string> };
  const bin = at > 0 ? resolve(argv[at + 1] ?? "") : join(repo, pkg.bin["codex-doctor"]!);
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`npm run build\` first (npm run bench does)`);
  return bin;
}

function parseGroups(argv: string[]): Group[] {
  const at = argv.indexOf("--only");
  if (at < 0) return [...GROUPS];
  const wanted = (argv[at + 1] ?? "").split(",").filter(Boolean);
  for (const g of wanted) if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown group "${g}" (known: ${GROUPS.join(", ")})`);
  return wanted as Group[];
}

// --- what a valid run looks like ---------------------------------------------------------------

interface JsonReport {
  exitCode: number;
  ca: { certificates?: number; codexLoads?: boolean } | null;
}

function jsonReport(run: ChildRun): JsonReport | string {
  try {
    return JSON.parse(run.stdout) as JsonReport;
  } catch {
    return `no JSON report on stdout (exit ${run.code})`;
  }
}

/** Codex would load exactly `count` certificates, and the tool could run (exit 0 or 1, not 2). */
const loads = (count: number) => (run: ChildRun): string | undefined => {
  const r = jsonReport(run);
  if (typeof r === "string") return r;
  if (run.code !== 0 && run.code !== 1) return `exit ${run.code}`;
  if (r.ca?.certificates !== count || !r.ca.codexLoads) return `expected Codex to load ${count} certificates, the report says ${JSON.stringify(r.ca)}`;
  return undefined;
};

const exitsWith = (code: number) => (run: ChildRun): string | undefined => {
  const r = jsonReport(run);
  if (typeof r === "string") return r;
  return run.code === code ? undefined : `expected exit ${code}, got ${run.code}`;
};

const medianMs = (runs: ChildRun[]): number => median(runs.map((r) => r.ms));
const pair = (a: number, b: number): string => `${a.toFixed(0)} ms vs ${b.toFixed(0)} ms`;

function nodeBaseline(b: Bench): Command {
  return { name: "node -e 0", file: b.node, args: ["-e", "0"], env: b.env, validate: (r) => (r.code === 0 ? undefined : `exit ${r.code}`) };
}

function offlineRun(b: Bench, name: string, bundle: string, count: number): Command {
  return { name, file: b.node, args: [b.bin, "tls", "--offline", "--json"], env: { ...b.env, CODEX_CA_CERTIFICATE: bundle }, validate: loads(count) };
}

// --- groups ------------------------------------------------------------------------------------

async function startup(b: Bench): Promise<Row[]> {
  const base = nodeBaseline(b);
  const version: Command = {
    name: "--version",
    file: b.node,
    args: [b.bin, "--version"],
    env: b.env,
    validate: (r) => (r.code === 0 && /^\d+\.\d+\.\d+/.test(r.stdout) ? undefined : `exit ${r.code}, stdout ${JSON.stringify(r.stdout.slice(0, 80))}`),
  };
  const offline = offlineRun(b, "offline 150", b.write("bundle-150.pem", await mintBundle(150)), 150);
  const runs = await measure([base, version, offline], ROUNDS.startup);
  const node = medianMs(runs.get(base.name)!);
  const v = medianMs(runs.get(version.name)!);
  const o = medianMs(runs.get(offline.name)!);
  return [
    { name: "offline run, 150-cert bundle / node -e 0", value: o / node, bound: 3, goal: 2, unit: "x", detail: pair(o, node) },
    { name: "--version / node -e 0", value: v / node, bound: 2, unit: "x", detail: pair(v, node) },
  ];
}

async function bigBundle(b: Bench): Promise<Row[]> {
  const rows: Row[] = [];
  const bundle = b.write("bundle-10k.pem", await mintBundle(10_000));
  const ours = offlineRun(b, "offline 10k", bundle, 10_000);
  const name = "offline run, 10k certs / openssl storeutl";
  if (hasOpenssl()) {
    const storeutl: Command = {
      name: "openssl storeutl",
      file: "openssl",
      args: ["storeutl", "-noout", "-certs", bundle],
      env: b.env,
      validate: (r) => (r.code === 0 && /Total found: 10000\b/.test(r.stdout) ? undefined : `exit ${r.code}, ${r.stdout.trim().split("\n").pop()}`),
    };
    const runs = await measure([storeutl, ours], ROUNDS.big);
    const t = medianMs(runs.get(ours.name)!);
    const o = medianMs(runs.get(storeutl.name)!);
    rows.push({ name, value: t / o, bound: 1, unit: "x", detail: pair(t, o) });
  } else {
    rows.push({ name, value: Number.POSITIVE_INFINITY, bound: 1, unit: "x", detail: "openssl is not on PATH: nothing to compare with" });
  }
  // Peak RSS in separate runs: the timed runs above carry no preload.
  const base = { ...nodeBaseline(b), peakRss: true };
  const runs = await measure([base, { ...ours, peakRss: true }], ROUNDS.rss);
  const peak = (n: string) => median(runs.get(n)!.map((r) => r.maxRssKb ?? Number.NaN));
  const big = peak(ours.name);
  const node = peak(base.name);
  rows.push({ name: "peak RSS, 10k certs / node -e 0", value: big / node, bound: 3, unit: "x", detail: `${(big / 1024).toFixed(0)} MiB vs ${(node / 1024).toFixed(0)} MiB` });
  return rows;
}

/** The demo's network: an origin for the OpenAI hosts, and a "Zscaler" proxy that re-signs it. */
async function network(b: Bench): Promise<Row[]> {
  const originCert = await mintLeaf(b.publicRoot, { dnsNames: ["chatgpt.com", "api.openai.com", "auth.openai.com"] });
  const origin = await startOrigin({ cert: originCert });
  b.servers.push(origin);
  const corp = await mintCorporateChain({ vendor: "zscaler" });
  const proxy = await startProxy({
    mode: "intercept",
    upstream: { host: LOOPBACK, port: origin.port, ca: [b.publicRoot.certPem], servername: "api.openai.com" },
    interceptWith: { issuer: corp.intermediate, chain: [corp.intermediate] },
  });
  b.servers.push(proxy);
  const corpRoot = b.write("corp-root.pem", corp.root.certPem);
  const env = { ...b.env, HTTPS_PROXY: `http://${LOOPBACK}:${proxy.port}` };
  const args = [b.bin, "tls", "--json", "--timeout", "5000"];
  const failing: Command = { name: "failing run", file: b.node, args, env, validate: exitsWith(1) };
  // The fix the doctor prints: Codex's bundle, and Node's for the sandboxed commands.
  const passing: Command = { name: "passing run", file: b.node, args, env: { ...env, CODEX_CA_CERTIFICATE: corpRoot, NODE_EXTRA_CA_CERTS: corpRoot }, validate: exitsWith(0) };
  const runs = await measure([failing, passing], ROUNDS.network);
  const f = medianMs(runs.get(failing.name)!);
  const p = medianMs(runs.get(passing.name)!);
  return [{ name: "failing run / passing run (intercepting proxy)", value: f / p, bound: 1.3, unit: "x", detail: pair(f, p) }];
}

async function silent(b: Bench): Promise<Row[]> {
  const hang = await startProxy({ mode: "hang" });
  b.servers.push(hang);
  const run: Command = {
    name: "silent proxy",
    file: b.node,
    args: [b.bin, "tls", "--json", "--timeout", String(SILENT_TIMEOUT_MS)],
    env: { ...b.env, HTTPS_PROXY: `http://${LOOPBACK}:${hang.port}` },
    validate: exitsWith(1),
  };
  const runs = (await measure([run], ROUNDS.silent)).get(run.name)!;
  const slowest = Math.max(...runs.map((r) => r.ms));
  return [{ name: `silent proxy, --timeout ${SILENT_TIMEOUT_MS}: slowest run`, value: slowest, bound: SILENT_BOUND_MS, unit: "ms", detail: `${runs.length} timed run(s), median ${medianMs(runs).toFixed(0)} ms` }];
}

const GROUP_RUNNERS: Record<Group, (b: Bench) => Promise<Row[]>> = { startup, "10k": bigBundle, network, silent };

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function machine(): string {
  const cpu = cpus();
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  return `node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${load}`;
}

function print(rows: Row[]): number {
  console.log(`bench: ${machine()}${quick ? ", --quick" : ""}`);
  console.log(`bench: measured ${relative(repo, builtBin(process.argv)) || "."}`);
  const width = Math.max(...rows.map((r) => r.name.length));
  let failed = 0;
  for (const r of rows) {
    const ok = r.value <= r.bound;
    if (!ok) failed++;
    const value = r.unit === "x" ? `${r.value.toFixed(2)}×` : `${r.value.toFixed(0)} ms`;
    const bound = r.unit === "x" ? `bound ${r.bound}×${r.goal ? `, goal ${r.goal}×` : ""}` : `bound ${r.bound} ms`;
    console.log(`${ok ? "ok  " : "FAIL"} ${r.name.padEnd(width)}  ${value.padStart(9)}  (${bound})  ${r.detail}`);
  }
  console.log(`bench: ${rows.length - failed} of ${rows.length} within bounds`);
  return failed;
}

async function main(): Promise<number> {
  const groups = parseGroups(process.argv);
  const dir = mkdtempSync(join(tmpdir(), "codex-doctor-bench-"));
  const home = join(dir, "home");
  mkdirSync(join(home, ".codex"), { recursive: true });
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const publicRoot = await mintRoot({ cn: "Bench Public Root CA" });
  const bench: Bench = {
    node: process.execPath,
    bin: builtBin(process.argv),
    dir,
    // SSL_CERT_FILE replaces the platform store: one small, known "system store" on every machine.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CODEX_HOME: join(home, ".codex"), SSL_CERT_FILE: write("system-roots.pem", publicRoot.certPem) },
    write,
    publicRoot,
    servers: [],
  };
  const rows: Row[] = [];
  try {
    for (const g of groups) {
      const t = performance.now();
      rows.push(...(await GROUP_RUNNERS[g](bench)));
      console.log(`bench: ${g} measured in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
  } finally {
    await Promise.all(bench.servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
  return print(rows) === 0 ? 0 : 1;
}

process.exitCode = await main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  return 1;
});
