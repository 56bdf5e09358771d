// Runs checks that read config.toml (mcp, otel) through the real pipeline against the lab: a temp
// CODEX_HOME with the scenario's config.toml and files, a "system store" holding only the roots
// given, no real environment, and --offline only when the scenario says so.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Check, CheckResult } from "../../src/check.js";
import { buildContext, type CheckContext, type RunOptions } from "../../src/context.js";
import { runChecks } from "../../src/runner.js";
import type { Minted } from "../lab/index.js";
import { makeTempDir } from "../helpers/tmp.js";

export interface ConfigScenario {
  /** config.toml text; `{dir}` is the scenario directory, `{home}` the CODEX_HOME. */
  config?: string;
  /** Files relative to the scenario directory (`{home}/x` puts one in CODEX_HOME). */
  files?: Record<string, string | Uint8Array>;
  env?: Record<string, string>;
  offline?: boolean;
  timeoutMs?: number;
  proxy?: string;
  now?: Date;
}

export interface ConfigRun {
  dir: string;
  codexHome: string;
  ctx: CheckContext;
  results: Record<string, CheckResult>;
  codes: Record<string, string[]>;
  elapsedMs: number;
}

export async function runWithConfig(checks: Check[], scenario: ConfigScenario, systemRoots: Minted[]): Promise<ConfigRun> {
  const dir = makeTempDir("codex-doctor-cfg-");
  const codexHome = join(dir, "codex-home");
  mkdirSync(codexHome, { recursive: true });
  const sub = (text: string) => text.replaceAll("{home}", codexHome).replaceAll("{dir}", dir);
  const systemBundle = join(dir, "system-roots.pem");
  writeFileSync(systemBundle, systemRoots.map((m) => m.certPem).join(""));
  for (const [name, content] of Object.entries(scenario.files ?? {})) {
    const path = sub(name).startsWith("/") ? sub(name) : join(dir, sub(name));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, typeof content === "string" ? sub(content) : content);
  }
  if (scenario.config !== undefined) writeFileSync(join(codexHome, "config.toml"), sub(scenario.config));
  const env: Record<string, string> = { HOME: join(dir, "home") };
  for (const [k, v] of Object.entries(scenario.env ?? {})) env[k] = sub(v);
  const timeoutMs = scenario.timeoutMs ?? 3000;
  const options: RunOptions = {
    offline: scenario.offline ?? false,
    verbose: false,
    strict: false,
    timeoutMs,
    targets: [],
    proxy: scenario.proxy,
    codexHome,
  };
  const started = performance.now();
  const ctx = await buildContext(options, {
    env,
    homedir: join(dir, "home"),
    platform: "linux",
    now: scenario.now ?? new Date(),
    linuxBundleCandidates: [systemBundle],
    searchPaths: [],
  });
  const list = await runChecks(checks, ctx, { offline: options.offline, checkTimeoutMs: timeoutMs * 3 + 2000 });
  const results: Record<string, CheckResult> = {};
  const codes: Record<string, string[]> = {};
  for (const r of list) {
    results[r.id] = r;
    codes[r.id] = r.findings.map((f) => f.code);
  }
  return { dir, codexHome, ctx, results, codes, elapsedMs: performance.now() - started };
}
