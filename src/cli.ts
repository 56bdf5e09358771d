// `codex-doctor tls [options]`. main() parses, gathers, runs, renders and RETURNS the exit code:
// 0 nothing failed; 1 a check failed (or warned, with --strict); 2 usage error / could not run;
// 128 + signal number when the user interrupted (the report then shows what finished).
import { constants } from "node:os";
import yargs from "yargs";
import type { Env } from "./env.js";
import { buildContext, factOrUndefined, type RunOptions, type SystemInput } from "./context.js";
import { runChecks } from "./runner.js";
import { RunLimit, runBudgetMs } from "./run-limit.js";
import { buildReport, type Report } from "./report/model.js";
import { renderHuman } from "./report/human.js";
import { renderJson } from "./report/json.js";
import { redactDeep, secretsFrom } from "./report/redact.js";
import { startProgress } from "./report/progress.js";
import { CHECKS } from "../checks/index.js";
import { VERSION } from "./version.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Env;
  homedir: string;
  platform: NodeJS.Platform;
  /** Whether stdout/stderr are terminals (colour, spinner). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Where the spinner draws (the real stderr in the bin); no stream, no spinner. */
  spinnerStream?: NodeJS.WritableStream;
  now?: () => Date;
  linuxBundleCandidates?: string[];
  /** Aborted with the signal's name ("SIGINT") when the user interrupts: stop, report what finished. */
  interrupt?: AbortSignal;
  /** Tests shorten the run's time budget (default: runBudgetMs(--timeout)). */
  runBudgetMs?: number;
}

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Ten minutes: beyond that a probe is not "slow", and Node timers overflow past 2^31 ms. */
const MAX_TIMEOUT_MS = 600_000;

const DEFAULT_TIMEOUT_MS = 10_000;

/** Every option in one typed table: the README's flag list is checked against it. */
export const OPTIONS = {
  json: { type: "boolean", default: false, describe: "Print exactly one JSON report on stdout" },
  verbose: { alias: "v", type: "boolean", default: false, describe: "Show certificate tables, info findings and timings" },
  offline: { type: "boolean", default: false, describe: "Run only the local checks (no network traffic)" },
  only: { type: "string", array: true, describe: "Run only these check ids" },
  skip: { type: "string", array: true, describe: "Skip these check ids" },
  ca: { type: "string", describe: "Test a candidate bundle as if CODEX_CA_CERTIFICATE pointed to it" },
  "codex-home": { type: "string", describe: "Codex home (default: $CODEX_HOME, else ~/.codex)" },
  // No yargs default: a valueless `--timeout` must stay visible (undefined) to be refused.
  timeout: { type: "number", defaultDescription: String(DEFAULT_TIMEOUT_MS), describe: "Timeout per network probe, in ms (the whole run ends within 5× this + 2 s)" },
  target: { type: "string", array: true, describe: "Probe this URL instead of the default endpoints (repeatable)" },
  proxy: { type: "string", describe: "Use this proxy URL instead of the one from the environment" },
  strict: { type: "boolean", default: false, describe: "Treat warnings as failures (exit 1)" },
  color: { type: "boolean", default: true, describe: "Colour output (--no-color, or NO_COLOR, turns it off)" },
} as const;

interface ParsedArgs {
  json: boolean;
  verbose: boolean;
  offline: boolean;
  only?: string[];
  skip?: string[];
  ca?: string;
  "codex-home"?: string;
  timeout?: number;
  target?: string[];
  proxy?: string;
  strict: boolean;
  color: boolean;
  _: (string | number)[];
}

/** What each valued option takes, for the usage error when it is given without one. */
const VALUE_OF: Record<string, string> = {
  only: "a check id",
  skip: "a check id",
  ca: "the path of a PEM bundle",
  "codex-home": "a directory",
  timeout: "a number of milliseconds",
  target: "an https:// or wss:// URL",
  proxy: "a proxy URL such as http://proxy.example:8080",
};

/**
 * yargs hands a repeated single-valued option over as an array and a valueless one as "" (or an
 * empty array for the repeatable ones); both would reach the checks as nonsense, so refuse them here.
 */
function checkValues(args: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(OPTIONS)) {
    if (!(name in args) || spec.type === "boolean") continue;
    const value = args[name];
    if (value === undefined) throw new Error(`--${name} needs a value: ${VALUE_OF[name]}.`);
    const repeatable = "array" in spec && spec.array;
    if (!repeatable && Array.isArray(value)) {
      throw new Error(`--${name} was given ${value.length} times; it takes one value (${VALUE_OF[name]}).`);
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.some((v) => v === "" || (typeof v === "number" && Number.isNaN(v)))) {
      throw new Error(`--${name} needs a value: ${VALUE_OF[name]}.`);
    }
  }
}

type ParseOutcome = { kind: "run"; args: ParsedArgs } | { kind: "output"; text: string } | { kind: "usage"; message: string };

