// Hermetic runs of the config and sandbox checks: a private temp directory per scenario holding
// $CODEX_HOME (config.toml from fixtures/config or inline text, .env), an empty "system store",
// and an environment that contains only what the scenario says. `{dir}` in any text is replaced
// by the scenario directory.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Check, CheckResult } from "../../src/check.js";
import { buildContext, type CheckContext, type RunOptions } from "../../src/context.js";
import { runChecks } from "../../src/runner.js";

export const CONFIG_FIXTURES = fileURLToPath(new URL("../../fixtures/config/", import.meta.url));

export function configFixture(name: string): string {
  return readFileSync(join(CONFIG_FIXTURES, name), "utf8");
}

export interface Scenario {
  /** Fixture path under fixtures/config/ ... */
  fixture?: string;
  /** ... or inline config.toml text. */
  config?: string;
  /** config.toml is a directory (unreadable as a file). */
  configIsDirectory?: boolean;
  dotenv?: string;
  env?: Record<string, string>;
  /** Extra files, relative to the scenario directory. */
  files?: Record<string, string>;
  platform?: NodeJS.Platform;
  options?: Partial<RunOptions>;
}

export interface ScenarioRun {
  dir: string;
  ctx: CheckContext;
  results: Record<string, CheckResult>;
  codes: Record<string, string[]>;
}

export class Workspace {
  readonly root = mkdtempSync(join(tmpdir(), "codex-doctor-cfg-"));
  private n = 0;
  dir(): string {
    const d = join(this.root, `s${++this.n}`);
    mkdirSync(d, { recursive: true });
    return d;
  }
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

const sub = (text: string, dir: string) => text.replaceAll("{dir}", dir);

export async function runScenario(ws: Workspace, checks: Check[], s: Scenario): Promise<ScenarioRun> {
  const dir = ws.dir();
  const codexHome = join(dir, "codex-home");
  mkdirSync(codexHome, { recursive: true });
  for (const [name, text] of Object.entries(s.files ?? {})) {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, sub(text, dir));
  }
  const configText = s.fixture !== undefined ? configFixture(s.fixture) : s.config;
  if (s.configIsDirectory) mkdirSync(join(codexHome, "config.toml"));
  else if (configText !== undefined) writeFileSync(join(codexHome, "config.toml"), sub(configText, dir));
  if (s.dotenv !== undefined) writeFileSync(join(codexHome, ".env"), sub(s.dotenv, dir));
  const systemStore = join(dir, "system-store.pem");
  writeFileSync(systemStore, "");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.env ?? {})) env[k] = sub(v, dir);
  const options: RunOptions = {
    offline: true,
    verbose: false,
    strict: false,
    timeoutMs: 2000,
    targets: [],
    codexHome,
    ...s.options,
  };
  const ctx = await buildContext(options, {
    env,
    homedir: join(dir, "home"),
    platform: s.platform ?? "linux",
    now: new Date(),
    linuxBundleCandidates: [systemStore],
    searchPaths: [],
  });
  const list = await runChecks(checks, ctx, { offline: options.offline, checkTimeoutMs: 20_000 });
  const results: Record<string, CheckResult> = {};
  const codes: Record<string, string[]> = {};
  for (const r of list) {
    results[r.id] = r;
    codes[r.id] = r.findings.map((f) => f.code);
  }
  return { dir, ctx, results, codes };
}

/** A loopback port with nothing listening on it (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A loopback port with a listener that accepts and ignores connections. */
export async function openPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
