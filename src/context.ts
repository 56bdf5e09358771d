// Gathers every fact once (environment, .env overlay, the CA loader's report, config, targets)
// and hands it to the checks. The only module that looks at the real process environment is the
// CLI, which passes it in here as `system.env`.
import { join } from "node:path";
import type { Env, VarOrigin } from "./env.js";
import { readDotenv, applyDotenv, type DotenvFile } from "./codex/dotenv.js";
import { loadCa, type CaReport } from "./ca/loader.js";
import { loadCodexConfig, type CodexConfigReport } from "./codex/config.js";
import { detectAuthMode, planTargets, type AuthState, type Target } from "./codex/endpoints.js";

export interface RunOptions {
  offline: boolean;
  verbose: boolean;
  strict: boolean;
  /** Per-probe timeout in ms. */
  timeoutMs: number;
  ca?: string;
  codexHome?: string;
  /** --target URLs replacing the default endpoints. */
  targets: string[];
  proxy?: string;
}

export interface SystemInput {
  env: Env;
  homedir: string;
  platform: NodeJS.Platform;
  now: Date;
  /** Tests point the Linux system-bundle probe at their own files. */
  linuxBundleCandidates?: string[];
  /** Where to look for a missing CA on disk (default: the vendors' usual install paths). */
  searchPaths?: string[];
}

export interface CheckContext {
  options: RunOptions;
  platform: NodeJS.Platform;
  now: Date;
  /** The shell's environment, as the doctor was started. */
  shellEnv: Env;
  /** The environment Codex runs with: shell + `$CODEX_HOME/.env`. */
  env: Env;
  origins: Record<string, VarOrigin>;
  codexHome: string;
  homedir: string;
  dotenv: DotenvFile;
  config: CodexConfigReport;
  ca: CaReport;
  targets: Target[];
  /** Codex's auth mode and whether it holds credentials (auth.json is read, never shown). */
  auth: AuthState;
  searchPaths?: string[];
}

export function resolveCodexHome(options: RunOptions, system: SystemInput): string {
  if (options.codexHome) return options.codexHome;
  const fromEnv = system.env.CODEX_HOME;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return join(system.homedir, ".codex");
}

export async function buildContext(options: RunOptions, system: SystemInput): Promise<CheckContext> {
  const codexHome = resolveCodexHome(options, system);
  const dotenv = await readDotenv(join(codexHome, ".env"), system.env);
  const { env, origins } = applyDotenv(system.env, dotenv);
  const config = await loadCodexConfig(codexHome);
  const ca = await loadCa({
    env,
    origins,
    caOverride: options.ca,
    probe: { platform: system.platform, linuxBundleCandidates: system.linuxBundleCandidates },
  });
  const auth = await detectAuthMode(env, codexHome);
  const targets = planTargets({ env, config, codexHome, explicit: options.targets, auth });
  return {
    options,
    platform: system.platform,
    now: system.now,
    shellEnv: system.env,
    env,
    origins,
    codexHome,
    homedir: system.homedir,
    dotenv,
    config,
    ca,
    targets: await targets,
    auth,
    searchPaths: system.searchPaths,
  };
}
