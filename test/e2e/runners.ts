// Runs the two programs under comparison in one scenario's environment: the built codex-doctor
// (`tls --json`) and the real Codex CLI (`codex exec`, one turn, no retries).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Report } from "../../src/report/model.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CODEX_VERSION = (JSON.parse(readFileSync(join(ROOT, "test/e2e/codex/package.json"), "utf8")) as {
  dependencies: Record<string, string>;
}).dependencies["@openai/codex"]!;
export const CODEX_JS = join(ROOT, "test/e2e/codex/node_modules/@openai/codex/bin/codex.js");

/** The doctor as installed: whatever package.json's `bin` points at (built by launch.ts). */
export function doctorBin(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
  return join(ROOT, pkg.bin["codex-doctor"]!);
}

/**
 * A custom provider pointing at the stand-in origin, WebSockets on. Retries are off and the
 * start-up calls to github.com/chatgpt.com disabled, so a failing run ends instead of reconnecting
 * (`request_max_retries`/`stream_max_retries` alone do not bound it in 0.171).
 */
export const CODEX_CONFIG = `model = "gpt-5"
model_provider = "e2e"

[model_providers.e2e]
name = "e2e"
base_url = "https://api.openai.com/v1"
env_key = "OPENAI_API_KEY"
wire_api = "responses"
supports_websockets = true
request_max_retries = 0
stream_max_retries = 0

[features]
unbounded_connection_retries = false
plugins = false
remote_plugin = false
apps = false

[analytics]
enabled = false
`;

export interface Home {
  dir: string;
  home: string;
  codexHome: string;
  work: string;
}

export function makeHome(dir: string): Home {
  const home = { dir, home: join(dir, "home"), codexHome: join(dir, "codex-home"), work: join(dir, "work") };
  for (const d of [home.home, home.codexHome, home.work]) mkdirSync(d, { recursive: true });
  writeFileSync(join(home.codexHome, "config.toml"), CODEX_CONFIG);
  return home;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(command: string, args: string[], opts: { env: Record<string, string>; cwd: string; timeoutMs: number }): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Only what the scenario says, plus PATH: no CA or proxy variable leaks in from the test runner. */
function scenarioEnv(home: Home, apiKey: string, extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home.home, CODEX_HOME: home.codexHome, OPENAI_API_KEY: apiKey, ...extra };
}

export interface DoctorRun {
  report: Report;
  exitCode: number | null;
  ms: number;
}

export async function runDoctor(home: Home, apiKey: string, env: Record<string, string>): Promise<DoctorRun> {
  const ran = await run(process.execPath, [doctorBin(), "tls", "--json", "--no-color"], {
    env: scenarioEnv(home, apiKey, env),
    cwd: home.work,
    timeoutMs: 120_000,
  });
  try {
    return { report: JSON.parse(ran.stdout) as Report, exitCode: ran.code, ms: ran.ms };
  } catch {
    throw new Error(`codex-doctor printed no JSON report (exit ${ran.code}, signal ${ran.signal}):\n${ran.stdout}\n${ran.stderr}`);
  }
}

export interface CodexRun {
  exitCode: number | null;
  /** Killed by our timeout: Codex kept retrying although it was told not to. */
  timedOut: boolean;
  stdout: string;
  /** Codex's WARN/ERROR lines: where it says why a request failed. */
  log: string;
  ms: number;
}

export const CODEX_TIMEOUT_MS = 120_000;

export async function runCodex(home: Home, apiKey: string, env: Record<string, string>): Promise<CodexRun> {
  const ran = await run(
    process.execPath,
    [CODEX_JS, "exec", "--skip-git-repo-check", "--ephemeral", "-C", home.work, "Reply with one line."],
    { env: { ...scenarioEnv(home, apiKey, env), RUST_LOG: "warn", NO_COLOR: "1" }, cwd: home.work, timeoutMs: CODEX_TIMEOUT_MS },
  );
  const log = ran.stderr
    .split("\n")
    .filter((line) => /\b(WARN|ERROR)\b|^ERROR:|^warning: Falling back/.test(line) && !/Unknown model|model metadata/i.test(line))
    .join("\n");
  return { exitCode: ran.code, timedOut: ran.signal === "SIGKILL", stdout: ran.stdout, log, ms: ran.ms };
}
