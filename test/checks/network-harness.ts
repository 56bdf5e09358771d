// Runs the real network checks against the in-process lab with a hermetic context: a temp
// CODEX_HOME, a "system store" that holds only the lab's public root, and no real environment.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Check, CheckResult } from "../../src/check.js";
import { buildContext, type RunOptions } from "../../src/context.js";
import { runChecks } from "../../src/runner.js";
import type { Minted } from "../lab/index.js";
import { makeTempDir } from "../helpers/tmp.js";

export interface NetworkRun {
  results: Record<string, CheckResult>;
  codes: Record<string, string[]>;
  elapsedMs: number;
}

/** Removed when the test file ends. */
export function tempDir(prefix = "codex-doctor-net-"): string {
  return makeTempDir(prefix);
}

export function writePem(dir: string, name: string, certs: Minted[]): string {
  const path = join(dir, name);
  writeFileSync(path, certs.map((c) => c.certPem).join(""));
  return path;
}

export async function runNetwork(input: {
  checks: Check[];
  env: Record<string, string>;
  targets: string[];
  /** The machine's "system store" for this run. */
  systemRoots: Minted[];
  timeoutMs?: number;
  proxy?: string;
  searchPaths?: string[];
}): Promise<NetworkRun> {
  const home = tempDir();
  const systemBundle = writePem(home, "system-roots.pem", input.systemRoots);
  const options: RunOptions = {
    offline: false,
    verbose: false,
    strict: false,
    timeoutMs: input.timeoutMs ?? 3000,
    targets: input.targets,
    proxy: input.proxy,
    codexHome: join(home, ".codex"),
  };
  const started = performance.now();
  const ctx = await buildContext(options, {
    env: input.env,
    homedir: home,
    platform: "linux",
    now: new Date(),
    linuxBundleCandidates: [systemBundle],
    searchPaths: input.searchPaths ?? [],
  });
  const list = await runChecks(input.checks, ctx, { offline: false, checkTimeoutMs: options.timeoutMs * 3 + 2000 });
  const results: Record<string, CheckResult> = {};
  const codes: Record<string, string[]> = {};
  for (const r of list) {
    results[r.id] = r;
    codes[r.id] = r.findings.map((f) => f.code);
  }
  return { results, codes, elapsedMs: performance.now() - started };
}
