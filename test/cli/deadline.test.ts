// The run's deadline (5 × --timeout + 2 s; shortened here through io.runBudgetMs) covers fact
// gathering too: a slow local input (an SSL_CERT_DIR of 2,000 files: one stat+open+read+close each,
// over a second of I/O) does not hold the run past it. The checks that need that fact fail with
// FACT_TIMEOUT, the others still run, and the report is printed, never nothing.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../../src/cli.js";
import { Workspace } from "../helpers/doctor.js";

const ws = new Workspace();
afterAll(() => ws.cleanup());

const BUDGET_MS = 300;

async function slowCertDirRun(argv: string[]) {
  const dir = await ws.scenarioDir();
  const codexHome = join(dir, "codex-home");
  const certDir = join(dir, "certs");
  await fs.mkdir(codexHome, { recursive: true });
  await fs.mkdir(certDir);
  // c_rehash names, so rustls-native-certs (and the doctor) read every one of them.
  for (let i = 0; i < 2000; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => fs.writeFile(join(certDir, `${(i + j).toString(16).padStart(8, "0")}.0`), "")));
  }
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { CODEX_HOME: codexHome, SSL_CERT_DIR: certDir },
    homedir: join(dir, "home"),
    platform: "linux",
    stdoutIsTTY: false,
    stderrIsTTY: false,
    linuxBundleCandidates: [],
    runBudgetMs: BUDGET_MS,
  };
  const started = performance.now();
  const code = await main(argv, io);
  return { code, stdout, stderr, ms: performance.now() - started };
}

describe("a fact that is not gathered by the deadline", () => {
  it("--json: exit 1, FACT_TIMEOUT on the checks that need the CA facts, the others still run", async () => {
    const r = await slowCertDirRun(["tls", "--offline", "--json"]);
    expect(r.ms).toBeLessThan(BUDGET_MS + 900); // reading the directory takes well over a second
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      ca: { codexLoads: boolean; certificates: number };
      checks: { id: string; status: string; findings: { code: string; message: string; hint?: string }[] }[];
    };
    expect(report.ok).toBe(false);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    for (const id of ["bundle", "env"]) {
      expect(byId[id].status, id).toBe("fail");
      expect(byId[id].findings.map((f) => f.code), id).toEqual(["FACT_TIMEOUT"]);
      expect(byId[id].findings[0].message).toMatch(/needs the CA certificates \(SSL_CERT_DIR=\/.*\/certs\)/);
      expect(byId[id].findings[0].message).toContain(`within ${BUDGET_MS} ms`);
      expect(byId[id].findings[0].hint).toContain("--timeout");
    }
    // config.toml was read in time: the config check does not need the CA facts and passes.
    expect(byId.config.status).toBe("pass");
    expect(byId.https.findings.map((f) => f.code)).toEqual(["OFFLINE"]);
    expect(report.ca).toMatchObject({ certificates: 0, codexLoads: false });
  });

  it("human output: the report with FACT_TIMEOUT, not nothing", async () => {
    const r = await slowCertDirRun(["tls", "--offline", "--no-color"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FACT_TIMEOUT");
    expect(r.stdout).toMatch(/\d+ passed, \d+ warnings?, \d+ failed, \d+ skipped/);
  });
});
