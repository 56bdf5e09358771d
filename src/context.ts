// Gathers every fact once (environment, .env overlay, the CA loader's report, config, targets)
// and hands it to the checks. The only module that looks at the real process environment is the
// CLI, which passes it in here as `system.env`.
import { join } from "node:path";
import type { Env, VarOrigin } from "./env.js";
import { readDotenv, applyDotenv, type DotenvFile } from "./codex/dotenv.js";
import { loadCa, type CaReport } from "./ca/loader.js";
import { loadCodexConfig, type CodexConfigReport } from "./codex/config.js";
import { detectAuthMode, planTargets, type AuthState, type Target } from "./codex/endpoints.js";
import type { RunLimit } from "./run-limit.js";

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
  /**
   * Facts not gathered before the run's deadline, by CheckContext field. Reading such a field
   * throws FactUnavailable; the runner then reports the check as FACT_TIMEOUT.
   */
  unavailable?: Map<string, UnavailableFact>;
}

export interface UnavailableFact {
  /** What could not be read, for humans: "$CODEX_HOME/.env (/home/a/.codex/.env)". */
  fact: string;
  /** How long it had. */
  ms: number;
}

export class FactUnavailable extends Error {
  constructor(readonly field: string, readonly missing: UnavailableFact) {
    super(`${missing.fact} was not read within ${missing.ms} ms`);
    this.name = "FactUnavailable";
  }
}

/** A context field, or undefined when it was not gathered in time (for code outside the checks). */
export function factOrUndefined<K extends keyof CheckContext>(ctx: CheckContext, field: K): CheckContext[K] | undefined {
  return ctx.unavailable?.has(field) ? undefined : ctx[field];
}

export function resolveCodexHome(options: RunOptions, system: SystemInput): string {
  if (options.codexHome) return options.codexHome;
  const fromEnv = system.env.CODEX_HOME;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return join(system.homedir, ".codex");
}

/** "the CA certificates (SSL_CERT_DIR=/etc/certs)": the inputs the CA loader was reading. */
function caFact(options: RunOptions, env: Env): string {
  const inputs = [
    options.ca !== undefined ? `--ca ${options.ca}` : undefined,
    ...["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "SSL_CERT_DIR"].map((name) => (env[name] !== undefined ? `${name}=${env[name]}` : undefined)),
  ].filter((x) => x !== undefined);
  return inputs.length > 0 ? `the CA certificates (${inputs.join(", ")})` : "the system CA store";
}

export async function buildContext(options: RunOptions, system: SystemInput, limit?: RunLimit): Promise<CheckContext> {
  const codexHome = resolveCodexHome(options, system);
  const dotenvPath = join(codexHome, ".env");
  const facts = {
    dotenv: `$CODEX_HOME/.env (${dotenvPath})`,
    config: `$CODEX_HOME/config.toml (${join(codexHome, "config.toml")})`,
    ca: caFact(options, system.env),
    auth: `$CODEX_HOME/auth.json (${join(codexHome, "auth.json")})`,
    targets: "the endpoints to probe (from config.toml and the auth mode)",
  };
  const unavailable = new Map<string, UnavailableFact>();
  const ms = limit?.budgetMs ?? 0;
  /** One piece of fact gathering, bounded by the run's deadline; undefined when it lost the race. */
  const gather = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    if (!limit) return work();
    const raced = await limit.race(work());
    return raced.done ? raced.value : undefined;
  };
  const missing = (fields: string[], fact: string) => {
    for (const field of fields) if (!unavailable.has(field)) unavailable.set(field, { fact, ms });
  };

  // .env and config.toml are independent; the CA loader and auth.json need the .env overlay; the
  // endpoints need all of it.
  const [dotenv, config] = await Promise.all([
    gather(() => readDotenv(dotenvPath, system.env)),
    gather(() => loadCodexConfig(codexHome)),
  ]);
  if (!dotenv) missing(["dotenv", "env", "origins", "ca", "auth", "targets"], facts.dotenv);
  if (!config) missing(["config", "targets"], facts.config);
  const { env, origins } = dotenv ? applyDotenv(system.env, dotenv) : { env: undefined, origins: undefined };
  const [ca, auth] = await Promise.all([
    env &&
      gather(() =>
        loadCa({
          env,
          origins: origins!,
          caOverride: options.ca,
          probe: { platform: system.platform, linuxBundleCandidates: system.linuxBundleCandidates },
        }),
      ),
    env && gather(() => detectAuthMode(env, codexHome)),
  ]);
  if (!ca) missing(["ca"], facts.ca);
  if (!auth) missing(["auth", "targets"], facts.auth);
  const targets = env && config && auth && (await gather(() => planTargets({ env, config, codexHome, explicit: options.targets, auth })));
  if (!targets) missing(["targets"], facts.targets);

  const ctx = {
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
    targets,
    auth,
    searchPaths: system.searchPaths,
  } as CheckContext;
  if (unavailable.size > 0) {
    ctx.unavailable = unavailable;
    for (const [field, fact] of unavailable) {
      Object.defineProperty(ctx, field, {
        enumerable: true,
        get: () => {
          throw new FactUnavailable(field, fact);
        },
      });
    }
  }
  return ctx;
}
