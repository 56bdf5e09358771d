// export-ca against the lab: a real intercepting proxy on 127.0.0.1, CAs minted now. The written
// file is checked by re-running the real proxy check with it, and by parsing it back.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintCorporateChain, mintIntermediate, mintLeaf, mintRoot, startOrigin, startProxy, type CorporateChain, type LabServer, type Minted, type Origin } from "../lab/index.js";
import { buildContext } from "../../src/context.js";
import { runChecks } from "../../src/runner.js";
import { proxyCheck } from "../../checks/proxy.js";
import { exportCa, type ExportOptions } from "../../src/commands/export-ca.js";
import { parseCodexBundle } from "../../src/ca/codex-bundle.js";
import { sha256Hex } from "../../src/ca/certinfo.js";
import { tempDir, writePem } from "../checks/network-harness.js";

const NAMES = ["api.openai.com", "auth.openai.com", "chatgpt.com"];
let publicRoot: Minted;
let origin: Origin;
let corp: CorporateChain;
const servers: LabServer[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  publicRoot = await mintRoot({ cn: "Lab Public Root", o: "Lab Trust Services" });
  const publicInt = await mintIntermediate(publicRoot, { cn: "Lab Public Issuing CA" });
  origin = await startOrigin({ cert: await mintLeaf(publicInt, { dnsNames: NAMES }), chain: [publicInt] });
  corp = await mintCorporateChain({ vendor: "zscaler" });
});

afterAll(async () => {
  await Promise.all([origin.close(), ...servers.map((s) => s.close())]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function interceptingProxy(chain: Minted[], leafOpts?: { expired?: boolean }): Promise<string> {
  const p = await startProxy({
    mode: "intercept",
    upstream: { host: "127.0.0.1", port: origin.port, ca: [publicRoot.certPem], servername: "api.openai.com" },
    interceptWith: { issuer: corp.intermediate, chain, leafOpts },
  });
  servers.push(p);
  return p.url;
}

async function run(env: Record<string, string>, options: Partial<ExportOptions> & { searchPaths?: string[] } = {}) {
  const dir = tempDir("codex-doctor-export-");
  dirs.push(dir);
  const system = {
    env,
    homedir: dir,
    platform: "linux" as const,
    now: new Date(),
    linuxBundleCandidates: [writePem(dir, "system.pem", [publicRoot])],
    searchPaths: options.searchPaths ?? [],
  };
  const runOptions = { offline: false, verbose: false, strict: false, timeoutMs: 3000, targets: [], codexHome: join(dir, ".codex") };
  const ctx = await buildContext(runOptions, system);
  const out = options.out ?? join(dir, "corp-root.pem");
  const outcome = await exportCa(ctx, new URL("https://api.openai.com/v1/models"), { force: false, withSystemRoots: false, ...options, out }, async (bundle) => {
    const again = await buildContext(runOptions, { ...system, env: { ...env, CODEX_CA_CERTIFICATE: bundle } });
    const [result] = await runChecks([proxyCheck], again, { offline: false, checkTimeoutMs: 10_000 });
    return { ok: result!.status === "pass", summary: result!.summary };
  });
  return { outcome, out, dir, text: outcome.lines.join("\n") };
}

const certsIn = (path: string) => parseCodexBundle(new Uint8Array(readFileSync(path))).certificates;

describe("export-ca", () => {
  it("finds the proxy's root on disk by the issuer name, writes it, and the proxy check then passes", async () => {
    const dir = tempDir("codex-doctor-export-");
    dirs.push(dir);
    const vendorDir = join(dir, "Zscaler");
    mkdirSync(vendorDir);
    writePem(vendorDir, "ZscalerRootCertificate-2048-SHA256.crt", [corp.root]);
    const r = await run({ HTTPS_PROXY: await interceptingProxy([corp.intermediate]) }, { searchPaths: [vendorDir] });
    expect(r.outcome.exitCode).toBe(0);
    expect(r.text).toContain("looks like Zscaler");
    expect(r.text).toContain(sha256Hex(corp.root.certDer));
    expect(r.text).toMatch(/passes/);
    expect(r.text).toContain(`export CODEX_CA_CERTIFICATE=${r.out}`);
    const written = certsIn(r.out);
    expect(written.map((d) => sha256Hex(d))).toEqual([sha256Hex(corp.root.certDer)]);
  });

  it("takes the root the proxy sends itself (self-signed)", async () => {
    const r = await run({ HTTPS_PROXY: await interceptingProxy([corp.intermediate, corp.root]) });
    expect(r.outcome.exitCode).toBe(0);
    expect(r.text).toContain("the proxy sent its root certificate");
    expect(certsIn(r.out).map((d) => sha256Hex(d))).toEqual([sha256Hex(corp.root.certDer)]);
  });

  it("with no root anywhere, uses the top certificate sent and says it is an intermediate", async () => {
    const r = await run({ HTTPS_PROXY: await interceptingProxy([corp.intermediate]) });
    expect(r.outcome.exitCode).toBe(0);
    expect(r.text).toMatch(/intermediate .*not a root/);
    expect(certsIn(r.out).map((d) => sha256Hex(d))).toEqual([sha256Hex(corp.intermediate.certDer)]);
  });

  it("--with-system-roots writes the system roots plus the proxy's", async () => {
    const r = await run({ HTTPS_PROXY: await interceptingProxy([corp.intermediate, corp.root]) }, { withSystemRoots: true });
    expect(r.outcome.exitCode).toBe(0);
    expect(certsIn(r.out).map((d) => sha256Hex(d)).sort()).toEqual([sha256Hex(publicRoot.certDer), sha256Hex(corp.root.certDer)].sort());
  });

  it("never overwrites an existing file without --force", async () => {
    const dir = tempDir("codex-doctor-export-");
    dirs.push(dir);
    const out = join(dir, "existing.pem");
    writeFileSync(out, "keep me\n");
    const proxy = await interceptingProxy([corp.intermediate, corp.root]);
    const refused = await run({ HTTPS_PROXY: proxy }, { out });
    expect(refused.outcome.exitCode).toBe(1);
    expect(refused.text).toContain("--force");
    expect(readFileSync(out, "utf8")).toBe("keep me\n");
    const forced = await run({ HTTPS_PROXY: proxy }, { out, force: true });
    expect(forced.outcome.exitCode).toBe(0);
    expect(certsIn(out)).toHaveLength(1);
  });

  it("never writes a bundle that would not make Codex accept the chain (an expired leaf)", async () => {
    const r = await run({ HTTPS_PROXY: await interceptingProxy([corp.intermediate, corp.root], { expired: true }) });
    expect(r.outcome.exitCode).toBe(1);
    expect(r.text, r.text).toContain("Nothing was written");
    expect(existsSync(r.out)).toBe(false);
  });

  it("writes nothing when the route is not intercepted", async () => {
    const tunnel = await startProxy({ mode: "tunnel", upstream: { host: "127.0.0.1", port: origin.port } });
    servers.push(tunnel);
    const r = await run({ HTTPS_PROXY: tunnel.url });
    expect(r.text).toContain("not intercepted");
    expect(existsSync(r.out)).toBe(false);
  });

  it("prints PowerShell forms for a PowerShell user", async () => {
    const r = await run({ HTTPS_PROXY: await interceptingProxy([corp.intermediate, corp.root]) }, { shell: "powershell" });
    expect(r.text).toContain(`$env:CODEX_CA_CERTIFICATE = '${r.out}'`);
    expect(r.text).toContain(`[Environment]::SetEnvironmentVariable('CODEX_CA_CERTIFICATE', '${r.out}', 'User')`);
  });
});