function parseArgs(argv: string[]): Promise<ParseOutcome> {
  const knownIds = CHECKS.map((c) => c.id);
  const parser = yargs()
    .scriptName("codex-doctor")
    .usage("$0 tls [options]\n\nFind why the OpenAI Codex CLI fails behind a TLS-inspecting proxy, and print the fix.")
    .command("tls", "Diagnose Codex's CA bundle, environment, proxy and TLS trust")
    .options(OPTIONS)
    .check((args) => {
      if (args.help || args.version) return true;
      if (args._.length === 0) throw new Error("Missing command: run `codex-doctor tls`.");
      const command = String(args._[0]);
      if (command !== "tls") throw new Error(`Unknown command "${command}": the only command is \`tls\`.`);
      if (args._.length > 1) throw new Error(`Unexpected argument "${args._[1]}".`);
      checkValues(args);
      for (const list of [args.only, args.skip]) {
        for (const id of (list as string[] | undefined) ?? []) {
          if (!knownIds.includes(id)) throw new Error(`Unknown check id "${id}". Known: ${knownIds.join(", ")}.`);
        }
      }
      const timeout = args.timeout as number | undefined;
      if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_MS)) {
        throw new Error(`--timeout takes a number of milliseconds between 1 and ${MAX_TIMEOUT_MS}.`);
      }
      for (const t of (args.target as string[] | undefined) ?? []) {
        let url: URL;
        try {
          url = new URL(t);
        } catch {
          throw new Error(`--target "${t}" is not a URL.`);
        }
        if (!["https:", "wss:"].includes(url.protocol)) throw new Error(`--target "${t}" must be an https:// or wss:// URL.`);
      }
      return true;
    })
    .strict()
    .help()
    .alias("h", "help")
    .version(VERSION)
    .exitProcess(false)
    .wrap(100);

  return new Promise((resolve) => {
    parser.parse(argv, {}, (err: Error | undefined, args: unknown, output: string) => {
      if (err) {
        resolve({ kind: "usage", message: err.message.split("\n")[0] });
        return;
      }
      const a = args as ParsedArgs & { help?: boolean; version?: boolean };
      if (output && (a.help || a.version || argv.includes("--help") || argv.includes("-h") || argv.includes("--version"))) {
        resolve({ kind: "output", text: output });
        return;
      }
      resolve({ kind: "run", args: a });
    });
  });
}

function colorEnabled(args: ParsedArgs, io: CliIo): boolean {
  if (!args.color) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return io.stdoutIsTTY;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const parsed = await parseArgs(argv);
  if (parsed.kind === "output") {
    io.stdout(parsed.text.endsWith("\n") ? parsed.text : parsed.text + "\n");
    return EXIT.OK;
  }
  if (parsed.kind === "usage") {
    io.stderr(`codex-doctor: ${parsed.message}\nRun \`codex-doctor --help\` for usage.\n`);
    return EXIT.USAGE;
  }
  const args = parsed.args;
  const now = io.now ?? (() => new Date());
  const options: RunOptions = {
    offline: args.offline,
    verbose: args.verbose,
    strict: args.strict,
    timeoutMs: args.timeout ?? DEFAULT_TIMEOUT_MS,
    ca: args.ca,
    codexHome: args["codex-home"],
    targets: args.target ?? [],
    proxy: args.proxy,
  };
  const system: SystemInput = {
    env: io.env,
    homedir: io.homedir,
    platform: io.platform,
    now: now(),
    linuxBundleCandidates: io.linuxBundleCandidates,
  };
  const secrets = secretsFrom(io.env);
  const limit = new RunLimit(io.runBudgetMs ?? runBudgetMs(options.timeoutMs), io.interrupt);
  const progress = await startProgress({ enabled: !args.json && io.stderrIsTTY, stream: io.spinnerStream });

  let report: Report;
  let exit: number;
  try {
    const ctx = await buildContext(options, system, limit);
    for (const s of secretsFrom(factOrUndefined(ctx, "env") ?? {})) if (!secrets.includes(s)) secrets.push(s);
    const results = await runChecks(CHECKS, ctx, {
      only: args.only,
      skip: args.skip,
      offline: args.offline,
      checkTimeoutMs: limit.budgetMs,
      limit,
      onStart: (check) => progress.update(check.title),
    });
    report = buildReport({ version: VERSION, now: system.now, ca: factOrUndefined(ctx, "ca") ?? null, checks: results });
    exit = report.ok && !(args.strict && report.summary.warn > 0) ? EXIT.OK : EXIT.FAILED;
  } catch (err) {
    // The tool itself could not run: still one well-formed report, ok:false, exit 2.
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    report = buildReport({
      version: VERSION,
      now: system.now,
      ca: null,
      checks: [
        {
          id: "doctor",
          title: "codex-doctor itself",
          status: "fail",
          summary: "codex-doctor could not gather its facts",
          findings: [
            {
              level: "error",
              code: "INTERNAL_ERROR",
              message: `codex-doctor crashed while gathering facts: ${detail}`,
              hint: "This is a bug in codex-doctor. Please report it with this output.",
            },
          ],
          durationMs: 0,
          data: {},
        },
      ],
    });
    exit = EXIT.USAGE;
  } finally {
    progress.stop();
  }
  const safe = redactDeep(report, secrets);
  io.stdout(args.json ? renderJson(safe) : renderHuman(safe, { color: colorEnabled(args, io), verbose: args.verbose }));
  const signal = limit.interruptedBy();
  return signal ? 128 + (constants.signals[signal as NodeJS.Signals] ?? constants.signals.SIGINT) : exit;
}
