// The egress child on its own, against a lab origin on 127.0.0.1 (its leaf covers the loopback
// address): Node trusts the chain only through NODE_EXTRA_CA_CERTS in the child's environment, the
// child inherits nothing from the doctor, and a run is bounded by its timeout and the AbortSignal.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEgressProbe } from "../../src/net/egress.js";
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
  dir = mkdtempSync(join(tmpdir(), "codex-doctor-egress-"));
  rootFile = join(dir, "root.pem");
  writeFileSync(rootFile, root.certPem);
});

afterAll(async () => {
  await Promise.all([origin.close(), hang.close()]);
  rmSync(dir, { recursive: true, force: true });
});

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
