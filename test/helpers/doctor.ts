// Runs checks through the real pipeline (buildContext -> runChecks) against a scenario laid out in
// a private temp directory: files, $CODEX_HOME/.env, config.toml, and a hermetic "platform store"
// (linuxBundleCandidates), with an environment that contains only what the scenario says.
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Check, CheckResult } from "../../src/check.js";
import { buildContext, type CheckContext, type RunOptions, type SystemInput } from "../../src/context.js";
import { runChecks } from "../../src/runner.js";

/** How a scenario file is laid out on disk. */
export type FileSpec =
  | string
  | Uint8Array
  | { fifo: true }
  | { dir: true }
  | { symlink: string }
  /** A sparse file of this many bytes (nothing is really written). */
  | { sparse: number }
  | { content: string | Uint8Array; mode: number };

export interface Scenario {
  /** The shell environment. `{dir}` in a value is replaced by the scenario directory. */
  env?: Record<string, string>;
  /** Files relative to the scenario directory. */
  files?: Record<string, FileSpec>;
  /** Contents of $CODEX_HOME/.env (or a FileSpec for odd shapes); `{dir}` is substituted in text. */
  dotenv?: FileSpec;
  /** Contents of $CODEX_HOME/config.toml; `{dir}` is substituted. */
  config?: string;
  options?: Partial<RunOptions>;
  now?: Date;
  /**
   * The file (relative to the scenario dir) the Linux platform-store probe finds. Defaults to
   * "system/public.pem", which the helper fills with the kit's public roots unless `files` sets it.
   */
  platformStore?: string;
}

export interface ScenarioRun {
  dir: string;
  codexHome: string;
  ctx: CheckContext;
  results: CheckResult[];
}

export const PLATFORM_STORE = "system/public.pem";

/** A temp root per test file; every scenario gets its own subdirectory. */
export class Workspace {
  readonly root = mkdtempSync(join(tmpdir(), "codex-doctor-test-"));
  private n = 0;

  async scenarioDir(): Promise<string> {
    const dir = join(this.root, `s${++this.n}`);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export async function writeSpec(path: string, spec: FileSpec): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  if (typeof spec === "string" || spec instanceof Uint8Array) {
    await fs.writeFile(path, spec);
  } else if ("fifo" in spec) {
    execFileSync("mkfifo", [path]);
  } else if ("dir" in spec) {
    await fs.mkdir(path, { recursive: true });
  } else if ("symlink" in spec) {
    await fs.symlink(spec.symlink, path);
  } else if ("sparse" in spec) {
    const handle = await fs.open(path, "w");
    await handle.truncate(spec.sparse);
    await handle.close();
  } else {
    await fs.writeFile(path, spec.content);
    await fs.chmod(path, spec.mode);
  }
}

export function substitute(value: string, dir: string): string {
  return value.replaceAll("{dir}", dir);
}

export const FIXED_NOW = new Date("2030-06-15T12:00:00.000Z");

export function defaultOptions(codexHome: string): RunOptions {
  return { offline: true, verbose: false, strict: false, timeoutMs: 2000, targets: [], codexHome };
}

/**
 * Lay the scenario out and run `checks` on it. `publicStorePem` fills the default platform store
 * (pass the kit's public roots).
 */
export async function runScenario(
  ws: Workspace,
  checks: Check[],
  scenario: Scenario,
  publicStorePem: string,
): Promise<ScenarioRun> {
  const dir = await ws.scenarioDir();
  const codexHome = join(dir, "codex-home");
  await fs.mkdir(codexHome, { recursive: true });
  const platformStore = scenario.platformStore ?? PLATFORM_STORE;
  const files: Record<string, FileSpec> = { [PLATFORM_STORE]: publicStorePem, ...scenario.files };
  for (const [name, spec] of Object.entries(files)) await writeSpec(join(dir, name), spec);
  if (scenario.dotenv !== undefined) {
    const spec = typeof scenario.dotenv === "string" ? substitute(scenario.dotenv, dir) : scenario.dotenv;
    await writeSpec(join(codexHome, ".env"), spec);
  }
  if (scenario.config !== undefined) await writeSpec(join(codexHome, "config.toml"), substitute(scenario.config, dir));

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(scenario.env ?? {})) env[k] = substitute(v, dir);
  const options: RunOptions = { ...defaultOptions(codexHome), ...scenario.options };
  if (options.ca !== undefined) options.ca = substitute(options.ca, dir);
  const system: SystemInput = {
    env,
    homedir: join(dir, "home"),
    platform: "linux",
    now: scenario.now ?? new Date(),
    linuxBundleCandidates: [join(dir, platformStore)],
  };
  const ctx = await buildContext(options, system);
  const results = await runChecks(checks, ctx, { offline: true, checkTimeoutMs: 10_000 });
  return { dir, codexHome, ctx, results };
}

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
