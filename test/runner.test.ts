// The runner under the run's limit: a check that never ends (and ignores its abort signal) is cut
// at the run's deadline, not at its own larger bound; an interrupt stops every running check and
// starts no new one; a check that reads a fact the context could not gather in time reports
// FACT_TIMEOUT even when it swallowed the error (never a wrong pass).
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defineCheck, type Check } from "../src/check.js";
import { buildContext, FactUnavailable, type CheckContext } from "../src/context.js";
import { runChecks } from "../src/runner.js";
import { RunLimit } from "../src/run-limit.js";
import { defaultOptions, Workspace } from "./helpers/doctor.js";

const ws = new Workspace();
afterAll(() => ws.cleanup());

async function plainContext(env: Record<string, string> = {}, limit?: RunLimit): Promise<CheckContext> {
  const dir = await ws.scenarioDir();
  const codexHome = join(dir, "codex-home");
  await fs.mkdir(codexHome, { recursive: true });
  return buildContext(defaultOptions(codexHome), { env, homedir: dir, platform: "linux", now: new Date(), linuxBundleCandidates: [] }, limit);
}

const never = (id: string, seen?: AbortSignal[]): Check =>
  defineCheck({
    id,
    title: id,
    codes: {},
    run: (_ctx, tools) => {
      seen?.push(tools.signal);
      return new Promise(() => undefined); // ignores tools.signal on purpose
    },
  });

const quick: Check = defineCheck({
  id: "quick",
  title: "quick",
  codes: { DONE: { level: "info", message: "done" } },
  run: async (_ctx, tools) => ({ summary: "done", findings: [tools.finding("DONE")] }),
});

describe("the run's deadline", () => {
  it("ends a check that never finishes at the deadline, not at its own (larger) bound", async () => {
    const ctx = await plainContext();
    const limit = new RunLimit(250);
    const started = performance.now();
    const results = await runChecks([quick, never("stuck")], ctx, { offline: true, checkTimeoutMs: 60_000, limit });
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(200);
    expect(ms).toBeLessThan(2000);
    expect(results.map((r) => [r.id, r.status])).toEqual([["quick", "pass"], ["stuck", "fail"]]);
    expect(results[1].findings.map((f) => f.code)).toEqual(["TIMEOUT"]);
    expect(Number(/within (\d+) ms/.exec(results[1].findings[0].message)?.[1])).toBeLessThanOrEqual(250);
  });
});

describe("an interrupt", () => {
  it("stops the running checks (their signals abort), keeps finished results, adds no listener per check", async () => {
    const ctx = await plainContext();
    const controller = new AbortController();
    const limit = new RunLimit(60_000, controller.signal);
    const signals: AbortSignal[] = [];
    const stuck = Array.from({ length: 15 }, (_, i) => never(`stuck${i}`, signals));
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    setTimeout(() => controller.abort("SIGTERM"), 100);
    try {
      const results = await runChecks([quick, ...stuck], ctx, { offline: true, checkTimeoutMs: 60_000, limit });
      expect(results[0].status).toBe("pass");
      for (const r of results.slice(1)) {
        expect(r.status).toBe("skip");
        expect(r.findings.map((f) => f.code)).toEqual(["INTERRUPTED"]);
        expect(r.findings[0].message).toContain("stopped by SIGTERM");
      }
      expect(signals).toHaveLength(15);
      expect(signals.every((s) => s.aborted)).toBe(true);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it("starts nothing once interrupted", async () => {
    const ctx = await plainContext();
    const controller = new AbortController();
    controller.abort("SIGINT");
    let ran = false;
    const spy = defineCheck({ id: "spy", title: "spy", codes: {}, run: async () => ((ran = true), { summary: "ran", findings: [] }) });
    const results = await runChecks([spy], ctx, { offline: true, checkTimeoutMs: 1000, limit: new RunLimit(60_000, controller.signal) });
    expect(ran).toBe(false);
    expect(results[0]).toMatchObject({ status: "skip", summary: "stopped by SIGINT" });
  });
});

describe("facts not gathered in time", () => {
  /** A real slow input: an SSL_CERT_DIR of 1,000 hash-named files, each stat'ed, opened and read. */
  async function slowCaContext(): Promise<{ ctx: CheckContext; ms: number }> {
    const dir = await ws.scenarioDir();
    const certDir = join(dir, "certs");
    await fs.mkdir(certDir);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => fs.writeFile(join(certDir, `${i.toString(16).padStart(8, "0")}.0`), "")));
    const started = performance.now();
    const ctx = await plainContext({ SSL_CERT_DIR: certDir }, new RunLimit(200));
    return { ctx, ms: performance.now() - started };
  }

  it("buildContext returns at the deadline; the missing fact throws FactUnavailable, the rest is there", async () => {
    const { ctx, ms } = await slowCaContext();
    expect(ms).toBeLessThan(800); // reading the 1,000 files takes over a second
    expect([...(ctx.unavailable?.keys() ?? [])]).toEqual(["ca"]);
    expect(() => ctx.ca).toThrow(FactUnavailable);
    expect(ctx.env.SSL_CERT_DIR).toContain("certs");
    expect(ctx.config).toBeDefined();
    expect(Array.isArray(ctx.targets)).toBe(true);
  });

  it("a check that reads it and swallows the error still fails with FACT_TIMEOUT", async () => {
    const { ctx } = await slowCaContext();
    const swallow = defineCheck({
      id: "swallow",
      title: "swallow",
      codes: { FINE: { level: "info", message: "fine" } },
      run: async (c, tools) => {
        try {
          void c.ca.trust;
        } catch {
          // a careless check: treats "no facts" as "nothing to complain about"
        }
        return { summary: "all good", findings: [tools.finding("FINE")] };
      },
    });
    const results = await runChecks([swallow, quick], ctx, { offline: true, checkTimeoutMs: 5000 });
    expect(results[0].status).toBe("fail");
    expect(results[0].findings.map((f) => f.code)).toEqual(["FACT_TIMEOUT"]);
    expect(results[0].findings[0].message).toMatch(/^The swallow check needs the CA certificates \(SSL_CERT_DIR=.*\), which codex-doctor could not read within 200 ms\.$/);
    expect(results[1].status).toBe("pass"); // never touched the CA facts
  });
});
