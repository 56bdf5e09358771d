// A run with many concurrent probes (12 MCP servers, 8 --target URLs) against the lab must not
// trip Node's MaxListenersExceededWarning: every probe listens on its own child of the run's
// signal and removes its listener when done, instead of piling listeners onto one shared signal.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mintIntermediate, mintLeaf, mintRoot, startOrigin, type Origin } from "../lab/index.js";
import { main, type CliIo } from "../../src/cli.js";
import { Workspace } from "../helpers/doctor.js";

const ws = new Workspace();
let origin: Origin;
let rootPem: string;

beforeAll(async () => {
  const root = await mintRoot({ cn: "Lab Listener Root", o: "Lab" });
  const int = await mintIntermediate(root, { cn: "Lab Listener Issuing CA", o: "Lab" });
  origin = await startOrigin({ cert: await mintLeaf(int, { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }), chain: [int] });
  rootPem = root.certPem;
});

afterAll(async () => {
  await origin.close();
  ws.cleanup();
});

it("12 MCP servers, 8 https and 8 wss targets: no MaxListenersExceededWarning", async () => {
  const dir = await ws.scenarioDir();
  const codexHome = join(dir, "codex-home");
  await fs.mkdir(codexHome, { recursive: true });
  await fs.writeFile(join(dir, "store.pem"), rootPem);
  const base = `https://127.0.0.1:${origin.port}`;
  const servers = Array.from({ length: 12 }, (_, i) => `[mcp_servers.s${i}]\nurl = "${base}/mcp/${i}"\n`).join("\n");
  await fs.writeFile(join(codexHome, "config.toml"), servers);
  const targets = Array.from({ length: 8 }, (_, i) => ["--target", `${base}/v1/t${i}`, "--target", `wss://127.0.0.1:${origin.port}/v1/w${i}`]).flat();

  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on("warning", onWarning);
  let stdout = "";
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stdout += t),
    env: { CODEX_HOME: codexHome },
    homedir: join(dir, "home"),
    platform: "linux",
    stdoutIsTTY: false,
    stderrIsTTY: false,
    linuxBundleCandidates: [join(dir, "store.pem")],
  };
  let code: number;
  try {
    code = await main(["tls", "--json", "--timeout", "5000", ...targets], io);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on process.nextTick
  } finally {
    process.off("warning", onWarning);
  }
  const report = JSON.parse(stdout) as { checks: { id: string; data: Record<string, unknown> }[] };
  expect(code).toBeLessThan(2);
  const mcp = report.checks.find((c) => c.id === "mcp")!;
  expect((mcp.data.servers as unknown[]).length).toBe(12);
  expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
});
